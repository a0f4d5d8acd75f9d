"""Sessions: meetings scheduled, rolled, billed, closed and cancelled, and dues
charged; and what their events must keep (a meeting expects the active members, its
costs are shared to the cent by those expected who had not left, the attendance rule
flags exactly those over it, no month's dues are charged twice).
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from peernet.domain.common import Command, Event
from peernet.domain.companies import ChargeDues, DuesCharged
from peernet.domain.meetings import (
    Attendance,
    AttendanceRecorded,
    CancelMeeting,
    CloseMeeting,
    CostEvent,
    CostsShared,
    ExpenseKind,
    ExpenseRecorded,
    MeetingCancelled,
    MeetingClosed,
    MeetingEvent,
    MeetingScheduled,
    RecordExpense,
    RecordSponsorship,
    ScheduleMeeting,
    SponsorshipRecorded,
    TakeRoll,
)
from peernet.domain.memberships import MembershipStatus
from peernet.domain.money import Money
from peernet.testing.machine.base import MachineBase
from peernet.testing.machine.model import ACTIVE, NO_ID, Expect, ModelMeeting, opened


class SessionRules(MachineBase):
    """Groups meet, take the roll, record costs and close or cancel meetings; dues are
    charged month by month."""

    def _meeting(self, data: st.DataObject) -> UUID:
        known = [x.id for x in self.model.meetings.values() if x.open]
        return self._pick(data, known or list(self.model.meetings), "meeting")

    def _meeting_expect(
        self, meeting_id: UUID, at: datetime, *, reads_group: bool = True
    ) -> Expect:
        """Refused for an unknown or finished meeting, or one dated back; a command that
        reads the group is refused too once the group has closed."""
        meeting = self.model.meetings.get(meeting_id)
        if meeting is None or not meeting.open or self._late(at, meeting_id):
            return Expect.REFUSED
        if reads_group and self.model.groups[meeting.group_id].closed:
            return Expect.REFUSED
        return Expect.ACCEPTED

    @precondition(lambda self: self.model.groups)
    @rule(data=st.data())
    def schedule_meeting(self, data: st.DataObject) -> None:
        group_id = self._pick(data, list(self.model.groups), "group")
        stamp = self._stamp(data)
        starts = stamp["at"].astimezone(UTC).date() + timedelta(
            days=data.draw(st.integers(0, 20), label="starts in days")
        )
        command = ScheduleMeeting(
            group_id=group_id,
            starts=starts,
            ends=starts + timedelta(days=data.draw(st.integers(0, 2), label="days")),
            venue="Hall",
            meeting_id=self._new_id("meeting"),
            **stamp,
        )
        group = self.model.groups.get(group_id)
        refused = group is None or group.closed or self._late(command.at, group_id)
        self.execute(command, Expect.REFUSED if refused else Expect.ACCEPTED)

    @precondition(lambda self: self.model.meetings)
    @rule(data=st.data())
    def take_roll(self, data: st.DataObject) -> None:
        meeting_id = self._meeting(data)
        meeting = self.model.meetings.get(meeting_id)
        known = list(meeting.expected) if meeting and meeting.expected else []
        named = (
            data.draw(
                st.lists(st.sampled_from(known or self._memberships(*ACTIVE)), max_size=4),
                label="on the roll",
            )
            if known or self.model.memberships
            else []
        )
        marks = {m: data.draw(st.sampled_from(Attendance), label="mark") for m in named}
        command = TakeRoll(meeting_id=meeting_id, attendance=marks, **self._stamp(data))
        expect = self._meeting_expect(meeting_id, command.at)
        if not marks or (meeting and any(m not in meeting.expected for m in marks)):
            expect = Expect.REFUSED
        self.execute(command, expect)

    @precondition(lambda self: self.model.meetings)
    @rule(data=st.data())
    def record_cost(self, data: st.DataObject) -> None:
        """An expense or a sponsorship; now and then of no amount, or in another currency."""
        meeting_id = self._meeting(data)
        cents = data.draw(st.integers(-100, 500_000), label="cents")
        currency = data.draw(st.sampled_from(("USD", "USD", "USD", "EUR")), label="currency")
        amount = Money(Decimal(cents) / 100, currency)
        stamp = self._stamp(data)
        command: Command
        if data.draw(st.booleans(), label="sponsored"):
            command = RecordSponsorship(
                meeting_id=meeting_id, sponsor="Vendor", amount=amount, **stamp
            )
        else:
            command = RecordExpense(
                meeting_id=meeting_id, kind=ExpenseKind.FOOD, amount=amount, **stamp
            )
        expect = self._meeting_expect(meeting_id, command.at)
        meeting = self.model.meetings.get(meeting_id)
        charter = self.model.groups[meeting.group_id].charter if meeting else None
        if charter is None or cents <= 0 or currency != charter.currency:
            expect = Expect.REFUSED
        self.execute(command, expect)

    @precondition(lambda self: self.model.meetings)
    @rule(data=st.data())
    def close_meeting(self, data: st.DataObject) -> None:
        meeting_id = self._meeting(data)
        command = CloseMeeting(meeting_id=meeting_id, **self._stamp(data, max_days=30))
        expect = self._meeting_expect(meeting_id, command.at)
        meeting = self.model.meetings.get(meeting_id)
        if meeting is not None and command.at.date() < meeting.ends:
            expect = Expect.REFUSED
        if meeting is not None and expect is Expect.ACCEPTED:
            due = [
                g.id
                for g in self.model.goals.values()
                if g.group_id == meeting.group_id and g.open and g.due <= meeting.ends
            ]
            if self._late(command.at, meeting.group_id, *due):
                expect = Expect.EITHER  # a flag, or a goal decided, may not predate its stream
        self.flagged = []
        if self.execute(command, expect) and meeting is not None:
            self._check_close(meeting)

    def _check_close(self, meeting: ModelMeeting) -> None:
        """The attendance rule flagged exactly those over it; goals due are decided."""
        group = self.model.groups[meeting.group_id]
        charter = group.charter
        over = set()
        assert meeting.closed_expected is not None
        for member in meeting.closed_expected:
            if not self.model.is_active(member):
                continue
            held = sorted(
                (
                    x
                    for x in self.model.meetings.values()
                    if x.group_id == group.id
                    and x.closed_expected is not None
                    and member in x.closed_expected
                ),
                key=lambda x: (x.starts, str(x.id)),
            )[-charter.attendance_window :]
            missed = sum(
                (x.marks.get(member, Attendance.ABSENT).miss(charter.partial_miss) for x in held),
                Fraction(0),
            )
            if missed > charter.misses_allowed:
                over.add(member)
        flagged = {f.membership_id for f in self.flagged if "meetings" in f.reason}
        assert over == flagged, f"attendance flags {flagged}, expected {over}"
        undecided = [
            g.id
            for g in self.model.goals.values()
            if g.group_id == group.id and g.open and g.due <= meeting.ends
        ]
        assert not undecided, f"closing {meeting.id} left goals {undecided} open"

    @precondition(lambda self: self.model.meetings)
    @rule(data=st.data())
    def cancel_meeting(self, data: st.DataObject) -> None:
        meeting_id = self._meeting(data)
        command = CancelMeeting(meeting_id=meeting_id, reason="snowed in", **self._stamp(data))
        self.execute(command, self._meeting_expect(meeting_id, command.at, reads_group=False))

    @precondition(lambda self: self.model.groups)
    @rule(data=st.data())
    def charge_dues(self, data: st.DataObject) -> None:
        """A month's dues, charged once whatever the order or repetition."""
        group_id = self._pick(data, list(self.model.groups), "group")
        stamp = self._stamp(data)
        today = stamp["at"].astimezone(UTC).date()
        back = data.draw(st.integers(-1, 3), label="months back")
        month = (
            datetime(today.year, today.month, 1, tzinfo=UTC) - timedelta(days=28 * back)
        ).date()
        command = ChargeDues(group_id=group_id, month=month, **stamp)
        group = self.model.groups.get(group_id)
        if group is None or group.closed or command.month > today:
            expect = Expect.REFUSED
        else:
            companies = {m.company_id for m in group.members.values()}
            expect = Expect.EITHER if self._late(command.at, *companies) else Expect.ACCEPTED
        if self.execute(command, expect, may_record_nothing=True) and group is not None:
            start = command.month
            end = (datetime(start.year, start.month, 28, tzinfo=UTC) + timedelta(days=4)).date()
            end = end.replace(day=1)
            for m in group.members.values():
                if m.joined_at is None or m.joined_at.date() >= end:
                    continue
                if m.left_at is not None and m.left_at.date() < start:
                    continue
                assert (m.id, start) in self.model.dues, f"{m.id} not charged for {start}"

    # --- the events of meetings and money, folded into the model ----------------------

    def _fold(self, event: Event) -> None:
        if isinstance(event, MeetingEvent | CostEvent | DuesCharged):
            self._session_event(event)
        else:
            super()._fold(event)

    def _session_event(self, event: MeetingEvent | CostEvent | DuesCharged) -> None:
        model = self.model
        match event:
            case MeetingScheduled():
                expected = tuple(sorted(model.active_in(event.group_id), key=str))
                assert expected == event.expected, f"meeting {event.meeting_id} expects others"
                model.meetings[event.meeting_id] = opened(ModelMeeting, event, id=event.meeting_id)
            case AttendanceRecorded():
                meeting = model.meetings[event.meeting_id]
                assert event.membership_id in meeting.expected, f"{event!r} of a stranger"
                meeting.marks[event.membership_id] = event.attendance
            case ExpenseRecorded():
                model.meetings[event.meeting_id or NO_ID].spent += event.amount.amount
            case SponsorshipRecorded():
                model.meetings[event.meeting_id or NO_ID].sponsored += event.amount.amount
            case MeetingClosed():
                meeting = model.meetings[event.meeting_id]
                assert meeting.open, f"meeting {meeting.id} closed twice"
                for member in event.expected:
                    m = model.memberships[member]
                    assert member in meeting.expected, f"{member} shares a meeting not theirs"
                    assert m.status is MembershipStatus.ACTIVE or (
                        m.left_at is not None and m.left_at.date() > meeting.ends
                    ), f"{member} left before {meeting.id} and still shares its costs"
                unmarked = [x for x in event.expected if x not in meeting.marks]
                assert not unmarked, f"closed {meeting.id} with {unmarked} not on the roll"
                meeting.open = False
                meeting.closed_expected = event.expected
            case MeetingCancelled():
                meeting = model.meetings[event.meeting_id]
                assert meeting.open, f"meeting {meeting.id} cancelled after it closed"
                meeting.open = False
            case CostsShared():
                self._costs_shared(event)
            case DuesCharged():
                key = (event.membership_id, event.month)
                assert key not in model.dues, f"dues {key} charged twice"
                model.dues.add(key)

    def _costs_shared(self, event: CostsShared) -> None:
        meeting = self.model.meetings[event.meeting_id or NO_ID]
        assert meeting.closed_expected is not None, "costs shared before the close"
        net = max(Decimal(0), meeting.spent - meeting.sponsored)
        assert event.net.amount == net, f"net {event.net} of {meeting.id}, expected {net}"
        if meeting.closed_expected:  # else nobody was there to share it: the network bears it
            assert sum(s.amount.amount for s in event.shares) == net, "shares do not add up"
        assert {s.membership_id for s in event.shares} == set(meeting.closed_expected)
        amounts = [s.amount.amount for s in event.shares]
        assert not amounts or max(amounts) - min(amounts) <= Decimal("0.01"), amounts
