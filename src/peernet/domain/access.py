"""Who may read what: "what happens in each group stays in each group".

A group's goals, prep work, financials and individual ballots are readable only by its
active members, its facilitator and the network's auditors. Everyone else sees counts.
A member who left keeps no access to the group's records.
"""

import enum
from uuid import UUID

import attrs

from peernet.domain.common import non_empty
from peernet.domain.groups import Group
from peernet.domain.memberships import MembershipStatus


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


def sees_inside(reader: Reader | None, group: Group) -> bool:
    """Whether `reader` may read the group's confidential records."""
    if reader is None:
        return False
    match reader.role:
        case Role.AUDITOR:
            return True
        case Role.FACILITATOR:
            return group.facilitator == reader.name
        case Role.MEMBER:
            member = group.memberships.get(reader.membership_id) if reader.membership_id else None
            return member is not None and member.status is MembershipStatus.ACTIVE
    return False
