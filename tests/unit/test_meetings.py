"""Meetings, gatherings, attendance and money: every rule, accepted and refused, on the
pure core."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from peernet.domain.charters import GroupFormat
from peernet.domain.companies import ChargeDues, DuesCharged, PaymentReceived, RecordPayment
from peernet.domain.errors import (
    AmountNotPositive,
    InvalidValue,
    MeetingNotOpen,
    MeetingNotOver,
    MeetingsStillOpen,
    MixedCurrencies,
    NotAtGathering,
    NotExpected,
    TooManyTopics,
)
from peernet.domain.meetings import (
    AgendaSet,
    Attendance,
    AttendanceRecorded,
    CancelMeeting,
    CloseGathering,
    CloseMeeting,
    CostsShared,
    ExpenseKind,
    MeetingAddedToGathering,
    MeetingClosed,
    MeetingScheduled,
    PrepSubmitted,
    RecordExpense,
    RecordSponsorship,
    ScheduleGathering,
    ScheduleMeeting,
    SetAgenda,
    SubmitPrep,
    TakeRoll,
    Topic,
)
from peernet.domain.memberships import (
    GraduateCohort,
    MemberFlagged,
    MemberGraduated,
)
from peernet.domain.money import Money, split
from peernet.domain.situation import Situation
from peernet.testing import (
    T0,
    after,
    group_with,
    history,
    meeting_scheduled,
    memberships_of,
    refused,
    resigned,
    some_id,
    some_ids,
    when,
)

GROUP = some_id("group")
COMPANIES = some_ids("company", 4)
MEMBERS = memberships_of(GROUP, COMPANIES)
MEETING = some_id("meeting")
STARTS = date(2001, 3, 5)
ENDS = date(2001, 3, 6)
AFTER = datetime(2001, 3, 7, tzinfo=T0.tzinfo)


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def ids(**more: Any) -> dict[str, Any]:
    return {"meeting_id": MEETING, "group_id": GROUP, **more}


def owned(company_id: Any) -> dict[str, Any]:
    """The ids of an event holding a member's words: its company's too."""
    return ids(company_id=company_id)


def group(members: int = 3, **rules: Any) -> Situation:
    return history(*group_with(GROUP, *COMPANIES[:members], **rules))


def schedule(**details: Any) -> ScheduleMeeting:
    details.setdefault("venue", "Dallas")
    return ScheduleMeeting(
        group_id=GROUP, starts=STARTS, ends=ENDS, meeting_id=MEETING, actor="f", at=T0, **details
    )


def scheduled(members: int = 3, **rules: Any) -> Situation:
    """A group of `members` active members and its meeting, expecting them all."""
    return history(
        *group_with(GROUP, *COMPANIES[:members], **rules),
        meeting_scheduled(
            MEETING, GROUP, expected=MEMBERS[:members], starts=STARTS, ends=ENDS, venue="Dallas"
        ),
    )


def expense(amount: str, **where: Any) -> RecordExpense:
    where = where or {"meeting_id": MEETING}
    return RecordExpense(kind=ExpenseKind.VENUE, amount=usd(amount), actor="f", at=T0, **where)


def shared(events: list[Any]) -> CostsShared:
    [costs] = [e for e in events if isinstance(e, CostsShared)]
    return costs


def roll(**marks: Attendance) -> TakeRoll:
    return TakeRoll(
        meeting_id=MEETING,
        attendance={MEMBERS[int(k[1:])]: v for k, v in marks.items()},
        actor="f",
        at=AFTER,
    )


# --- scheduling ---------------------------------------------------------------------------


def test_a_meeting_expects_the_active_members_when_scheduled() -> None:
    """A member who joins later is expected from the next meeting."""
    events = when(group(2), schedule())

    assert [
        meeting_scheduled(
            MEETING, GROUP, expected=MEMBERS[:2], starts=STARTS, ends=ENDS, venue="Dallas"
        )
    ] == events


def test_a_meeting_needs_a_venue_a_host_or_a_gathering() -> None:
    assert isinstance(refused(group(), schedule(venue="")), InvalidValue)


def test_the_host_is_an_active_member() -> None:
    """A host's place is a member's; a stranger hosts nothing."""
    assert isinstance(refused(group(), schedule(host_id=some_id("stranger"))), NotExpected)
    hosted = when(group(), schedule(venue="", host_id=MEMBERS[1]))
    assert isinstance(hosted[0], MeetingScheduled)
    assert MEMBERS[1] == hosted[0].host_id


def test_a_meeting_ends_on_or_after_its_first_day() -> None:
    command = ScheduleMeeting(group_id=GROUP, starts=ENDS, ends=STARTS, venue="x", actor="f", at=T0)
    assert isinstance(refused(group(), command), InvalidValue)


# --- agenda, prep and roll -------------------------------------------------------------------


def test_the_agenda_holds_at_most_the_charters_topics() -> None:
    situation = scheduled(agenda_topics=2)
    two = (Topic("Cash", owner_id=MEMBERS[0]), Topic("Hiring"))
    three = (*two, Topic("Exit plans"))

    assert [AgendaSet(topics=two, at=T0, **ids())] == when(
        situation, SetAgenda(meeting_id=MEETING, topics=two, actor="f", at=T0)
    )
    error = refused(situation, SetAgenda(meeting_id=MEETING, topics=three, actor="f", at=T0))
    assert isinstance(error, TooManyTopics)
    assert "agenda_topics" == error.rule


def test_prep_after_the_charters_deadline_is_recorded_late() -> None:
    """Prep is due `prep_days_before` days before the meeting starts."""
    situation = scheduled(prep_days_before=7)
    on_time = datetime(2001, 2, 26, tzinfo=T0.tzinfo)  # seven days before
    late = on_time + timedelta(days=1)

    def prep(at: datetime) -> list[Any]:
        return when(
            situation,
            SubmitPrep(
                meeting_id=MEETING, membership_id=MEMBERS[0], summary="Q4", actor="a", at=at
            ),
        )

    assert [
        PrepSubmitted(
            membership_id=MEMBERS[0], summary="Q4", late=False, at=on_time, **owned(COMPANIES[0])
        )
    ] == prep(on_time)
    assert [
        PrepSubmitted(
            membership_id=MEMBERS[0], summary="Q4", late=True, at=late, **owned(COMPANIES[0])
        )
    ] == prep(late)


def test_attendance_of_a_non_member_is_refused() -> None:
    """Only the members a meeting expects are on its roll."""
    stranger = TakeRoll(
        meeting_id=MEETING, attendance={some_id("x"): Attendance.PRESENT}, actor="f", at=AFTER
    )
    assert isinstance(refused(scheduled(), stranger), NotExpected)


def test_a_roll_is_given_as_a_mapping_of_values() -> None:
    """Ids as text and attendance as its value are accepted; unknown values are not."""
    command = TakeRoll(
        meeting_id=MEETING, attendance={str(MEMBERS[0]): "late"}, actor="f", at=AFTER
    )
    assert ((MEMBERS[0], Attendance.LATE),) == command.attendance
    with pytest.raises(InvalidValue):
        TakeRoll(meeting_id=MEETING, attendance={MEMBERS[0]: "asleep"}, actor="f", at=AFTER)


# --- closing: attendance, costs, flags ------------------------------------------------------


def test_closing_marks_the_unrecorded_absent_and_shares_costs_equally() -> None:
    """Absentees pay the same share; the odd cent goes by membership id order."""
    situation = after(
        scheduled(3),
        expense("100.00"),
        RecordSponsorship(
            meeting_id=MEETING, sponsor="Vendor", amount=usd("0.01"), actor="v", at=T0
        ),
        roll(m0=Attendance.PRESENT, m1=Attendance.LATE),
    )

    events = when(situation, CloseMeeting(meeting_id=MEETING, actor="f", at=AFTER))

    assert (
        AttendanceRecorded(
            membership_id=MEMBERS[2], attendance=Attendance.ABSENT, at=AFTER, **ids()
        )
        == events[0]
    )
    assert isinstance(events[1], MeetingClosed)
    costs = events[2]
    assert isinstance(costs, CostsShared)
    assert usd("99.99") == costs.net
    assert [usd("33.33")] * 3 == [s.amount for s in costs.shares]
    assert set(MEMBERS[:3]) == {s.membership_id for s in costs.shares}


def test_the_shares_add_up_to_the_net_cost_to_the_cent() -> None:
    situation = after(scheduled(3), expense("100.00"))

    costs = shared(when(situation, CloseMeeting(meeting_id=MEETING, actor="f", at=AFTER)))

    assert sorted(["33.34", "33.33", "33.33"]) == sorted(str(s.amount.amount) for s in costs.shares)


def test_a_charter_may_charge_only_those_present() -> None:
    situation = after(
        scheduled(3, absentees_pay=False), expense("90.00"), roll(m0=Attendance.PRESENT)
    )

    costs = shared(when(situation, CloseMeeting(meeting_id=MEETING, actor="f", at=AFTER)))

    assert [(MEMBERS[0], usd("90.00"))] == [(s.membership_id, s.amount) for s in costs.shares]


def test_sponsorship_above_the_cost_charges_nobody() -> None:
    situation = after(
        scheduled(2),
        expense("50.00"),
        RecordSponsorship(meeting_id=MEETING, sponsor="Vendor", amount=usd("80"), actor="v", at=T0),
    )

    costs = shared(when(situation, CloseMeeting(meeting_id=MEETING, actor="f", at=AFTER)))

    assert usd("0.00") == costs.net
    assert {usd("0.00")} == {s.amount for s in costs.shares}


def test_a_negative_expense_and_a_foreign_currency_are_refused() -> None:
    situation = scheduled()
    assert isinstance(refused(situation, expense("-5.00")), AmountNotPositive)
    foreign = RecordExpense(
        kind=ExpenseKind.FOOD, amount=Money("5.00", "EUR"), meeting_id=MEETING, actor="f", at=T0
    )
    error = refused(situation, foreign)
    assert isinstance(error, MixedCurrencies)
    assert "one_currency" == error.rule


def test_a_meeting_is_closed_once_and_not_before_it_ends() -> None:
    situation = scheduled()
    early = CloseMeeting(meeting_id=MEETING, actor="f", at=datetime(2001, 3, 5, tzinfo=T0.tzinfo))
    assert isinstance(refused(situation, early), MeetingNotOver)

    closed = after(situation, CloseMeeting(meeting_id=MEETING, actor="f", at=AFTER))
    for command in (
        CloseMeeting(meeting_id=MEETING, actor="f", at=AFTER),
        SubmitPrep(
            meeting_id=MEETING, membership_id=MEMBERS[0], summary="late", actor="a", at=AFTER
        ),
        expense("1.00"),
        CancelMeeting(meeting_id=MEETING, reason="oops", actor="f", at=AFTER),
    ):
        assert isinstance(refused(closed, command), MeetingNotOpen), command


def test_a_member_who_left_before_the_meeting_is_not_charged() -> None:
    """Departed members cannot be charged new costs."""
    situation = after(scheduled(3), expense("60.00"))
    situation = history(resigned(GROUP, COMPANIES[2], reason="sold"), situation=situation)

    events = when(situation, CloseMeeting(meeting_id=MEETING, actor="f", at=AFTER))

    costs = shared(events)
    assert [usd("30.00")] * 2 == [s.amount for s in costs.shares]


def meeting_held(n: int, marks: dict[int, Attendance]) -> list[Any]:
    """Commands that schedule, take the roll of and close the n-th quarterly meeting."""
    meeting_id = some_id(f"meeting {n}")
    starts = date(2001, 3 * n, 5)
    at = datetime(2001, 3 * n, 7, tzinfo=T0.tzinfo)
    return [
        ScheduleMeeting(
            group_id=GROUP,
            starts=starts,
            ends=starts,
            venue="x",
            meeting_id=meeting_id,
            actor="f",
            at=T0,
        ),
        TakeRoll(
            meeting_id=meeting_id,
            attendance={MEMBERS[m]: a for m, a in marks.items()}
            or {MEMBERS[1]: Attendance.PRESENT},
            actor="f",
            at=at,
        ),
        CloseMeeting(meeting_id=meeting_id, actor="f", at=at),
    ]


def test_more_misses_than_the_charter_allows_flag_the_member() -> None:
    """Late or left early count as half a miss; over 1 of the last 4 is flagged."""
    last = meeting_held(3, {0: Attendance.EXCUSED, 1: Attendance.PRESENT})
    situation = after(
        group(2),
        *meeting_held(1, {0: Attendance.LATE, 1: Attendance.PRESENT}),
        *meeting_held(2, {0: Attendance.LEFT_EARLY, 1: Attendance.PRESENT}),
        *last[:2],
    )

    events = when(situation, last[2])

    flags = [e for e in events if isinstance(e, MemberFlagged)]
    assert [MEMBERS[0]] == [f.membership_id for f in flags]
    assert "missed 2 of the last 3 meetings" in flags[0].reason


def test_one_miss_in_four_is_allowed() -> None:
    situation = after(group(2), *meeting_held(1, {0: Attendance.ABSENT, 1: Attendance.PRESENT}))
    last = meeting_held(2, {0: Attendance.PRESENT, 1: Attendance.PRESENT})
    situation = after(situation, *last[:2])

    assert [] == [e for e in when(situation, last[2]) if isinstance(e, MemberFlagged)]


def test_a_cancelled_meeting_shares_nothing() -> None:
    situation = after(
        scheduled(), CancelMeeting(meeting_id=MEETING, reason="snow", actor="f", at=T0)
    )
    assert isinstance(
        refused(situation, CloseMeeting(meeting_id=MEETING, actor="f", at=AFTER)), MeetingNotOpen
    )


# --- gatherings ------------------------------------------------------------------------------

GATHERING = some_id("gathering")
OTHER_GROUP = some_id("other group")
OTHER_COMPANIES = some_ids("other company", 2)


def gathering_situation() -> Situation:
    events = [
        *group_with(GROUP, *COMPANIES[:3]),
        *group_with(OTHER_GROUP, *OTHER_COMPANIES),
    ]
    situation = history(*events)
    return after(
        situation,
        ScheduleGathering(
            gathering_id=GATHERING,
            name="Summit",
            venue="Orlando",
            starts=date(2008, 6, 2),
            ends=date(2008, 6, 6),
            actor="staff",
            at=T0,
        ),
    )


def at_gathering(group_id: UUID, meeting_id: UUID, day: int = 3) -> ScheduleMeeting:
    return ScheduleMeeting(
        group_id=group_id,
        starts=date(2008, 6, day),
        ends=date(2008, 6, day),
        gathering_id=GATHERING,
        meeting_id=meeting_id,
        actor="staff",
        at=T0,
    )


def test_a_meeting_at_a_gathering_takes_its_venue_and_joins_it() -> None:
    events = when(gathering_situation(), at_gathering(GROUP, MEETING))

    assert isinstance(events[0], MeetingScheduled)
    assert "Orlando" == events[0].venue
    assert [
        MeetingAddedToGathering(gathering_id=GATHERING, meeting_id=MEETING, group_id=GROUP, at=T0)
    ] == events[1:]


def test_a_meeting_outside_the_gatherings_days_or_twice_is_refused() -> None:
    situation = gathering_situation()
    assert isinstance(refused(situation, at_gathering(GROUP, MEETING, day=9)), NotAtGathering)
    situation = after(situation, at_gathering(GROUP, MEETING))
    assert isinstance(refused(situation, at_gathering(GROUP, some_id("again"))), NotAtGathering)


def test_a_gatherings_cost_is_shared_by_headcount_across_groups() -> None:
    """Three members in one group and two in the other share 500.00: 300 and 200."""
    other = some_id("other meeting")
    situation = after(
        gathering_situation(),
        at_gathering(GROUP, MEETING),
        at_gathering(OTHER_GROUP, other),
        expense("600.00", gathering_id=GATHERING),
        RecordSponsorship(
            gathering_id=GATHERING, sponsor="Vendor", amount=usd("100"), actor="v", at=T0
        ),
    )
    close = CloseGathering(
        gathering_id=GATHERING, actor="staff", at=datetime(2008, 6, 7, tzinfo=T0.tzinfo)
    )
    assert isinstance(refused(situation, close), MeetingsStillOpen)
    for meeting_id in (MEETING, other):
        situation = after(situation, CloseMeeting(meeting_id=meeting_id, actor="f", at=close.at))

    [costs] = when(situation, close)

    assert isinstance(costs, CostsShared)
    assert usd("500.00") == costs.net
    by_group = {GROUP: usd("0.00"), OTHER_GROUP: usd("0.00")}
    for share in costs.shares:
        by_group[share.group_id] += share.amount
    assert {GROUP: usd("300.00"), OTHER_GROUP: usd("200.00")} == by_group
    assert {usd("100.00")} == {s.amount for s in costs.shares}


# --- dues and payments -----------------------------------------------------------------------

MARCH = date(2001, 3, 1)


def test_dues_are_charged_once_a_month_at_the_charter_rate() -> None:
    situation = group(2, dues_in_person=Decimal("120.00"))
    charge = ChargeDues(group_id=GROUP, month=date(2001, 3, 17), actor="staff", at=AFTER)

    events = when(situation, charge)

    assert {(e.membership_id, e.month, e.amount) for e in events if isinstance(e, DuesCharged)} == {
        (m, MARCH, usd("120.00")) for m in MEMBERS[:2]
    }
    again = history(*events, situation=situation)
    assert [] == when(again, charge)


def test_dues_cannot_be_charged_before_the_month_begins() -> None:
    charge = ChargeDues(group_id=GROUP, month=date(2001, 4, 1), actor="staff", at=AFTER)
    assert isinstance(refused(group(), charge), InvalidValue)


def test_a_payment_must_be_positive() -> None:
    situation = group(1)
    pay = RecordPayment(
        company_id=COMPANIES[0], amount=usd("40.00"), reference="INV 1", actor="a", at=AFTER
    )
    assert [
        PaymentReceived(company_id=COMPANIES[0], amount=usd("40.00"), reference="INV 1", at=AFTER)
    ] == when(situation, pay)
    zero = RecordPayment(company_id=COMPANIES[0], amount=usd("0"), actor="a", at=AFTER)
    assert isinstance(refused(situation, zero), AmountNotPositive)


# --- virtual programme ----------------------------------------------------------------------


def test_a_cohort_graduates_those_who_completed_the_programme() -> None:
    situation = group(2, format=GroupFormat.VIRTUAL, programme_months=12)
    graduation = GraduateCohort(
        group_id=GROUP, actor="staff", at=datetime(2002, 1, 1, tzinfo=T0.tzinfo)
    )
    too_soon = GraduateCohort(
        group_id=GROUP, actor="staff", at=datetime(2001, 6, 1, tzinfo=T0.tzinfo)
    )

    graduated = [
        e.membership_id for e in when(situation, graduation) if isinstance(e, MemberGraduated)
    ]

    assert sorted(MEMBERS[:2], key=str) == sorted(graduated, key=str)
    assert [] == when(situation, too_soon)
    assert isinstance(refused(group(2), graduation), InvalidValue)


# --- money ------------------------------------------------------------------------------------


def test_split_never_loses_or_invents_a_cent() -> None:
    parts = split(usd("10.00"), [("a", 1), ("b", 1), ("c", 1)])
    assert [("a", usd("3.34")), ("b", usd("3.33")), ("c", usd("3.33"))] == parts


def test_money_refuses_fractions_of_a_cent_and_mixed_currencies() -> None:
    with pytest.raises(InvalidValue):
        usd("1.005")
    with pytest.raises(MixedCurrencies):
        usd("1.00") + Money("1.00", "EUR")
