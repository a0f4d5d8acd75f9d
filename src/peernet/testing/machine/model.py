"""The state machine's model: what it believes the network holds, folded from the
records it saw, independent of peernet's own state, and what it expects of a command."""

import enum
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar
from uuid import UUID

import attrs
from attrs import AttrsInstance

from peernet.domain.charters import Charter, GroupFormat, GroupKind
from peernet.domain.companies import Profile
from peernet.domain.meetings import Attendance
from peernet.domain.memberships import MembershipStatus
from peernet.domain.motions import quorum_needed
from peernet.testing.machine.partner_model import ModelCompetition, ModelDeal, ModelReferral

#: the memberships still open: waiting, offered a seat, or active
OPEN = (MembershipStatus.WAITLISTED, MembershipStatus.OFFERED, MembershipStatus.ACTIVE)
#: the memberships that hold a seat
SEATED = (MembershipStatus.OFFERED, MembershipStatus.ACTIVE)
#: the applications not yet answered with a seat taken
PENDING = (MembershipStatus.WAITLISTED, MembershipStatus.OFFERED)
OFFERED = (MembershipStatus.OFFERED,)
ACTIVE = (MembershipStatus.ACTIVE,)
#: the key of a cost recorded for no meeting (the machine records none such)
NO_ID = UUID(int=0)

R = TypeVar("R", bound=AttrsInstance)


def opened(record: type[R], event: object, **given: Any) -> R:
    """The model's new `record` of what `event` opens: the fields `given`, and every
    other field the record cannot do without read from the event's field of that name."""
    taken = {
        f.name: getattr(event, f.name)
        for f in attrs.fields(record)
        if f.default is attrs.NOTHING and f.name not in given
    }
    return record(**taken, **given)


class Expect(enum.Enum):
    """What the machine's model predicts for a command."""

    ACCEPTED = "accepted"
    REFUSED = "refused"
    EITHER = "either"


@attrs.define
class ModelMembership:
    """The machine's own record of one membership (independent of peernet's state)."""

    id: UUID
    company_id: UUID
    group_id: UUID
    core: bool
    status: MembershipStatus | None = None  # None: applied, the group's answer not yet seen
    signed: bool = False
    joined_at: datetime | None = None
    left_at: datetime | None = None


@attrs.define
class ModelGroup:
    id: UUID
    kind: GroupKind
    format: GroupFormat
    charter: Charter
    last_at: datetime
    closed: bool = False
    #: wait-listed memberships in the order the machine saw them arrive
    arrivals: list[UUID] = attrs.Factory(list)
    members: dict[UUID, ModelMembership] = attrs.Factory(dict)

    def seated(self) -> list[ModelMembership]:
        return [m for m in self.members.values() if m.status in SEATED]

    def waiting(self) -> list[UUID]:
        return [i for i in self.arrivals if self.members[i].status is MembershipStatus.WAITLISTED]


@attrs.define
class ModelCompany:
    id: UUID
    profile: Profile
    last_at: datetime
    acquired: bool = False
    memberships: list[UUID] = attrs.Factory(list)


@attrs.define
class ModelGoal:
    id: UUID
    membership_id: UUID
    group_id: UUID
    due: date
    open: bool = True


@attrs.define
class ModelMotion:
    id: UUID
    group_id: UUID
    subject_id: UUID
    electorate: tuple[UUID, ...]
    deadline: datetime
    quorum: Fraction
    threshold: Fraction
    ballots: dict[UUID, bool] = attrs.Factory(dict)
    closed: bool = False

    def carried(self) -> bool:
        """What the charter's rule says of the ballots cast: quorum, then threshold."""
        cast, yes = len(self.ballots), sum(self.ballots.values())
        quorum = quorum_needed(len(self.electorate), self.quorum)
        return cast > 0 and cast >= quorum and Fraction(yes, cast) >= self.threshold


@attrs.define
class ModelMeeting:
    id: UUID
    group_id: UUID
    starts: date
    ends: date
    expected: tuple[UUID, ...]
    open: bool = True
    marks: dict[UUID, Attendance] = attrs.Factory(dict)
    spent: Decimal = Decimal(0)
    sponsored: Decimal = Decimal(0)
    #: who shared the costs, once closed
    closed_expected: tuple[UUID, ...] | None = None


@attrs.define
class Model:
    """What the machine believes the network holds, folded from the records it saw."""

    groups: dict[UUID, ModelGroup] = attrs.Factory(dict)
    companies: dict[UUID, ModelCompany] = attrs.Factory(dict)
    memberships: dict[UUID, ModelMembership] = attrs.Factory(dict)
    goals: dict[UUID, ModelGoal] = attrs.Factory(dict)
    motions: dict[UUID, ModelMotion] = attrs.Factory(dict)
    meetings: dict[UUID, ModelMeeting] = attrs.Factory(dict)
    #: dues charged, by (membership, month)
    dues: set[tuple[UUID, date]] = attrs.Factory(set)
    stream_times: dict[UUID, datetime] = attrs.Factory(dict)
    # the partner economy
    deals: dict[UUID, ModelDeal] = attrs.Factory(dict)
    referrals: dict[UUID, ModelReferral] = attrs.Factory(dict)
    competitions: dict[UUID, ModelCompetition] = attrs.Factory(dict)

    def active_in(self, group_id: UUID) -> list[UUID]:
        return [
            m.id
            for m in self.groups[group_id].members.values()
            if m.status is MembershipStatus.ACTIVE
        ]

    def open_goals(self, membership_id: UUID) -> list[UUID]:
        return [g.id for g in self.goals.values() if g.open and g.membership_id == membership_id]

    def departure_streams(self, membership_id: UUID) -> list[UUID]:
        """The streams a membership's departure writes to besides its group: its open
        goals (withdrawn), the open deals it is invited to and the open referrals made to
        it (lapsed)."""
        deals = [d.id for d in self.deals.values() if d.open and d.invited(membership_id)]
        referrals = [
            r.id for r in self.referrals.values() if r.open and r.to_membership_id == membership_id
        ]
        return [*self.open_goals(membership_id), *deals, *referrals]

    def is_active(self, membership_id: UUID) -> bool:
        m = self.memberships.get(membership_id)
        return m is not None and m.status is MembershipStatus.ACTIVE

    def competes(self, a: UUID, b: UUID) -> bool:
        return a != b and self.companies[a].profile.competes_with(self.companies[b].profile)

    def competitor_seated(self, group: ModelGroup, company_id: UUID) -> bool:
        return group.charter.non_compete and any(
            self.competes(company_id, s.company_id) for s in group.seated()
        )

    def open_core_elsewhere(self, company_id: UUID, group_id: UUID) -> list[ModelMembership]:
        return [
            m
            for i in self.companies[company_id].memberships
            if (m := self.memberships[i]).core and m.status in OPEN and m.group_id != group_id
        ]

    def open_memberships(self, company_id: UUID) -> list[ModelMembership]:
        return [
            m
            for i in self.companies[company_id].memberships
            if (m := self.memberships[i]).status in OPEN
        ]
