"""The virtual programme, whole: a cohort graduates at a ceremony during a gathering, and
a graduate steps up to a second-year or a face-to-face group, ahead of its wait-list
when the network charter gives graduates priority."""

from datetime import UTC, date, datetime
from typing import Any

from peernet.domain.charters import GroupFormat
from peernet.domain.common import Event
from peernet.domain.groups import GraduateSteppedUp, GraduationHeld
from peernet.domain.meetings import GatheringScheduled
from peernet.domain.memberships import (
    ApplicantWaitlisted,
    HoldGraduation,
    MemberGraduated,
    SeatOffered,
    StepUp,
)
from peernet.domain.network_errors import GraduationNotHeld, NotAGraduate
from peernet.domain.situation import Situation
from peernet.testing import (
    T0,
    group_with,
    history,
    membership_of,
    refused,
    registered,
    some_id,
    some_ids,
    waitlisted,
    when,
)
from peernet.testing.bodies import chartered

VIRTUAL = some_id("sbs online")
FACE = some_id("htg 5")
WPC = some_id("worldwide partner conference")
COHORT = some_ids("sbs", 2)
WPC_DAYS = (date(2002, 7, 10), date(2002, 7, 13))
CEREMONY = datetime(2002, 7, 11, tzinfo=UTC)


def programme(*extra: Event) -> Situation:
    return history(
        *group_with(VIRTUAL, *COHORT, format=GroupFormat.VIRTUAL),
        GatheringScheduled(
            gathering_id=WPC,
            name="Worldwide Partner Conference",
            venue="Denver",
            starts=WPC_DAYS[0],
            ends=WPC_DAYS[1],
            currency="USD",
            at=T0,
        ),
        *extra,
    )


def graduation(at: datetime = CEREMONY) -> HoldGraduation:
    return HoldGraduation(group_id=VIRTUAL, gathering_id=WPC, actor="office", at=at)


def test_the_cohort_graduates_at_the_ceremony() -> None:
    """Both members, a year in, graduate; the ceremony names them and its gathering."""
    events = when(programme(), graduation())

    assert [MemberGraduated, MemberGraduated, GraduationHeld] == [type(e) for e in events]
    assert sorted(membership_of(VIRTUAL, c) for c in COHORT) == sorted(events[-1].graduates)  # type: ignore[attr-defined]


def test_a_ceremony_is_held_during_its_gathering() -> None:
    """A graduation dated outside the gathering's days is refused."""
    error = refused(programme(), graduation(at=datetime(2002, 8, 1, tzinfo=UTC)))

    assert GraduationNotHeld is type(error)


def test_a_cohort_not_yet_a_year_in_records_no_ceremony() -> None:
    """Nobody completes the programme: nothing is recorded."""
    early = programme(
        GatheringScheduled(
            gathering_id=some_id("early"),
            name="Summit",
            venue="Dallas",
            starts=date(2001, 6, 1),
            ends=date(2001, 6, 2),
            currency="USD",
            at=T0,
        )
    )
    command = HoldGraduation(
        group_id=VIRTUAL,
        gathering_id=some_id("early"),
        actor="office",
        at=datetime(2001, 6, 1, tzinfo=UTC),
    )

    assert [] == when(early, command)


def graduated() -> Situation:
    situation = programme()
    return history(*when(situation, graduation()), situation=situation)


def step_up(to: Any = FACE, n: int = 0) -> StepUp:
    return StepUp(
        membership_id=membership_of(VIRTUAL, COHORT[n]),
        to_group_id=to,
        new_membership_id=some_id(f"stepped up {n}"),
        actor="office",
        at=CEREMONY,
    )


def test_a_graduate_steps_up_to_a_face_to_face_group() -> None:
    """Applied, marked a graduate, offered the free seat, in one write."""
    situation = history(*group_with(FACE), situation=graduated())

    events = when(situation, step_up())

    assert [GraduateSteppedUp, SeatOffered] == [type(e) for e in events][1:]


def test_only_a_graduate_steps_up() -> None:
    """An active member of the virtual group has not graduated: refused."""
    situation = history(*group_with(FACE), situation=programme())

    assert NotAGraduate is type(refused(situation, step_up()))


def test_a_graduate_waits_ahead_of_the_wait_list() -> None:
    """A full group: the graduate is wait-listed first, ahead of an earlier applicant."""
    seated, earlier = some_id("seated"), some_id("earlier")
    situation = history(
        *group_with(FACE, seated, capacity=1),
        registered(earlier),
        *waitlisted(FACE, earlier),
        situation=graduated(),
    )

    after = history(*when(chartered_situation(situation), step_up()), situation=situation)

    assert [some_id("stepped up 0"), membership_of(FACE, earlier)] == list(
        after.groups[FACE].waitlist
    )


def chartered_situation(situation: Situation) -> Situation:
    return history(chartered(), situation=situation)


def test_without_priority_a_graduate_waits_its_turn() -> None:
    """The network charter's graduate_priority off: the graduate queues last."""
    seated, earlier = some_id("seated"), some_id("earlier")
    situation = history(
        *group_with(FACE, seated, capacity=1),
        registered(earlier),
        *waitlisted(FACE, earlier),
        chartered(graduate_priority=False),
        situation=graduated(),
    )

    events = when(situation, step_up())
    after = history(*events, situation=situation)

    assert ApplicantWaitlisted is type(events[-1])
    assert [membership_of(FACE, earlier), some_id("stepped up 0")] == list(
        after.groups[FACE].waitlist
    )


def test_a_second_year_is_a_step_up_into_a_virtual_group() -> None:
    """The graduate joins the second-year virtual programme."""
    second = some_id("sbs second year")
    situation = history(*group_with(second, format=GroupFormat.VIRTUAL), situation=graduated())

    events = when(situation, step_up(to=second))

    assert (second, SeatOffered) == (events[1].group_id, type(events[-1]))  # type: ignore[attr-defined]
