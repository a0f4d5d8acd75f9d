"""End-to-end tests of the partner economy's commands on a small store: `deals`, `deal`,
`referrals`, `partners`, `scorecard`, `p2p`, `competitions` and `awards`."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner, Result

from peernet import (
    AcceptInvitation,
    AcceptReferral,
    AssignFacilitator,
    CastJuryBallot,
    CloseDeal,
    EnterCompetition,
    FormGroup,
    InviteToDeal,
    JudgeCompetition,
    MakeReferral,
    Money,
    Network,
    OpenCompetition,
    ProposeDeal,
    RegisterCompany,
    WinDeal,
)
from peernet.cli import cli
from peernet.testing import joining, membership_of, profile, some_id

T0 = datetime(2009, 1, 5, tzinfo=UTC)
HTG1, HTG2 = some_id("HTG 1"), some_id("HTG 2")
COMPANIES = {
    "Acme": (HTG1, "austin", "voip"),
    "Bravo": (HTG2, "dallas", "backup"),
    "Cobalt": (HTG2, "houston", "storage"),
    "Delta": (HTG1, "waco", "security"),
}
DEAL, REFERRAL, CONTEST = some_id("deal"), some_id("referral"), some_id("contest")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def member(name: str) -> Any:
    return membership_of(COMPANIES[name][0], some_id(name))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Acme brings Bravo into a bank's deal (closed); Bravo refers a clinic to Cobalt;
    a competition awards Bravo's entry. HTG 2's facilitator is Fran."""
    url = f"sqlite:///{tmp_path_factory.mktemp('partners') / 'p.db'}"
    net = Network(url)
    at = T0

    def act(command_type: Any, **fields: Any) -> None:
        net.execute(command_type(actor="t", at=at, **fields))

    act(FormGroup, name="HTG 1", group_id=HTG1)
    act(FormGroup, name="HTG 2", group_id=HTG2)
    act(AssignFacilitator, group_id=HTG2, facilitator="Fran")
    for name, (group, region, line) in COMPANIES.items():
        details = profile(name, region=region, lines=(line,))
        act(RegisterCompany, profile=details, company_id=some_id(name))
        for command in joining(group, some_id(name), at=at):
            net.execute(command)
    act(ProposeDeal, deal_id=DEAL, membership_id=member("Acme"), customer="First Bank", line="voip")
    act(InviteToDeal, deal_id=DEAL, membership_id=member("Bravo"), line="backup")
    act(AcceptInvitation, deal_id=DEAL, membership_id=member("Bravo"))
    act(WinDeal, deal_id=DEAL)
    act(CloseDeal, deal_id=DEAL, value=Money(Decimal("1000.00"), "USD"))
    act(
        MakeReferral,
        referral_id=REFERRAL,
        membership_id=member("Bravo"),
        to_membership_id=member("Cobalt"),
        line="storage",
        customer="Harlan Clinic",
    )
    act(AcceptReferral, referral_id=REFERRAL)
    entry = some_id("entry")
    act(
        OpenCompetition,
        competition_id=CONTEST,
        theme="Growing together",
        entries_close=at + timedelta(days=10),
        judging_closes=at + timedelta(days=20),
        jury=(member("Acme"), member("Cobalt"), member("Delta")),
    )
    act(
        EnterCompetition,
        competition_id=CONTEST,
        entry_id=entry,
        membership_id=member("Bravo"),
        title="Backup for a bank",
        summary="with Acme",
        partners=(some_id("Acme"),),
    )
    at = T0 + timedelta(days=12)
    for juror in ("Cobalt", "Delta"):
        act(
            CastJuryBallot,
            competition_id=CONTEST,
            entry_id=entry,
            juror_id=member(juror),
            in_favour=True,
        )
    at = T0 + timedelta(days=21)
    act(JudgeCompetition, competition_id=CONTEST)
    net.close()
    return url


def test_deals_show_the_customer_to_an_auditor(store: str) -> None:
    """The default reader, auditor:operator, reads the customer and the value."""
    result = run("deals", "--db", store, "--json")

    assert 0 == result.exit_code, result.output
    (deal,) = json.loads(result.output)["deals"]
    assert ("First Bank", "closed") == (deal["customer"], deal["status"])


def test_deals_hide_the_customer_from_staff(store: str) -> None:
    """Staff see who and which line, and `hidden` where the customer and value stand."""
    result = run("deals", "Acme", "--db", store, "--as", "staff:Sam")

    assert 0 == result.exit_code, result.output
    assert "First Bank" not in result.output
    assert "hidden" in result.output


def test_a_deal_is_read_by_a_partners_facilitator(store: str) -> None:
    """HTG 2's facilitator reads Bravo's deal, by the first characters of its id."""
    result = run("deal", str(DEAL)[:8], "--db", store, "--as", "facilitator:Fran")

    assert 0 == result.exit_code, result.output
    assert "First Bank" in result.output
    assert "Bravo 500.00 USD" in result.output


def test_a_deal_is_refused_to_a_member_who_is_not_on_it(store: str) -> None:
    """Delta reads nothing of it: one line on stderr, exit 1."""
    result = run("deal", str(DEAL), "--db", store, "--as", "member:Delta")

    assert 1 == result.exit_code
    assert "confidential_to_the_group" in result.output


def test_referrals_say_what_became_of_each(store: str) -> None:
    """Bravo's referral to Cobalt, accepted."""
    result = run("referrals", "Bravo", "--db", store, "--json")

    assert 0 == result.exit_code, result.output
    assert [("Cobalt", "accepted")] == [
        (r["to_company"], r["status"]) for r in json.loads(result.output)
    ]


def test_partners_draws_the_graph_in_graphviz(store: str) -> None:
    """`--format dot` prints an edge from Acme to Bravo, labelled with the deal."""
    result = run("partners", "Acme", "--year", "2009", "--db", store, "--format", "dot")

    assert 0 == result.exit_code, result.output
    assert '"Acme" -- "Bravo" [label="1 deal, 1,000.00 USD"' in result.output


def test_partners_lists_revenue_and_partners_as_json(store: str) -> None:
    """Acme's half of the deal, and Bravo as its one partner."""
    result = run("partners", "Acme", "--year", "2009", "--db", store, "--json")

    data = json.loads(result.output)
    assert ({"USD": "500.00"}, ["Bravo"]) == (
        data["revenue"],
        [p["company"] for p in data["partners"]],
    )


def test_a_scorecard_has_a_mark_on_each_line(store: str) -> None:
    """Acme's 2009Q1 scorecard: the P2P line counts the deal it brought Bravo into."""
    result = run("scorecard", "Acme", "--quarter", "2009q1", "--db", store, "--json")

    assert 0 == result.exit_code, result.output
    lines = {line["line"]: line for line in json.loads(result.output)["lines"]}
    assert "proposed 1, invited into 0, closed 1" in lines["P2P deals"]["figures"]
    assert "green" == lines["flags"]["mark"]


def test_a_scorecard_of_a_malformed_quarter_is_bad_input(store: str) -> None:
    """Exit 2 and one line naming the quarter's form."""
    result = run("scorecard", "Acme", "--quarter", "2009-3", "--db", store)

    assert 2 == result.exit_code
    assert "2009Q4" in result.output


def test_p2p_withholds_the_networks_revenue_below_five_companies(store: str) -> None:
    """Two companies share the year's revenue: withheld, with the reason."""
    result = run("p2p", "--year", "2009", "--db", store, "--json")

    (year,) = json.loads(result.output)
    assert (1, None) == (year["deals"], year["revenue"]["value"])
    assert year["revenue"]["withheld"].startswith("only 2 companies")


def test_competitions_and_awards_tell_who_won(store: str) -> None:
    """Bravo's entry carried and won the first award."""
    contests = json.loads(run("competitions", "--db", store, "--json").output)
    awards = json.loads(run("awards", "Bravo", "--db", store, "--json").output)

    assert ["carried"] == [e["outcome"] for e in contests[0]["entries"]]
    assert [("Bravo", 1)] == [(a["company"], a["rank"]) for a in awards]


def test_p2p_goes_quarter_by_quarter(store: str) -> None:
    """`--by quarter`: four lines for 2009, the deal closed in the first."""
    result = run("p2p", "--year", "2009", "--by", "quarter", "--db", store, "--json")

    assert [1, 0, 0, 0] == [q["deals"] for q in json.loads(result.output)]


def test_p2p_of_a_group_for_its_own_eyes(store: str) -> None:
    """HTG 2 (Bravo's group): Bravo's share of the deal and its referral given; refused
    to a member of HTG 1."""
    inside = run(
        "p2p", "HTG 2", "--year", "2009", "--db", store, "--as", "facilitator:Fran", "--json"
    )
    outside = run("p2p", "HTG 2", "--year", "2009", "--db", store, "--as", "member:Acme")

    (year,) = json.loads(inside.output)
    assert ({"USD": "500.00"}, 1) == (year["revenue"], year["referrals_given"])
    assert 1 == outside.exit_code
