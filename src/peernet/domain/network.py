"""The whole network as one pure decision: route a command to its aggregate's decide,
and fold any event into the `Situation` it belongs to.

The application facade loads only the part of the situation a command reads; tests and
`peernet.testing` fold a whole history with `evolve` and call `decide` directly.
"""

from functools import reduce
from uuid import UUID

import attrs

from peernet.domain import accountability, companies, goals, groups, motions, seats
from peernet.domain.accountability import AccountabilityCommand
from peernet.domain.common import Command, Event
from peernet.domain.companies import CompanyCommand, CompanyEvent, MembershipApplied
from peernet.domain.groups import GroupCommand
from peernet.domain.seats import SeatCommand, Situation

AnyCommand = CompanyCommand | GroupCommand | SeatCommand | AccountabilityCommand

INITIAL = Situation()


def decide(situation: Situation, command: Command) -> list[Event]:
    """The events `command` records in `situation`, or the error that refuses it."""
    match command:
        case companies.RegisterCompany() | companies.ChangeCompanyProfile():
            return list(companies.decide(situation.companies.get(command.company_id), command))
        case groups.FormGroup() | groups.AssignFacilitator():
            return list(groups.decide(situation.groups.get(command.group_id), command))
    if isinstance(command, SeatCommand):
        return seats.decide(situation, command)
    if isinstance(command, AccountabilityCommand):
        return accountability.decide(situation, command)
    raise TypeError(f"peernet has no decision for {type(command).__name__}")


def evolve(situation: Situation, event: Event) -> Situation:
    """`situation` after `event`; events of kinds it does not hold pass through."""
    stream_id: UUID = getattr(event, event.home)
    if isinstance(event, CompanyEvent):
        company = companies.evolve(situation.companies.get(stream_id), event)
        changes: dict[str, object] = {"companies": {**situation.companies, stream_id: company}}
        if isinstance(event, MembershipApplied):
            changes["membership_groups"] = {
                **situation.membership_groups,
                event.membership_id: event.group_id,
            }
        return attrs.evolve(situation, **changes)  # type: ignore[arg-type]
    if event.home == "group_id":
        group = groups.evolve(situation.groups.get(stream_id), event)  # type: ignore[arg-type]
        return attrs.evolve(situation, groups={**situation.groups, stream_id: group})
    if isinstance(event, goals.GoalEvent):
        goal = goals.evolve(situation.goals.get(stream_id), event)
        return attrs.evolve(situation, goals={**situation.goals, stream_id: goal})
    if isinstance(event, motions.MotionEvent):
        motion = motions.evolve(situation.motions.get(stream_id), event)
        return attrs.evolve(situation, motions={**situation.motions, stream_id: motion})
    return situation


def replay(*events: Event, situation: Situation = INITIAL) -> Situation:
    """Fold events, in order, into a situation."""
    return reduce(evolve, events, situation)
