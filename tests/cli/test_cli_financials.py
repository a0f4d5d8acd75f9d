"""End-to-end tests of `peernet financials` and `peernet benchmarks` on a small store."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from peernet import (
    ApplyForMembership,
    AssignFacilitator,
    FormGroup,
    Money,
    Network,
    RegisterCompany,
    SignAgreement,
    SubmitFinancials,
    TakeSeat,
)
from peernet.cli import cli
from peernet.testing import profile, some_id

T0 = datetime(2009, 1, 5, tzinfo=UTC)
NAMES = ["Acme", "Bolt", "Core", "Dyna"]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def store(tmp_path: Path) -> str:
    """Dallas (facilitator Arlin): four members submit 2009Q4; Austin has none."""
    url = f"sqlite:///{tmp_path / 'fin.db'}"
    net = Network(url)
    dallas, austin = some_id("dallas"), some_id("austin")
    net.execute(FormGroup(group_id=dallas, name="Dallas", actor="t", at=T0))
    net.execute(FormGroup(group_id=austin, name="Austin", actor="t", at=T0))
    net.execute(AssignFacilitator(group_id=dallas, facilitator="Arlin", actor="t", at=T0))
    for i, name in enumerate(NAMES):
        company, member = some_id(name), some_id(f"m {name}")
        net.execute(
            RegisterCompany(
                company_id=company, profile=profile(name, region=name), actor="t", at=T0
            )
        )
        net.execute(
            ApplyForMembership(
                membership_id=member, group_id=dallas, company_id=company, actor="t", at=T0
            )
        )
        net.execute(SignAgreement(membership_id=member, actor="t", at=T0))
        net.execute(TakeSeat(membership_id=member, actor="t", at=T0))
        net.execute(
            SubmitFinancials(
                membership_id=member,
                quarter="2009Q4",
                revenue=Money(Decimal(1_000_000), "USD"),
                gross_profit=Money(Decimal(400_000), "USD"),
                ebitda=Money(Decimal(50_000 * (i + 1)), "USD"),
                recurring_revenue=Money(Decimal(300_000), "USD"),
                service_wages=Money(Decimal(200_000), "USD"),
                head_count=10,
                actor="cfo",
                at=datetime(2010, 1, 10, tzinfo=UTC),
            )
        )
    return url


def test_benchmarks_withhold_a_network_figure_from_four_companies(store: str) -> None:
    """Four contributors: every network median is withheld, with the reason."""
    result = run("benchmarks", "--quarter", "2009q4", "--db", store, "--json")

    assert 0 == result.exit_code, result.output
    data = json.loads(result.output)
    assert [None] * 5 == [m["network_median"] for m in data["metrics"]]
    assert (
        "too few reporting: only 4 companies contribute (at least 5 needed); "
        "no quarter has figures from 5 companies yet"
    ) == data["metrics"][0]["withheld"]


def test_benchmarks_show_a_network_figure_when_the_threshold_is_lowered(store: str) -> None:
    """--min-companies 4 --max-share 25: four equal revenues, median EBITDA 12.5%."""
    result = run(
        "benchmarks", "--quarter", "2009Q4", "--min-companies", "4", "--db", store, "--json"
    )

    assert 0.125 == json.loads(result.output)["metrics"][0]["network_median"]


def test_a_groups_quartiles_are_printed_for_its_facilitator(store: str) -> None:
    """The facilitator sees each member's quartile, best first, named (never "Q4",
    which reads as a quarter)."""
    result = run(
        "benchmarks", "--quarter", "2009Q4", "Dallas", "--as", "facilitator:Arlin", "--db", store
    )

    assert 0 == result.exit_code, result.output
    assert "top quartile: Dyna" in " ".join(result.output.split())
    assert "withheld" in result.output
    assert "Dyna Q4" not in result.output


def test_a_reader_from_another_group_is_denied(store: str) -> None:
    """A facilitator of another group gets AccessDenied: one line, exit 1."""
    result = run(
        "benchmarks", "--quarter", "2009Q4", "Dallas", "--as", "facilitator:Nobody", "--db", store
    )

    assert 1 == result.exit_code
    assert "may not read the benchmarks of group Dallas" in result.output


def test_a_member_reads_a_peers_two_year_review(store: str) -> None:
    """Eight quarters, the last with the figures; the others not submitted."""
    result = run("financials", "Acme", "--as", "member:Bolt", "--db", store, "--json")

    assert 0 == result.exit_code, result.output
    data = json.loads(result.output)
    assert 8 == len(data["quarters"])
    assert [False] * 7 + [True] == [q["submitted"] for q in data["quarters"]]
    assert 1 == data["quarters"][-1]["quartiles"]["ebitda_pct"]


def test_staff_may_not_read_a_companys_financials(store: str) -> None:
    """Network staff get AccessDenied."""
    result = run("financials", "Acme", "--as", "staff:Sam", "--db", store)

    assert 1 == result.exit_code
    assert "may not read the financials of group Dallas" in result.output


def test_a_malformed_quarter_is_bad_input(store: str) -> None:
    """Exit 2."""
    assert 2 == run("benchmarks", "--quarter", "2009-12", "--db", store).exit_code


def test_a_quarter_without_figures_says_which_quarters_have_them(store: str) -> None:
    """2010Q1 has no figures: each metric says too few reported, and names 2009Q4."""
    result = run(
        "benchmarks", "--quarter", "2010Q1", "--min-companies", "4", "--db", store, "--json"
    )

    data = json.loads(result.output)
    assert ["2009Q4"] == data["reported"]
    assert {
        "too few reporting: only 0 companies contribute (at least 4 needed); "
        "quarters with figures from 4 or more: 2009Q4"
    } == {m["withheld"] for m in data["metrics"]}


def test_a_review_names_each_quartile_in_words(store: str) -> None:
    """Beside quarters like 2009Q4, a quartile reads "(1st)", explained under the table,
    not "(Q1)"."""
    args = ["financials", "Acme", "--as", "member:Bolt", "--db", store]
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "200"})

    assert 0 == result.exit_code, result.output
    assert "(1st)" in result.output
    assert "(1st to 4th): its quartile in its group that quarter; 4th is the top" in result.output
    assert "(Q1)" not in result.output
