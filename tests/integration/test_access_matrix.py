"""The access matrix of docs/confidentiality.md, called for real: every query, the audit
trail and its exports, for every kind of reader, give what the page says: `full`,
`redacted` (the confidential part left out) or `denied` (`AccessDenied`). The page's
table is the one matrix; this test reads it, so the page cannot drift from the code."""

import csv
import inspect
import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import orjson
import pytest

from peernet import (
    AccessDenied,
    AssignFacilitator,
    CastBallot,
    Charter,
    CharterNetwork,
    CloseQuarter,
    Command,
    FormGroup,
    ImportReferenceFigures,
    MakeReferral,
    MotionKind,
    Network,
    NetworkCharter,
    ProposeDeal,
    RaiseMotion,
    Reader,
    RecordPayment,
    RegisterCompany,
    Resign,
    ScheduleGathering,
    ScheduleMeeting,
    SetGoal,
    SubmitFinancials,
    SubmitPrep,
)
from peernet.audit import write_csv, write_jsonl
from peernet.domain.governance import ReferenceFigure
from peernet.domain.money import Money
from peernet.projections import Period
from peernet.testing import joining, membership_of, profile, some_id, target

PAGE = Path(__file__).parents[2] / "docs" / "confidentiality.md"
GROUP, OTHER = some_id("matrix group"), some_id("matrix other group")
ACME, BOLT, CRUX, EXIT, DUNE = (some_id(n) for n in ("acme", "bolt", "crux", "exit", "dune"))
GOAL, MOTION, MEETING, GATHERING = (some_id(n) for n in ("goal", "motion", "meeting", "summit"))
DEAL, REFERRAL = some_id("deal"), some_id("referral")
LINES = {DUNE: ("voip",)}
YEAR = Period.year(2010)
START = datetime(2009, 10, 1, 9, tzinfo=UTC)
SOURCE = "Service Leadership"
EBITDA_FIGURE = ReferenceFigure(
    metric="ebitda_pct",
    lower_quartile=Decimal("0.05"),
    median=Decimal("0.10"),
    upper_quartile=Decimal("0.15"),
)
#: the quarter 2009Q4 is over: its figures are filed and it closes from here on
QUARTER_OVER = datetime(2010, 1, 5, 9, tzinfo=UTC)


def _commands() -> Iterator[tuple[type[Command], dict[str, Any]]]:
    """The network chartered, its office as staff, with an outside source's figures for
    2009Q4. Group G (facilitated by Fay, financials mandatory) with Acme, Bolt, Crux and
    Exit; group H (facilitated by Hal) with Dune. Acme sets a goal, preps, files 2009Q4
    and moves a charter motion Bolt votes on; the quarter's close flags Bolt and Crux;
    a summit is scheduled; Acme proposes a deal and refers an opportunity to Dune, who
    sells voip; Exit resigns."""
    yield CharterNetwork, {"charter": NetworkCharter(staff=frozenset({"office"}))}
    yield FormGroup, {"group_id": GROUP, "name": "G", "charter": Charter(financials_mandatory=True)}
    yield AssignFacilitator, {"group_id": GROUP, "facilitator": "Fay"}
    yield (
        ImportReferenceFigures,
        {"source": SOURCE, "quarter": "2009Q4", "figures": (EBITDA_FIGURE,)},
    )
    yield FormGroup, {"group_id": OTHER, "name": "H"}
    yield AssignFacilitator, {"group_id": OTHER, "facilitator": "Hal"}
    for i, (company, group) in enumerate(
        [(ACME, GROUP), (BOLT, GROUP), (CRUX, GROUP), (EXIT, GROUP), (DUNE, OTHER)]
    ):
        yield (
            RegisterCompany,
            {
                "company_id": company,
                "profile": profile(
                    f"Co {i}", region=f"r{i}", lines=LINES.get(company, ("managed services",))
                ),
            },
        )
        for command in joining(group, company):
            fields = attrs.asdict(command, recurse=False)
            yield type(command), {k: v for k, v in fields.items() if k not in ("at", "actor")}
    yield (
        SetGoal,
        {"membership_id": member(ACME), "target": target(due=date(2010, 3, 1)), "goal_id": GOAL},
    )
    yield (
        ScheduleMeeting,
        {
            "group_id": GROUP,
            "meeting_id": MEETING,
            "starts": date(2010, 2, 1),
            "ends": date(2010, 2, 1),
            "venue": "a hotel",
        },
    )
    yield (
        SubmitPrep,
        {"meeting_id": MEETING, "membership_id": member(ACME), "summary": "our pipeline"},
    )
    usd = Money(Decimal(1000), "USD")
    yield (
        SubmitFinancials,
        {
            "membership_id": member(ACME),
            "quarter": "2009Q4",
            "revenue": usd,
            "gross_profit": usd,
            "ebitda": usd,
            "recurring_revenue": usd,
            "service_wages": usd,
            "head_count": 5,
        },
    )
    yield CloseQuarter, {"group_id": GROUP, "quarter": "2009Q4"}
    yield (
        RaiseMotion,
        {
            "group_id": GROUP,
            "raised_by": member(ACME),
            "kind": MotionKind.CHARTER,
            "charter": Charter(capacity=11, financials_mandatory=True),
            "deadline": datetime(2010, 3, 1, tzinfo=UTC),
            "motion_id": MOTION,
        },
    )
    yield CastBallot, {"motion_id": MOTION, "voter_id": member(BOLT), "in_favour": True}
    yield (
        ScheduleGathering,
        {
            "gathering_id": GATHERING,
            "name": "Summit",
            "venue": "Orlando",
            "starts": date(2010, 5, 1),
            "ends": date(2010, 5, 3),
        },
    )
    yield RecordPayment, {"company_id": ACME, "amount": usd, "reference": "cheque 7"}
    yield (
        ProposeDeal,
        {
            "membership_id": member(ACME),
            "customer": "First Bank",
            "line": "managed services",
            "deal_id": DEAL,
        },
    )
    yield (
        MakeReferral,
        {
            "membership_id": member(ACME),
            "to_membership_id": member(DUNE),
            "line": "voip",
            "customer": "Second Bank",
            "referral_id": REFERRAL,
        },
    )
    yield Resign, {"membership_id": member(EXIT), "reason": "sold"}


def member(company_id: UUID) -> UUID:
    return membership_of(OTHER if company_id == DUNE else GROUP, company_id)


def told() -> Network:
    """A network in memory that went through `_commands`, five minutes apart."""
    net = Network("memory://")
    at = START
    for command_type, fields in _commands():
        at += timedelta(minutes=5)
        if command_type is SubmitFinancials:
            at = QUARTER_OVER
        net.execute(command_type(**fields, at=at, actor="office"))
    return net


@pytest.fixture(scope="module")
def network() -> Iterator[Network]:
    net = told()
    yield net
    net.close()


READERS: dict[str, Reader | None] = {
    "nobody": None,
    "staff": Reader.staff("Sam"),
    "auditor": Reader.auditor("Ada"),
    "facilitator": Reader.facilitator("Fay"),
    "other facilitator": Reader.facilitator("Hal"),
    "member": Reader.member(member(ACME)),
    "former member": Reader.member(member(EXIT)),
    "outside member": Reader.member(member(DUNE)),
}


def _seen(part: Any) -> str:
    return "full" if part else "redacted"


def _trail_rows(network: Network, reader: Reader | None, fmt: str) -> list[dict[str, Any]]:
    entries = network.trail(GROUP, reader=reader)
    if fmt == "jsonl":
        out = io.BytesIO()
        write_jsonl(entries, out)
        return [orjson.loads(line) for line in out.getvalue().splitlines()]
    text = io.StringIO()
    write_csv(entries, text)
    return list(csv.DictReader(io.StringIO(text.getvalue())))


#: what each query of the matrix shows a reader: how it is called and what is looked at
QUERIES: dict[str, Callable[[Network, Reader | None], str]] = {
    "groups()": lambda n, r: _seen(n.groups(reader=r)),
    "roster(group_id)": lambda n, r: _seen(n.roster(GROUP, reader=r).members),
    "history(company_id)": lambda n, r: _seen(n.history(ACME, reader=r).memberships),
    "company(company_id)": lambda n, r: _seen(n.company(BOLT, reader=r).memberships[0].flags),
    "companies()": lambda n, r: _seen(
        [m.flags for c in n.companies(reader=r) for m in c.memberships if m.flags]
    ),
    "companies_page()": lambda n, r: _seen(
        [m.flags for c in n.companies_page(reader=r).items for m in c.memberships if m.flags]
    ),
    "membership(membership_id)": lambda n, r: _seen(n.membership(member(BOLT), reader=r).flags),
    "goal(goal_id)": lambda n, r: _seen(n.goal(GOAL, reader=r).target),
    "group_goals(group_id)": lambda n, r: _seen(n.group_goals(GROUP, reader=r)),
    "goal_record(membership_id)": lambda n, r: _seen(n.goal_record(member(ACME), reader=r).goals),
    "motion(motion_id)": lambda n, r: _seen(n.motion(MOTION, reader=r).ballots),
    "group_motions(group_id)": lambda n, r: _seen(n.group_motions(GROUP, reader=r)[0].ballots),
    "meeting(meeting_id)": lambda n, r: _seen(n.meeting(MEETING, reader=r).prep[0].summary),
    "group_meetings(group_id)": lambda n, r: _seen(
        n.group_meetings(GROUP, reader=r)[0].prep[0].summary
    ),
    "meetings_page(group_id)": lambda n, r: _seen(
        n.meetings_page(group_id=GROUP, reader=r).items[0].prep[0].summary
    ),
    "gathering(gathering_id)": lambda n, r: _seen(n.gathering(GATHERING, reader=r).name),
    "gatherings()": lambda n, r: _seen(n.gatherings(reader=r)),
    "account(company_id)": lambda n, r: _seen(n.account(ACME, reader=r).entries),
    "benchmarks(quarter)": lambda n, r: _seen(
        n.benchmarks("2009Q4", reader=r, min_companies=1, max_share=Fraction(1))
        .metric("ebitda_pct")
        .network.value
    ),
    "benchmarks(quarter, group_id)": lambda n, r: _seen(
        n.benchmarks("2009Q4", group_id=GROUP, reader=r).metric("ebitda_pct").quartiles
    ),
    "financial_review(company_id)": lambda n, r: _seen(
        n.financial_review(ACME, reader=r).quarters[-1].figures
    ),
    "trail(group_id)": lambda n, r: _seen(not any(e.redacted for e in n.trail(GROUP, reader=r))),
    "reference_comparison(source, quarter)": lambda n, r: _seen(
        n.reference_comparison(SOURCE, "2009Q4", reader=r).lines
    ),
    "reference_comparison(source, quarter, group_id)": lambda n, r: _seen(
        n.reference_comparison(SOURCE, "2009Q4", group_id=GROUP, reader=r).lines
    ),
    "deal(deal_id)": lambda n, r: _seen(n.deal(DEAL, reader=r).customer),
    "deals()": lambda n, r: _seen(n.deals(reader=r)[0].customer),
    "referral(referral_id)": lambda n, r: _seen(n.referral(REFERRAL, reader=r).customer),
    "referrals()": lambda n, r: _seen(n.referrals(reader=r)[0].customer),
    "group_p2p(group_id, period)": lambda n, r: _seen(n.group_p2p(GROUP, YEAR, reader=r)),
    "company_p2p(company_id, period)": lambda n, r: _seen(n.company_p2p(ACME, YEAR, reader=r)),
    "scorecard(company_id, quarter)": lambda n, r: _seen(n.scorecard(ACME, "2009Q4", reader=r)),
    "figures(period)": lambda n, r: _seen(
        next(g for g in n.figures(YEAR, reader=r).groups if g.history.group_id == str(GROUP)).goals
    ),
    "trail_page(group_id)": lambda n, r: _seen(
        not any(e.redacted for e in n.trail_page(GROUP, reader=r).items)
    ),
    "trail export, JSON Lines": lambda n, r: _seen(
        not any(row["redacted"] for row in _trail_rows(n, r, "jsonl"))
    ),
    "trail export, CSV": lambda n, r: _seen(
        not any(row["redacted"] for row in _trail_rows(n, r, "csv"))
    ),
}
#: what the store's holder reads whole (the raw log), and what is not a query
NOT_QUERIES = {
    "execute",
    "execute_many",
    "export_history",
    "import_history",
    "follow",
    "close",
    "rotate_key",
    "recorded",
    "last_recorded",
    "notifications",
    "stored",
    "verify",
}


def matrix() -> dict[str, dict[str, str]]:
    """The access matrix as docs/confidentiality.md states it: query -> reader -> what."""
    text = PAGE.read_text(encoding="utf-8")
    section = text.split("### The access matrix", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    found = {}
    for line in rows[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        found[cells[0].strip("`")] = dict(zip(header[1:], cells[1:], strict=True))
    return found


CELLS = [(query, who) for query, row in matrix().items() for who in row]


#: the network's own bodies and rhythm, its competitions and its P2P figures (withheld
#: below the network charter's thresholds), the same for every reader: they take none
#: (docs/confidentiality.md says why nothing in them is confidential to a group)
FOR_EVERYONE = {
    "awards",
    "benchmarking",
    "cadence",
    "committee",
    "competition",
    "competitions",
    "network_charter",
    "names",
    "network_day",
    "p2p_figures",
    "people",
    "programme",
    "resolutions",
    "vendor",
    "vendors",
}


def test_what_shows_the_same_to_every_reader_takes_no_reader() -> None:
    """A query left out of the matrix for showing everyone the same cannot take a reader
    (if it comes to take one, it has a row to earn)."""
    takes = {
        name
        for name in FOR_EVERYONE
        if "reader" in inspect.signature(getattr(Network, name)).parameters
    }

    assert (set(), True) == (takes, FOR_EVERYONE <= set(dir(Network)))


def test_the_matrix_names_every_query_and_every_reader() -> None:
    """Each public query of Network has a row, each kind of reader a column."""
    queries = {
        name
        for name, member_ in inspect.getmembers(Network, inspect.isfunction)
        if not name.startswith("_") and name not in NOT_QUERIES | FOR_EVERYONE
    }
    rows = matrix()
    named = {re.sub(r"\(.*", "", label) for label in rows if not label.startswith("trail ")}

    assert queries == named
    assert [list(READERS)] == [list(row) for row in {tuple(r) for r in rows.values()}]
    assert set(QUERIES) == set(rows)


@pytest.mark.parametrize(("query", "who"), CELLS)
def test_each_reader_reads_each_query_as_the_page_says(
    network: Network, query: str, who: str
) -> None:
    """The cell of the matrix is what the call gives: full, redacted or denied."""
    expected = matrix()[query][who]

    try:
        got = QUERIES[query](network, READERS[who])
    except AccessDenied:
        got = "denied"

    assert expected == got


def test_a_redacted_trail_row_keeps_name_stream_times_and_actor(network: Network) -> None:
    """An outsider's row of a goal's event: what happened and who did it, no details."""
    (full,) = network.trail(GOAL, reader=Reader.auditor("Ada"))

    (hidden,) = network.trail(GOAL, reader=Reader.staff("Sam"))

    assert (full.name, full.stream_id, full.at, full.recorded_at, full.actor) == (
        hidden.name,
        hidden.stream_id,
        hidden.at,
        hidden.recorded_at,
        hidden.actor,
    )
    assert (True, None, None) == (hidden.redacted, hidden.event, hidden.reason)
    assert full.event is not None
