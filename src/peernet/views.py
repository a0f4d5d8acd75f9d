"""Read models: the frozen values queries return. Never the aggregates' internal state."""

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

import attrs

from peernet.domain.charters import Charter, GroupFormat, GroupKind
from peernet.domain.common import Territory
from peernet.domain.companies import Company, Profile
from peernet.domain.groups import Group
from peernet.domain.memberships import Membership, MembershipStatus


@attrs.frozen(kw_only=True)
class MembershipView:
    membership_id: UUID
    company_id: UUID
    group_id: UUID
    status: MembershipStatus
    applied_at: datetime
    signed_at: datetime | None
    joined_at: datetime | None
    left_at: datetime | None
    departure: str | None
    waitlisted_because: str | None
    flags: tuple[str, ...]

    @classmethod
    def of(cls, m: Membership) -> "MembershipView":
        return cls(
            membership_id=m.id,
            company_id=m.company_id,
            group_id=m.group_id,
            status=m.status,
            applied_at=m.applied_at,
            signed_at=m.signed_at,
            joined_at=m.joined_at,
            left_at=m.left_at,
            departure=m.departure,
            waitlisted_because=m.waitlisted_because,
            flags=m.flags,
        )


@attrs.frozen(kw_only=True)
class Seat:
    """A company on a roster: an active member, an open offer or a wait-listed applicant."""

    membership_id: UUID
    company_id: UUID
    company: str
    since: datetime
    signed: bool
    note: str | None = None


@attrs.frozen(kw_only=True)
class Roster:
    group_id: UUID
    name: str
    format: GroupFormat
    kind: GroupKind
    territory: Territory | None
    charter: Charter
    charter_version: int
    facilitator: str | None
    closed: bool
    members: tuple[Seat, ...]
    offers: tuple[Seat, ...]
    #: wait-listed applicants in order of arrival: the first is offered the next seat
    #: it can take without competing with anyone inside
    waitlist: tuple[Seat, ...]

    @property
    def capacity(self) -> int:
        return self.charter.capacity

    @property
    def open_seats(self) -> int:
        return max(0, self.capacity - len(self.members) - len(self.offers))

    @classmethod
    def of(cls, group: Group, names: Mapping[UUID, str]) -> "Roster":
        def seat(m: Membership, since: datetime | None, note: str | None = None) -> Seat:
            return Seat(
                membership_id=m.id,
                company_id=m.company_id,
                company=names.get(m.company_id, str(m.company_id)),
                since=since or m.applied_at,
                signed=m.signed_at is not None,
                note=note,
            )

        active = sorted(group.active, key=lambda m: (m.joined_at or m.applied_at, str(m.id)))
        offered = group.with_status(MembershipStatus.OFFERED)
        return cls(
            group_id=group.id,
            name=group.name,
            format=group.format,
            kind=group.kind,
            territory=group.territory,
            charter=group.charter,
            charter_version=group.charters[-1].version,
            facilitator=group.facilitator,
            closed=group.closed_at is not None,
            members=tuple(seat(m, m.joined_at) for m in active),
            offers=tuple(seat(m, m.applied_at) for m in offered),
            waitlist=tuple(
                seat(m, m.applied_at, m.waitlisted_because)
                for m in (group.memberships[i] for i in group.waitlist)
            ),
        )


@attrs.frozen(kw_only=True)
class GroupSummary:
    group_id: UUID
    name: str
    format: GroupFormat
    kind: GroupKind
    formed_at: datetime
    capacity: int
    active: int
    offers: int
    waitlisted: int
    facilitator: str | None
    closed: bool

    @classmethod
    def of(cls, group: Group) -> "GroupSummary":
        return cls(
            group_id=group.id,
            name=group.name,
            format=group.format,
            kind=group.kind,
            formed_at=group.formed_at,
            capacity=group.charter.capacity,
            active=len(group.active),
            offers=len(group.with_status(MembershipStatus.OFFERED)),
            waitlisted=len(group.waitlist),
            facilitator=group.facilitator,
            closed=group.closed_at is not None,
        )


@attrs.frozen(kw_only=True)
class CompanyView:
    company_id: UUID
    profile: Profile
    registered_at: datetime
    acquired_by: str | None
    memberships: tuple[MembershipView, ...]

    @property
    def name(self) -> str:
        return self.profile.name

    @classmethod
    def of(cls, company: Company, memberships: tuple[MembershipView, ...]) -> "CompanyView":
        return cls(
            company_id=company.id,
            profile=company.profile,
            registered_at=company.registered_at,
            acquired_by=company.acquirer,
            memberships=memberships,
        )
