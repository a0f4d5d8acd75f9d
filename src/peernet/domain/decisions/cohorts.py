"""The virtual programme, whole: a cohort graduates at a ceremony held during a named
gathering, then a graduate steps up, into a second-year virtual group or a face-to-face
group, ahead of that group's wait-list when the network charter gives graduates priority.

The commands are the memberships' (`HoldGraduation`, `StepUp`); the events they record
(`GraduationHeld`, `GraduateSteppedUp`) are the group's.
"""

from collections.abc import Iterator
from typing import Any

from peernet.domain import memberships
from peernet.domain.charters import GroupKind
from peernet.domain.common import Command, Event, carry, check_forward
from peernet.domain.companies import MembershipApplied
from peernet.domain.decisions import Decider
from peernet.domain.decisions.seats import (
    check_eligible,
    check_joinable,
    cohort_needs,
    first_competitor,
    graduate_cohort,
)
from peernet.domain.errors import InvalidValue, UnknownGathering
from peernet.domain.groups import GraduateSteppedUp, GraduationHeld
from peernet.domain.memberships import HoldGraduation, MemberGraduated, MembershipStatus, StepUp
from peernet.domain.network_errors import GraduationNotHeld, NotAGraduate
from peernet.domain.situation import (
    Ref,
    Situation,
    company_groups,
    members_companies,
    membership_group,
)


def _graduation_needs(command: HoldGraduation, situation: Situation) -> Iterator[Ref]:
    yield Ref.gathering(command.gathering_id)
    yield from cohort_needs(
        memberships.GraduateCohort(group_id=command.group_id, actor=command.actor, at=command.at),
        situation,
    )


def _graduation(situation: Situation, command: HoldGraduation) -> list[Event]:
    gathering = situation.gathering(command.gathering_id)
    if gathering is None:
        raise UnknownGathering(gathering_id=command.gathering_id)
    days = gathering.scheduled
    if not days.starts <= command.at.date() <= days.ends:
        raise GraduationNotHeld(gathering_id=gathering.id, at=command.at.date())
    cohort = memberships.GraduateCohort(
        group_id=command.group_id, actor=command.actor, at=command.at
    )
    events = graduate_cohort(situation, cohort)
    graduates = tuple(e.membership_id for e in events if isinstance(e, MemberGraduated))
    if not graduates:
        return []
    return [*events, carry(GraduationHeld, command, graduates=graduates)]


def _step_up_needs(command: StepUp, situation: Situation) -> Iterator[Ref]:
    yield from membership_group(situation, command.membership_id)
    yield Ref.group(command.to_group_id)
    yield Ref.network()
    yield from members_companies(situation, command.to_group_id)
    source = situation.links.group_of(command.membership_id)
    held = situation.groups.get(source) if source else None
    if held is not None and (m := held.memberships.get(command.membership_id)):
        yield Ref.company(m.company_id)
        yield from company_groups(situation, m.company_id)


def _step_up(situation: Situation, command: StepUp) -> list[Event]:
    group_id = situation.links.group_of(command.membership_id)
    source = situation.find(situation.groups, group_id, "group") if group_id else None
    graduate = source.memberships.get(command.membership_id) if source else None
    if source is None or graduate is None or graduate.status is not MembershipStatus.GRADUATED:
        raise NotAGraduate(membership_id=command.membership_id)
    if situation.links.group_of(command.new_membership_id) is not None:
        raise InvalidValue(f"membership id {command.new_membership_id} is already in use")
    target = situation.group(command.to_group_id)
    company = situation.company(graduate.company_id)
    check_forward(target, command.at)
    check_forward(company, command.at)
    check_joinable(situation, company, target)
    check_eligible(target, company)
    ids = {
        "membership_id": command.new_membership_id,
        "group_id": target.id,
        "company_id": company.id,
    }
    priority = situation.network_charter(command.at).graduate_priority
    events: list[Event] = [
        MembershipApplied(core=target.kind is GroupKind.CORE, at=command.at, **ids),
        carry(
            GraduateSteppedUp,
            command,
            from_membership_id=graduate.id,
            from_group_id=source.id,
            priority=priority,
            **ids,
        ),
    ]
    competitor = first_competitor(situation, target, company.id, target.seated)
    if competitor is not None:
        reason = "competes with a member"
        waiting = memberships.ApplicantWaitlisted(
            reason=reason, competitor_id=competitor, at=command.at, **ids
        )
        return [*events, waiting]
    if len(target.seated) >= target.charter.capacity:
        return [
            *events,
            memberships.ApplicantWaitlisted(reason="group is full", at=command.at, **ids),
        ]
    return [*events, memberships.SeatOffered(at=command.at, **ids)]


DECIDERS: dict[type[Command], Decider[Any]] = {
    HoldGraduation: Decider(_graduation_needs, _graduation),
    StepUp: Decider(_step_up_needs, _step_up),
}
