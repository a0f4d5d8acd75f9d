"""Companies and groups come into being, change, and are forgotten: each id once, each
change after the last, and a company forgotten only after it left every group."""

from collections.abc import Iterator
from typing import Any

from peernet.domain import companies, groups
from peernet.domain.common import Command, Event, carry, check_forward
from peernet.domain.companies import (
    ChangeCompanyProfile,
    CompanyForgotten,
    ForgetCompany,
    RegisterCompany,
)
from peernet.domain.decisions import Decider
from peernet.domain.errors import CompanyStillMember, CompanyWasForgotten, UnknownCompany
from peernet.domain.governance import act_for_network
from peernet.domain.groups import AssignFacilitator, FormGroup
from peernet.domain.network_charter import ResolutionKind
from peernet.domain.situation import Ref, Situation, company_groups

FORM_GROUP = ResolutionKind.FORM_GROUP


def _company(
    command: RegisterCompany | ChangeCompanyProfile | ForgetCompany, _: Situation
) -> Iterator[Ref]:
    yield Ref.company(command.company_id)


def _group(command: AssignFacilitator, _: Situation) -> Iterator[Ref]:
    yield Ref.group(command.group_id)


def _on_company(
    situation: Situation, command: RegisterCompany | ChangeCompanyProfile
) -> list[Event]:
    state = situation.find(situation.companies, command.company_id, "company")
    return list(companies.decide(state, command))


def _form_needs(command: FormGroup, situation: Situation) -> Iterator[Ref]:
    yield Ref.group(command.group_id)
    yield Ref.network()


def _on_group(situation: Situation, command: FormGroup | AssignFacilitator) -> list[Event]:
    if isinstance(command, FormGroup):
        # forming a group is the network's act: its staff's, or the committee's once it sits
        act_for_network(situation.network(), command.actor, command.at, FORM_GROUP)
    state = situation.find(situation.groups, command.group_id, "group")
    return list(groups.decide(state, command))


def _forget_needs(command: ForgetCompany, situation: Situation) -> Iterator[Ref]:
    yield Ref.company(command.company_id)
    yield from company_groups(situation, command.company_id)


def _forget(situation: Situation, command: ForgetCompany) -> list[Event]:
    """A company is forgotten once, and only after it left every group: a member's name
    is what its peers know it by."""
    company = situation.find(situation.companies, command.company_id, "company")
    if company is None:
        raise UnknownCompany(company_id=command.company_id)
    if company.forgotten:
        raise CompanyWasForgotten(company_id=command.company_id)
    check_forward(company, command.at)
    for application in company.applications:
        group = situation.find(situation.groups, application.group_id, "group")
        held = group.memberships.get(application.membership_id) if group else None
        if held is not None and held.status.open:
            raise CompanyStillMember(company_id=company.id, group_id=application.group_id)
    return [carry(CompanyForgotten, command)]


DECIDERS: dict[type[Command], Decider[Any]] = {
    RegisterCompany: Decider(_company, _on_company),
    ChangeCompanyProfile: Decider(_company, _on_company),
    ForgetCompany: Decider(_forget_needs, _forget),
    FormGroup: Decider(_form_needs, _on_group),
    AssignFacilitator: Decider(_group, _on_group),
}
