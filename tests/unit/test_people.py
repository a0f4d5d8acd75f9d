"""People, not only companies: a company names its representatives up to the network
charter's number, a seat is held by one of them, and attendance is taken per person."""

from datetime import date, timedelta

from peernet.domain.charters import GroupKind
from peernet.domain.companies import (
    NameRepresentative,
    PersonRole,
    RepresentativeNamed,
    WithdrawRepresentative,
)
from peernet.domain.meetings import (
    Attendance,
    AttendanceRecorded,
    AttendeesRecorded,
    RecordAttendees,
)
from peernet.domain.memberships import NameSeatHolder, SeatHolderNamed
from peernet.domain.network_errors import (
    PersonAlreadyNamed,
    TooManyAttendees,
    TooManyRepresentatives,
    UnknownPerson,
)
from peernet.domain.situation import Situation
from peernet.testing import (
    T0,
    group_with,
    history,
    meeting_scheduled,
    membership_of,
    refused,
    registered,
    some_id,
    when,
)
from peernet.testing.bodies import chartered, named, person_of

ACME = some_id("acme")
GROUP = some_id("marketing managers")
MEETING = some_id("q1")
LATER = T0 + timedelta(days=1)


def name(n: int, **fields: object) -> NameRepresentative:
    return NameRepresentative(
        company_id=ACME,
        name=f"Person {n}",
        role=PersonRole.MARKETING_MANAGER,
        person_id=person_of(ACME, n),
        actor="acme",
        at=LATER,
        **fields,  # type: ignore[arg-type]
    )


def test_a_company_names_a_person_in_a_role() -> None:
    """The name is trimmed; the role and the id are recorded."""
    events = when(history(registered(ACME)), name(0))

    assert [
        RepresentativeNamed(
            company_id=ACME,
            person_id=person_of(ACME, 0),
            name="Person 0",
            role=PersonRole.MARKETING_MANAGER,
            at=LATER,
        )
    ] == events


def test_a_fifth_representative_is_refused_by_default() -> None:
    """Four people by default, chartered or not: the fifth is refused."""
    situation = history(registered(ACME), *(named(ACME, n) for n in range(4)))

    error = refused(situation, name(4))

    assert (TooManyRepresentatives, 5, 4) == (
        type(error),
        error.details["count"],
        error.details["allowed"],
    )


def test_the_network_charter_sets_how_many_people_a_company_names() -> None:
    """With a charter of 2, the third is refused."""
    situation = history(
        chartered(representatives_per_company=2), registered(ACME), named(ACME, 0), named(ACME, 1)
    )

    assert TooManyRepresentatives is type(refused(situation, name(2)))


def test_a_withdrawn_person_frees_a_place() -> None:
    """After a withdrawal the company names another within its four."""
    withdrawn = when(
        history(registered(ACME), *(named(ACME, n) for n in range(4))),
        WithdrawRepresentative(
            company_id=ACME, person_id=person_of(ACME, 0), actor="acme", at=LATER
        ),
    )
    situation = history(registered(ACME), *(named(ACME, n) for n in range(4)), *withdrawn)

    assert 1 == len(when(situation, name(4)))


def test_a_person_is_named_once() -> None:
    """The same person id again is refused."""
    situation = history(registered(ACME), named(ACME, 0))

    assert PersonAlreadyNamed is type(refused(situation, name(0)))


def companion(*extra: object) -> Situation:
    return history(
        *group_with(GROUP, ACME, kind=GroupKind.COMPANION),
        named(ACME, 0, role=PersonRole.MARKETING_MANAGER),
        named(ACME, 1),
        *extra,  # type: ignore[arg-type]
    )


def test_a_companion_seat_is_held_by_a_person_of_the_company() -> None:
    """The marketing manager holds the company's seat."""
    command = NameSeatHolder(
        membership_id=membership_of(GROUP, ACME), person_id=person_of(ACME, 0), actor="o", at=LATER
    )

    events = when(companion(), command)

    assert [SeatHolderNamed] == [type(e) for e in events]
    assert (
        person_of(ACME, 0)
        == history(*events, situation=companion())
        .groups[GROUP]
        .memberships[membership_of(GROUP, ACME)]
        .holder
    )


def test_a_seat_holder_is_one_of_the_companys_people() -> None:
    """Another company's person cannot hold the seat."""
    command = NameSeatHolder(
        membership_id=membership_of(GROUP, ACME),
        person_id=person_of(some_id("globex"), 0),
        actor="o",
        at=LATER,
    )

    assert UnknownPerson is type(refused(companion(), command))


def with_meeting(**rules: object) -> Situation:
    return history(
        *group_with(GROUP, ACME, **rules),  # type: ignore[arg-type]
        *(named(ACME, n) for n in range(3)),
        meeting_scheduled(
            MEETING, GROUP, expected=[membership_of(GROUP, ACME)], starts=date(2001, 2, 1)
        ),
    )


def attendees(*people: int) -> RecordAttendees:
    return RecordAttendees(
        meeting_id=MEETING,
        membership_id=membership_of(GROUP, ACME),
        person_ids=tuple(person_of(ACME, n) for n in people),
        actor="o",
        at=LATER,
    )


def test_attendance_is_taken_per_person_and_marks_the_member_present() -> None:
    """Two people came: the member is present, and who came is recorded."""
    events = when(with_meeting(), attendees(0, 1))

    assert [AttendanceRecorded, AttendeesRecorded] == [type(e) for e in events]
    assert Attendance.PRESENT == events[0].attendance  # type: ignore[attr-defined]


def test_no_more_people_than_the_group_charter_allows() -> None:
    """With max_representatives 2, three people for one member are refused."""
    error = refused(with_meeting(max_representatives=2), attendees(0, 1, 2))

    assert (TooManyAttendees, 3) == (type(error), error.details["count"])


def test_only_the_companys_people_attend_for_it() -> None:
    """A person the company never named is refused."""
    command = RecordAttendees(
        meeting_id=MEETING,
        membership_id=membership_of(GROUP, ACME),
        person_ids=(some_id("stranger"),),
        actor="o",
        at=LATER,
    )

    assert UnknownPerson is type(refused(with_meeting(), command))
