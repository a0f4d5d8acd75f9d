"""Who may read what: "what happens in each group stays in each group".

A group's goals, prep work, financials, flags and individual ballots are readable only
by its active members, its facilitator and the network's auditors. Everyone else sees
counts, and in the audit trail that such an event happened (its name, stream, times and
actor), never what it says. A member who left keeps no access to the group's records.
"""

import enum
from uuid import UUID

import attrs

from peernet.domain.common import Event, non_empty
from peernet.domain.financials import FinancialsSubmitted
from peernet.domain.goals import GoalEvent
from peernet.domain.groups import Group, QuarterClosed
from peernet.domain.meetings import PrepSubmitted
from peernet.domain.memberships import MemberFlagged, MembershipStatus
from peernet.domain.motions import BallotCast, MotionRaised


class Role(enum.Enum):
    MEMBER = "member"
    FACILITATOR = "facilitator"
    AUDITOR = "auditor"
    STAFF = "staff"


@attrs.frozen(kw_only=True)
class Reader:
    """Who asks: a member company (by its membership), a facilitator or auditor (by name),
    or network staff."""

    role: Role
    name: str = attrs.field(validator=non_empty)
    membership_id: UUID | None = None

    @classmethod
    def member(cls, membership_id: UUID, name: str = "member") -> "Reader":
        return cls(role=Role.MEMBER, name=name, membership_id=membership_id)

    @classmethod
    def facilitator(cls, name: str) -> "Reader":
        return cls(role=Role.FACILITATOR, name=name)

    @classmethod
    def auditor(cls, name: str) -> "Reader":
        return cls(role=Role.AUDITOR, name=name)

    @classmethod
    def staff(cls, name: str) -> "Reader":
        return cls(role=Role.STAFF, name=name)


def sees_inside_every_group(reader: Reader | None) -> bool:
    """Whether `reader` may read every group's confidential records whoever is in them
    (an auditor): no group need be read to know."""
    return reader is not None and reader.role is Role.AUDITOR


def sees_inside(reader: Reader | None, group: Group) -> bool:
    """Whether `reader` may read the group's confidential records."""
    if reader is None:
        return False
    if sees_inside_every_group(reader):
        return True
    match reader.role:
        case Role.FACILITATOR:
            return group.facilitator == reader.name
        case Role.MEMBER:
            member = group.memberships.get(reader.membership_id) if reader.membership_id else None
            return member is not None and member.status is MembershipStatus.ACTIVE
    return False


#: the events whose content is confidential to the group they name: its goals, prep
#: work, figures (and who had none), flags, motions' reasons and who voted how
GROUP_CONFIDENTIAL: tuple[type[Event], ...] = (
    GoalEvent,
    PrepSubmitted,
    FinancialsSubmitted,
    QuarterClosed,
    MemberFlagged,
    MotionRaised,
    BallotCast,
)


def confidential_to(event: Event) -> UUID | None:
    """The group whose confidential records `event` belongs to, or None when anyone in
    the network may read it in full (a seat, a meeting's date, a motion's tally)."""
    if isinstance(event, GROUP_CONFIDENTIAL):
        group_id: UUID = getattr(event, "group_id")  # noqa: B009 - each of them names it
        return group_id
    return None
