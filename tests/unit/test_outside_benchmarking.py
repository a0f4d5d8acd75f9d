"""Outside benchmarking: members opt into the network's provider, free until the
charter's mandatory date and required after it; industry reference figures come from a
CSV file with their source and quarter, compared beside the network's and a group's."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

import pytest

from peernet.adapters.reference import read_reference_figures
from peernet.application import Network
from peernet.domain.companies import BenchmarkingOptedIn, OptIntoBenchmarking
from peernet.domain.errors import InvalidValue, MalformedQuarter
from peernet.domain.governance import (
    CharterNetwork,
    ImportReferenceFigures,
    ReferenceFigure,
    ReferenceFiguresImported,
)
from peernet.domain.network_charter import NetworkCharter
from peernet.domain.network_errors import NetworkNotChartered, NotNetworkStaff
from peernet.projections.benchmarking import compare
from peernet.projections.financials import EBITDA, Benchmarks, MetricBenchmark, NetworkFigure
from peernet.testing import T0, founding, history, refused, registered, some_id, some_ids, when
from peernet.testing.bodies import STAFF, chartered

ACME = some_id("acme")
LATER = T0 + timedelta(days=1)
CSV = "metric,lower_quartile,median,upper_quartile\nebitda_pct,0.04,0.09,0.15\n"


def opt_in(provider: str = "Service Leadership", company_id: UUID = ACME) -> OptIntoBenchmarking:
    return OptIntoBenchmarking(company_id=company_id, provider=provider, actor="acme", at=LATER)


def test_a_member_opts_into_the_networks_provider() -> None:
    """The opt-in names the provider."""
    situation = history(chartered(benchmarking_provider="Service Leadership"), registered(ACME))

    assert [BenchmarkingOptedIn(company_id=ACME, provider="Service Leadership", at=LATER)] == (
        when(situation, opt_in())
    )


def test_another_provider_than_the_networks_is_refused() -> None:
    """The charter names the provider: another is bad input."""
    situation = history(chartered(benchmarking_provider="Service Leadership"), registered(ACME))

    assert InvalidValue is type(refused(situation, opt_in("Someone Else")))


def test_opting_in_twice_records_nothing() -> None:
    """A second opt-in changes nothing."""
    situation = history(registered(ACME), BenchmarkingOptedIn(company_id=ACME, provider="x", at=T0))

    assert [] == when(situation, opt_in("x"))


def figures(**fields: Any) -> ImportReferenceFigures:
    fields.setdefault("figures", read_reference_figures(CSV))
    fields.setdefault("quarter", "2009q1")
    fields.setdefault("actor", STAFF)
    return ImportReferenceFigures(source="Service Leadership", at=LATER, **fields)


def test_reference_figures_are_imported_with_source_and_quarter() -> None:
    """The staff import a quarter's figures; the quarter is written as 2009Q1."""
    events = when(history(chartered()), figures())

    assert [("Service Leadership", "2009Q1", EBITDA)] == [
        (e.source, e.quarter, e.figures[0].metric)  # type: ignore[attr-defined]
        for e in events
    ]


def test_importing_needs_a_chartered_network_and_its_staff() -> None:
    """Before a charter there is no network stream to hold them; after, only the staff."""
    assert (NetworkNotChartered, NotNetworkStaff) == (
        type(refused(history(), figures())),
        type(refused(history(chartered()), figures(actor="a member"))),
    )


def test_a_malformed_quarter_is_refused() -> None:
    """Quarters are YYYYQn."""
    assert MalformedQuarter is type(refused(history(chartered()), figures(quarter="spring")))


def test_the_csv_reader_reads_each_metrics_quartiles() -> None:
    """One row a metric, the numbers as written."""
    assert (
        ReferenceFigure(
            metric=EBITDA,
            lower_quartile=Decimal("0.04"),
            median=Decimal("0.09"),
            upper_quartile=Decimal("0.15"),
        ),
    ) == read_reference_figures(CSV)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("metric,median\nebitda_pct,1\n", "header"),
        ("metric,lower_quartile,median,upper_quartile\nprofit,1,2,3\n", "line 2"),
        ("metric,lower_quartile,median,upper_quartile\nebitda_pct,a,2,3\n", "numbers"),
        ("metric,lower_quartile,median,upper_quartile\nebitda_pct,3,2,1\n", "lower <= median"),
    ],
)
def test_a_bad_reference_file_is_one_line_naming_the_fault(text: str, says: str) -> None:
    """A wrong header, metric, number or order of quartiles: InvalidValue that says where."""
    with pytest.raises(InvalidValue) as raised:
        read_reference_figures(text)

    assert says in str(raised.value)


def test_reference_quartiles_stand_beside_the_networks_and_the_groups_medians() -> None:
    """compare() lines up the outside quartiles with our medians, metric by metric."""
    imported = ReferenceFiguresImported(
        source="SL", quarter="2009Q1", figures=read_reference_figures(CSV), at=T0
    )
    ours = Benchmarks(
        quarter="2009Q1",
        group_id=str(some_id("g")),
        currency="USD",
        min_companies=5,
        max_share=Fraction(1, 4),
        metrics=(
            MetricBenchmark(
                metric=EBITDA,
                network=NetworkFigure(value=Fraction(1, 10), contributors=6),
                group_median=Fraction(1, 8),
            ),
        ),
    )

    line = compare(imported, ours).lines[0]

    assert (Fraction(9, 100), Fraction(1, 10), Fraction(1, 8)) == (
        line.median,
        line.network_median,
        line.group_median,
    )


def test_half_the_members_opted_in_and_after_the_mandatory_date_the_rest_are_missing() -> None:
    """Two of four opted in: half; from the mandatory date the other two are named."""
    members = some_ids("member", 4)
    network = Network("memory://")
    network.execute(
        CharterNetwork(
            charter=NetworkCharter(staff={STAFF}, benchmarking_mandatory_from=date(2010, 1, 1)),
            actor=STAFF,
            at=T0,
        )
    )
    for command in founding(some_id("htg 1"), *members, actor=STAFF):
        network.execute(command)
    for company in members[:2]:
        network.execute(opt_in("SL", company_id=company))

    before = network.benchmarking(on=date(2009, 6, 30))
    after = network.benchmarking(on=date(2010, 1, 1))

    assert (Fraction(1, 2), (), False) == (before.share, before.missing, before.mandatory)
    assert (sorted(members[2:], key=str), True) == (list(after.missing), after.mandatory)
