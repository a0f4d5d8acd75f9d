"""Meetings and gatherings: who is expected, the agenda, prep and the roll, the costs,
and the close: absentees marked, the net cost shared to the cent, members over the
attendance rule flagged and the goals due decided, in one write. A gathering is closed
after its meetings, its net cost shared across its groups by expected headcount.
"""

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from uuid import UUID

from peernet.domain import meetings
from peernet.domain.charters import Charter
from peernet.domain.common import Command, Event, carry, check_forward
from peernet.domain.decisions import Decider
from peernet.domain.decisions.accountability import decide_due_goals
from peernet.domain.errors import (
    AmountNotPositive,
    InvalidValue,
    MeetingNotOver,
    MeetingsStillOpen,
    MixedCurrencies,
    NotAtGathering,
    NotExpected,
    TooManyTopics,
)
from peernet.domain.governance import act_for_network
from peernet.domain.groups import Group
from peernet.domain.memberships import MemberFlagged, Membership, MembershipStatus, require_active
from peernet.domain.money import Money, split
from peernet.domain.network_errors import UnknownVendor, VendorNotInProgramme
from peernet.domain.situation import Ref, Situation, group_goals


def _check_new(known: object, what: str, new_id: UUID) -> None:
    if known is not None:
        raise InvalidValue(f"{what} {new_id} already exists", **{f"{what}_id": new_id})


def _check_dates(starts: date, ends: date) -> None:
    if ends < starts:
        raise InvalidValue(f"ends on {ends.isoformat()}, before it starts on {starts.isoformat()}")


def _expected_member(meeting: meetings.Meeting, membership_id: UUID) -> None:
    if membership_id not in meeting.scheduled.expected:
        raise NotExpected(meeting_id=meeting.id, membership_id=membership_id)


def check_amount(what: str, amount: Money, currency: str, **ids: object) -> None:
    """An amount above zero, in the currency it is kept in."""
    if amount.currency != currency:
        raise MixedCurrencies(expected=currency, got=amount.currency, **ids)
    if not amount.positive:
        raise AmountNotPositive(what=what, amount=amount, **ids)


# --- gatherings and meetings scheduled ---------------------------------------------------


def _gathering(situation: Situation, gathering_id: UUID) -> Iterator[Ref]:
    """The gathering, its meetings and their groups."""
    yield Ref.gathering(gathering_id)
    gathering = situation.gatherings.get(gathering_id)
    for meeting_id in gathering.meetings if gathering else ():
        yield Ref.meeting(meeting_id)
        if (meeting := situation.meetings.get(meeting_id)) is not None:
            yield Ref.group(meeting.group_id)


def _gathering_needs(command: meetings.CloseGathering, situation: Situation) -> Iterator[Ref]:
    return _gathering(situation, command.gathering_id)


def _new_gathering(command: meetings.ScheduleGathering, situation: Situation) -> Iterator[Ref]:
    yield Ref.gathering(command.gathering_id)
    yield Ref.network()


def _schedule_gathering(situation: Situation, command: meetings.ScheduleGathering) -> list[Event]:
    # a gathering is the network's: its staff schedule it once the network is chartered
    act_for_network(situation.network(), command.actor, command.at)
    _check_new(situation.gathering(command.gathering_id), "gathering", command.gathering_id)
    _check_dates(command.starts, command.ends)
    Money.zero(command.currency)  # refuses a malformed currency code
    return [carry(meetings.GatheringScheduled, command)]


def _schedule_needs(command: meetings.ScheduleMeeting, situation: Situation) -> Iterator[Ref]:
    yield Ref.meeting(command.meeting_id)
    yield Ref.group(command.group_id)
    if command.gathering_id is not None:
        yield from _gathering(situation, command.gathering_id)


def _at_gathering(
    situation: Situation, command: meetings.ScheduleMeeting, group: Group
) -> meetings.Gathering:
    assert command.gathering_id is not None
    gathering = meetings.require_gathering(
        situation.gathering(command.gathering_id), command.gathering_id, command.at
    )
    days = gathering.scheduled
    if not days.starts <= command.starts <= command.ends <= days.ends:
        why = "the meeting's days lie outside the gathering's"
        raise NotAtGathering(gathering_id=gathering.id, why=why)
    held = (situation.meeting(m) for m in gathering.meetings)
    if any(m is not None and m.group_id == group.id for m in held):
        raise NotAtGathering(gathering_id=gathering.id, why=f"group {group.id} already meets there")
    return gathering


def _schedule(situation: Situation, command: meetings.ScheduleMeeting) -> list[Event]:
    _check_new(situation.meeting(command.meeting_id), "meeting", command.meeting_id)
    group = situation.group(command.group_id)
    check_forward(group, command.at)
    _check_dates(command.starts, command.ends)
    if command.host_id is not None:
        host = group.memberships.get(command.host_id)
        if host is None or host.status is not MembershipStatus.ACTIVE:
            raise NotExpected(meeting_id=command.meeting_id, membership_id=command.host_id)
    venue = command.venue
    added: list[Event] = []
    if command.gathering_id is not None:
        gathering = _at_gathering(situation, command, group)
        venue = venue or gathering.scheduled.venue
        added.append(carry(meetings.MeetingAddedToGathering, command))
    if not venue and command.host_id is None:
        raise InvalidValue("a meeting is held at a venue, at a host member's, or at a gathering")
    expected = tuple(sorted((m.id for m in group.active), key=str))
    return [carry(meetings.MeetingScheduled, command, venue=venue, expected=expected), *added]


# --- what happens at a meeting --------------------------------------------------------------


def _meeting_needs(command: meetings.MeetingStep, situation: Situation) -> Iterator[Ref]:
    yield Ref.meeting(command.meeting_id)
    if (meeting := situation.meetings.get(command.meeting_id)) is not None:
        yield Ref.group(meeting.group_id)


def _open_meeting(situation: Situation, command: meetings.MeetingStep) -> meetings.Meeting:
    return meetings.require_open(
        situation.meeting(command.meeting_id), command.meeting_id, command.at
    )


def _agenda(situation: Situation, command: meetings.SetAgenda) -> list[Event]:
    meeting = _open_meeting(situation, command)
    group = situation.group(meeting.group_id)
    allowed = group.charter_at(command.at).charter.agenda_topics
    if len(command.topics) > allowed:
        raise TooManyTopics(meeting_id=meeting.id, topics=len(command.topics), allowed=allowed)
    for topic in command.topics:
        if topic.owner_id is not None:
            _expected_member(meeting, topic.owner_id)
    return [carry(meetings.AgendaSet, command, **meeting.ids)]


def _prep(situation: Situation, command: meetings.SubmitPrep) -> list[Event]:
    meeting = _open_meeting(situation, command)
    _expected_member(meeting, command.membership_id)
    group = situation.group(meeting.group_id)
    require_active(group.memberships[command.membership_id])
    charter = group.charter_at(command.at).charter
    due = meeting.starts.toordinal() - charter.prep_days_before
    late = command.at.date().toordinal() > due
    company_id = group.memberships[command.membership_id].company_id
    return [carry(meetings.PrepSubmitted, command, late=late, company_id=company_id, **meeting.ids)]


def _roll(situation: Situation, command: meetings.TakeRoll) -> list[Event]:
    meeting = _open_meeting(situation, command)
    situation.group(meeting.group_id)  # a closed group takes no roll
    events: list[Event] = []
    for membership_id, attendance in command.attendance:
        _expected_member(meeting, membership_id)
        events.append(
            meetings.AttendanceRecorded(
                membership_id=membership_id, attendance=attendance, at=command.at, **meeting.ids
            )
        )
    if not events:
        raise InvalidValue("a roll names at least one member")
    return events


def _cancel(situation: Situation, command: meetings.CancelMeeting) -> list[Event]:
    """A meeting is cancelled even after its group closed: nothing else is left to do."""
    meeting = _open_meeting(situation, command)
    return [carry(meetings.MeetingCancelled, command, **meeting.ids)]


# --- costs -----------------------------------------------------------------------------------


def _cost_needs(
    command: meetings.RecordExpense | meetings.RecordSponsorship, situation: Situation
) -> Iterator[Ref]:
    if command.meeting_id is not None:
        yield Ref.meeting(command.meeting_id)
        if (meeting := situation.meetings.get(command.meeting_id)) is not None:
            yield Ref.group(meeting.group_id)
    if command.gathering_id is not None:
        yield Ref.gathering(command.gathering_id)
    if isinstance(command, meetings.RecordSponsorship) and command.vendor_id is not None:
        yield Ref.vendor(command.vendor_id)


def _currency_of(
    situation: Situation, command: meetings.RecordExpense | meetings.RecordSponsorship
) -> str:
    """The currency of the meeting's group, or the gathering's, the cost is recorded for."""
    if (command.meeting_id is None) == (command.gathering_id is None):
        raise InvalidValue("a cost is recorded for one meeting or one gathering")
    if command.meeting_id is not None:
        meeting = meetings.require_open(
            situation.meeting(command.meeting_id), command.meeting_id, command.at
        )
        return situation.group(meeting.group_id).charter.currency
    assert command.gathering_id is not None
    gathering = meetings.require_gathering(
        situation.gathering(command.gathering_id), command.gathering_id, command.at
    )
    return gathering.scheduled.currency


def _cost(
    situation: Situation, command: meetings.RecordExpense | meetings.RecordSponsorship
) -> list[Event]:
    """An expense, or a sponsorship, above zero in the currency of what it is for."""
    currency = _currency_of(situation, command)
    if isinstance(command, meetings.RecordExpense):
        check_amount("an expense", command.amount, currency)
        return [carry(meetings.ExpenseRecorded, command)]
    check_amount("a sponsorship", command.amount, currency)
    if command.vendor_id is None:
        return [carry(meetings.SponsorshipRecorded, command, sponsor=command.sponsor.strip())]
    vendor = situation.vendor(command.vendor_id)
    if vendor is None:
        raise UnknownVendor(vendor_id=command.vendor_id)
    if not vendor.in_programme(command.at.date()):
        raise VendorNotInProgramme(vendor_id=vendor.id, on=command.at.date())
    return [carry(meetings.SponsorshipRecorded, command, sponsor=vendor.name)]


def _costs_shared(
    state: meetings.Meeting | meetings.Gathering,
    currency: str,
    share: Callable[[Money], tuple[meetings.Share, ...]],
    at: datetime,
    **where: UUID,
) -> meetings.CostsShared:
    """The costs of a meeting or a gathering, net of sponsorship, as `share` splits them."""
    spent, given, net = meetings.net_cost(state.expenses, state.sponsorships, currency)
    return meetings.CostsShared(
        expenses=spent, sponsorship=given, net=net, shares=share(net), at=at, **where
    )


# --- closing -----------------------------------------------------------------------------------


def _attending(group: Group, meeting: meetings.Meeting) -> list[Membership]:
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
    situation: Situation, group: Group, closed: meetings.Meeting, charter: Charter, at: datetime
) -> list[Event]:
    history = [m for m in situation.meetings_of(group.id) if m.id != closed.id] + [closed]
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
            reason = (
                f"missed {float(missed):g} of the last {over} meetings "
                f"(charter: at most {charter.misses_allowed} of {charter.attendance_window})"
            )
            flags.append(MemberFlagged(reason=reason, at=at, **member.ids))
    return flags


def _close_needs(command: meetings.CloseMeeting, situation: Situation) -> Iterator[Ref]:
    """The meeting, its group, the group's earlier meetings (the attendance rule) and
    its members' goals (those due are decided at the close)."""
    yield from _meeting_needs(command, situation)
    if (meeting := situation.meetings.get(command.meeting_id)) is not None:
        for earlier in situation.links.meetings_of(meeting.group_id):
            yield Ref.meeting(earlier)
        yield from group_goals(situation, meeting.group_id)


def _close(situation: Situation, command: meetings.CloseMeeting) -> list[Event]:
    meeting = _open_meeting(situation, command)
    if command.at.date() < meeting.ends:
        raise MeetingNotOver(meeting_id=meeting.id, ends=meeting.ends)
    group = situation.group(meeting.group_id)
    charter = group.charter_at(command.at).charter
    present = _attending(group, meeting)
    marks: list[Event] = [
        meetings.AttendanceRecorded(
            membership_id=m.id, attendance=meetings.Attendance.ABSENT, at=command.at, **meeting.ids
        )
        for m in present
        if m.id not in meeting.attendance
    ]
    closed = meetings.MeetingClosed(
        expected=tuple(m.id for m in present), at=command.at, **meeting.ids
    )
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
        check_forward(group, command.at)
    return [
        *marks,
        closed,
        *costs,
        *flags,
        *decide_due_goals(situation, group, meeting.ends, command.at),
    ]


def _close_gathering(situation: Situation, command: meetings.CloseGathering) -> list[Event]:
    gathering = meetings.require_gathering(
        situation.gathering(command.gathering_id), command.gathering_id, command.at
    )
    held = [m for m in map(situation.meeting, gathering.meetings) if m is not None]
    still = [m.id for m in held if m.status is meetings.MeetingStatus.SCHEDULED]
    if still:
        raise MeetingsStillOpen(gathering_id=gathering.id, open_ids=still)
    closed = [m for m in held if m.closed is not None and m.closed.expected]

    def by_headcount(net: Money) -> tuple[meetings.Share, ...]:
        """The net cost split across the meetings by headcount, then within each."""
        shares: tuple[meetings.Share, ...] = ()
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


DECIDERS: dict[type[Command], Decider[Any]] = {
    meetings.ScheduleGathering: Decider(_new_gathering, _schedule_gathering),
    meetings.ScheduleMeeting: Decider(_schedule_needs, _schedule),
    meetings.SetAgenda: Decider(_meeting_needs, _agenda),
    meetings.SubmitPrep: Decider(_meeting_needs, _prep),
    meetings.TakeRoll: Decider(_meeting_needs, _roll),
    meetings.CancelMeeting: Decider(_meeting_needs, _cancel),
    meetings.RecordExpense: Decider(_cost_needs, _cost),
    meetings.RecordSponsorship: Decider(_cost_needs, _cost),
    meetings.CloseMeeting: Decider(_close_needs, _close),
    meetings.CloseGathering: Decider(_gathering_needs, _close_gathering),
}
