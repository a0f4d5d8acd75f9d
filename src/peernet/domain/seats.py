"""Who gets a seat: the decisions that read a group, its members' companies and the
applicant's other groups together.

`decide(situation, command)` is pure like every other decide: the application facade
loads a `Situation` (every group and company the command touches or reads), and gets back
events bound for several streams, which it writes in one atomic transaction.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from uuid import UUID

import attrs

from peernet.domain import companies, goals, groups
from peernet.domain.charters import GroupFormat, GroupKind
from peernet.domain.common import Event, InvalidValue, check_forward
from peernet.domain.companies import (
    Company,
    CompanyAcquired,
    MembershipApplied,
    Profile,
    RecordAcquisition,
)
from peernet.domain.financials import Financials
from peernet.domain.goals import Goal
from peernet.domain.groups import (
    AmendCharter,
    CharterAmended,
    CloseGroup,
    Group,
    GroupClosed,
    GroupHasActiveMembers,
)
from peernet.domain.meetings import Gathering, Meeting
from peernet.domain.memberships import (
    AdmissionNotVoted,
    AgreementAlreadySigned,
    AgreementNotSigned,
    AgreementSigned,
    AlreadyApplied,
    AlreadyInCoreGroup,
    ApplicantWaitlisted,
    ApplicationWithdrawn,
    ApplyForMembership,
    CompetitorInGroup,
    DeclineSeat,
    GraduateMember,
    GroupAtCapacity,
    MemberGraduated,
    MemberJoined,
    MemberRemoved,
    MemberResigned,
    Membership,
    MembershipCommand,
    MembershipEvent,
    MembershipStatus,
    MemberTransferred,
    NoSeatOffered,
    NotAnActiveMember,
    NotPending,
    ProgrammeNotComplete,
    RemovalCause,
    RemoveMember,
    Resign,
    SeatDeclined,
    SeatOffered,
    SignAgreement,
    TakeSeat,
    TransferMember,
    UnknownMembership,
    WithdrawApplication,
    require_active,
)
from peernet.domain.motions import Motion

SeatCommand = MembershipCommand | RecordAcquisition | AmendCharter | CloseGroup


@attrs.frozen(kw_only=True)
class Situation:
    """Everything a seat decision reads: groups and companies by id (absent: unknown),
    and which group holds each membership the command names."""

    groups: Mapping[UUID, Group] = attrs.field(factory=dict)
    companies: Mapping[UUID, Company] = attrs.field(factory=dict)
    membership_groups: Mapping[UUID, UUID] = attrs.field(factory=dict)
    goals: Mapping[UUID, Goal] = attrs.field(factory=dict)
    motions: Mapping[UUID, Motion] = attrs.field(factory=dict)
    meetings: Mapping[UUID, Meeting] = attrs.field(factory=dict)
    gatherings: Mapping[UUID, Gathering] = attrs.field(factory=dict)
    #: each company's financials, by `financials_id_of(company_id)`
    financials: Mapping[UUID, Financials] = attrs.field(factory=dict)

    def group(self, group_id: UUID) -> Group:
        return groups.require(self.groups.get(group_id), group_id)

    def company(self, company_id: UUID) -> Company:
        return companies.require(self.companies.get(company_id), company_id)

    def membership(self, membership_id: UUID) -> tuple[Group, Membership]:
        group_id = self.membership_groups.get(membership_id)
        group = self.groups.get(group_id) if group_id else None
        if group is None or membership_id not in group.memberships:
            raise UnknownMembership(membership_id)
        return groups.require(group, group.id), group.memberships[membership_id]

    def profile(self, company_id: UUID) -> Profile:
        return self.companies[company_id].profile


def months_after(start: datetime, months: int) -> datetime:
    """The same day `months` later (clamped to the month's last day)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in range(start.day, 27, -1):
        try:
            return start.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return start.replace(year=year, month=month, day=min(start.day, 28))


def _ids(group: Group, m: Membership) -> dict[str, UUID]:
    return {"membership_id": m.id, "group_id": group.id, "company_id": m.company_id}


def first_competitor(
    situation: Situation, group: Group, company_id: UUID, among: Iterable[Membership]
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
) -> list[SeatOffered]:
    """Offer every free seat to the first wait-listed applicants who compete with nobody
    seated, in order of arrival. `leaving` names memberships whose departure is decided
    in the same command and whose seats are therefore free."""
    gone = set(leaving)
    seated = [m for m in group.seated if m.id not in gone]
    free = group.charter.capacity - len(seated)
    offers: list[SeatOffered] = []
    for membership_id in group.waitlist:
        if free <= 0:
            break
        if membership_id in gone:
            continue
        waiting = group.memberships[membership_id]
        if first_competitor(situation, group, waiting.company_id, seated) is not None:
            continue
        offers.append(SeatOffered(at=at, **_ids(group, waiting)))
        seated.append(attrs.evolve(waiting, status=MembershipStatus.OFFERED))
        free -= 1
    return offers


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
        other = situation.groups.get(application.group_id)
        held = other.memberships.get(application.membership_id) if other else None
        if held is not None and held.status.open:
            return application.group_id
    return None


def _apply(situation: Situation, command: ApplyForMembership) -> list[Event]:
    group = situation.group(command.group_id)
    company = situation.company(command.company_id)
    check_forward("group", group.id, command.at, group.last_at)
    check_forward("company", company.id, command.at, company.last_at)
    _unused(situation, command.membership_id)
    held = group.open_membership_of(company.id)
    if held is not None:
        raise AlreadyApplied(company.id, group.id, held.id)
    core = group.kind is GroupKind.CORE
    if core and group.charter.one_core_group:
        core_group = _open_core_elsewhere(situation, company, group)
        if core_group is not None:
            raise AlreadyInCoreGroup(company.id, core_group, group.id)
    ids = {"membership_id": command.membership_id, "group_id": group.id, "company_id": company.id}
    applied = MembershipApplied(core=core, at=command.at, **ids)
    competitor = first_competitor(situation, group, company.id, group.seated)
    if competitor is not None:
        # the competitor is named by id, never by name: the wait-list reason is stored
        # in clear, and a company's name is confidential (readers compose it)
        reason = "competes with a member"
        return [
            applied,
            ApplicantWaitlisted(reason=reason, competitor_id=competitor, at=command.at, **ids),
        ]
    if len(group.seated) >= group.charter.capacity:
        return [applied, ApplicantWaitlisted(reason="group is full", at=command.at, **ids)]
    return [applied, SeatOffered(at=command.at, **ids)]


def _departure(
    situation: Situation, group: Group, m: Membership, departure: MembershipEvent
) -> list[Event]:
    """A member leaves: its seat is offered on, and its open goals are withdrawn."""
    reason = f"member left: {type(departure).__name__}"
    return [
        departure,
        *goals.withdraw_open(situation.goals, m.id, departure.at, reason),
        *fill_seats(situation, group, departure.at, leaving=[m.id]),
    ]


def _unused(situation: Situation, membership_id: UUID) -> None:
    if membership_id in situation.membership_groups:
        raise InvalidValue(
            f"membership id {membership_id} is already in use", membership_id=membership_id
        )


def _transfer(situation: Situation, command: TransferMember) -> list[Event]:
    source, m = situation.membership(command.membership_id)
    check_forward("group", source.id, command.at, source.last_at)
    require_active(m)
    _unused(situation, command.new_membership_id)
    target = situation.group(command.to_group_id)
    if target.id == source.id:
        raise InvalidValue(f"membership {m.id} is already in group {target.id}", membership_id=m.id)
    company = situation.company(m.company_id)
    check_forward("company", company.id, command.at, company.last_at)
    check_forward("group", target.id, command.at, target.last_at)
    held = target.open_membership_of(company.id)
    if held is not None:
        raise AlreadyApplied(company.id, target.id, held.id)
    if target.kind is GroupKind.CORE and target.charter.one_core_group:
        elsewhere = _open_core_elsewhere(situation, company, target, leaving=m.id)
        if elsewhere is not None:
            raise AlreadyInCoreGroup(company.id, elsewhere, target.id)
    competitor = first_competitor(situation, target, company.id, target.seated)
    if competitor is not None:
        raise CompetitorInGroup(company.id, competitor, target.id)
    if len(target.seated) >= target.charter.capacity:
        raise GroupAtCapacity(target.id, target.charter.capacity)
    new = {
        "membership_id": command.new_membership_id,
        "group_id": target.id,
        "company_id": company.id,
    }
    at = command.at
    return [
        *_departure(
            situation,
            source,
            m,
            MemberTransferred(
                to_group_id=target.id,
                to_membership_id=command.new_membership_id,
                at=at,
                **_ids(source, m),
            ),
        ),
        MembershipApplied(core=target.kind is GroupKind.CORE, transferred_from=m.id, at=at, **new),
        MemberJoined(transferred_from=m.id, at=at, **new),
    ]


def _acquisition(situation: Situation, command: RecordAcquisition) -> list[Event]:
    company = situation.company(command.company_id)
    check_forward("company", company.id, command.at, company.last_at)
    events: list[Event] = [
        CompanyAcquired(company_id=company.id, acquirer=command.acquirer, at=command.at)
    ]
    for application in company.applications:
        group = situation.groups.get(application.group_id)
        m = group.memberships.get(application.membership_id) if group else None
        if group is None or m is None or not m.status.open or group.closed_at is not None:
            continue
        check_forward("group", group.id, command.at, group.last_at)
        leave: MembershipEvent
        if m.status is MembershipStatus.ACTIVE:
            leave = MemberRemoved(
                cause=RemovalCause.ACQUISITION,
                note=command.acquirer,
                at=command.at,
                **_ids(group, m),
            )
        else:
            leave = ApplicationWithdrawn(reason="acquisition", at=command.at, **_ids(group, m))
        events += _departure(situation, group, m, leave)
    return events


def decide(  # noqa: PLR0911, PLR0912, PLR0915 - one case per seat command, read top to bottom
    situation: Situation, command: SeatCommand
) -> list[Event]:
    """Decide a command that moves seats; the events may belong to several streams."""
    match command:
        case ApplyForMembership():
            return _apply(situation, command)
        case TransferMember():
            return _transfer(situation, command)
        case RecordAcquisition():
            return _acquisition(situation, command)
        case AmendCharter():
            group = situation.group(command.group_id)
            check_forward("group", group.id, command.at, group.last_at)
            amended = CharterAmended(
                group_id=group.id,
                version=group.charters[-1].version + 1,
                charter=command.charter,
                at=command.at,
            )
            return [amended, *fill_seats(situation, groups.evolve(group, amended), command.at)]
        case CloseGroup():
            group = situation.group(command.group_id)
            check_forward("group", group.id, command.at, group.last_at)
            if group.active:
                raise GroupHasActiveMembers(group.id, len(group.active))
            reason = "group closed"
            withdrawn: list[Event] = [
                ApplicationWithdrawn(reason=reason, at=command.at, **_ids(group, m))
                for m in group.with_status(MembershipStatus.WAITLISTED, MembershipStatus.OFFERED)
            ]
            return [
                *withdrawn,
                GroupClosed(group_id=group.id, reason=command.reason, at=command.at),
            ]

    group, m = situation.membership(command.membership_id)
    check_forward("group", group.id, command.at, group.last_at)
    ids = _ids(group, m)
    match command:
        case SignAgreement():
            if not m.status.open:
                raise NotAnActiveMember(m.id, m.status)
            if m.signed_at is not None:
                raise AgreementAlreadySigned(m.id)
            return [AgreementSigned(at=command.at, **ids)]
        case TakeSeat():
            if m.status is not MembershipStatus.OFFERED:
                raise NoSeatOffered(m.id, m.status)
            if group.charter.agreement_required and m.signed_at is None:
                raise AgreementNotSigned(m.id)
            if group.charter.admission_vote and m.admitted_at is None:
                raise AdmissionNotVoted(m.id, group.id)
            return [MemberJoined(at=command.at, **ids)]
        case DeclineSeat():
            if m.status is not MembershipStatus.OFFERED:
                raise NoSeatOffered(m.id, m.status)
            return _departure(situation, group, m, SeatDeclined(at=command.at, **ids))
        case WithdrawApplication():
            if not m.status.pending:
                raise NotPending(m.id, m.status)
            return _departure(
                situation,
                group,
                m,
                ApplicationWithdrawn(reason=command.reason, at=command.at, **ids),
            )
        case Resign():
            require_active(m)
            return _departure(
                situation, group, m, MemberResigned(reason=command.reason, at=command.at, **ids)
            )
        case RemoveMember():
            require_active(m)
            return _departure(
                situation,
                group,
                m,
                MemberRemoved(cause=command.cause, note=command.note, at=command.at, **ids),
            )
        case GraduateMember():
            require_active(m)
            if group.format is not GroupFormat.VIRTUAL:
                raise InvalidValue(
                    f"group {group.id} is not virtual; only virtual programmes graduate",
                    group_id=group.id,
                )
            assert m.joined_at is not None
            months = group.charter.programme_months
            completes = months_after(m.joined_at, months)
            if command.at < completes:
                raise ProgrammeNotComplete(m.id, months, completes)
            return _departure(situation, group, m, MemberGraduated(at=command.at, **ids))
    raise AssertionError(f"not a seat command: {command!r}")
