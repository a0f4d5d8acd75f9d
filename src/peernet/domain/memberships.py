"""Membership: one company in one group, from application to departure.

A membership lives inside its group: the group is the consistency boundary for seats
(capacity, non-compete, the wait-list), so every membership event after the application
is recorded in the group's stream and carries the membership's id. The commands are
decided in `peernet.domain.decisions.seats`, which reads the group and the companies involved.
"""

import enum
from datetime import datetime
from uuid import UUID, uuid4

import attrs

from peernet.domain.common import CONFIDENTIAL, Command, Event, non_empty
from peernet.domain.errors import NotAnActiveMember


class MembershipStatus(enum.Enum):
    WAITLISTED = "wait-listed"
    OFFERED = "offered"
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"
    RESIGNED = "resigned"
    REMOVED = "removed"
    TRANSFERRED = "transferred"
    GRADUATED = "graduated"
    VOTED_OFF = "voted off"

    @property
    def pending(self) -> bool:
        return self in (MembershipStatus.WAITLISTED, MembershipStatus.OFFERED)

    @property
    def open(self) -> bool:
        return self.pending or self is MembershipStatus.ACTIVE


class RemovalCause(enum.Enum):
    ACQUISITION = "acquisition"
    NON_PAYMENT = "non-payment"
    OTHER = "other"


# --- commands -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ApplyForMembership(Command):
    company_id: UUID
    group_id: UUID
    membership_id: UUID = attrs.field(factory=uuid4)


@attrs.frozen(kw_only=True)
class MembershipStep(Command):
    """A command about one membership: the group holding it decides."""

    membership_id: UUID


@attrs.frozen(kw_only=True)
class WithdrawApplication(MembershipStep):
    reason: str = attrs.field(default="withdrawn by the applicant", metadata={CONFIDENTIAL: True})


@attrs.frozen(kw_only=True)
class SignAgreement(MembershipStep):
    """The company signs the membership agreement (non-compete and confidentiality)."""


@attrs.frozen(kw_only=True)
class TakeSeat(MembershipStep):
    """The company takes the seat it was offered and becomes an active member."""


@attrs.frozen(kw_only=True)
class DeclineSeat(MembershipStep):
    """The company turns down the seat it was offered; it goes to the next who fits."""


@attrs.frozen(kw_only=True)
class Resign(MembershipStep):
    reason: str = attrs.field(default="", metadata={CONFIDENTIAL: True})


@attrs.frozen(kw_only=True)
class RemoveMember(MembershipStep):
    cause: RemovalCause
    note: str = attrs.field(default="", metadata={CONFIDENTIAL: True})


@attrs.frozen(kw_only=True)
class TransferMember(MembershipStep):
    """Move an active member to another group; the agreement it signed carries over."""

    to_group_id: UUID
    new_membership_id: UUID = attrs.field(factory=uuid4)


@attrs.frozen(kw_only=True)
class GraduateCohort(Command):
    """Graduate every member of a virtual group who has completed its programme."""

    group_id: UUID


@attrs.frozen(kw_only=True)
class HoldGraduation(Command):
    """A virtual group's cohort (every member whose programme is complete) graduates at a
    ceremony during a gathering: the partner conference, a summit."""

    group_id: UUID
    gathering_id: UUID


@attrs.frozen(kw_only=True)
class StepUp(Command):
    """A graduate applies to another group: a second-year virtual group, or a
    face-to-face one."""

    membership_id: UUID
    to_group_id: UUID
    new_membership_id: UUID = attrs.field(factory=uuid4)


@attrs.frozen(kw_only=True)
class NameSeatHolder(MembershipStep):
    """The person who holds the seat for the company (a companion group's marketing or
    app-development manager): one of the company's current representatives."""

    person_id: UUID


@attrs.frozen(kw_only=True)
class GraduateMember(MembershipStep):
    """A member of a virtual group completed the programme."""


# --- events (all recorded in the group's stream) --------------------------------------


@attrs.frozen(kw_only=True)
class MembershipEvent(Event):
    home = "group_id"
    membership_id: UUID
    group_id: UUID
    company_id: UUID


@attrs.frozen(kw_only=True)
class ApplicantWaitlisted(MembershipEvent):
    """No seat for now: the group is full, or a competitor is inside (`competitor_id`)."""

    reason: str
    competitor_id: UUID | None = None


@attrs.frozen(kw_only=True)
class SeatOffered(MembershipEvent):
    pass


@attrs.frozen(kw_only=True)
class SeatDeclined(MembershipEvent):
    pass


@attrs.frozen(kw_only=True)
class ApplicationWithdrawn(MembershipEvent):
    reason: str = attrs.field(metadata={CONFIDENTIAL: True})


@attrs.frozen(kw_only=True)
class AgreementSigned(MembershipEvent):
    pass


@attrs.frozen(kw_only=True)
class MemberJoined(MembershipEvent):
    transferred_from: UUID | None = None


@attrs.frozen(kw_only=True)
class MemberResigned(MembershipEvent):
    reason: str = attrs.field(default="", metadata={CONFIDENTIAL: True})


@attrs.frozen(kw_only=True)
class MemberRemoved(MembershipEvent):
    cause: RemovalCause
    note: str = attrs.field(default="", metadata={CONFIDENTIAL: True})


@attrs.frozen(kw_only=True)
class MemberTransferred(MembershipEvent):
    to_group_id: UUID
    to_membership_id: UUID


@attrs.frozen(kw_only=True)
class MemberGraduated(MembershipEvent):
    pass


@attrs.frozen(kw_only=True)
class MemberVotedOff(MembershipEvent):
    """The group carried a removal motion; recorded with `MotionCarried` in one write."""

    motion_id: UUID
    cause: str


@attrs.frozen(kw_only=True)
class ApplicantAdmitted(MembershipEvent):
    """The group carried an admission motion for this applicant (charter: admission_vote)."""

    motion_id: UUID


@attrs.frozen(kw_only=True)
class SeatHolderNamed(MembershipEvent):
    """The person who holds the seat for the company from `at` on."""

    person_id: UUID


@attrs.frozen(kw_only=True)
class MemberFlagged(MembershipEvent):
    """A rule (attendance, goals) marks the member for the group's review; not a removal."""

    reason: str = attrs.field(validator=non_empty)


# --- errors ---------------------------------------------------------------------------


# --- state ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Membership:
    id: UUID
    company_id: UUID
    group_id: UUID
    status: MembershipStatus
    applied_at: datetime
    signed_at: datetime | None = None
    joined_at: datetime | None = None
    left_at: datetime | None = None
    departure: str | None = None
    waitlisted_because: str | None = None
    #: the seated company a wait-listed applicant competes with
    waitlisted_beside: UUID | None = None
    admitted_at: datetime | None = None
    flags: tuple[str, ...] = ()
    #: the person who holds the seat for the company (None: the company as a whole)
    holder: UUID | None = None

    @property
    def ids(self) -> dict[str, UUID]:
        """The ids every event of this membership carries."""
        return {"membership_id": self.id, "group_id": self.group_id, "company_id": self.company_id}


#: the status each departure leaves a membership in
DEPARTURES: dict[type[MembershipEvent], MembershipStatus] = {
    ApplicationWithdrawn: MembershipStatus.WITHDRAWN,
    SeatDeclined: MembershipStatus.DECLINED,
    MemberResigned: MembershipStatus.RESIGNED,
    MemberRemoved: MembershipStatus.REMOVED,
    MemberTransferred: MembershipStatus.TRANSFERRED,
    MemberGraduated: MembershipStatus.GRADUATED,
    MemberVotedOff: MembershipStatus.VOTED_OFF,
}


def require_active(membership: Membership) -> Membership:
    """The membership, if it is an active member's; else NotAnActiveMember."""
    if membership.status is not MembershipStatus.ACTIVE:
        raise NotAnActiveMember(membership_id=membership.id, status=membership.status)
    return membership


def _departure_reason(event: MembershipEvent) -> str:
    match event:
        case MemberRemoved():
            return event.cause.value
        case ApplicationWithdrawn():
            return event.reason
        case MemberResigned():
            return event.reason or "resigned"
        case MemberTransferred():
            return f"transferred to group {event.to_group_id}"
        case MemberVotedOff():
            return f"voted off: {event.cause}"
    return DEPARTURES[type(event)].value


def evolve(state: Membership | None, event: MembershipEvent) -> Membership:
    """One membership's story; `None` until the group answers the application."""
    if state is None:
        status = MembershipStatus.WAITLISTED
        if isinstance(event, SeatOffered):
            status = MembershipStatus.OFFERED
        elif isinstance(event, MemberJoined):  # a transfer arrives already active
            return Membership(
                id=event.membership_id,
                company_id=event.company_id,
                group_id=event.group_id,
                status=MembershipStatus.ACTIVE,
                applied_at=event.at,
                signed_at=event.at,
                joined_at=event.at,
            )
        waiting = event if isinstance(event, ApplicantWaitlisted) else None
        return Membership(
            id=event.membership_id,
            company_id=event.company_id,
            group_id=event.group_id,
            status=status,
            applied_at=event.at,
            waitlisted_because=waiting.reason if waiting else None,
            waitlisted_beside=waiting.competitor_id if waiting else None,
        )
    match event:
        case ApplicantWaitlisted():
            return attrs.evolve(state, status=MembershipStatus.WAITLISTED)
        case SeatOffered():
            return attrs.evolve(state, status=MembershipStatus.OFFERED)
        case AgreementSigned():
            return attrs.evolve(state, signed_at=event.at)
        case MemberJoined():
            return attrs.evolve(state, status=MembershipStatus.ACTIVE, joined_at=event.at)
        case MemberFlagged():
            return attrs.evolve(state, flags=(*state.flags, event.reason))
        case ApplicantAdmitted():
            return attrs.evolve(state, admitted_at=event.at)
        case SeatHolderNamed():
            return attrs.evolve(state, holder=event.person_id)
    return attrs.evolve(
        state,
        status=DEPARTURES[type(event)],
        left_at=event.at,
        departure=_departure_reason(event),
    )
