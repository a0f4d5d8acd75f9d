"""People of a company: the representatives who attend for it, at most the network
charter's number (`representatives_per_company`, 4 by default, chartered or not)."""

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from peernet.domain import meetings
from peernet.domain.common import Command, Event, carry, check_forward
from peernet.domain.companies import (
    NameRepresentative,
    Person,
    RepresentativeNamed,
    RepresentativeWithdrawn,
    WithdrawRepresentative,
)
from peernet.domain.decisions import Decider
from peernet.domain.errors import InvalidValue, NotAnActiveMember, NotExpected
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
from peernet.domain.situation import Ref, Situation, membership_group


def require_person(situation: Situation, company_id: UUID, person_id: UUID) -> Person:
    """A person the company names now (the company registered and still in the network),
    or the error that says why not."""
    company = situation.company(company_id)
    person = company.person(person_id)
    if person is None or not person.current:
        raise UnknownPerson(company_id=company_id, person_id=person_id)
    return person


def _needs(command: NameRepresentative | WithdrawRepresentative, _: Situation) -> Iterator[Ref]:
    yield Ref.company(command.company_id)
    yield Ref.network()


def _name(situation: Situation, command: NameRepresentative) -> list[Event]:
    company = situation.company(command.company_id)
    check_forward(company, command.at)
    if company.person(command.person_id) is not None:
        raise PersonAlreadyNamed(company_id=company.id, person_id=command.person_id)
    allowed = situation.network_charter(command.at).representatives_per_company
    count = len(company.representatives) + 1
    if count > allowed:
        raise TooManyRepresentatives(company_id=company.id, count=count, allowed=allowed)
    return [carry(RepresentativeNamed, command, name=command.name.strip())]


def _withdraw(situation: Situation, command: WithdrawRepresentative) -> list[Event]:
    require_person(situation, command.company_id, command.person_id)
    check_forward(situation.company(command.company_id), command.at)
    return [carry(RepresentativeWithdrawn, command)]


def _holder_needs(command: NameSeatHolder, situation: Situation) -> Iterator[Ref]:
    yield from membership_group(situation, command.membership_id)
    group_id = situation.links.group_of(command.membership_id)
    group = situation.groups.get(group_id) if group_id else None
    if group is not None and (m := group.memberships.get(command.membership_id)):
        yield Ref.company(m.company_id)


def _holder(situation: Situation, command: NameSeatHolder) -> list[Event]:
    """A seat is held by one of the company's people: under the group's own rules, on
    the company's behalf."""
    group, m = situation.membership(command.membership_id)
    check_forward(group, command.at)
    if not m.status.open:
        raise NotAnActiveMember(membership_id=m.id, status=m.status)
    require_person(situation, m.company_id, command.person_id)
    if m.holder == command.person_id:
        return []
    return [carry(SeatHolderNamed, command, **m.ids)]


def _attendees_needs(command: RecordAttendees, situation: Situation) -> Iterator[Ref]:
    yield Ref.meeting(command.meeting_id)
    meeting = situation.meetings.get(command.meeting_id)
    group = situation.groups.get(meeting.group_id) if meeting else None
    if meeting is not None:
        yield Ref.group(meeting.group_id)
    if group is not None and (m := group.memberships.get(command.membership_id)):
        yield Ref.company(m.company_id)


def _attendees(situation: Situation, command: RecordAttendees) -> list[Event]:
    meeting = meetings.require_open(
        situation.meeting(command.meeting_id), command.meeting_id, command.at
    )
    group = situation.group(meeting.group_id)
    if command.membership_id not in meeting.scheduled.expected:
        raise NotExpected(meeting_id=meeting.id, membership_id=command.membership_id)
    m = group.memberships[command.membership_id]
    people = tuple(dict.fromkeys(command.person_ids))
    if not people:
        raise InvalidValue("an attendance names at least one person", field="person_ids")
    allowed = group.charter_at(command.at).charter.max_representatives
    if len(people) > allowed:
        raise TooManyAttendees(
            membership_id=m.id, group_id=group.id, count=len(people), allowed=allowed
        )
    for person_id in people:
        require_person(situation, m.company_id, person_id)
    came = carry(AttendeesRecorded, command, person_ids=people, **meeting.ids)
    if command.membership_id in meeting.attendance:
        return [came]
    present = AttendanceRecorded(
        membership_id=m.id, attendance=Attendance.PRESENT, at=command.at, **meeting.ids
    )
    return [present, came]


DECIDERS: dict[type[Command], Decider[Any]] = {
    NameRepresentative: Decider(_needs, _name),
    WithdrawRepresentative: Decider(_needs, _withdraw),
    NameSeatHolder: Decider(_holder_needs, _holder),
    RecordAttendees: Decider(_attendees_needs, _attendees),
}
