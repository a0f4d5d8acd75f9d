"""The whole network as one pure decision: route a command to its aggregate's decide,
and fold any event into the `Situation` it belongs to.

The application facade loads only the part of the situation a command reads; tests and
`peernet.testing` fold a whole history with `evolve` and call `decide` directly.
"""

from collections.abc import Callable
from functools import reduce
from typing import Any

import attrs

from peernet.domain import (
    accountability,
    companies,
    financials,
    goals,
    groups,
    meetings,
    motions,
    seats,
    sessions,
)
from peernet.domain.accountability import AccountabilityCommand
from peernet.domain.charters import GroupFormat
from peernet.domain.common import Command, Event, InvalidValue, check_forward
from peernet.domain.companies import CompanyCommand, MembershipApplied
from peernet.domain.financials import FinancialsCommand
from peernet.domain.groups import GroupCommand
from peernet.domain.memberships import GraduateCohort, GraduateMember
from peernet.domain.seats import SeatCommand, Situation, months_after
from peernet.domain.sessions import SessionCommand

AnyCommand = (
    CompanyCommand
    | companies.ForgetCompany
    | GroupCommand
    | SeatCommand
    | AccountabilityCommand
    | SessionCommand
    | FinancialsCommand
    | GraduateCohort
)

INITIAL = Situation()


def decide(situation: Situation, command: Command) -> list[Event]:  # noqa: PLR0911 - a router
    """The events `command` records in `situation`, or the error that refuses it."""
    match command:
        case companies.RegisterCompany() | companies.ChangeCompanyProfile():
            return list(companies.decide(situation.companies.get(command.company_id), command))
        case companies.ForgetCompany():
            return _forget(situation, command)
        case groups.FormGroup() | groups.AssignFacilitator():
            return list(groups.decide(situation.groups.get(command.group_id), command))
    if isinstance(command, SeatCommand):
        return seats.decide(situation, command)
    if isinstance(command, AccountabilityCommand):
        return accountability.decide(situation, command)
    if isinstance(command, SessionCommand):
        return sessions.decide(situation, command)
    if isinstance(command, FinancialsCommand):
        return financials.decide(situation, command)
    if isinstance(command, GraduateCohort):
        return _graduate_cohort(situation, command)
    raise TypeError(f"peernet has no decision for {type(command).__name__}")


def _forget(situation: Situation, command: companies.ForgetCompany) -> list[Event]:
    """A company is forgotten once, and only after it left every group: a member's name
    is what its peers know it by."""
    company = situation.companies.get(command.company_id)
    if company is None:
        raise companies.UnknownCompany(command.company_id)
    if company.forgotten:
        raise companies.CompanyWasForgotten(command.company_id)
    check_forward("company", company.id, command.at, company.last_at)
    for application in company.applications:
        group = situation.groups.get(application.group_id)
        held = group.memberships.get(application.membership_id) if group else None
        if held is not None and held.status.open:
            raise companies.CompanyStillMember(company.id, application.group_id)
    return [companies.CompanyForgotten(company_id=company.id, at=command.at)]


def _graduate_cohort(situation: Situation, command: GraduateCohort) -> list[Event]:
    """Every active member of a virtual group whose programme is complete graduates, each
    seat offered on in turn, as if graduated one by one."""
    group = situation.group(command.group_id)
    check_forward("group", group.id, command.at, group.last_at)
    if group.format is not GroupFormat.VIRTUAL:
        raise InvalidValue(f"group {group.id} is not virtual; only virtual programmes graduate")
    months = group.charter.programme_months
    events: list[Event] = []
    for member in sorted(group.active, key=lambda m: (m.joined_at, str(m.id))):
        assert member.joined_at is not None
        if command.at < months_after(member.joined_at, months):
            continue
        one = GraduateMember(membership_id=member.id, actor=command.actor, at=command.at)
        graduated = seats.decide(situation, one)
        situation = replay(*graduated, situation=situation)
        events += graduated
    return events


#: how each kind of stream folds, by the field naming its id (`Event.stream`), and the
#: part of the `Situation` that holds its states
FOLDS: dict[str, tuple[str, Callable[[Any, Any], Any]]] = {
    "company_id": ("companies", companies.evolve),
    "group_id": ("groups", groups.evolve),
    "goal_id": ("goals", goals.evolve),
    "motion_id": ("motions", motions.evolve),
    "meeting_id": ("meetings", meetings.evolve),
    "gathering_id": ("gatherings", meetings.evolve_gathering),
    "financials_id": ("financials", financials.evolve),
}


def evolve(situation: Situation, event: Event) -> Situation:
    """`situation` after `event`; events of kinds it does not hold pass through."""
    kind, stream_id = event.stream()
    if kind not in FOLDS:
        return situation
    part, fold = FOLDS[kind]
    states = getattr(situation, part)
    changes: dict[str, Any] = {part: {**states, stream_id: fold(states.get(stream_id), event)}}
    if isinstance(event, MembershipApplied):
        changes["membership_groups"] = {
            **situation.membership_groups,
            event.membership_id: event.group_id,
        }
    return attrs.evolve(situation, **changes)


def replay(*events: Event, situation: Situation = INITIAL) -> Situation:
    """Fold events, in order, into a situation."""
    return reduce(evolve, events, situation)
