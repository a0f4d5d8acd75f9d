"""How fast the partner graph and the management scorecards rebuild, as a ratio to the
read floor, measured in one run (median of 3).

Builds a synthetic network in SQLite (100 groups of 12 over 10 years, members setting a
goal a year, groups meeting every quarter) with 100,000 P2P deals between members of
different groups (each proposed, a partner invited and accepting, won and closed with
its shares: five events a deal) and a referral for every tenth deal, through a bulk
path that records exactly what the facade would: `Recorded` events encoded by peernet's
mapper, chained, and inserted with eventsourcing's recorder, 10,000 to a transaction.

Then, three times each, it measures:
- the read floor: plain sqlite3 reading every row and `json.loads` of its state;
- a rebuild of the read models the partner graph and the scorecards are read from
  (`DealEntries`, `ReferralEntries`, `MemberMarks`, `GroupHistories`, `GoalEntries`,
  `MeetingRolls`), as events/s and as a ratio to the floor (goal >= 0.50, the goal of
  the other projections in benchmarks/projections.py);
- that rebuild plus reading the views back, the partner graph of the last year with its
  density across groups, and every company's scorecard of the last quarter: the same
  ratio, for the whole job.

    python benchmarks/partners.py [--deals 100000] [--db PATH]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from peernet import (
    AgreementSigned,
    Charter,
    CompanyRegistered,
    DealClosed,
    DealProposed,
    DealShare,
    DealWon,
    GoalMet,
    GoalMissed,
    GoalSet,
    GroupFormat,
    GroupFormed,
    GroupKind,
    InvitationAccepted,
    MeetingClosed,
    MeetingScheduled,
    MemberJoined,
    MembershipApplied,
    Money,
    Network,
    NetworkCharter,
    PartnerInvited,
    PrepSubmitted,
    Recorded,
    ReferralConverted,
    ReferralMade,
    SeatOffered,
)
from peernet.adapters.readmodels import ReadModels
from peernet.domain.common import Event
from peernet.domain.goals import Target
from peernet.projections import (
    DealEntries,
    GoalEntries,
    GroupHistories,
    MeetingRolls,
    MemberMarks,
    ReferralEntries,
)
from peernet.projections.figures import Period
from peernet.projections.p2p import cross_group_density, members_by_group, partner_graph
from peernet.projections.scorecards import Scorecards
from peernet.testing import profile

# the other benchmarks, as modules of the repository's root (run as a script, this file's
# own folder is on the path, not the root)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.projections import read_floor, write_chained

GROUPS = 100
YEARS = 10
START = datetime(2000, 1, 1, tzinfo=UTC)
GOAL = 0.50
ROUNDS = 3
READ = (DealEntries, ReferralEntries, MemberMarks, GroupHistories, GoalEntries, MeetingRolls)
LINES = ("voip", "backup", "storage", "security", "erp", "hosting")


class Synthetic:
    """Streams `Recorded` events of a network and its deals in business-time order."""

    def __init__(self, deals: int, seed: int = 1) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - a reproducible story, not a secret
        self.deals = deals
        self.versions: dict[UUID, int] = {}
        self.serial = 0
        self.command = UUID(int=0)
        self.members: list[tuple[UUID, UUID, UUID, str]] = []  # group, company, membership, line

    def _id(self) -> UUID:
        self.serial += 1
        return UUID(int=self.serial)

    def record(self, event: Event) -> Recorded:
        stream: UUID = event.stream()[1]
        self.versions[stream] = self.versions.get(stream, 0) + 1
        return Recorded(
            event=event,
            stream_id=stream,
            version=self.versions[stream],
            actor="bench",
            recorded_at=event.at,
            command_id=self.command,
            correlation_id=self.command,
        )

    def network(self) -> Iterator[Recorded]:
        for n in range(GROUPS):
            group = self._id()
            yield self.record(
                GroupFormed(
                    group_id=group,
                    name=f"group {n}",
                    format=GroupFormat.IN_PERSON,
                    kind=GroupKind.CORE,
                    territory=None,
                    charter=Charter(),
                    at=START,
                )
            )
            for m in range(12):
                company, membership = self._id(), self._id()
                line = LINES[(n + m) % len(LINES)]
                details = profile(f"company {n}-{m}", region=f"region {n}-{m}", lines=(line,))
                yield self.record(CompanyRegistered(company_id=company, profile=details, at=START))
                ids = {"membership_id": membership, "group_id": group, "company_id": company}
                yield self.record(MembershipApplied(core=True, at=START, **ids))
                yield self.record(SeatOffered(at=START, **ids))
                yield self.record(AgreementSigned(at=START, **ids))
                yield self.record(MemberJoined(at=START, **ids))
                self.members.append((group, company, membership, line))

    def year(self, year: int) -> Iterator[Recorded]:
        """A year: each member sets a goal, each group meets every quarter, deals close."""
        begins = START + timedelta(days=365 * year)
        for group, company, membership, _ in self.members:
            goal = self._id()
            ids = {"goal_id": goal, "membership_id": membership, "group_id": group}
            due = (begins + timedelta(days=300)).date()
            target = Target(statement="grow", category="sales", value=Decimal(1), unit="k", due=due)
            yield self.record(GoalSet(company_id=company, target=target, at=begins, **ids))
            outcome = GoalMet if self.rng.random() < 0.6 else GoalMissed
            yield self.record(outcome(value=Decimal(1), at=begins + timedelta(days=301), **ids))
        for quarter in range(4):
            day = begins + timedelta(days=91 * quarter + 10)
            for n in range(GROUPS):
                yield from self.meeting(n, day)
        per_year = self.deals // YEARS
        for k in range(per_year):
            yield from self.deal(begins + timedelta(seconds=k * (365 * 86_400 // per_year)), k)

    def meeting(self, n: int, day: datetime) -> Iterator[Recorded]:
        members = self.members[n * 12 : n * 12 + 12]
        group = members[0][0]
        meeting = self._id()
        ids = {"meeting_id": meeting, "group_id": group}
        expected = tuple(sorted((m[2] for m in members), key=str))
        yield self.record(
            MeetingScheduled(
                starts=day.date(),
                ends=day.date(),
                venue="Hall",
                host_id=None,
                gathering_id=None,
                expected=expected,
                at=day - timedelta(days=30),
                **ids,
            )
        )
        for m in members[:3]:
            yield self.record(
                PrepSubmitted(membership_id=m[2], summary="numbers", late=False, at=day, **ids)
            )
        yield self.record(MeetingClosed(expected=expected, at=day + timedelta(hours=8), **ids))

    def deal(self, at: datetime, k: int) -> Iterator[Recorded]:
        rng = self.rng
        a = self.members[rng.randrange(len(self.members))]
        b = self.members[rng.randrange(len(self.members))]
        if a[0] == b[0]:
            b = self.members[(self.members.index(b) + 12) % len(self.members)]
        deal = self._id()
        ids = {"deal_id": deal, "company_id": a[1]}
        referral = None
        if k % 10 == 0:
            referral = self._id()
            yield self.record(
                ReferralMade(
                    referral_id=referral,
                    company_id=b[1],
                    membership_id=b[2],
                    group_id=b[0],
                    to_company_id=a[1],
                    to_membership_id=a[2],
                    to_group_id=a[0],
                    line=a[3],
                    customer="a customer",
                    lapses_at=at + timedelta(days=90),
                    at=at,
                )
            )
        yield self.record(
            DealProposed(
                deal_id=deal,
                company_id=a[1],
                membership_id=a[2],
                group_id=a[0],
                line=a[3],
                customer="a customer",
                referral_id=referral,
                at=at,
            )
        )
        if referral is not None:
            yield self.record(
                ReferralConverted(referral_id=referral, company_id=b[1], deal_id=deal, at=at)
            )
        partner = {"partner_id": b[1], "membership_id": b[2], "group_id": b[0]}
        yield self.record(PartnerInvited(line=b[3], at=at, **ids, **partner))
        yield self.record(InvitationAccepted(at=at, **ids, **partner))
        yield self.record(DealWon(at=at, **ids))
        cents = rng.randrange(100_000, 10_000_000)
        half = cents // 2
        shares = tuple(
            DealShare(
                company_id=company,
                membership_id=membership,
                group_id=group,
                amount=Money(Decimal(amount) / 100, "USD"),
            )
            for (group, company, membership, _), amount in ((a, cents - half), (b, half))
        )
        yield self.record(
            DealClosed(value=Money(Decimal(cents) / 100, "USD"), shares=shares, at=at, **ids)
        )

    def events(self) -> Iterator[Recorded]:
        yield from self.network()
        for year in range(YEARS):
            yield from self.year(year)


def build(network: Network, deals: int) -> int:
    """Record the synthetic network; return how many events."""
    return write_chained(network, Synthetic(deals).events())


def rebuild(models: ReadModels) -> float:
    """Seconds to rebuild the read models the graph and scorecards are read from."""
    started = time.perf_counter()
    models.rebuild([p.name for p in READ])
    return time.perf_counter() - started


def graph_and_scorecards(models: ReadModels) -> tuple[float, int, int]:
    """Seconds to read the views back and compute the last year's partner graph with its
    density across groups, and every company's scorecard of the last quarter; and how
    many edges and scorecards that made."""
    started = time.perf_counter()
    views = {p.name: models.views(p.name) for p in READ}
    last = START.year + YEARS - 1
    year = Period.year(last)
    deals = views[DealEntries.name].values()
    graph = partner_graph(deals, year)
    cross_group_density(graph, members_by_group(views[GroupHistories.name].values(), year))
    cards = Scorecards(
        f"{last}Q4",
        histories=views[GroupHistories.name].values(),
        goals=views[GoalEntries.name].values(),
        rolls=views[MeetingRolls.name].values(),
        marks=views[MemberMarks.name],
        deals=deals,
        referrals=views[ReferralEntries.name].values(),
        books={},
        charter=NetworkCharter(),
    )
    companies = {
        s.company_id for h in views[GroupHistories.name].values() for s in h.stays.values()
    }
    made = [cards.of(company) for company in sorted(companies)]
    return time.perf_counter() - started, len(graph.edges), len(made)


def verdict(ratio: float) -> str:
    return "meets" if ratio >= GOAL else "misses"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--db", help="SQLite file (default: a temporary one)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="peernet-bench-partners-")
    path = args.db or str(Path(folder) / "network.db")
    network = Network(f"sqlite:///{path}")
    started = time.perf_counter()
    head = network.recorder.max_notification_id() or 0
    if head == 0:
        head = build(network, args.deals)
    size = Path(path).stat().st_size / 2**20
    print(
        f"store: {head:,} events ({args.deals:,} deals), {size:,.0f} MB "
        f"({time.perf_counter() - started:.1f}s to build)"
    )
    models = ReadModels(network, [p() for p in READ])
    floors, rebuilds, wholes = [], [], []
    for _ in range(ROUNDS):
        floors.append(read_floor(path))
        seconds = rebuild(models)
        rebuilds.append(head / seconds)
        more, edges, cards = graph_and_scorecards(models)
        wholes.append(head / (seconds + more))
    floor = statistics.median(floors)
    rate, whole = statistics.median(rebuilds), statistics.median(wholes)
    print(f"read floor (sqlite3 + json.loads): {floor:,.0f} events/s (median of {ROUNDS})")
    print(
        f"rebuild of the partner graph's and scorecards' read models: {rate:,.0f} events/s "
        f"= {rate / floor:.2f}x the floor (median of {ROUNDS}; goal >= {GOAL:.2f}x: "
        f"{verdict(rate / floor)})"
    )
    print(
        f"rebuild + the last year's partner graph ({edges:,} edges, density across groups) "
        f"+ {cards:,} scorecards of the last quarter: {whole:,.0f} events/s = "
        f"{whole / floor:.2f}x the floor (median of {ROUNDS}; goal >= {GOAL:.2f}x: "
        f"{verdict(whole / floor)})"
    )
    network.close()


if __name__ == "__main__":
    main()
