"""People of a company: the representatives who attend for it, at most the network
charter's number (`representatives_per_company`, 4 by default, chartered or not)."""

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from peernet.domain.common import Command, Event, carry, check_forward
from peernet.domain.companies import (
    NameRepresentative,
    Person,
    RepresentativeNamed,
    RepresentativeWithdrawn,
    WithdrawRepresentative,
)
from peernet.domain.decisions import Decider
from peernet.domain.network_charter import NetworkCharter
from peernet.domain.network_errors import (
    PersonAlreadyNamed,
    TooManyRepresentatives,
    UnknownPerson,
)
from peernet.domain.situation import Ref, Situation


def network_charter(situation: Situation, command: Command) -> NetworkCharter:
    """The network charter in force at the command's time (the defaults while the
    network was never chartered). The decision's needs name `Ref.network()`."""
    network = situation.network()
    return network.charter_at(command.at) if network is not None else NetworkCharter()


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
    allowed = network_charter(situation, command).representatives_per_company
    count = len(company.representatives) + 1
    if count > allowed:
        raise TooManyRepresentatives(company_id=company.id, count=count, allowed=allowed)
    return [carry(RepresentativeNamed, command, name=command.name.strip())]


def _withdraw(situation: Situation, command: WithdrawRepresentative) -> list[Event]:
    require_person(situation, command.company_id, command.person_id)
    check_forward(situation.company(command.company_id), command.at)
    return [carry(RepresentativeWithdrawn, command)]


DECIDERS: dict[type[Command], Decider[Any]] = {
    NameRepresentative: Decider(_needs, _name),
    WithdrawRepresentative: Decider(_needs, _withdraw),
}
