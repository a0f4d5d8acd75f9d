"""The decisions on meetings, gatherings and money that read a group.

Like `seats` and `accountability`, pure: the facade loads the `Situation` (the group,
the meeting and the group's earlier meetings, the gathering, the companies charged) and
writes what `decide` returns, across streams, in one transaction.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime
from uuid import UUID

import attrs

from peernet.domain import meetings
from peernet.domain.accountability import decide_due_goals
from peernet.domain.charters import Charter
from peernet.domain.common import Command, Event, InvalidValue, check_forward
from peernet.domain.companies import DuesCharged, PaymentReceived
from peernet.domain.groups import Group
from peernet.domain.meetings import (
    AgendaSet,
    Attendance,
    AttendanceRecorded,
    CancelMeeting,
    CloseGathering,
    CloseMeeting,
    CostsShared,
    ExpenseRecorded,
    Gathering,
    GatheringScheduled,
    Meeting,
    MeetingAddedToGathering,
    MeetingCancelled,
    MeetingClosed,
    MeetingCommand,
    MeetingNotOver,
    MeetingScheduled,
    MeetingsStillOpen,
    MeetingStatus,
    NotAtGathering,
    NotExpected,
    PrepSubmitted,
    RecordExpense,
    RecordSponsorship,
    ScheduleGathering,
    ScheduleMeeting,
    SetAgenda,
    Share,
    SponsorshipRecorded,
    SubmitPrep,
    TakeRoll,
    TooManyTopics,
)
from peernet.domain.memberships import MemberFlagged, Membership, MembershipStatus, require_active
from peernet.domain.money import AmountNotPositive, MixedCurrencies, Money, split
from peernet.domain.seats import Situation, months_after

# --- money commands ------------------------------------------------------------------------


def _first_of_month(value: object) -> date:
    if not isinstance(value, date):
        raise InvalidValue(f"month must be a date, got {value!r}", field="month")
    return date(value.year, value.month, 1)


@attrs.frozen(kw_only=True)
class ChargeDues(Command):
    """Charge a month's dues to every member of the group active in that month. The same
    month charged again charges nobody twice: it is safe to run on a schedule."""

    group_id: UUID
    month: date = attrs.field(converter=_first_of_month)


@attrs.frozen(kw_only=True)
class RecordPayment(Command):
    company_id: UUID
    amount: Money
    reference: str = ""


SessionCommand = MeetingCommand | ChargeDues | RecordPayment


def _check_new(known: object, what: str, new_id: UUID) -> None:
    if known is not None:
        raise InvalidValue(f"{what} {new_id} already exists", **{f"{what}_id": new_id})


def _check_dates(starts: date, ends: date) -> None:
    if ends < starts:
        raise InvalidValue(f"ends on {ends.isoformat()}, before it starts on {starts.isoformat()}")


def _expected_member(meeting: Meeting, membership_id: UUID) -> None:
    if membership_id not in meeting.scheduled.expected:
        raise NotExpected(meeting.id, membership_id)


def _positive(what: str, amount: Money, charter_currency: str, **ids: object) -> None:
    if amount.currency != charter_currency:
        raise MixedCurrencies(charter_currency, amount.currency, **ids)
    if not amount.positive:
        raise AmountNotPositive(what, amount, **ids)


def _schedule(situation: Situation, command: ScheduleMeeting) -> list[Event]:
    _check_new(situation.meetings.get(command.meeting_id), "meeting", command.meeting_id)
    group = situation.group(command.group_id)
    check_forward("group", group.id, command.at, group.last_at)
    _check_dates(command.starts, command.ends)
    if command.host_id is not None:
        host = group.memberships.get(command.host_id)
        if host is None or host.status is not MembershipStatus.ACTIVE:
            raise NotExpected(command.meeting_id, command.host_id)
    venue = command.venue
    added: list[Event] = []
    if command.gathering_id is not None:
        gathering = meetings.require_gathering(
            situation.gatherings.get(command.gathering_id), command.gathering_id, command.at
        )
        days = gathering.scheduled
        if not days.starts <= command.starts <= command.ends <= days.ends:
            raise NotAtGathering(gathering.id, "the meeting's days lie outside the gathering's")
        if any(situation.meetings[m].group_id == group.id for m in gathering.meetings):
            raise NotAtGathering(gathering.id, f"group {group.id} already meets there")
        venue = venue or days.venue
        added.append(
            MeetingAddedToGathering(
                gathering_id=gathering.id,
                meeting_id=command.meeting_id,
                group_id=group.id,
                at=command.at,
            )
        )
    if not venue and command.host_id is None:
        raise InvalidValue("a meeting is held at a venue, at a host member's, or at a gathering")
    expected = tuple(sorted((m.id for m in group.active), key=str))
    scheduled = MeetingScheduled(
        meeting_id=command.meeting_id,
        group_id=group.id,
        starts=command.starts,
        ends=command.ends,
        venue=venue,
        host_id=command.host_id,
        gathering_id=command.gathering_id,
        expected=expected,
        at=command.at,
    )
    return [scheduled, *added]


def _cost_target(situation: Situation, command: RecordExpense | RecordSponsorship) -> str:
    """The currency of the meeting's group, or the gathering's, the cost is recorded for."""
    if (command.meeting_id is None) == (command.gathering_id is None):
        raise InvalidValue("a cost is recorded for one meeting or one gathering")
    if command.meeting_id is not None:
        meeting = meetings.require_open(
            situation.meetings.get(command.meeting_id), command.meeting_id, command.at
        )
        return situation.group(meeting.group_id).charter.currency
    assert command.gathering_id is not None
    gathering = meetings.require_gathering(
        situation.gatherings.get(command.gathering_id), command.gathering_id, command.at
    )
    return gathering.scheduled.currency


def _cost(situation: Situation, command: RecordExpense | RecordSponsorship) -> Event:
    """An expense, or a sponsorship, above zero in the currency of what it is for."""
    currency = _cost_target(situation, command)
    where = {"meeting_id": command.meeting_id, "gathering_id": command.gathering_id}
    if isinstance(command, RecordExpense):
        _positive("an expense", command.amount, currency)
        return ExpenseRecorded(
            kind=command.kind,
            amount=command.amount,
            description=command.description,
            at=command.at,
            **where,
        )
    _positive("a sponsorship", command.amount, currency)
    return SponsorshipRecorded(
        sponsor=command.sponsor, amount=command.amount, at=command.at, **where
    )


def _attending(group: Group, meeting: Meeting) -> list[Membership]:
    """Who shares the meeting's costs and is counted for attendance: those expected who
    had not left the group before its last day (a member who left can be charged no new
    cost)."""
    kept = []
    for membership_id in meeting.scheduled.expected:
        m = group.memberships[membership_id]
        left = m.left_at is not None and m.left_at.date() <= meeting.ends
        if m.status is MembershipStatus.ACTIVE or not left:
            kept.append(m)
    return kept


def _attendance_flags(
    situation: Situation, group: Group, closed: Meeting, charter: Charter, at: datetime
) -> list[Event]:
    history = [m for m in situation.meetings.values() if m.group_id == group.id]
    history = [m for m in history if m.id != closed.id] + [closed]
    flags: list[Event] = []
    assert closed.closed is not None
    for membership_id in closed.closed.expected:
        member = group.memberships[membership_id]
        if member.status is not MembershipStatus.ACTIVE:
            continue
        missed, over = meetings.misses(
            history, membership_id, charter.attendance_window, charter.partial_miss
        )
        if missed > charter.misses_allowed:
            flags.append(
                MemberFlagged(
                    membership_id=membership_id,
                    group_id=group.id,
                    company_id=member.company_id,
                    reason=(
                        f"missed {float(missed):g} of the last {over} meetings "
                        f"(charter: at most {charter.misses_allowed} "
                        f"of {charter.attendance_window})"
                    ),
                    at=at,
                )
            )
    return flags


def _close(situation: Situation, command: CloseMeeting) -> list[Event]:
    meeting = meetings.require_open(
        situation.meetings.get(command.meeting_id), command.meeting_id, command.at
    )
    if command.at.date() < meeting.ends:
        raise MeetingNotOver(meeting.id, meeting.ends)
    group = situation.group(meeting.group_id)
    charter = group.charter_at(command.at).charter
    ids = {"meeting_id": meeting.id, "group_id": group.id}
    present = _attending(group, meeting)
    marks: list[Event] = [
        AttendanceRecorded(membership_id=m.id, attendance=Attendance.ABSENT, at=command.at, **ids)
        for m in present
        if m.id not in meeting.attendance
    ]
    closed = MeetingClosed(expected=tuple(m.id for m in present), at=command.at, **ids)
    after = meeting
    for event in (*marks, closed):
        assert isinstance(event, meetings.MeetingEvent)
        after = meetings.evolve(after, event)
    payers = [m for m in present if charter.absentees_pay or after.attendance[m.id].attended]
    costs: list[Event] = []
    if meeting.expenses or meeting.sponsorships:
        members = [(m.id, m.company_id) for m in payers]
        costs.append(
            _costs_shared(
                meeting,
                charter.currency,
                lambda net: meetings.shares_of(net, members, group.id),
                command.at,
                meeting_id=meeting.id,
            )
        )
    flags = _attendance_flags(situation, group, after, charter, command.at)
    if flags:
        check_forward("group", group.id, command.at, group.last_at)
    return [
        *marks,
        closed,
        *costs,
        *flags,
        *decide_due_goals(situation, group, meeting.ends, command.at),
    ]


def _close_gathering(situation: Situation, command: CloseGathering) -> list[Event]:
    gathering = meetings.require_gathering(
        situation.gatherings.get(command.gathering_id), command.gathering_id, command.at
    )
    held = [situation.meetings[m] for m in gathering.meetings]
    still = [m.id for m in held if m.status is MeetingStatus.SCHEDULED]
    if still:
        raise MeetingsStillOpen(gathering.id, still)
    closed = [m for m in held if m.closed is not None and m.closed.expected]

    def by_headcount(net: Money) -> tuple[Share, ...]:
        """The net cost split across the meetings by headcount, then within each."""
        shares: tuple[Share, ...] = ()
        if closed:
            by_group = split(net, [(m, len(m.closed.expected)) for m in closed if m.closed])
            for meeting, part in by_group:
                group = situation.group(meeting.group_id)
                assert meeting.closed is not None
                members = [(i, group.memberships[i].company_id) for i in meeting.closed.expected]
                shares += meetings.shares_of(part, members, group.id)
        return shares

    currency = gathering.scheduled.currency
    return [_costs_shared(gathering, currency, by_headcount, command.at, gathering_id=gathering.id)]


def _costs_shared(
    state: Meeting | Gathering,
    currency: str,
    share: Callable[[Money], tuple[Share, ...]],
    at: datetime,
    **where: UUID,
) -> CostsShared:
    """The costs of a meeting or a gathering, net of sponsorship, as `share` splits them."""
    spent, given, net = meetings.net_cost(state.expenses, state.sponsorships, currency)
    return CostsShared(
        expenses=spent, sponsorship=given, net=net, shares=share(net), at=at, **where
    )


def _active_in(m: Membership, start: date, end: date) -> bool:
    """Whether the membership was active at some time in [start, end)."""
    if m.joined_at is None or m.joined_at.date() >= end:
        return False
    return m.left_at is None or m.left_at.date() >= start


def _charge_dues(situation: Situation, command: ChargeDues) -> list[Event]:
    group = situation.group(command.group_id)
    start = command.month
    if command.at.date() < start:
        raise InvalidValue(
            f"dues for {start:%B %Y} cannot be charged before the month begins",
            group_id=group.id,
        )
    end = months_after(datetime(start.year, start.month, 1), 1).date()
    charter = group.charter_at(datetime(start.year, start.month, 1, tzinfo=UTC)).charter
    rate = Money(charter.dues_for(group.format), charter.currency)
    charges: list[Event] = []
    for m in sorted(group.memberships.values(), key=lambda m: str(m.id)):
        if not _active_in(m, start, end):
            continue
        company = situation.companies[m.company_id]
        if company.charged(m.id, start) or not rate.positive:
            continue
        check_forward("company", company.id, command.at, company.last_at)
        charges.append(
            DuesCharged(
                company_id=m.company_id,
                group_id=group.id,
                membership_id=m.id,
                month=start,
                amount=rate,
                at=command.at,
            )
        )
    return charges


def _payment(situation: Situation, command: RecordPayment) -> list[Event]:
    company = situation.companies.get(command.company_id)
    if company is None:
        situation.company(command.company_id)  # raises UnknownCompany
    assert company is not None
    check_forward("company", company.id, command.at, company.last_at)
    if not command.amount.positive:
        raise AmountNotPositive("a payment", command.amount, company_id=company.id)
    return [
        PaymentReceived(
            company_id=company.id,
            amount=command.amount,
            reference=command.reference,
            at=command.at,
        )
    ]


def _prep(situation: Situation, command: SubmitPrep, meeting: Meeting) -> list[Event]:
    _expected_member(meeting, command.membership_id)
    group = situation.group(meeting.group_id)
    require_active(group.memberships[command.membership_id])
    charter = group.charter_at(command.at).charter
    due = meeting.starts.toordinal() - charter.prep_days_before
    return [
        PrepSubmitted(
            meeting_id=meeting.id,
            group_id=meeting.group_id,
            membership_id=command.membership_id,
            summary=command.summary,
            late=command.at.date().toordinal() > due,
            at=command.at,
        )
    ]


def _roll(situation: Situation, command: TakeRoll, meeting: Meeting) -> list[Event]:
    group = situation.group(meeting.group_id)
    events: list[Event] = []
    for membership_id, attendance in command.attendance:
        _expected_member(meeting, membership_id)
        events.append(
            AttendanceRecorded(
                meeting_id=meeting.id,
                group_id=group.id,
                membership_id=membership_id,
                attendance=attendance,
                at=command.at,
            )
        )
    if not events:
        raise InvalidValue("a roll names at least one member")
    return events


def _on_meeting(situation: Situation, command: Command, meeting_id: UUID) -> list[Event]:
    meeting = meetings.require_open(situation.meetings.get(meeting_id), meeting_id, command.at)
    match command:
        case SetAgenda():
            charter = situation.group(meeting.group_id).charter_at(command.at).charter
            if len(command.topics) > charter.agenda_topics:
                raise TooManyTopics(meeting.id, len(command.topics), charter.agenda_topics)
            for topic in command.topics:
                if topic.owner_id is not None:
                    _expected_member(meeting, topic.owner_id)
            return [
                AgendaSet(
                    meeting_id=meeting.id,
                    group_id=meeting.group_id,
                    topics=command.topics,
                    at=command.at,
                )
            ]
        case SubmitPrep():
            return _prep(situation, command, meeting)
        case TakeRoll():
            return _roll(situation, command, meeting)
        case CancelMeeting():
            return [
                MeetingCancelled(
                    meeting_id=meeting.id,
                    group_id=meeting.group_id,
                    reason=command.reason,
                    at=command.at,
                )
            ]
    raise AssertionError(f"not a meeting command: {command!r}")


def decide(situation: Situation, command: SessionCommand) -> list[Event]:  # noqa: PLR0911
    match command:
        case ScheduleGathering():
            _check_new(
                situation.gatherings.get(command.gathering_id), "gathering", command.gathering_id
            )
            _check_dates(command.starts, command.ends)
            Money.zero(command.currency)  # refuses a malformed currency code
            return [
                GatheringScheduled(
                    gathering_id=command.gathering_id,
                    name=command.name,
                    venue=command.venue,
                    starts=command.starts,
                    ends=command.ends,
                    currency=command.currency,
                    at=command.at,
                )
            ]
        case ScheduleMeeting():
            return _schedule(situation, command)
        case RecordExpense() | RecordSponsorship():
            return [_cost(situation, command)]
        case CloseMeeting():
            return _close(situation, command)
        case CloseGathering():
            return _close_gathering(situation, command)
        case ChargeDues():
            return _charge_dues(situation, command)
        case RecordPayment():
            return _payment(situation, command)
        case SetAgenda() | SubmitPrep() | TakeRoll() | CancelMeeting():
            return _on_meeting(situation, command, command.meeting_id)
    raise AssertionError(f"not a meeting or money command: {command!r}")
