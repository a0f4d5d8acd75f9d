"""Group: a circle of up to twelve non-competing companies, its charter and its seats.

The group's stream holds the group's own events and every membership event after the
application, so one stream version guards capacity, non-compete and the wait-list.
Commands that move seats are decided in `peernet.domain.decisions.seats`.
"""

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from uuid import UUID, uuid4

import attrs

from peernet.domain import memberships
from peernet.domain.charters import Charter, Eligibility, GroupFormat, GroupKind
from peernet.domain.common import Command, Event, Territory, carry, check_forward, non_empty
from peernet.domain.errors import (
    GroupAlreadyFormed,
    GroupIsClosed,
    UnknownGroup,
)
from peernet.domain.memberships import Membership, MembershipEvent, MembershipStatus

# --- commands -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class FormGroup(Command):
    name: str = attrs.field(validator=non_empty)
    format: GroupFormat = GroupFormat.IN_PERSON
    kind: GroupKind = GroupKind.CORE
    territory: Territory | None = None
    charter: Charter = Charter()
    #: who may apply (a special-interest or programme group); recorded as `EligibilitySet`
    eligibility: Eligibility | None = None
    group_id: UUID = attrs.field(factory=uuid4)


@attrs.frozen(kw_only=True)
class AmendCharter(Command):
    """A new version of the charter; it applies to commands dated from `at` on."""

    group_id: UUID
    charter: Charter


@attrs.frozen(kw_only=True)
class AssignFacilitator(Command):
    group_id: UUID
    facilitator: str = attrs.field(validator=non_empty)


@attrs.frozen(kw_only=True)
class SetEligibility(Command):
    """Who may apply to the group from now on (its special-interest or programme rule)."""

    group_id: UUID
    eligibility: Eligibility


@attrs.frozen(kw_only=True)
class CloseGroup(Command):
    group_id: UUID
    reason: str = ""


GroupCommand = FormGroup | AssignFacilitator

# --- events ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class GroupEvent(Event):
    """An event of a group's stream (its memberships' events are too, after the
    application: one stream version guards capacity, non-compete and the wait-list)."""

    home = "group_id"
    group_id: UUID


@attrs.frozen(kw_only=True)
class GroupFormed(GroupEvent):
    name: str
    format: GroupFormat
    kind: GroupKind
    territory: Territory | None
    charter: Charter


@attrs.frozen(kw_only=True)
class CharterAmended(GroupEvent):
    version: int
    charter: Charter


@attrs.frozen(kw_only=True)
class FacilitatorAssigned(GroupEvent):
    facilitator: str


@attrs.frozen(kw_only=True)
class EligibilitySet(GroupEvent):
    """Who may apply to the group from `at` on; applicants already seated stay."""

    eligibility: Eligibility


@attrs.frozen(kw_only=True)
class GraduationHeld(GroupEvent):
    """A virtual group's cohort graduated at a ceremony during a gathering (the
    `MemberGraduated` events are recorded with it)."""

    gathering_id: UUID
    graduates: tuple[UUID, ...]


@attrs.frozen(kw_only=True)
class GraduateSteppedUp(GroupEvent):
    """A graduate of a virtual programme applied to this group: a second-year virtual
    group, or a face-to-face one. Recorded before the group's answer; `priority` puts it
    ahead of the wait-list (the network charter's `graduate_priority`)."""

    membership_id: UUID
    company_id: UUID
    from_membership_id: UUID
    from_group_id: UUID
    priority: bool


@attrs.frozen(kw_only=True)
class GroupClosed(GroupEvent):
    reason: str = ""


@attrs.frozen(kw_only=True)
class QuarterClosed(GroupEvent):
    """`CloseQuarter` ran for the group: the members who had not submitted the quarter's
    financials (`missing`) were flagged when the charter made them mandatory. Recorded
    once per quarter, so a second close changes nothing."""

    quarter: str
    missing: tuple[UUID, ...] = ()


# --- errors ---------------------------------------------------------------------------


# --- state ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CharterVersion:
    version: int
    effective_at: datetime
    charter: Charter


@attrs.frozen(kw_only=True)
class Group:
    id: UUID
    name: str
    format: GroupFormat
    kind: GroupKind
    territory: Territory | None
    formed_at: datetime
    last_at: datetime
    charters: tuple[CharterVersion, ...]
    facilitator: str | None = None
    closed_at: datetime | None = None
    #: every membership the group ever answered, by id (read-only view)
    memberships: Mapping[UUID, Membership] = MappingProxyType({})
    #: wait-listed memberships in order of arrival
    waitlist: tuple[UUID, ...] = ()
    #: quarters `CloseQuarter` has closed (for financials), e.g. "2009Q4"
    closed_quarters: frozenset[str] = frozenset()
    #: who may apply (None: any company the other rules admit)
    eligibility: Eligibility | None = None
    #: wait-listed graduates of a virtual programme who go first (network charter)
    priority: frozenset[UUID] = frozenset()
    #: graduation ceremonies of this (virtual) group, and graduates who stepped up into it
    ceremonies: tuple[GraduationHeld, ...] = ()
    stepped_up: tuple[GraduateSteppedUp, ...] = ()

    @property
    def charter(self) -> Charter:
        return self.charters[-1].charter

    def charter_at(self, at: datetime) -> CharterVersion:
        """The charter version in force at a business time."""
        in_force = self.charters[0]
        for version in self.charters:
            if version.effective_at <= at:
                in_force = version
        return in_force

    def with_status(self, *statuses: MembershipStatus) -> list[Membership]:
        return [m for m in self.memberships.values() if m.status in statuses]

    @property
    def active(self) -> list[Membership]:
        return self.with_status(MembershipStatus.ACTIVE)

    @property
    def seated(self) -> list[Membership]:
        """Members and offered applicants: each holds one of the capacity's seats."""
        return self.with_status(MembershipStatus.ACTIVE, MembershipStatus.OFFERED)

    def open_membership_of(self, company_id: UUID) -> Membership | None:
        for m in self.memberships.values():
            if m.company_id == company_id and m.status.open:
                return m
        return None


def require(state: Group | None, group_id: UUID) -> Group:
    """The group, formed and open, or the error that says why not."""
    if state is None:
        raise UnknownGroup(group_id=group_id)
    if state.closed_at is not None:
        raise GroupIsClosed(group_id=group_id)
    return state


def decide(state: Group | None, command: GroupCommand) -> list[GroupEvent]:
    match command:
        case FormGroup():
            if state is not None:
                raise GroupAlreadyFormed(group_id=command.group_id)
            formed = carry(GroupFormed, command, name=command.name.strip())
            if command.eligibility is None:
                return [formed]
            return [formed, carry(EligibilitySet, command, eligibility=command.eligibility)]
        case AssignFacilitator():
            group = require(state, command.group_id)
            check_forward(group, command.at)
            if group.facilitator == command.facilitator:
                return []
            return [carry(FacilitatorAssigned, command)]


def _with_membership(state: Group, event: MembershipEvent) -> Group:
    before = state.memberships.get(event.membership_id)
    after = memberships.evolve(before, event)
    members = dict(state.memberships)
    members[after.id] = after
    waitlist = tuple(m for m in state.waitlist if m != after.id)
    if after.status is MembershipStatus.WAITLISTED:
        waitlist = (*waitlist, after.id) if before is None else state.waitlist
        if before is None and after.id in state.priority:
            # a graduate with priority waits behind the graduates before it, ahead of the rest
            ahead = [m for m in waitlist if m in state.priority]
            waitlist = (*ahead, *(m for m in waitlist if m not in state.priority))
    return attrs.evolve(
        state, memberships=MappingProxyType(members), waitlist=waitlist, last_at=event.at
    )


def evolve(state: Group | None, event: GroupEvent | MembershipEvent) -> Group:
    if isinstance(event, GroupFormed):
        return Group(
            id=event.group_id,
            name=event.name,
            format=event.format,
            kind=event.kind,
            territory=event.territory,
            formed_at=event.at,
            last_at=event.at,
            charters=(CharterVersion(version=1, effective_at=event.at, charter=event.charter),),
        )
    assert state is not None, f"{type(event).__name__} before GroupFormed"
    match event:
        case MembershipEvent():
            return _with_membership(state, event)
        case CharterAmended():
            version = CharterVersion(
                version=event.version, effective_at=event.at, charter=event.charter
            )
            return attrs.evolve(state, charters=(*state.charters, version), last_at=event.at)
        case FacilitatorAssigned():
            return attrs.evolve(state, facilitator=event.facilitator, last_at=event.at)
        case GroupClosed():
            return attrs.evolve(state, closed_at=event.at, last_at=event.at)
        case QuarterClosed():
            closed = state.closed_quarters | {event.quarter}
            return attrs.evolve(state, closed_quarters=closed, last_at=event.at)
        case EligibilitySet():
            return attrs.evolve(state, eligibility=event.eligibility, last_at=event.at)
        case GraduationHeld():
            return attrs.evolve(state, ceremonies=(*state.ceremonies, event), last_at=event.at)
        case GraduateSteppedUp():
            first = state.priority | {event.membership_id} if event.priority else state.priority
            return attrs.evolve(
                state, stepped_up=(*state.stepped_up, event), priority=first, last_at=event.at
            )
    raise AssertionError(f"not a group event: {event!r}")
