"""Read models: the frozen values queries return. Never the aggregates' internal state."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from uuid import UUID

import attrs

from peernet.domain.charters import Charter, GroupFormat, GroupKind
from peernet.domain.common import Territory
from peernet.domain.companies import Company, Profile
from peernet.domain.goals import Challenge, Goal, GoalStatus, Target
from peernet.domain.groups import Group
from peernet.domain.meetings import (
    Attendance,
    ExpenseKind,
    Gathering,
    Meeting,
    MeetingStatus,
    Share,
    Topic,
    net_cost,
)
from peernet.domain.memberships import Membership, MembershipStatus
from peernet.domain.money import Money
from peernet.domain.motions import Motion, MotionCarried, MotionCause, MotionKind, quorum_needed


@attrs.frozen(kw_only=True)
class MembershipView:
    membership_id: UUID
    company_id: UUID
    group_id: UUID
    status: MembershipStatus
    applied_at: datetime
    signed_at: datetime | None
    joined_at: datetime | None
    left_at: datetime | None
    departure: str | None
    waitlisted_because: str | None
    flags: tuple[str, ...]

    @classmethod
    def of(cls, m: Membership, *, reveal: bool = True) -> "MembershipView":
        """The membership; its `flags` (the group's accountability) only when `reveal`."""
        return cls(
            membership_id=m.id,
            company_id=m.company_id,
            group_id=m.group_id,
            status=m.status,
            applied_at=m.applied_at,
            signed_at=m.signed_at,
            joined_at=m.joined_at,
            left_at=m.left_at,
            departure=m.departure,
            waitlisted_because=m.waitlisted_because,
            flags=m.flags if reveal else (),
        )


@attrs.frozen(kw_only=True)
class Seat:
    """A company on a roster: an active member, an open offer or a wait-listed applicant."""

    membership_id: UUID
    company_id: UUID
    company: str
    since: datetime
    signed: bool
    note: str | None = None


@attrs.frozen(kw_only=True)
class NextMeeting:
    """A group's next meeting, as its roster shows it: when and where."""

    meeting_id: UUID
    starts: date
    ends: date
    #: the venue ("" when a member hosts it)
    venue: str
    #: the member company hosting it, if one does
    host: str | None = None

    @classmethod
    def among(
        cls, meetings: Iterable[Meeting | None], group: Group, names: Mapping[UUID, str]
    ) -> "NextMeeting | None":
        """The earliest of `meetings` to start of those still to be held: scheduled, and
        neither closed nor cancelled (a meeting whose days have passed stays next until
        it is closed or cancelled)."""
        pending = [m for m in meetings if m is not None and m.status is MeetingStatus.SCHEDULED]
        if not pending:
            return None
        first = min(pending, key=lambda m: (m.starts, str(m.id)))
        host = group.memberships.get(first.scheduled.host_id) if first.scheduled.host_id else None
        return cls(
            meeting_id=first.id,
            starts=first.starts,
            ends=first.ends,
            venue=first.scheduled.venue,
            host=None if host is None else names.get(host.company_id, str(host.company_id)),
        )


@attrs.frozen(kw_only=True)
class Roster:
    group_id: UUID
    name: str
    format: GroupFormat
    kind: GroupKind
    territory: Territory | None
    charter: Charter
    charter_version: int
    facilitator: str | None
    closed: bool
    members: tuple[Seat, ...]
    offers: tuple[Seat, ...]
    #: wait-listed applicants in order of arrival: the first is offered the next seat
    #: it can take without competing with anyone inside
    waitlist: tuple[Seat, ...]
    #: the group's next meeting: the earliest still to be held (None: none is scheduled)
    next_meeting: NextMeeting | None = None

    @property
    def capacity(self) -> int:
        return self.charter.capacity

    @property
    def open_seats(self) -> int:
        return max(0, self.capacity - len(self.members) - len(self.offers))

    @classmethod
    def of(
        cls, group: Group, names: Mapping[UUID, str], meetings: Iterable[Meeting | None] = ()
    ) -> "Roster":
        """The roster of `group`; `meetings`, the group's meetings (as the roster's
        moment knows them), give its next meeting."""

        def seat(m: Membership, since: datetime | None, note: str | None = None) -> Seat:
            return Seat(
                membership_id=m.id,
                company_id=m.company_id,
                company=names.get(m.company_id, str(m.company_id)),
                since=since or m.applied_at,
                signed=m.signed_at is not None,
                note=note,
            )

        active = sorted(group.active, key=lambda m: (m.joined_at or m.applied_at, str(m.id)))
        offered = group.with_status(MembershipStatus.OFFERED)
        return cls(
            group_id=group.id,
            name=group.name,
            format=group.format,
            kind=group.kind,
            territory=group.territory,
            charter=group.charter,
            charter_version=group.charters[-1].version,
            facilitator=group.facilitator,
            closed=group.closed_at is not None,
            members=tuple(seat(m, m.joined_at) for m in active),
            offers=tuple(seat(m, m.applied_at) for m in offered),
            waitlist=tuple(
                seat(m, m.applied_at, _why_waiting(m, names))
                for m in (group.memberships[i] for i in group.waitlist)
            ),
            next_meeting=NextMeeting.among(meetings, group, names),
        )


def _why_waiting(m: Membership, names: Mapping[UUID, str]) -> str | None:
    """The wait-list reason, naming the competitor from its current profile (a name is
    never stored in the reason itself: it is confidential, and may be forgotten)."""
    if m.waitlisted_beside is not None and m.waitlisted_beside in names:
        return f"competes with member {names[m.waitlisted_beside]}"
    return m.waitlisted_because


@attrs.frozen(kw_only=True)
class GroupSummary:
    group_id: UUID
    name: str
    format: GroupFormat
    kind: GroupKind
    formed_at: datetime
    capacity: int
    active: int
    offers: int
    waitlisted: int
    facilitator: str | None
    closed: bool

    @classmethod
    def of(cls, group: Group) -> "GroupSummary":
        return cls(
            group_id=group.id,
            name=group.name,
            format=group.format,
            kind=group.kind,
            formed_at=group.formed_at,
            capacity=group.charter.capacity,
            active=len(group.active),
            offers=len(group.with_status(MembershipStatus.OFFERED)),
            waitlisted=len(group.waitlist),
            facilitator=group.facilitator,
            closed=group.closed_at is not None,
        )


@attrs.frozen(kw_only=True)
class CompanyView:
    company_id: UUID
    profile: Profile
    registered_at: datetime
    acquired_by: str | None
    memberships: tuple[MembershipView, ...]

    @property
    def name(self) -> str:
        return self.profile.name

    @classmethod
    def of(
        cls,
        company: Company,
        memberships: tuple[MembershipView, ...],
        names: Mapping[UUID, str] | None = None,
    ) -> "CompanyView":
        return cls(
            company_id=company.id,
            profile=company.profile,
            registered_at=company.registered_at,
            acquired_by=acquirer_of(company, names or {}),
            memberships=memberships,
        )


def acquirer_of(company: Company, names: Mapping[UUID, str]) -> str | None:
    """Who bought the company: the acquirer's text, or a member company named from its
    current profile (by id when `names` does not hold it)."""
    if company.acquirer_id is not None:
        return f"member {names.get(company.acquirer_id, str(company.acquirer_id))}"
    return company.acquirer


@attrs.frozen(kw_only=True)
class GoalView:
    goal_id: UUID
    membership_id: UUID
    group_id: UUID
    company_id: UUID
    status: GoalStatus
    target: Target
    #: every version of the target, as set and as revised
    versions: tuple[Target, ...]
    progress: Decimal | None
    challenges: tuple[Challenge, ...]
    set_at: datetime
    decided_at: datetime | None

    @classmethod
    def of(cls, goal: Goal) -> "GoalView":
        return cls(
            goal_id=goal.id,
            membership_id=goal.membership_id,
            group_id=goal.group_id,
            company_id=goal.company_id,
            status=goal.status,
            target=goal.target,
            versions=goal.versions,
            progress=goal.progress,
            challenges=goal.challenges,
            set_at=goal.set_at,
            decided_at=goal.decided_at,
        )


@attrs.frozen(kw_only=True)
class GoalRecord:
    """A member's accountability record: goals set, met, missed, and the completion rate
    (goals met / goals decided as met or missed; withdrawn goals are not due)."""

    membership_id: UUID
    goals: tuple[GoalView, ...]

    def count(self, status: GoalStatus) -> int:
        return sum(1 for g in self.goals if g.status is status)

    @property
    def completion_rate(self) -> Fraction | None:
        due = self.count(GoalStatus.MET) + self.count(GoalStatus.MISSED)
        return Fraction(self.count(GoalStatus.MET), due) if due else None


@attrs.frozen(kw_only=True)
class Tally:
    in_favour: int
    against: int
    electorate: int
    quorum_needed: int


@attrs.frozen(kw_only=True)
class MotionView:
    """A motion and its count. `ballots` (who voted how) is filled only for readers who
    may see inside the group; everyone else gets the counts alone."""

    motion_id: UUID
    group_id: UUID
    kind: MotionKind
    #: the member who moved it; None when the charter's `removal_after_flags` raised it
    raised_by: UUID | None
    subject_id: UUID | None
    cause: MotionCause | None
    raised_at: datetime
    deadline: datetime
    quorum: Fraction
    threshold: Fraction
    tally: Tally
    outcome: str
    ballots: tuple[tuple[UUID, bool], ...] | None

    @classmethod
    def of(cls, motion: Motion, *, reveal: bool) -> "MotionView":
        raised = motion.raised
        outcome = "open"
        if isinstance(motion.outcome, MotionCarried):
            outcome = "carried"
        elif motion.outcome is not None:
            outcome = f"failed: {motion.outcome.reason}"
        return cls(
            motion_id=motion.id,
            group_id=motion.group_id,
            kind=raised.kind,
            raised_by=raised.raised_by,
            subject_id=raised.subject_id,
            cause=raised.cause,
            raised_at=raised.at,
            deadline=raised.deadline,
            quorum=raised.quorum,
            threshold=raised.threshold,
            tally=Tally(
                in_favour=motion.in_favour,
                against=motion.against,
                electorate=len(raised.electorate),
                quorum_needed=quorum_needed(len(raised.electorate), raised.quorum),
            ),
            outcome=outcome,
            ballots=tuple((b.voter_id, b.in_favour) for b in motion.ballots) if reveal else None,
        )


@attrs.frozen(kw_only=True)
class PrepView:
    """Who submitted prep work, when, and whether late. `summary` is the work itself,
    confidential to the group: None for readers who may not see inside it."""

    membership_id: UUID
    submitted_at: datetime
    late: bool
    summary: str | None


@attrs.frozen(kw_only=True)
class CostSheet:
    """What a meeting (or gathering) cost, what sponsors gave, and each member's share;
    the shares add up exactly to `net`."""

    expenses: tuple[tuple[ExpenseKind, str, Money], ...]
    sponsorships: tuple[tuple[str, Money], ...]
    total_expenses: Money
    total_sponsorship: Money
    net: Money
    #: each member's share: filled once the costs are shared (at close)
    shares: tuple[Share, ...]
    shared: bool


def _cost_sheet(state: Meeting | Gathering, currency: str) -> CostSheet:
    spent, given, net = net_cost(state.expenses, state.sponsorships, currency)
    return CostSheet(
        expenses=tuple((e.kind, e.description, e.amount) for e in state.expenses),
        sponsorships=tuple((s.sponsor, s.amount) for s in state.sponsorships),
        total_expenses=spent,
        total_sponsorship=given,
        net=net,
        shares=state.costs.shares if state.costs else (),
        shared=state.costs is not None,
    )


@attrs.frozen(kw_only=True)
class MeetingView:
    meeting_id: UUID
    group_id: UUID
    status: MeetingStatus
    starts: date
    ends: date
    venue: str
    host_id: UUID | None
    gathering_id: UUID | None
    #: the group's active members when the meeting was scheduled
    expected: tuple[UUID, ...]
    agenda: tuple[Topic, ...]
    prep: tuple[PrepView, ...]
    #: every expected member's attendance; None where none was recorded yet
    attendance: tuple[tuple[UUID, Attendance | None], ...]
    costs: CostSheet
    cancelled_because: str | None

    @classmethod
    def of(cls, meeting: Meeting, currency: str, *, reveal: bool) -> "MeetingView":
        s = meeting.scheduled
        roll = list(s.expected) + [m for m in meeting.attendance if m not in s.expected]
        return cls(
            meeting_id=meeting.id,
            group_id=meeting.group_id,
            status=meeting.status,
            starts=s.starts,
            ends=s.ends,
            venue=s.venue,
            host_id=s.host_id,
            gathering_id=s.gathering_id,
            expected=s.expected,
            agenda=meeting.topics,
            prep=tuple(
                PrepView(
                    membership_id=p.membership_id,
                    submitted_at=p.at,
                    late=p.late,
                    summary=p.summary if reveal else None,
                )
                for p in meeting.prep.values()
            ),
            attendance=tuple((m, meeting.attendance.get(m)) for m in roll),
            costs=_cost_sheet(meeting, currency),
            cancelled_because=meeting.cancelled_because,
        )


@attrs.frozen(kw_only=True)
class GatheringView:
    gathering_id: UUID
    name: str
    venue: str
    starts: date
    ends: date
    meetings: tuple[UUID, ...]
    costs: CostSheet

    @classmethod
    def of(cls, gathering: Gathering) -> "GatheringView":
        s = gathering.scheduled
        return cls(
            gathering_id=gathering.id,
            name=s.name,
            venue=s.venue,
            starts=s.starts,
            ends=s.ends,
            meetings=gathering.meetings,
            costs=_cost_sheet(gathering, s.currency),
        )


@attrs.frozen(kw_only=True)
class AccountEntry:
    """One line of a company's account: a charge (positive) or a payment (negative)."""

    at: datetime
    kind: str  # "dues", "meeting costs", "gathering costs" or "payment"
    amount: Money
    #: the membership charged, the meeting or gathering shared, or the payment's reference
    about: str


@attrs.frozen(kw_only=True)
class AccountView:
    company_id: UUID
    entries: tuple[AccountEntry, ...]
    #: what the company owes (charges less payments), one figure per currency
    balances: tuple[Money, ...]

    @classmethod
    def of(cls, company: Company, shared: Iterable[Meeting | Gathering]) -> "AccountView":
        """A company's dues, payments and shares of the costs of the meetings and
        gatherings `shared` with it, in date order, and its balance per currency."""
        entries = [
            AccountEntry(at=d.at, kind="dues", amount=d.amount, about=f"{d.month:%B %Y}")
            for d in company.dues
        ] + [
            AccountEntry(at=p.at, kind="payment", amount=-p.amount, about=p.reference)
            for p in company.payments
        ]
        for held in shared:
            assert held.costs is not None
            label = "meeting costs" if isinstance(held, Meeting) else "gathering costs"
            entries += [
                AccountEntry(at=held.costs.at, kind=label, amount=share.amount, about=str(held.id))
                for share in held.costs.shares
                if share.company_id == company.id
            ]
        entries.sort(key=lambda e: e.at)
        balances: dict[str, Money] = {}
        for entry in entries:
            currency = entry.amount.currency
            balances[currency] = balances.get(currency, Money.zero(currency)) + entry.amount
        return cls(
            company_id=company.id,
            entries=tuple(entries),
            balances=tuple(balances[c] for c in sorted(balances)),
        )


@attrs.frozen(kw_only=True)
class Tenure:
    """One membership in a company's history: where, when it began and ended, and why
    it ended (or why it waits)."""

    membership_id: UUID
    group_id: UUID
    group: str
    status: MembershipStatus
    applied_at: datetime
    joined_at: datetime | None
    left_at: datetime | None
    #: why the membership ended, else why it is wait-listed
    reason: str | None

    @classmethod
    def of(cls, m: Membership, group: str) -> "Tenure":
        return cls(
            membership_id=m.id,
            group_id=m.group_id,
            group=group,
            status=m.status,
            applied_at=m.applied_at,
            joined_at=m.joined_at,
            left_at=m.left_at,
            reason=m.departure
            or (m.waitlisted_because if m.status is MembershipStatus.WAITLISTED else None),
        )


@attrs.frozen(kw_only=True)
class CompanyHistory:
    """A company and every membership it held or sought, in order of application."""

    company_id: UUID
    name: str
    registered_at: datetime
    acquired_by: str | None
    memberships: tuple[Tenure, ...]
