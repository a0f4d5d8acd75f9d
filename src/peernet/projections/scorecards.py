"""Management scorecards (seed 004): one page per company per quarter, read from the
projected views, with a green, amber or red mark on each line by the network charter's
thresholds.

A scorecard counts what happened in its quarter, through every membership the company
held during it: goals set in the quarter and goals met or missed at a review in it;
attendance and prep sent on time at the meetings of the quarter that counted the member;
its financial ratios beside its group's and the network's quartiles; P2P deals it
brought others into (proposed) and was brought into (invited), its shares of deals
closed and its P2P share of income; referrals given and received; and the flags raised
against it. Every line keeps the log positions of the events behind it, so a scorecard
rebuilt from zero equals the one kept, and one of a past quarter is read as it was.
Definitions: docs/projections.md. Pure: no I/O, no clock.
"""

from collections.abc import Iterable, Mapping
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

import attrs

from peernet.domain.financials import quarter_end, quarter_start
from peernet.domain.network_charter import Band, NetworkCharter
from peernet.projections.attendance import CLOSED as ROLL_CLOSED, MeetingRoll
from peernet.projections.figures import ABSENT, Period, attended as figure_attended, partial_miss_on
from peernet.projections.financials import (
    METRICS,
    Benchmarks,
    FinancialBook,
    benchmarks,
    metrics_of,
    quartile,
)
from peernet.projections.goals import MET, MISSED, GoalEntry
from peernet.projections.memberships import GroupHistory
from peernet.projections.p2p import income_share, p2p_revenue, referral_count
from peernet.projections.partners import DealEntry, Marks, ReferralEntry, marks_key


def quarter_period(quarter: str) -> Period:
    """The days of a quarter ("2009Q3")."""
    return Period(quarter_start(quarter), quarter_end(quarter) - timedelta(days=1))


def _rate(part: int | Fraction, whole: int | Fraction) -> Fraction | None:
    return Fraction(part) / Fraction(whole) if whole else None


@attrs.frozen(kw_only=True)
class GoalsLine:
    set: int
    met: int
    missed: int
    colour: str | None

    @property
    def completion(self) -> Fraction | None:
        return _rate(self.met, self.met + self.missed)


@attrs.frozen(kw_only=True)
class AttendanceLine:
    expected: int
    attended: Fraction
    colour: str | None

    @property
    def rate(self) -> Fraction | None:
        return _rate(self.attended, self.expected)


@attrs.frozen(kw_only=True)
class PrepLine:
    """Prep for the meetings that counted the member: sent on time, late, or not at all."""

    expected: int
    on_time: int
    late: int
    colour: str | None

    @property
    def rate(self) -> Fraction | None:
        return _rate(self.on_time, self.expected)


@attrs.frozen(kw_only=True)
class RatioLine:
    """One financial ratio of the quarter: the company's value, its quartile (4: the top)
    in its group and in the network, and their medians; the network's withheld, with
    the reason, when too few companies stand behind it."""

    metric: str
    value: Fraction | None
    group_quartile: int | None
    group_median: Fraction | None
    network_quartile: int | None
    network_median: Fraction | None
    network_withheld: str | None
    colour: str | None


@attrs.frozen(kw_only=True)
class P2PLine:
    #: deals it proposed in the quarter (brought others into) and invitations it received
    given: int
    received: int
    #: deals closed in the quarter that it had a share of, and its revenue from them
    closed: int
    revenue: Mapping[str, Decimal]
    share_of_income: Fraction | None
    benchmark: Fraction
    referrals_given: int
    referrals_received: int
    colour: str | None


@attrs.frozen(kw_only=True)
class FlagsLine:
    reasons: tuple[str, ...]
    colour: str | None


@attrs.frozen(kw_only=True)
class Scorecard:
    company_id: str
    quarter: str
    #: the memberships (and their groups) the company held during the quarter
    memberships: tuple[str, ...]
    groups: tuple[str, ...]
    goals: GoalsLine
    attendance: AttendanceLine
    prep: PrepLine
    ratios: tuple[RatioLine, ...]
    p2p: P2PLine
    flags: FlagsLine
    #: the log positions of every event the scorecard is made of
    positions: tuple[int, ...]

    @property
    def colours(self) -> dict[str, str | None]:
        """Each line's mark, by line."""
        return {
            "goals": self.goals.colour,
            "attendance": self.attendance.colour,
            "prep": self.prep.colour,
            **{r.metric: r.colour for r in self.ratios},
            "p2p": self.p2p.colour,
            "flags": self.flags.colour,
        }


class Scorecards:
    """The scorecards of one quarter, read from the views (indexed once, so a scorecard
    for every company costs one pass over them)."""

    def __init__(
        self,
        quarter: str,
        *,
        histories: Iterable[GroupHistory],
        goals: Iterable[GoalEntry],
        rolls: Iterable[MeetingRoll],
        marks: Mapping[str, Marks],
        deals: Iterable[DealEntry],
        referrals: Iterable[ReferralEntry],
        books: Mapping[str, FinancialBook],
        charter: NetworkCharter,
    ) -> None:
        self.quarter = quarter
        self.period = period = quarter_period(quarter)
        self.charter = charter
        self.books = books
        self.marks = marks
        self._stays: dict[str, list[tuple[str, str]]] = {}
        self._histories: dict[str, GroupHistory] = {}
        for history in histories:
            self._histories[history.group_id] = history
            for stay in history.stays.values():
                active = stay.joined_at is not None and stay.joined_at < period.ends
                if active and (stay.left_at is None or stay.left_at >= period.begins):
                    held = self._stays.setdefault(stay.company_id, [])
                    held.append((stay.membership_id, history.group_id))
        self._decided: dict[str, list[GoalEntry]] = {}
        for goal in goals:
            if goal.status in (MET, MISSED) and period.holds(goal.decided_at):
                self._decided.setdefault(goal.membership_id, []).append(goal)
        self._rolls = sorted(
            (
                r
                for r in rolls
                if r.status == ROLL_CLOSED and period.start <= r.starts <= period.end
            ),
            key=lambda r: (r.starts, r.meeting_id),
        )
        self._deals: dict[str, list[DealEntry]] = {}
        for deal in deals:
            involved = {deal.company_id, *(p.company_id for p in deal.partners), *deal.parties}
            for company in involved:
                self._deals.setdefault(company, []).append(deal)
        self._referrals: dict[str, list[ReferralEntry]] = {}
        for referral in referrals:
            if period.holds(referral.made_at):
                for company in {referral.company_id, referral.to_company_id}:
                    self._referrals.setdefault(company, []).append(referral)
        self._benchmarks: dict[str, Benchmarks] = {}

    @cached_property
    def _network_values(self) -> dict[str, list[Fraction]]:
        """Every company's value of each metric in the quarter."""
        found: dict[str, list[Fraction]] = {m: [] for m in METRICS}
        for book in self.books.values():
            now = book.quarters.get(self.quarter)
            if now is None:
                continue
            before = book.quarters.get(_year_before(self.quarter))
            for metric, value in metrics_of(now, before).items():
                if value is not None:
                    found[metric].append(value)
        return found

    def _group_benchmarks(self, group_id: str) -> Benchmarks:
        if group_id not in self._benchmarks:
            self._benchmarks[group_id] = benchmarks(
                self.books.values(),
                self.quarter,
                group_id,
                min_companies=self.charter.min_companies,
                max_share=self.charter.max_share,
            )
        return self._benchmarks[group_id]

    def of(self, company_id: str) -> Scorecard:
        """The company's scorecard for the quarter."""
        stays = sorted(self._stays.get(company_id, []))
        memberships = [m for m, _ in stays]
        positions: set[int] = set()
        attendance, prep = self._attendance(memberships, positions)
        card = Scorecard(
            company_id=company_id,
            quarter=self.quarter,
            memberships=tuple(memberships),
            groups=tuple(sorted({g for _, g in stays})),
            goals=self._goals(memberships, positions),
            attendance=attendance,
            prep=prep,
            ratios=self._ratios(company_id, positions),
            p2p=self._p2p(company_id, positions),
            flags=self._flags(memberships, positions),
            positions=(),
        )
        return attrs.evolve(card, positions=tuple(sorted(positions)))

    def _marks(self, membership_id: str) -> Marks | None:
        return self.marks.get(marks_key(membership_id, self.quarter))

    def _goals(self, memberships: list[str], positions: set[int]) -> GoalsLine:
        set_, met, missed = 0, 0, 0
        for m in memberships:
            marks = self._marks(m)
            for mark in marks.goals_set if marks else ():
                set_ += 1
                positions.add(mark.position)
            for goal in self._decided.get(m, ()):
                met += goal.status == MET
                missed += goal.status == MISSED
                assert goal.decided_position is not None
                positions.add(goal.decided_position)
        completion = _rate(met, met + missed)
        return GoalsLine(
            set=set_, met=met, missed=missed, colour=self.charter.scorecard_goals.colour(completion)
        )

    def _attendance(
        self, memberships: list[str], positions: set[int]
    ) -> tuple[AttendanceLine, PrepLine]:
        expected, attended, on_time, late = 0, Fraction(0), 0, 0
        for roll in self._rolls:
            partial = partial_miss_on(self._histories, roll.group_id, roll.starts)
            for m in memberships:
                if m not in roll.counted:
                    continue
                expected += 1
                attended += figure_attended(roll.marks.get(m, ABSENT), partial)
                positions.update(roll.positions)
                if m in roll.prep:
                    late += roll.prep[m]
                    on_time += not roll.prep[m]
        charter = self.charter
        return (
            AttendanceLine(
                expected=expected,
                attended=attended,
                colour=charter.scorecard_attendance.colour(_rate(attended, expected)),
            ),
            PrepLine(
                expected=expected,
                on_time=on_time,
                late=late,
                colour=charter.scorecard_prep.colour(_rate(on_time, expected)),
            ),
        )

    def _ratios(self, company_id: str, positions: set[int]) -> tuple[RatioLine, ...]:
        book = self.books.get(company_id)
        now = book.quarters.get(self.quarter) if book else None
        if book is None or now is None:
            return ()
        positions.add(now.position)
        values = metrics_of(now, book.quarters.get(_year_before(self.quarter)))
        group = self._group_benchmarks(now.group_id)
        band: Band = self.charter.scorecard_quartile
        lines = []
        for metric in METRICS:
            bench = group.metric(metric)
            value = values[metric]
            mine = bench.quartiles.get(company_id)
            everyone = self._network_values[metric]
            shown = bench.network.withheld is None and value is not None and everyone
            lines.append(
                RatioLine(
                    metric=metric,
                    value=value,
                    group_quartile=mine,
                    group_median=bench.group_median,
                    network_quartile=quartile(value, everyone)
                    if shown and value is not None
                    else None,
                    network_median=bench.network.value,
                    network_withheld=bench.network.withheld,
                    colour=band.colour(mine),
                )
            )
        return tuple(lines)

    def _p2p(self, company_id: str, positions: set[int]) -> P2PLine:
        period = self.period
        deals = self._deals.get(company_id, [])
        given = [d for d in deals if d.company_id == company_id and period.holds(d.proposed_at)]
        received = [
            p
            for d in deals
            for p in d.partners
            if p.company_id == company_id and period.holds(p.invited_at)
        ]
        positions.update(d.proposed_position for d in given)
        positions.update(p.invited_position for p in received)
        revenue = p2p_revenue(deals, period, company_id, company_id=company_id)
        positions.update(revenue.positions)
        share = income_share(revenue, self.books.get(company_id), self.charter.p2p_benchmark)
        positions.update(share.positions)
        referrals = referral_count(
            self._referrals.get(company_id, []), period, company_id, company_id=company_id
        )
        positions.update(referrals.positions)
        return P2PLine(
            given=len(given),
            received=len(received),
            closed=revenue.deals,
            revenue=revenue.totals,
            share_of_income=share.rate,
            benchmark=share.benchmark,
            referrals_given=len(referrals.given),
            referrals_received=len(referrals.received),
            colour=self.charter.scorecard_p2p.colour(share.rate),
        )

    def _flags(self, memberships: list[str], positions: set[int]) -> FlagsLine:
        reasons = []
        for m in memberships:
            marks = self._marks(m)
            for flag in marks.flags if marks else ():
                reasons.append((flag.position, flag.what))
                positions.add(flag.position)
        reasons.sort()
        return FlagsLine(
            reasons=tuple(r for _, r in reasons),
            colour=self.charter.scorecard_flags.colour(len(reasons)),
        )


def _year_before(quarter: str) -> str:
    return f"{int(quarter[:4]) - 1}{quarter[4:]}"
