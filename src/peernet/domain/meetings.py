"""Meetings and gatherings: the quarterly session of a group, and the network-wide event
at which several groups meet at one venue on the same days.

A meeting is scheduled for a group and fixes, then, who is expected: the group's active
members (a member who joins later is expected from the next meeting). Members submit
prep work before the charter's deadline (late prep is recorded as late), the roll is
taken, expenses and sponsorships are recorded, and the meeting is closed: absentees
without a record are marked absent, the net cost is shared, members over the attendance
rule are flagged, and goals due by the meeting's last day are decided, in one write.

A gathering holds costs of its own (the venue for everyone); when it is closed, after
its meetings, its net cost is shared across its groups by expected headcount, then
equally within each group.
"""

import enum
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from fractions import Fraction
from types import MappingProxyType
from typing import ClassVar, TypeVar
from uuid import UUID, uuid4, uuid5

import attrs

from peernet.domain.common import CONFIDENTIAL, Command, Event, check_forward, non_empty
from peernet.domain.errors import (
    GatheringClosed,
    InvalidValue,
    MeetingNotOpen,
    UnknownGathering,
    UnknownMeeting,
)
from peernet.domain.money import Money, split, total

# --- values ----------------------------------------------------------------------------


class Attendance(enum.Enum):
    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left early"
    EXCUSED = "absent with notice"
    ABSENT = "absent without notice"

    def miss(self, partial: Fraction) -> Fraction:
        """How much of a miss this counts as: late or left early counts `partial`."""
        if self in (Attendance.EXCUSED, Attendance.ABSENT):
            return Fraction(1)
        if self in (Attendance.LATE, Attendance.LEFT_EARLY):
            return partial
        return Fraction(0)

    @property
    def attended(self) -> bool:
        return self not in (Attendance.EXCUSED, Attendance.ABSENT)


class ExpenseKind(enum.Enum):
    VENUE = "venue"
    FOOD = "food"
    FACILITATOR = "facilitator"
    SPEAKER_TRAVEL = "speaker travel"
    OTHER = "other"


class MeetingStatus(enum.Enum):
    SCHEDULED = "scheduled"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@attrs.frozen
class Topic:
    title: str = attrs.field(validator=non_empty)
    #: the member who brings the topic, if one does
    owner_id: UUID | None = None


@attrs.frozen(kw_only=True)
class Share:
    """One member's part of a cost."""

    membership_id: UUID
    company_id: UUID
    group_id: UUID
    amount: Money


# --- commands ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ScheduleGathering(Command):
    name: str = attrs.field(validator=non_empty)
    venue: str = attrs.field(validator=non_empty)
    starts: date
    ends: date
    currency: str = "USD"
    gathering_id: UUID = attrs.field(factory=uuid4)


@attrs.frozen(kw_only=True)
class ScheduleMeeting(Command):
    """A group's meeting: at a venue, at a host member's place, or at a gathering."""

    group_id: UUID
    starts: date
    ends: date
    venue: str = ""
    host_id: UUID | None = None
    gathering_id: UUID | None = None
    meeting_id: UUID = attrs.field(factory=uuid4)


@attrs.frozen(kw_only=True)
class GatherAllGroups(Command):
    """Every open in-person group with members meets at the gathering, over its days,
    instead of at home that quarter: one meeting each, in one write."""

    gathering_id: UUID


def gathered_meeting_id(gathering_id: UUID, group_id: UUID) -> UUID:
    """The id of a group's meeting scheduled by `GatherAllGroups`."""
    return uuid5(gathering_id, str(group_id))


@attrs.frozen(kw_only=True)
class MeetingStep(Command):
    """A command about one scheduled meeting."""

    meeting_id: UUID


@attrs.frozen(kw_only=True)
class SetAgenda(MeetingStep):
    topics: tuple[Topic, ...]


@attrs.frozen(kw_only=True)
class SubmitPrep(MeetingStep):
    membership_id: UUID
    summary: str = attrs.field(validator=non_empty, metadata={CONFIDENTIAL: True})


def _roll(value: object) -> tuple[tuple[UUID, Attendance], ...]:
    """A roll given as a mapping or as pairs, as (membership id, attendance) pairs."""
    pairs = value.items() if isinstance(value, Mapping) else value
    try:
        return tuple(
            (
                key if isinstance(key, UUID) else UUID(key),
                mark if isinstance(mark, Attendance) else Attendance(mark),
            )
            for key, mark in pairs  # type: ignore[attr-defined]
        )
    except (TypeError, ValueError, AttributeError):
        allowed = ", ".join(repr(a.value) for a in Attendance)
        raise InvalidValue(f"a roll maps membership ids to one of {allowed}") from None


@attrs.frozen(kw_only=True)
class TakeRoll(MeetingStep):
    """Attendance of some or all expected members; a member recorded again is corrected."""

    attendance: tuple[tuple[UUID, Attendance], ...] = attrs.field(converter=_roll)


@attrs.frozen(kw_only=True)
class RecordAttendees(MeetingStep):
    """The people who came for a member: its attendance is taken per person. A member
    with no mark yet is marked present."""

    membership_id: UUID
    person_ids: tuple[UUID, ...]


@attrs.frozen(kw_only=True)
class RecordExpense(Command):
    """A cost of a meeting, or of a gathering (give exactly one of the two ids)."""

    kind: ExpenseKind
    amount: Money
    description: str = ""
    meeting_id: UUID | None = None
    gathering_id: UUID | None = None


@attrs.frozen(kw_only=True)
class RecordSponsorship(Command):
    """A vendor partner's contribution, deducted from the costs before they are shared.
    `vendor_id` names a vendor of the programme (in it that day), whose name is then the
    sponsor's; a sponsor outside the programme is named in `sponsor` alone."""

    amount: Money
    sponsor: str = ""
    vendor_id: UUID | None = None
    meeting_id: UUID | None = None
    gathering_id: UUID | None = None

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        if self.vendor_id is None and not self.sponsor.strip():
            raise InvalidValue("a sponsorship names its vendor or its sponsor", field="sponsor")


class SpeakerKind(enum.Enum):
    """Who a speaker who is not a member speaks for."""

    VENDOR = "vendor partner"
    MICROSOFT = "microsoft"
    FOUNDER = "founder"
    MEMBER = "member"
    GUEST = "guest"


@attrs.frozen(kw_only=True)
class Speaker:
    name: str = attrs.field(validator=non_empty)
    kind: SpeakerKind
    #: the vendor partner the speaker speaks for (kind `vendor partner`)
    vendor_id: UUID | None = None


@attrs.frozen(kw_only=True)
class AddSession(Command):
    """A talk or session on a meeting's or a gathering's programme (give exactly one of
    the two ids), under a theme, with a speaker who need not be a member."""

    title: str = attrs.field(validator=non_empty)
    speaker: Speaker
    theme: str = ""
    meeting_id: UUID | None = None
    gathering_id: UUID | None = None


@attrs.frozen(kw_only=True)
class CloseMeeting(MeetingStep):
    """After its last day: absentees marked, costs shared, flags raised, goals decided."""


@attrs.frozen(kw_only=True)
class CancelMeeting(MeetingStep):
    reason: str = attrs.field(validator=non_empty)


@attrs.frozen(kw_only=True)
class CloseGathering(Command):
    gathering_id: UUID


# --- events ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class GatheringEvent(Event):
    home: ClassVar[str] = "gathering_id"
    gathering_id: UUID


@attrs.frozen(kw_only=True)
class GatheringScheduled(GatheringEvent):
    name: str
    venue: str
    starts: date
    ends: date
    currency: str


@attrs.frozen(kw_only=True)
class MeetingAddedToGathering(GatheringEvent):
    """Recorded with a meeting scheduled at a gathering, so closing the gathering and
    adding a meeting to it cannot pass each other by."""

    meeting_id: UUID
    group_id: UUID


@attrs.frozen(kw_only=True)
class MeetingEvent(Event):
    home: ClassVar[str] = "meeting_id"
    meeting_id: UUID
    group_id: UUID


@attrs.frozen(kw_only=True)
class MeetingScheduled(MeetingEvent):
    starts: date
    ends: date
    venue: str
    host_id: UUID | None
    gathering_id: UUID | None
    #: the group's active members when the meeting was scheduled
    expected: tuple[UUID, ...]


@attrs.frozen(kw_only=True)
class AgendaSet(MeetingEvent):
    topics: tuple[Topic, ...]


@attrs.frozen(kw_only=True)
class PrepSubmitted(MeetingEvent):
    """Schema 2: `summary` is sealed under the key of `company_id`, the member's company
    (None in events stored before, whose summary is in the clear)."""

    schema: ClassVar[int] = 2
    membership_id: UUID
    summary: str = attrs.field(metadata={CONFIDENTIAL: True})
    late: bool
    company_id: UUID | None = None


@attrs.frozen(kw_only=True)
class AttendanceRecorded(MeetingEvent):
    membership_id: UUID
    attendance: Attendance


@attrs.frozen(kw_only=True)
class AttendeesRecorded(MeetingEvent):
    """Who came for a member, person by person (a correction replaces the list)."""

    membership_id: UUID
    person_ids: tuple[UUID, ...]


@attrs.frozen(kw_only=True)
class MeetingClosed(MeetingEvent):
    #: who shares the costs: those expected who had not left by the meeting's last day
    expected: tuple[UUID, ...]


@attrs.frozen(kw_only=True)
class MeetingCancelled(MeetingEvent):
    reason: str


@attrs.frozen(kw_only=True)
class CostEvent(Event):
    """Recorded in the meeting's stream, or the gathering's when it names no meeting."""

    home: ClassVar[str] = "meeting_id"
    meeting_id: UUID | None = None
    gathering_id: UUID | None = None

    def stream(self) -> tuple[str, UUID]:
        if self.meeting_id is not None:
            return "meeting_id", self.meeting_id
        assert self.gathering_id is not None
        return "gathering_id", self.gathering_id


@attrs.frozen(kw_only=True)
class ExpenseRecorded(CostEvent):
    kind: ExpenseKind
    amount: Money
    description: str = ""


@attrs.frozen(kw_only=True)
class SponsorshipRecorded(CostEvent):
    #: schema 2 names the vendor partner (`vendor_id`); schema 1 named a sponsor alone
    schema: ClassVar[int] = 2
    sponsor: str
    amount: Money
    vendor_id: UUID | None = None


@attrs.frozen(kw_only=True)
class SessionAdded(CostEvent):
    """A talk or session on the programme of a meeting, or of a gathering when it names
    no meeting."""

    title: str
    theme: str
    speaker: Speaker


@attrs.frozen(kw_only=True)
class CostsShared(CostEvent):
    expenses: Money
    sponsorship: Money
    #: expenses less sponsorship; when sponsors paid more than it cost, nobody is charged
    net: Money
    shares: tuple[Share, ...]


# --- errors ------------------------------------------------------------------------------


# --- state -------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Meeting:
    id: UUID
    group_id: UUID
    scheduled: MeetingScheduled
    last_at: datetime
    status: MeetingStatus = MeetingStatus.SCHEDULED
    topics: tuple[Topic, ...] = ()
    prep: Mapping[UUID, PrepSubmitted] = MappingProxyType({})
    attendance: Mapping[UUID, Attendance] = MappingProxyType({})
    #: who came for each member, person by person
    attendees: Mapping[UUID, tuple[UUID, ...]] = MappingProxyType({})
    expenses: tuple[ExpenseRecorded, ...] = ()
    sponsorships: tuple[SponsorshipRecorded, ...] = ()
    sessions: tuple[SessionAdded, ...] = ()
    closed: MeetingClosed | None = None
    costs: CostsShared | None = None
    cancelled_because: str | None = None

    @property
    def starts(self) -> date:
        return self.scheduled.starts

    @property
    def ids(self) -> dict[str, UUID]:
        """The ids every event of this meeting carries."""
        return {"meeting_id": self.id, "group_id": self.group_id}

    @property
    def ends(self) -> date:
        return self.scheduled.ends


@attrs.frozen(kw_only=True)
class Gathering:
    id: UUID
    scheduled: GatheringScheduled
    last_at: datetime
    meetings: tuple[UUID, ...] = ()
    expenses: tuple[ExpenseRecorded, ...] = ()
    sponsorships: tuple[SponsorshipRecorded, ...] = ()
    sessions: tuple[SessionAdded, ...] = ()
    costs: CostsShared | None = None


def require_open(state: Meeting | None, meeting_id: UUID, at: datetime) -> Meeting:
    if state is None:
        raise UnknownMeeting(meeting_id=meeting_id)
    if state.status is not MeetingStatus.SCHEDULED:
        raise MeetingNotOpen(meeting_id=state.id, status=state.status)
    check_forward(state, at)
    return state


def require_gathering(state: Gathering | None, gathering_id: UUID, at: datetime) -> Gathering:
    if state is None:
        raise UnknownGathering(gathering_id=gathering_id)
    if state.costs is not None:
        raise GatheringClosed(gathering_id=gathering_id)
    check_forward(state, at)
    return state


_Costed = TypeVar("_Costed", "Meeting", "Gathering")


def _with_costs(state: _Costed, event: CostEvent) -> _Costed:
    match event:
        case ExpenseRecorded():
            return attrs.evolve(state, expenses=(*state.expenses, event))
        case SponsorshipRecorded():
            return attrs.evolve(state, sponsorships=(*state.sponsorships, event))
        case SessionAdded():
            return attrs.evolve(state, sessions=(*state.sessions, event))
        case CostsShared():
            return attrs.evolve(state, costs=event)
    raise AssertionError(f"not a cost event: {event!r}")


def evolve(state: Meeting | None, event: MeetingEvent | CostEvent) -> Meeting:
    if isinstance(event, MeetingScheduled):
        return Meeting(
            id=event.meeting_id, group_id=event.group_id, scheduled=event, last_at=event.at
        )
    assert state is not None, f"{type(event).__name__} before MeetingScheduled"
    state = attrs.evolve(state, last_at=event.at)
    match event:
        case AgendaSet():
            return attrs.evolve(state, topics=event.topics)
        case PrepSubmitted():
            return attrs.evolve(
                state, prep=MappingProxyType({**state.prep, event.membership_id: event})
            )
        case AttendanceRecorded():
            attendance = {**state.attendance, event.membership_id: event.attendance}
            return attrs.evolve(state, attendance=MappingProxyType(attendance))
        case AttendeesRecorded():
            came = {**state.attendees, event.membership_id: event.person_ids}
            return attrs.evolve(state, attendees=MappingProxyType(came))
        case MeetingClosed():
            return attrs.evolve(state, status=MeetingStatus.CLOSED, closed=event)
        case MeetingCancelled():
            return attrs.evolve(
                state, status=MeetingStatus.CANCELLED, cancelled_because=event.reason
            )
        case CostEvent():
            return _with_costs(state, event)
    raise AssertionError(f"not a meeting event: {event!r}")


def evolve_gathering(state: Gathering | None, event: GatheringEvent | CostEvent) -> Gathering:
    if isinstance(event, GatheringScheduled):
        return Gathering(id=event.gathering_id, scheduled=event, last_at=event.at)
    assert state is not None, f"{type(event).__name__} before GatheringScheduled"
    state = attrs.evolve(state, last_at=event.at)
    match event:
        case MeetingAddedToGathering():
            return attrs.evolve(state, meetings=(*state.meetings, event.meeting_id))
        case CostEvent():
            return _with_costs(state, event)
    raise AssertionError(f"not a gathering event: {event!r}")


# --- figures the decisions share ---------------------------------------------------------


def net_cost(
    expenses: Sequence[ExpenseRecorded], sponsorships: Sequence[SponsorshipRecorded], currency: str
) -> tuple[Money, Money, Money]:
    """Expenses, sponsorship, and what is left to share (never below zero)."""
    spent = total([e.amount for e in expenses], currency)
    given = total([s.amount for s in sponsorships], currency)
    net = spent - given
    return spent, given, net if net.positive else Money.zero(currency)


def misses(
    meetings: Sequence[Meeting], membership_id: UUID, window: int, partial: Fraction
) -> tuple[Fraction, int]:
    """A member's misses over the last `window` closed meetings that expected it, and
    how many meetings that was."""
    expected = sorted(
        (m for m in meetings if m.closed is not None and membership_id in m.closed.expected),
        key=lambda m: (m.starts, str(m.id)),
    )[-window:]
    missed = sum(
        (m.attendance.get(membership_id, Attendance.ABSENT).miss(partial) for m in expected),
        Fraction(0),
    )
    return missed, len(expected)


def shares_of(
    net: Money, members: Sequence[tuple[UUID, UUID]], group_id: UUID
) -> tuple[Share, ...]:
    """`net` shared equally among (membership, company) pairs, in membership id order."""
    if not members:
        return ()
    ordered = sorted(members, key=lambda m: str(m[0]))
    parts = split(net, [(m, 1) for m in ordered])
    return tuple(
        Share(membership_id=m, company_id=c, group_id=group_id, amount=amount)
        for (m, c), amount in parts
    )
