"""The simulation's month loop: each month a plan of scenes, by day, from the calendar of
the story (groups formed, founders, amendments, arrivals, the hazards of membership,
offers answered, wait-lists rebalanced, and from 2008 meetings, goals, dues, payments,
the summit and financials, and from 2006 the partner economy), run in order; at each
year's end the chronicle tells the year. `build_demo` runs it."""

import functools
import logging
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from peernet import GroupFormat, InvalidValue, Network
from peernet.demo.accountability import AccountabilityScenes
from peernet.demo.bodies import BodyScenes
from peernet.demo.cast import ARRIVALS, LATER_ARRIVALS, group_plans
from peernet.demo.figures import with_figures
from peernet.demo.financials import FinancialScenes
from peernet.demo.goals import GoalScenes
from peernet.demo.meetings import SUMMIT_MONTH, MeetingScenes
from peernet.demo.memberships import MembershipScenes
from peernet.demo.partners import COMPETITION_YEAR, P2P_FROM, PartnerScenes
from peernet.demo.story import DemoSummary
from peernet.demo.world import (
    ACCOUNTABILITY_FROM,
    DEFAULT_SEED,
    FIRST_YEAR,
    LAST_YEAR,
    Action,
    World,
)

log = logging.getLogger(__name__)

_Plan = list[tuple[int, int, Action]]
_Add = Callable[[int, Action], None]
#: the quarter's months: the meeting, the check-in, the reports (and prep) before the next
_REPORT_PHASE = 2
#: the first year members pay dues (the seeds: "Starting in January, members will pay")
DUES_FROM = 2009


class Simulation:
    """The world, the scenes composed over it, and the calendar that runs them."""

    def __init__(
        self,
        network: Network,
        seed: int,
        years: int,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.world = World(network, seed, FIRST_YEAR + years - 1)
        self.progress = progress
        # the first draws of the seed's generator: every arrival month, whatever `years`
        self.arrivals = self._arrival_months()
        self.plans = [p for p in group_plans() if p.year <= self.world.last_year]
        self.members = MembershipScenes(self.world)
        self.meetings = MeetingScenes(self.world)
        self.goals = GoalScenes(self.world)
        self.accountability = AccountabilityScenes(self.world, self.meetings, self.goals)
        self.financials = FinancialScenes(self.world)
        self.bodies = BodyScenes(self.world, self.meetings)
        self.partners = PartnerScenes(self.world, self.financials)

    def _arrival_months(self) -> dict[tuple[int, int], int]:
        months: Counter[tuple[int, int]] = Counter()
        # planned for every year whatever `years` is, so a shorter story is the first
        # chapters of the longer one, and building more years later continues it
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            first = 9 if year == FIRST_YEAR else 1
            for _ in range(ARRIVALS.get(year, LATER_ARRIVALS)):
                months[(year, self.world.rng.randint(first, 12))] += 1
        return dict(months)

    def _month_plan(self, year: int, month: int) -> _Plan:
        plan: _Plan = []

        def add(day: int, action: Action) -> None:
            plan.append((day, len(plan), action))

        self._network_plan(year, month, add)
        self.bodies.plan(year, month, add)
        if year >= ACCOUNTABILITY_FROM:
            self._accountability_plan(year, month, add)
        if year >= P2P_FROM:
            self._partner_plan(year, month, add)
        for day, action in self.world.agenda.pop((year, month), []):
            add(day, action)
        return plan

    def _network_plan(self, year: int, month: int, add: _Add) -> None:
        """Groups formed and amended, the founders, a facilitator rotated, newcomers, the
        hazards of membership, graduations, offers answered, wait-lists rebalanced, and
        a marketing manager joining the companion group."""
        rng, members = self.world.rng, self.members
        for group_plan in self.plans:
            if (group_plan.year, group_plan.month) == (year, month):
                add(2, functools.partial(members.form, group_plan))
        if (year, month) == (FIRST_YEAR, 8):
            add(3, members.found)
        if (year, month) == (2003, 2):
            add(3, functools.partial(members.amend, ("HTG 1", "HTG 2"), 12))
        if (year, month) == (2009, 6):
            online = tuple(f"HTG Online {n}" for n in range(1, 5))
            add(3, functools.partial(members.amend, online, 15, if_waiting=True))
        if (year, month) == (2009, 11):
            add(rng.randint(5, 25), members.acquire_companion_member)
        if month == 1 and year >= 2004:  # a facilitator rotates each year
            groups = self.world.replica.open_groups(fmt=GroupFormat.IN_PERSON)
            if groups:
                add(4, functools.partial(members.facilitate, rng.choice(groups).id))
        for _ in range(self.arrivals.get((year, month), 0)):
            add(rng.randint(4, 26), members.newcomer)
        members.hazards(add)
        add(15, members.graduate)
        add(20, members.answer_offers)
        add(24, members.rebalance)
        if rng.random() < 0.6:
            add(rng.randint(5, 25), members.join_companion)

    def _accountability_plan(self, year: int, month: int, add: _Add) -> None:
        """Every open group meets in the first month of each quarter; members check in
        mid-quarter and report the month before the next meeting."""
        if (year, month) == (ACCOUNTABILITY_FROM, 1):
            add(1, self.accountability.cast_laggard)
        if (year, month) == (ACCOUNTABILITY_FROM + 1, 4):
            add(1, self.accountability.doubt_a_member)
        if year >= DUES_FROM:  # dues start in January 2009, not before
            add(1, self.meetings.charge_dues)
        if month % 3 == 2:  # the month after a quarter ends, its figures come in
            add(11, self.financials.submit_financials)
        if month in (1, 7):
            add(28, self.meetings.collect)
        if month == SUMMIT_MONTH:
            add(17, self.meetings.summit)
        phase = (month - 1) % 3
        act = (self.accountability.meet, self.goals.check_in, self.goals.report)[phase]
        for group_id, group in self.world.replica.groups.items():
            if group.closed_at is None:
                add(self.meetings.meeting_day(group_id), functools.partial(act, group_id))
                if phase == _REPORT_PHASE:
                    add(2, functools.partial(self.meetings.prep, group_id))

    def _partner_plan(self, year: int, month: int, add: _Add) -> None:
        """From 2006: won deals closed, last month's deals decided, new deals proposed
        and answered, referrals made, answered and lapsed; in 2009 the first
        best-practices competition (its winners present at the May summit)."""
        partners = self.partners
        add(3, partners.close)
        add(5, partners.decide)
        add(7, partners.propose)
        add(9, partners.refer)
        add(13, partners.answer)
        add(16, partners.answer_referrals)
        add(26, partners.lapse_referrals)
        if year == COMPETITION_YEAR:
            act = {1: partners.open_competition, 2: partners.enter, 3: partners.enter}
            act |= {4: partners.judge_entries, 5: partners.judge}
            if month in act:
                add(20 if month < 4 else 2 if month == 5 else 10, act[month])

    def run(self) -> DemoSummary:
        world, chronicle = self.world, self.world.chronicle
        months = [(y, m) for y in range(FIRST_YEAR, world.last_year + 1) for m in range(1, 13)]
        months = [ym for ym in months if ym >= (FIRST_YEAR, 8)]
        for done, (year, month) in enumerate(months, start=1):
            if year != chronicle.tally.year:
                chronicle.close_year(world.replica)
                chronicle.begin_year(year)
            world.month_start = datetime(year, month, 1, tzinfo=UTC)
            for day, _, action in sorted(self._month_plan(year, month), key=lambda p: p[:2]):
                world.day = day
                action()
            if self.progress is not None:
                self.progress(done, len(months))
        chronicle.close_year(world.replica)
        return self._summary()

    def _summary(self) -> DemoSummary:
        world = self.world
        stored = world.stored_events()
        featured = [world.group_ids[n] for n in ("HTG 1", "HTG 11") if n in world.group_ids]
        longest = max(world.replica.groups.values(), key=lambda g: len(g.waitlist))
        if longest.waitlist and longest.id not in featured:
            featured.append(longest.id)
        elif "HTG Online 1" in world.group_ids:
            featured.append(world.group_ids["HTG Online 1"])
        return DemoSummary(
            seed=world.seed,
            first_year=FIRST_YEAR,
            last_year=world.last_year,
            years=with_figures(world.network, world.chronicle.stories),
            commands=world.commands,
            refused=world.refused,
            events=world.produced,
            new_events=stored - world.already,
            ledger=world.ledger_entries,
            featured=tuple(featured),
        )


def build_demo(
    network: Network,
    *,
    seed: int = DEFAULT_SEED,
    years: int = LAST_YEAR - FIRST_YEAR + 1,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Simulate `years` years of the network from 2001 on, through `network.execute`.

    `progress(done, total)` is called after each simulated month. Returns the story,
    counted from the recorded events; building again on the same store records nothing.
    """
    if not 1 <= years <= LAST_YEAR - FIRST_YEAR + 1:
        raise InvalidValue(
            f"a demo runs for 1 to {LAST_YEAR - FIRST_YEAR + 1} years, not {years}", field="years"
        )
    log.info("building the demo network (seed %d, %d years) in %r", seed, years, network)
    return Simulation(network, seed, years, progress).run()
