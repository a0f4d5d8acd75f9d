"""Who gets a seat: capacity, non-compete, one core group, the wait-list in order.

The group's stream is the consistency boundary for its seats; the application is
recorded in the company's stream, which claims the company's one core seat. Every
departure (resignation, removal, transfer, graduation, acquisition, a declined offer, a
withdrawn application) frees a seat, which is offered in the same write to the first
wait-listed applicant who competes with nobody seated, and withdraws the member's open
goals.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from peernet.domain import goals, groups, memberships
from peernet.domain.charters import Charter, GroupFormat, GroupKind
from peernet.domain.common import Command, Event, carry, check_forward, months_after
from peernet.domain.companies import (
    Company,
    CompanyAcquired,
    MembershipApplied,
    RecordAcquisition,
)
from peernet.domain.decisions import Decider
from peernet.domain.decisions.partnering import lapse_on_departure
from peernet.domain.errors import (
    AdmissionNotVoted,
    AgreementAlreadySigned,
    AgreementNotSigned,
    AlreadyApplied,
    AlreadyInCoreGroup,
    CompetitorInGroup,
    GroupAtCapacity,
    GroupHasActiveMembers,
    InvalidValue,
    NoSeatOffered,
    NotAnActiveMember,
    NotPending,
    ProgrammeNotComplete,
)
from peernet.domain.groups import AmendCharter, CharterAmended, CloseGroup, Group, GroupClosed
from peernet.domain.network_errors import NotEligible
from peernet.domain.situation import (
    Ref,
    Situation,
    company_groups,
    departure,
    members_companies,
    membership_group,
)

# --- the rules every seat decision shares --------------------------------------------------


def first_competitor(
    situation: Situation, group: Group, company_id: UUID, among: Iterable[memberships.Membership]
) -> UUID | None:
    """The first seated company of `among` that competes with `company_id`, if the
    group's charter forbids competitors."""
    if not group.charter.non_compete:
        return None
    profile = situation.profile(company_id)
    for other in among:
        if other.company_id != company_id and profile.competes_with(
            situation.profile(other.company_id)
        ):
            return other.company_id
    return None


def fill_seats(
    situation: Situation, group: Group, at: datetime, leaving: Iterable[UUID] = ()
) -> list[memberships.SeatOffered]:
    """Offer every free seat to the first wait-listed applicants who compete with nobody
    seated, in order of arrival. `leaving` names memberships whose departure is decided
    in the same command and whose seats are therefore free."""
    gone = set(leaving)
    seated = [m for m in group.seated if m.id not in gone]
    free = group.charter.capacity - len(seated)
    offers: list[memberships.SeatOffered] = []
    for membership_id in group.waitlist:
        if free <= 0:
            break
        if membership_id in gone:
            continue
        waiting = group.memberships[membership_id]
        if first_competitor(situation, group, waiting.company_id, seated) is not None:
            continue
        offers.append(memberships.SeatOffered(at=at, **waiting.ids))
        seated.append(attrs.evolve(waiting, status=memberships.MembershipStatus.OFFERED))
        free -= 1
    return offers


def leave(
    situation: Situation,
    group: Group,
    m: memberships.Membership,
    event: memberships.MembershipEvent,
) -> list[Event]:
    """A member leaves: its open goals are withdrawn, its seat is offered on, and its open
    invitations to deals and the open referrals made to it lapse."""
    reason = f"member left: {type(event).__name__}"
    return [
        event,
        *goals.withdraw_open(situation.goals_of(m.id), event.at, reason),
        *fill_seats(situation, group, event.at, leaving=[m.id]),
        *lapse_on_departure(situation, m.id, event.at),
    ]


def _open_core_elsewhere(
    situation: Situation, company: Company, group: Group, leaving: UUID | None = None
) -> UUID | None:
    """The group of the company's first open core membership outside `group`, not
    counting the membership `leaving` (the one a transfer moves)."""
    for application in company.applications:
        if not application.core or application.group_id == group.id:
            continue
        if application.membership_id == leaving:
            continue
        other = situation.find(situation.groups, application.group_id, "group")
        held = other.memberships.get(application.membership_id) if other else None
        if held is not None and held.status.open:
            return application.group_id
    return None


def check_joinable(
    situation: Situation, company: Company, group: Group, leaving: UUID | None = None
) -> None:
    """The company may seek a seat in `group`: no open membership there already, and no
    second core group when the charter says one."""
    held = group.open_membership_of(company.id)
    if held is not None:
        raise AlreadyApplied(company_id=company.id, group_id=group.id, membership_id=held.id)
    if group.kind is GroupKind.CORE and group.charter.one_core_group:
        elsewhere = _open_core_elsewhere(situation, company, group, leaving)
        if elsewhere is not None:
            raise AlreadyInCoreGroup(
                company_id=company.id, core_group_id=elsewhere, group_id=group.id
            )


def check_eligible(group: Group, company: Company) -> None:
    """The company meets the group's eligibility, or NotEligible names the criterion."""
    if group.eligibility is None:
        return
    failed = group.eligibility.refusal(company.profile)
    if failed is not None:
        criterion, allowed, value = failed
        raise NotEligible(
            company_id=company.id,
            group_id=group.id,
            criterion=criterion,
            allowed=allowed,
            value=value,
        )


def _unused(situation: Situation, membership_id: UUID) -> None:
    if situation.links.group_of(membership_id) is not None:
        raise InvalidValue(
            f"membership id {membership_id} is already in use", membership_id=membership_id
        )


# --- applying and transferring -----------------------------------------------------------


def _apply_needs(command: memberships.ApplyForMembership, situation: Situation) -> Iterator[Ref]:
    yield Ref.group(command.group_id)
    yield Ref.company(command.company_id)
    yield from members_companies(situation, command.group_id)
    yield from company_groups(situation, command.company_id)


def _apply(situation: Situation, command: memberships.ApplyForMembership) -> list[Event]:
    group = situation.group(command.group_id)
    company = situation.company(command.company_id)
    check_forward(group, command.at)
    check_forward(company, command.at)
    _unused(situation, command.membership_id)
    check_joinable(situation, company, group)
    check_eligible(group, company)
    ids = {"membership_id": command.membership_id, "group_id": group.id, "company_id": company.id}
    applied = MembershipApplied(core=group.kind is GroupKind.CORE, at=command.at, **ids)
    competitor = first_competitor(situation, group, company.id, group.seated)
    if competitor is not None:
        # the competitor is named by id, never by name: the wait-list reason is stored
        # in clear, and a company's name is confidential (readers compose it)
        reason = "competes with a member"
        return [
            applied,
            memberships.ApplicantWaitlisted(
                reason=reason, competitor_id=competitor, at=command.at, **ids
            ),
        ]
    if len(group.seated) >= group.charter.capacity:
        return [
            applied,
            memberships.ApplicantWaitlisted(reason="group is full", at=command.at, **ids),
        ]
    return [applied, memberships.SeatOffered(at=command.at, **ids)]


def _transfer_needs(command: memberships.TransferMember, situation: Situation) -> Iterator[Ref]:
    yield from membership_group(situation, command.membership_id)
    yield Ref.group(command.to_group_id)
    yield from members_companies(situation, command.to_group_id)
    if (source := situation.links.group_of(command.membership_id)) is not None:
        yield from departure(situation, source, command.membership_id)
        held = situation.groups.get(source)
        if held is not None and (m := held.memberships.get(command.membership_id)):
            yield Ref.company(m.company_id)
            yield from company_groups(situation, m.company_id)


def _transfer(situation: Situation, command: memberships.TransferMember) -> list[Event]:
    source, m = situation.membership(command.membership_id)
    check_forward(source, command.at)
    memberships.require_active(m)
    _unused(situation, command.new_membership_id)
    target = situation.group(command.to_group_id)
    if target.id == source.id:
        raise InvalidValue(f"membership {m.id} is already in group {target.id}", membership_id=m.id)
    company = situation.company(m.company_id)
    check_forward(company, command.at)
    check_forward(target, command.at)
    check_joinable(situation, company, target, leaving=m.id)
    check_eligible(target, company)
    competitor = first_competitor(situation, target, company.id, target.seated)
    if competitor is not None:
        raise CompetitorInGroup(company_id=company.id, competitor_id=competitor, group_id=target.id)
    if len(target.seated) >= target.charter.capacity:
        raise GroupAtCapacity(group_id=target.id, capacity=target.charter.capacity)
    new = {
        "membership_id": command.new_membership_id,
        "group_id": target.id,
        "company_id": company.id,
    }
    at = command.at
    moved = memberships.MemberTransferred(
        to_group_id=target.id, to_membership_id=command.new_membership_id, at=at, **m.ids
    )
    return [
        *leave(situation, source, m, moved),
        MembershipApplied(core=target.kind is GroupKind.CORE, transferred_from=m.id, at=at, **new),
        memberships.MemberJoined(transferred_from=m.id, at=at, **new),
    ]


# --- acquisitions, charters, closing -----------------------------------------------------


def _acquisition_needs(command: RecordAcquisition, situation: Situation) -> Iterator[Ref]:
    yield Ref.company(command.company_id)
    if command.acquirer_id is not None:
        yield Ref.company(command.acquirer_id)
    company = situation.companies.get(command.company_id)
    for application in company.applications if company else ():
        yield Ref.group(application.group_id)
        yield from departure(situation, application.group_id, application.membership_id)


def _acquisition(situation: Situation, command: RecordAcquisition) -> list[Event]:
    company = situation.company(command.company_id)
    check_forward(company, command.at)
    if command.acquirer_id is not None:
        if command.acquirer_id == command.company_id:
            raise InvalidValue("a company does not acquire itself")
        situation.company(command.acquirer_id)
    events: list[Event] = [carry(CompanyAcquired, command)]
    for application in company.applications:
        group = situation.find(situation.groups, application.group_id, "group")
        m = group.memberships.get(application.membership_id) if group else None
        if group is None or m is None or not m.status.open or group.closed_at is not None:
            continue
        check_forward(group, command.at)
        gone: memberships.MembershipEvent
        if m.status is memberships.MembershipStatus.ACTIVE:
            gone = memberships.MemberRemoved(
                cause=memberships.RemovalCause.ACQUISITION,
                note=command.acquirer,
                at=command.at,
                **m.ids,
            )
        else:
            gone = memberships.ApplicationWithdrawn(reason="acquisition", at=command.at, **m.ids)
        events += leave(situation, group, m, gone)
    return events


def _group_and_companies(command: AmendCharter | CloseGroup, situation: Situation) -> Iterator[Ref]:
    yield Ref.group(command.group_id)
    yield from members_companies(situation, command.group_id)


def _amend(situation: Situation, command: AmendCharter) -> list[Event]:
    group = situation.group(command.group_id)
    check_forward(group, command.at)
    return amended(situation, group, command.charter, command.at)


def amended(situation: Situation, group: Group, charter: Charter, at: datetime) -> list[Event]:
    """A new version of the charter, and the seats it frees offered (a larger capacity,
    non-compete lifted), in one write (an amendment, or a carried charter motion)."""
    event = CharterAmended(
        group_id=group.id, version=group.charters[-1].version + 1, charter=charter, at=at
    )
    return [event, *fill_seats(situation, groups.evolve(group, event), at)]


def _close_group(situation: Situation, command: CloseGroup) -> list[Event]:
    group = situation.group(command.group_id)
    check_forward(group, command.at)
    if group.active:
        raise GroupHasActiveMembers(group_id=group.id, active=len(group.active))
    withdrawn: list[Event] = [
        memberships.ApplicationWithdrawn(reason="group closed", at=command.at, **m.ids)
        for m in group.with_status(
            memberships.MembershipStatus.WAITLISTED, memberships.MembershipStatus.OFFERED
        )
    ]
    return [*withdrawn, carry(GroupClosed, command)]


# --- one membership's steps ------------------------------------------------------------------

Leaving = (
    memberships.DeclineSeat
    | memberships.WithdrawApplication
    | memberships.Resign
    | memberships.RemoveMember
    | memberships.GraduateMember
)


def _step_needs(
    command: memberships.SignAgreement | memberships.TakeSeat, situation: Situation
) -> Iterator[Ref]:
    yield from membership_group(situation, command.membership_id)


def _leaving_needs(command: Leaving, situation: Situation) -> Iterator[Ref]:
    yield from membership_group(situation, command.membership_id)
    if (group_id := situation.links.group_of(command.membership_id)) is not None:
        yield from departure(situation, group_id, command.membership_id)


def _held(
    situation: Situation, membership_id: UUID, at: datetime
) -> tuple[Group, memberships.Membership]:
    group, m = situation.membership(membership_id)
    check_forward(group, at)
    return group, m


def _sign(situation: Situation, command: memberships.SignAgreement) -> list[Event]:
    _, m = _held(situation, command.membership_id, command.at)
    if not m.status.open:
        raise NotAnActiveMember(membership_id=m.id, status=m.status)
    if m.signed_at is not None:
        raise AgreementAlreadySigned(membership_id=m.id)
    return [carry(memberships.AgreementSigned, command, **m.ids)]


def _take_seat(situation: Situation, command: memberships.TakeSeat) -> list[Event]:
    group, m = _held(situation, command.membership_id, command.at)
    if m.status is not memberships.MembershipStatus.OFFERED:
        raise NoSeatOffered(membership_id=m.id, status=m.status)
    if group.charter.agreement_required and m.signed_at is None:
        raise AgreementNotSigned(membership_id=m.id)
    if group.charter.admission_vote and m.admitted_at is None:
        raise AdmissionNotVoted(membership_id=m.id, group_id=group.id)
    return [carry(memberships.MemberJoined, command, **m.ids)]


def _decline(situation: Situation, command: memberships.DeclineSeat) -> list[Event]:
    group, m = _held(situation, command.membership_id, command.at)
    if m.status is not memberships.MembershipStatus.OFFERED:
        raise NoSeatOffered(membership_id=m.id, status=m.status)
    return leave(situation, group, m, carry(memberships.SeatDeclined, command, **m.ids))


def _withdraw(situation: Situation, command: memberships.WithdrawApplication) -> list[Event]:
    group, m = _held(situation, command.membership_id, command.at)
    if not m.status.pending:
        raise NotPending(membership_id=m.id, status=m.status)
    withdrawn = carry(memberships.ApplicationWithdrawn, command, **m.ids)
    return leave(situation, group, m, withdrawn)


def _resign(situation: Situation, command: memberships.Resign) -> list[Event]:
    group, m = _held(situation, command.membership_id, command.at)
    memberships.require_active(m)
    return leave(
        situation,
        group,
        m,
        carry(memberships.MemberResigned, command, **m.ids),
    )


def _remove(situation: Situation, command: memberships.RemoveMember) -> list[Event]:
    group, m = _held(situation, command.membership_id, command.at)
    memberships.require_active(m)
    return leave(situation, group, m, carry(memberships.MemberRemoved, command, **m.ids))


# --- the virtual programme ---------------------------------------------------------------------


def _virtual(group: Group) -> None:
    if group.format is not GroupFormat.VIRTUAL:
        raise InvalidValue(
            f"group {group.id} is not virtual; only virtual programmes graduate",
            group_id=group.id,
        )


def _graduate(situation: Situation, command: memberships.GraduateMember) -> list[Event]:
    group, m = _held(situation, command.membership_id, command.at)
    memberships.require_active(m)
    _virtual(group)
    assert m.joined_at is not None
    months = group.charter.programme_months
    completes = months_after(m.joined_at, months)
    if command.at < completes:
        raise ProgrammeNotComplete(membership_id=m.id, months=months, completes=completes.date())
    return leave(situation, group, m, carry(memberships.MemberGraduated, command, **m.ids))


def cohort_needs(command: memberships.GraduateCohort, situation: Situation) -> Iterator[Ref]:
    yield Ref.group(command.group_id)
    group = situation.groups.get(command.group_id)
    for m in group.active if group else ():
        yield from departure(situation, command.group_id, m.id)


def graduate_cohort(situation: Situation, command: memberships.GraduateCohort) -> list[Event]:
    """Every active member of a virtual group whose programme is complete graduates, each
    seat offered on in turn, as if graduated one by one."""
    group = situation.group(command.group_id)
    check_forward(group, command.at)
    _virtual(group)
    months = group.charter.programme_months
    events: list[Event] = []
    for member in sorted(group.active, key=lambda m: (m.joined_at, str(m.id))):
        assert member.joined_at is not None
        if command.at < months_after(member.joined_at, months):
            continue
        group = situation.group(command.group_id)
        graduated = leave(
            situation, group, member, memberships.MemberGraduated(at=command.at, **member.ids)
        )
        situation = _after(situation, graduated)
        events += graduated
    return events


def _after(situation: Situation, events: list[Event]) -> Situation:
    """The situation once the group and goal events of a graduation are folded in."""
    groups_now = dict(situation.groups)
    goals_now = dict(situation.goals)
    for event in events:
        match event:
            case memberships.MembershipEvent():
                groups_now[event.group_id] = groups.evolve(groups_now[event.group_id], event)
            case goals.GoalEvent():
                goals_now[event.goal_id] = goals.evolve(goals_now[event.goal_id], event)
    return attrs.evolve(situation, groups=groups_now, goals=goals_now)


DECIDERS: dict[type[Command], Decider[Any]] = {
    memberships.ApplyForMembership: Decider(_apply_needs, _apply),
    memberships.TransferMember: Decider(_transfer_needs, _transfer),
    RecordAcquisition: Decider(_acquisition_needs, _acquisition),
    AmendCharter: Decider(_group_and_companies, _amend),
    CloseGroup: Decider(_group_and_companies, _close_group),
    memberships.SignAgreement: Decider(_step_needs, _sign),
    memberships.TakeSeat: Decider(_step_needs, _take_seat),
    memberships.DeclineSeat: Decider(_leaving_needs, _decline),
    memberships.WithdrawApplication: Decider(_leaving_needs, _withdraw),
    memberships.Resign: Decider(_leaving_needs, _resign),
    memberships.RemoveMember: Decider(_leaving_needs, _remove),
    memberships.GraduateMember: Decider(_leaving_needs, _graduate),
    memberships.GraduateCohort: Decider(cohort_needs, graduate_cohort),
}
