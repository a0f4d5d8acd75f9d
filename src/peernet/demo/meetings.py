"""Meetings and money, from 2008: each group meets in the first month of every quarter
(at a hotel, at a member's office, online), with an agenda, prep work sent before, a
roll taken and a bill shared at the close; every in-person core group meets at the May
summit; members are charged dues on the first of each month and pay in January and
July."""

import functools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from peernet import (
    Attendance,
    ChargeDues,
    CloseGathering,
    CloseMeeting,
    ExpenseKind,
    GroupFormat,
    GroupKind,
    MeetingStatus,
    Money,
    Recorded,
    RecordExpense,
    RecordPayment,
    RecordSponsorship,
    ScheduleGathering,
    ScheduleMeeting,
    SetAgenda,
    SubmitPrep,
    TakeRoll,
    Topic,
)
from peernet.demo.replica import Group, months_after
from peernet.demo.scene import Scene
from peernet.demo.world import OFFICE, World

_HOTELS = ("Hilton Garden Inn", "Marriott", "Hyatt Place", "Embassy Suites")
_SPONSORS = ("Datto", "Kaseya", "ConnectWise", "Autotask", "Intel", "Microsoft")
_TOPICS = (
    "Quarterly numbers and benchmarks",
    "Recurring revenue plans",
    "Hiring a service manager",
    "Pricing managed services",
    "Cash flow and line of credit",
    "Vendor partnerships",
    "Marketing that works",
    "Succession and exit",
)
_PREP = (
    "Q numbers, top three issues, one ask of the group",
    "Financial snapshot and a hiring dilemma",
    "Pipeline review and a pricing question",
    "Balance sheet and the year's plan",
)
#: attendance marks by a draw in [0, 1): below each bound, that mark
_ATTENDANCE = (
    (Attendance.PRESENT, 0.86),
    (Attendance.LATE, 0.91),
    (Attendance.LEFT_EARLY, 0.94),
    (Attendance.EXCUSED, 0.975),
    (Attendance.ABSENT, 1.01),
)
SUMMIT_MONTH = 5


class MeetingScenes(Scene):
    """The scenes of meetings, the summit, dues and payments."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.rng = world.meeting_rng
        #: each group's next meeting, scheduled at the last one
        self.next_meeting: dict[UUID, UUID] = {}

    def meeting_day(self, group_id: UUID) -> int:
        """Each group meets on its own day of the quarter's first month (6th to 24th)."""
        return 6 + (list(self.replica.groups).index(group_id) * 5) % 19

    def _schedule(self, group: Group, starts: date, **where: Any) -> UUID | None:
        """Schedule a two-day meeting (one day at a gathering) at a hotel, a member's
        office, or the gathering."""
        meeting_id = self.world.new_id("meeting")
        if "gathering_id" not in where:
            rng = self.rng
            if group.format is GroupFormat.VIRTUAL:
                where = {"venue": "online"}
            elif rng.random() < 0.3 and group.active:
                where = {"host_id": rng.choice(sorted(group.active, key=lambda m: str(m.id))).id}
            else:
                where = {"venue": f"{rng.choice(_HOTELS)}, {_town(group)}"}
        days = 0 if "gathering_id" in where else 1
        recorded = self.world.do(
            ScheduleMeeting,
            group_id=group.id,
            starts=starts,
            ends=starts + timedelta(days=days),
            meeting_id=meeting_id,
            actor=group.facilitator or OFFICE,
            **where,
        )
        return meeting_id if recorded else None

    def hold_meeting(self, group: Group, today: datetime) -> tuple[Recorded, ...] | None:
        """The quarterly meeting, scheduled at the last one: the agenda, the roll, the
        bill, and the close (the next day), which decides the goals due; then the next
        meeting is scheduled and its agenda set."""
        world = self.world
        meeting_id = self.next_meeting.pop(group.id, None)
        meeting = self.replica.meetings.get(meeting_id) if meeting_id else None
        if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
            meeting_id = self._schedule(group, today.date())
        if meeting_id is None:
            return None
        self.roll(meeting_id)
        self._bill(group, meeting_id)
        world.day += 1  # the meeting's second day: the facilitator closes it
        closed = world.do(CloseMeeting, meeting_id=meeting_id, actor=group.facilitator or OFFICE)
        world.day -= 1
        group = self.replica.groups[group.id]
        if group.active:
            day = self.meeting_day(group.id)
            next_day = months_after(today, 3).replace(day=day).date()
            planned = self._schedule(group, next_day)
            if planned is not None:
                self.next_meeting[group.id] = planned
                self._set_agenda(group, planned)
        return closed

    def _set_agenda(self, group: Group, meeting_id: UUID) -> None:
        rng = self.rng
        members = sorted(group.active, key=lambda m: str(m.id))
        topics = rng.sample(_TOPICS, k=min(len(_TOPICS), group.charter.agenda_topics))
        self.world.do(
            SetAgenda,
            meeting_id=meeting_id,
            topics=tuple(
                Topic(title, owner_id=rng.choice(members).id if members and n % 2 else None)
                for n, title in enumerate(topics)
            ),
            actor=group.facilitator or OFFICE,
        )

    def roll(self, meeting_id: UUID) -> None:
        """Most come; a few are late, leave early or send apologies; the laggard often
        stays away."""
        meeting = self.replica.meetings[meeting_id]
        group = self.replica.groups[meeting.group_id]
        rng = self.rng
        marks = {}
        for membership_id in meeting.scheduled.expected:
            if not self.replica.active(group, membership_id):
                continue
            draw = rng.random()
            if membership_id == self.world.laggard:
                draw = 0.8 + 0.21 * draw  # absent, late or leaving early, mostly
            for mark, below in _ATTENDANCE:
                if draw < below:
                    marks[membership_id] = mark
                    break
        if marks:
            self.world.do(
                TakeRoll, meeting_id=meeting_id, attendance=marks, actor=group.facilitator or OFFICE
            )

    def _bill(self, group: Group, meeting_id: UUID) -> None:
        """The venue and the food (a facilitator's fee online), and now and then a
        vendor partner picks up part of it."""
        rng = self.rng
        costs: list[tuple[ExpenseKind, int]]
        if group.format is GroupFormat.VIRTUAL:
            costs = [(ExpenseKind.FACILITATOR, 300)]
        else:
            head = len(group.active)
            costs = [(ExpenseKind.VENUE, rng.randint(4, 12) * 100), (ExpenseKind.FOOD, 45 * head)]
        money = group.charter.currency
        for kind, amount in costs:
            cents = Decimal(amount) + Decimal(rng.randint(0, 99)) / 100
            self.world.do(
                RecordExpense, meeting_id=meeting_id, kind=kind, amount=Money(cents, money)
            )
        if rng.random() < 0.25:
            sponsor = rng.choice(_SPONSORS)
            self.world.do(
                RecordSponsorship,
                meeting_id=meeting_id,
                sponsor=sponsor,
                vendor_id=self.world.vendors.get(sponsor),  # a vendor partner, once admitted
                amount=Money(Decimal(rng.choice((250, 500, 750))), money),
            )

    def prep(self, group_id: UUID) -> None:
        """The month before a meeting: a few members send their prep work; one in ten
        sends it after the charter's deadline."""
        meeting_id = self.next_meeting.get(group_id)
        if meeting_id is None:
            return
        meeting = self.replica.meetings[meeting_id]
        group = self.replica.groups[group_id]
        rng = self.rng
        expected = [m for m in meeting.scheduled.expected if self.replica.active(group, m)]
        for membership_id in rng.sample(expected, k=min(3, len(expected))):
            late = rng.random() < 0.1
            when = meeting.starts - timedelta(days=1 if late else 10)
            if when > self.world.peek().date():
                self._later_prep(meeting_id, membership_id, when)
                continue
            self._submit_prep(meeting_id, membership_id)

    def _later_prep(self, meeting_id: UUID, membership_id: UUID, when: date) -> None:
        day = datetime(when.year, when.month, when.day, tzinfo=UTC)
        action = functools.partial(self._submit_prep, meeting_id, membership_id)
        start = self.world.month_start
        if (day.year, day.month) == (start.year, start.month):
            self.world.plan(day, action)
        else:
            self.world.later(day, action)

    def _submit_prep(self, meeting_id: UUID, membership_id: UUID) -> None:
        meeting = self.replica.meetings.get(meeting_id)
        if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
            return
        group = self.replica.groups[meeting.group_id]
        if not self.replica.active(group, membership_id):
            return
        self.world.do(
            SubmitPrep,
            meeting_id=meeting_id,
            membership_id=membership_id,
            summary=self.rng.choice(_PREP),
            **self.replica.by_member(group, membership_id),
        )

    def summit(self) -> None:
        """May, from 2008: every in-person core group meets at one venue in one week."""
        world = self.world
        year = world.month_start.year
        starts = date(year, 5, 18)
        gathering_id = world.new_id("gathering")
        recorded = world.do(
            ScheduleGathering,
            name=f"HTG Summit {year}",
            venue="Orlando, Florida",
            starts=starts,
            ends=starts + timedelta(days=4),
            gathering_id=gathering_id,
        )
        if not recorded:
            return
        in_person = self.replica.open_groups(fmt=GroupFormat.IN_PERSON)
        groups = [g for g in in_person if g.kind is GroupKind.CORE]
        meetings = []
        for n, group in enumerate(g for g in groups if g.active):
            day = starts + timedelta(days=n % 5)
            meeting_id = self._schedule(group, day, gathering_id=gathering_id)
            if meeting_id is not None:
                meetings.append((day, group.id, meeting_id))
        for act in world.at_gathering:
            act(gathering_id)
        self._summit_bill(gathering_id)
        for day, group_id, meeting_id in meetings:
            world.day = day.day
            group = self.replica.groups[group_id]
            self.roll(meeting_id)
            world.do(CloseMeeting, meeting_id=meeting_id, actor=group.facilitator or OFFICE)
        world.day = 26
        world.do(CloseGathering, gathering_id=gathering_id)

    def _summit_bill(self, gathering_id: UUID) -> None:
        """The venue and the speakers' travel, and two sponsors."""
        rng = self.rng
        for kind, amount in ((ExpenseKind.VENUE, 42_000), (ExpenseKind.SPEAKER_TRAVEL, 3_800)):
            cents = Decimal(amount) + Decimal(rng.randint(0, 99)) / 100
            self.world.do(
                RecordExpense, gathering_id=gathering_id, kind=kind, amount=Money(cents, "USD")
            )
        for sponsor in rng.sample(_SPONSORS, k=2):
            self.world.do(
                RecordSponsorship,
                gathering_id=gathering_id,
                sponsor=sponsor,
                vendor_id=self.world.vendors.get(sponsor),
                amount=Money(Decimal(10_000), "USD"),
            )

    def charge_dues(self) -> None:
        """The first of the month: every open group's members are charged the month."""
        for group in self.replica.open_groups():
            if group.active:
                self.world.do(ChargeDues, group_id=group.id, month=self.world.month_start.date())

    def collect(self) -> None:
        """January and July: most companies settle what they owe, some pay half, a few
        nothing yet."""
        rng = self.rng
        owed_by = self.world.chronicle.owed
        for company_id in sorted(owed_by, key=str):
            owed = owed_by[company_id]
            if owed <= 0:
                continue
            draw = rng.random()
            if draw < 0.9:
                amount = owed
            elif draw < 0.96:
                amount = (owed / 2).quantize(Decimal("0.01"))
            else:
                continue
            self.world.do(
                RecordPayment,
                company_id=company_id,
                amount=Money(amount, "USD"),
                reference=f"statement {self.world.month_start:%Y-%m}",
                actor="accounts",
            )

    def attendance_words(self, group: Group, membership_id: UUID) -> str:
        """`came to 2 of the last 4 meetings`, from the closed meetings that expected it."""
        window = group.charter.attendance_window
        held = sorted(
            (
                m
                for m in self.replica.meetings.values()
                if m.group_id == group.id and m.closed and membership_id in m.closed.expected
            ),
            key=lambda m: m.starts,
        )[-window:]
        came = sum(1 for m in held if m.attendance[membership_id].attended)
        return f"came to {came} of the last {len(held)} meetings"


def _town(group: Group) -> str:
    territory = group.territory
    return territory.region.title() if territory and territory.region else "Chicago"
