"""Every figure against a hand-worked example, folded from facts written by hand."""

from datetime import date
from fractions import Fraction
from typing import Any

from peernet.adapters.codec import event_types
from peernet.projections import (
    Fact,
    GoalEntries,
    GroupHistories,
    MeetingRolls,
    Period,
    Target,
    attendance,
    fill,
    fold,
    goal_completion,
    growth,
    retention,
    turnover,
)

YEAR = Period.year(2008)
EVENTS = event_types()


class Log:
    """Facts in order, numbered as the store would number them."""

    def __init__(self) -> None:
        self.facts: list[Fact] = []

    def add(self, topic: str, day: str, **data: Any) -> None:
        data["at"] = f"{day}T00:00:00+00:00"
        kind = EVENTS[f"peernet.{topic}"]
        self.facts.append(Fact(position=len(self.facts) + 1, kind=kind, data=data))

    def group(self, group: str, day: str = "2007-01-01", capacity: int = 12) -> None:
        self.add(
            "GroupFormed",
            day,
            group_id=group,
            name=group,
            format="in-person",
            kind="core",
            charter={"capacity": capacity},
        )

    def join(self, group: str, member: str, day: str, company: str | None = None) -> None:
        ids = {"group_id": group, "membership_id": member, "company_id": company or member}
        self.add("SeatOffered", day, **ids)
        self.add("MemberJoined", day, **ids)

    def leave(self, topic: str, group: str, member: str, day: str, **extra: Any) -> None:
        self.add(topic, day, group_id=group, membership_id=member, company_id=member, **extra)

    def histories(self) -> list[Any]:
        return list(fold(GroupHistories(), self.facts).values())


def test_htg_six_of_a_hundred_and_ten_leave_in_a_year_about_five_percent() -> None:
    """110 members all year, 6 leave and 6 new ones take their seats the same day: 5.45%."""
    log = Log()
    for g in range(10):
        log.group(f"g{g}")
        for m in range(11):
            log.join(f"g{g}", f"m{g}-{m}", "2007-06-01")
    for i, topic in enumerate(["MemberResigned"] * 3 + ["MemberVotedOff"] * 2):
        log.leave(topic, "g0", f"m0-{i}", f"2008-0{i + 2}-01", cause="missed goals")
        log.join("g0", f"new{i}", f"2008-0{i + 2}-01")
    log.leave("MemberRemoved", "g1", "m1-0", "2008-09-01", cause="acquisition")
    log.join("g1", "new5", "2008-09-01")

    found = turnover(log.histories(), YEAR)

    assert 6 == len(found.departures)
    assert Fraction(110) == found.average_members
    assert Fraction(6, 110) == found.rate
    assert "5.5%" == f"{float(found.rate or 0):.1%}"
    assert ["resigned"] * 3 + ["voted off"] * 2 + ["acquired"] == [
        d.reason for d in found.departures
    ]


def test_turnover_weighs_members_by_the_days_they_were_active() -> None:
    """One member all year and one for half of it: 1.5 average members; one left: 2/3."""
    log = Log()
    log.group("g")
    log.join("g", "a", "2007-01-01")
    log.join("g", "b", "2007-01-01")
    # 2008 is a leap year: 183 of 366 days is half of it
    log.leave("MemberResigned", "g", "b", "2008-07-02")

    found = turnover(log.histories(), YEAR)

    assert Fraction(3, 2) == found.average_members
    assert Fraction(2, 3) == found.rate
    assert [Fraction(366), Fraction(183)] == [m.days for m in found.member_days]


def test_transfers_and_graduations_are_not_turnover() -> None:
    """A member moved to another group, or graduated, did not leave the network."""
    log = Log()
    log.group("g")
    log.group("h")
    log.join("g", "a", "2007-01-01")
    log.join("g", "b", "2007-01-01")
    log.leave("MemberTransferred", "g", "a", "2008-03-01", to_group_id="h", to_membership_id="a2")
    log.add(
        "MemberJoined",
        "2008-03-01",
        group_id="h",
        membership_id="a2",
        company_id="a",
        transferred_from="a",
    )
    log.leave("MemberGraduated", "g", "b", "2008-12-01")

    found = turnover(log.histories(), YEAR)

    assert () == found.departures
    assert Fraction(0) == found.rate


def test_turnover_explains_itself_with_the_events_behind_it() -> None:
    """The positions name the joins and the departure the rate is made of."""
    log = Log()
    log.group("g")
    log.join("g", "a", "2007-01-01")
    log.leave("MemberResigned", "g", "a", "2008-05-01")

    found = turnover(log.histories(), YEAR)

    assert (3, 4) == found.positions
    assert 4 == found.departures[0].position


def test_a_period_with_no_members_has_no_turnover_rate() -> None:
    """Nobody active: the rate is undefined, not zero."""
    log = Log()
    log.group("g")

    assert turnover(log.histories(), YEAR).rate is None


def test_annualised_turnover_scales_a_quarter_to_a_year() -> None:
    """One of one member leaving at the end of a 91-day quarter: 1 over 91 days."""
    log = Log()
    log.group("g")
    log.join("g", "a", "2007-01-01")
    log.leave("MemberResigned", "g", "a", "2008-03-31")
    quarter = Period(date(2008, 1, 1), date(2008, 3, 31))

    found = turnover(log.histories(), quarter)

    assert Fraction(91, 90) == found.rate
    assert Fraction(91, 90) * 365 / 91 == found.annualised


def test_retention_counts_the_members_at_the_start_still_active_at_the_end() -> None:
    """Start with 10; 2 leave, 3 join: 8 of the 10 remain, 80%."""
    log = Log()
    log.group("g")
    for m in range(10):
        log.join("g", f"m{m}", "2007-01-01")
    log.leave("MemberResigned", "g", "m0", "2008-02-01")
    log.leave("MemberRemoved", "g", "m1", "2008-03-01", cause="non-payment")
    for m in range(3):
        log.join("g", f"n{m}", "2008-04-01")

    found = retention(log.histories(), YEAR)

    assert (10, 11, 3) == (len(found.at_start), len(found.at_end), len(found.joined))
    assert Fraction(4, 5) == found.rate


def test_a_joiner_who_leaves_within_the_period_does_not_lower_retention() -> None:
    """10 at the start all stay; one joins in March and resigns in June: still 100%."""
    log = Log()
    log.group("g")
    for m in range(10):
        log.join("g", f"m{m}", "2007-01-01")
    log.join("g", "n", "2008-03-01")
    log.leave("MemberResigned", "g", "n", "2008-06-01")

    found = retention(log.histories(), YEAR)

    assert Fraction(1) == found.rate
    assert ("n",) == found.joined


def test_a_transfer_is_a_join_for_the_group_but_not_for_the_network() -> None:
    """Moving between two groups keeps network retention at 100%."""
    log = Log()
    log.group("g")
    log.group("h")
    log.join("g", "a", "2007-01-01")
    log.leave("MemberTransferred", "g", "a", "2008-03-01", to_group_id="h", to_membership_id="a2")
    log.add(
        "MemberJoined",
        "2008-03-01",
        group_id="h",
        membership_id="a2",
        company_id="a",
        transferred_from="a",
    )
    g, h = log.histories()

    assert Fraction(1) == retention([g, h], YEAR).rate
    assert ("a2",) == retention([h], YEAR, scope="h").joined
    assert Fraction(0) == retention([g], YEAR, scope="g").rate


def test_fill_rate_wait_list_and_days_to_a_seat() -> None:
    """3 of 4 seats; two waiting since 1 Nov and 1 Dec; one seated after 30 days."""
    log = Log()
    log.group("g", capacity=4)
    log.join("g", "a", "2007-01-01")
    log.join("g", "b", "2007-01-01")
    ids = {"group_id": "g", "company_id": "c"}
    log.add("SeatOffered", "2008-01-01", membership_id="c", **ids)
    log.add("MemberJoined", "2008-01-31", membership_id="c", **ids)
    for member, day in (("w1", "2008-11-01"), ("w2", "2008-12-01")):
        log.add("ApplicantWaitlisted", day, group_id="g", membership_id=member, company_id=member)

    found = fill(log.histories(), YEAR)

    assert Fraction(3, 4) == found.rate
    assert [61, 31] == [w.days for w in found.waiting]
    assert 61 == found.oldest_wait
    assert [30] == [s.days for s in found.seated]


def test_a_charter_amendment_changes_the_capacity_fill_is_read_against() -> None:
    """Capacity 12 amended to 6 in June: 3 members fill half of it at year end."""
    log = Log()
    log.group("g")
    for m in range(3):
        log.join("g", f"m{m}", "2007-01-01")
    log.add("CharterAmended", "2008-06-01", group_id="g", version=2, charter={"capacity": 6})

    assert Fraction(1, 2) == fill(log.histories(), YEAR).rate


def test_growth_counts_open_groups_and_distinct_active_companies_per_quarter() -> None:
    """A company in two groups counts once; a closed group stops counting."""
    log = Log()
    log.group("g", day="2008-01-15")
    log.group("h", day="2008-05-01")
    log.join("g", "a", "2008-02-01")
    log.join("h", "a-companion", "2008-05-02", company="a")
    log.join("h", "b", "2008-05-02")
    log.leave("MemberResigned", "h", "a-companion", "2008-10-01")
    log.leave("MemberResigned", "h", "b", "2008-10-01")
    log.add("GroupClosed", "2008-11-01", group_id="h")

    found = growth(log.histories(), YEAR, Target(groups=4, companies=4))

    assert [("2008Q1", 1, 1), ("2008Q2", 2, 2), ("2008Q3", 2, 2), ("2008Q4", 1, 1)] == [
        (q.label, q.groups, q.companies) for q in found.quarters
    ]
    assert Fraction(1, 4) == found.groups_of_target


def test_goal_completion_counts_goals_met_of_goals_due_in_the_period() -> None:
    """Four goals due in 2008: two met, one missed, one still open; a withdrawn goal is
    no longer due and one due in 2009 is not yet: 2/4."""
    log = Log()
    outcomes = {"g1": "GoalMet", "g2": "GoalMet", "g3": "GoalMissed", "g5": "GoalWithdrawn"}
    dues = {"g1": "2008-03-01", "g2": "2008-06-01", "g3": "2008-06-01", "g4": "2008-09-01"}
    dues |= {"g5": "2008-09-01", "g6": "2009-03-01"}
    ids = {"group_id": "G", "membership_id": "m", "company_id": "c"}
    for goal, due in dues.items():
        target = {"category": "sales", "due": due}
        log.add("GoalSet", "2008-01-01", goal_id=goal, target=target, **ids)
    for goal, topic in outcomes.items():
        log.add(topic, "2008-10-01", goal_id=goal, **ids)

    found = goal_completion(fold(GoalEntries(), log.facts).values(), YEAR)

    assert ["g1", "g2", "g3", "g4"] == [g.goal_id for g in found.due]
    assert Fraction(1, 2) == found.rate


def test_a_revised_goal_is_due_on_its_revised_date() -> None:
    """Revised from 2008 to 2009: no longer due in 2008."""
    log = Log()
    ids = {"group_id": "G", "membership_id": "m", "company_id": "c", "goal_id": "g"}
    log.add("GoalSet", "2008-01-01", target={"category": "sales", "due": "2008-06-01"}, **ids)
    log.add(
        "GoalRevised",
        "2008-02-01",
        revision=2,
        target={"category": "sales", "due": "2009-06-01"},
        **ids,
    )

    assert () == goal_completion(fold(GoalEntries(), log.facts).values(), YEAR).due


def meeting(log: Log, meeting: str, day: str, counted: list[str], **marks: str) -> None:
    log.add("MeetingScheduled", day, meeting_id=meeting, group_id="g", starts=day)
    for member, mark in marks.items():
        log.add(
            "AttendanceRecorded",
            day,
            meeting_id=meeting,
            group_id="g",
            membership_id=member,
            attendance=mark.replace("_", " "),
        )
    log.add("MeetingClosed", day, meeting_id=meeting, group_id="g", expected=counted)


def test_attendance_counts_late_or_left_early_as_half_and_no_mark_as_absent() -> None:
    """Two meetings of three members: 1 + 1/2 + 0, then 1 + 1/2 + 1: 4 of 6, 66.7%."""
    log = Log()
    meeting(log, "m1", "2008-01-10", ["a", "b", "c"], a="present", b="late")
    meeting(log, "m2", "2008-04-10", ["a", "b", "c"], a="present", b="left_early", c="present")
    log.add("MeetingScheduled", "2008-07-10", meeting_id="m3", group_id="g", starts="2008-07-10")
    log.add("MeetingCancelled", "2008-07-01", meeting_id="m3", group_id="g", reason="storm")
    rolls = fold(MeetingRolls(), log.facts).values()

    figure = attendance(rolls, YEAR, histories={})

    assert Fraction(2, 3) == figure.rate
    assert (2, 6) == (figure.meetings, len(figure.expected))
    assert "absent without notice" == next(
        p.mark for p in figure.expected if p.membership_id == "c"
    )
    assert None is attendance(rolls, Period.year(2007), histories={}).rate


def test_late_or_left_early_earns_what_the_charters_partial_miss_leaves() -> None:
    """A charter whose partial_miss is 1/4 counts late as 3/4; amended to 1 it counts 0."""
    log = Log()
    log.add(
        "GroupFormed",
        "2007-01-01",
        group_id="g",
        name="g",
        format="in-person",
        kind="core",
        charter={"capacity": 12, "partial_miss": "1/4"},
    )
    meeting(log, "m1", "2008-01-10", ["a", "b"], a="present", b="late")
    log.add(
        "CharterAmended", "2008-02-01", group_id="g", charter={"capacity": 12, "partial_miss": "1"}
    )
    meeting(log, "m2", "2008-04-10", ["a", "b"], a="present", b="left_early")
    histories = {h.group_id: h for h in log.histories()}
    rolls = fold(MeetingRolls(), log.facts).values()

    figure = attendance(rolls, YEAR, histories=histories)

    assert [Fraction(1), Fraction(3, 4), Fraction(1), Fraction(0)] == [
        p.attended for p in figure.expected
    ]
    assert Fraction(11, 16) == figure.rate


def test_a_meeting_that_expected_nobody_was_still_held() -> None:
    """Its only member left before it: held, and no expected attendance."""
    log = Log()
    meeting(log, "m1", "2008-01-10", ["a"], a="present")
    meeting(log, "m2", "2008-04-10", [])
    rolls = fold(MeetingRolls(), log.facts).values()

    figure = attendance(rolls, YEAR, histories={})

    assert (2, 1) == (figure.meetings, len(figure.expected))
    assert ("m1", "m2") == figure.held


def test_a_removal_keeps_its_cause() -> None:
    """Removed for non-payment: the departure's reason is "removed", why "non-payment"."""
    log = Log()
    log.group("g")
    log.join("g", "a", "2007-01-01")
    log.leave("MemberRemoved", "g", "a", "2008-05-01", cause="non-payment")

    (departure,) = turnover(log.histories(), YEAR).departures

    assert ("removed", "non-payment", "non-payment") == (
        departure.reason,
        departure.cause,
        departure.why,
    )
