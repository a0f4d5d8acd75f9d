"""What a decision reads: the `Situation`, and the `Ref`s a decision's `needs` name.

A decision never reads the whole network. Beside each `decide`, a `needs(command,
situation)` names the streams it reads given what is loaded so far (a group, then the
companies of its members...). The loop in `peernet.domain.network.situate` asks it again
after each load until it names nothing new, so what a rule reads stands beside the rule.

`Links` say which streams belong together (the group holding a membership, a member's
goals, a group's meetings); they are what `needs` follows from one stream to the next.
A full replay (`peernet.domain.network.replay`) folds them from the events; the
application keeps its own directory of them.

A situation built by `situate` remembers which streams were asked for. Deciding on one
may read only those: an accessor reading any other raises `NotLoaded`, a bug in a
`needs`, never a refusal for the wrong reason. A full replay holds everything.

Pure: the standard library, attrs and sibling domain modules.
"""

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, Protocol, TypeVar
from uuid import UUID

import attrs

from peernet.domain import companies, groups
from peernet.domain.common import Event
from peernet.domain.companies import Company, MembershipApplied, Profile
from peernet.domain.competitions import Competition
from peernet.domain.deals import Deal, PartnerInvited
from peernet.domain.errors import UnknownMembership
from peernet.domain.financials import Financials, financials_id_of
from peernet.domain.goals import Goal, GoalSet
from peernet.domain.governance import NetworkState, charter_at as network_charter_at
from peernet.domain.groups import Group, GroupFormed
from peernet.domain.meetings import Gathering, Meeting, MeetingScheduled
from peernet.domain.memberships import Membership
from peernet.domain.motions import Motion
from peernet.domain.network_charter import NETWORK_ID, NetworkCharter
from peernet.domain.referrals import Referral, ReferralMade
from peernet.domain.vendors import Vendor

S = TypeVar("S")


class _RefTo:
    """`Ref.group(group_id)`: a `Ref` to a stream of one kind, named once per kind."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __get__(self, instance: object, owner: type["Ref"]) -> Callable[[UUID], "Ref"]:
        return functools.partial(owner, self.kind)


@attrs.frozen
class Ref:
    """A stream a decision reads: its kind (the field naming its id, as `Event.home`)
    and its id."""

    kind: str
    id: UUID

    company = _RefTo("company_id")
    group = _RefTo("group_id")
    goal = _RefTo("goal_id")
    motion = _RefTo("motion_id")
    meeting = _RefTo("meeting_id")
    gathering = _RefTo("gathering_id")
    vendor = _RefTo("vendor_id")

    @classmethod
    def network(cls) -> "Ref":
        """The network's one stream: its charter, committee and resolutions."""
        return cls("network_id", NETWORK_ID)

    # the partner economy
    deal = _RefTo("deal_id")
    referral = _RefTo("referral_id")
    competition = _RefTo("competition_id")

    @classmethod
    def financials(cls, company_id: UUID) -> "Ref":
        """The stream of a company's financials."""
        return cls("financials_id", financials_id_of(company_id))


class Links(Protocol):
    """Which streams belong together, as `needs` follows them."""

    def group_of(self, membership_id: UUID) -> UUID | None:
        """The group holding the membership (None: no such membership)."""
        ...

    def goals_of(self, membership_id: UUID) -> Sequence[UUID]:
        """Every goal set for the membership, in the order they were set."""
        ...

    def meetings_of(self, group_id: UUID) -> Sequence[UUID]:
        """Every meeting scheduled for the group, in the order they were scheduled."""
        ...

    def every_group(self) -> Sequence[UUID]:
        """Every group ever formed, in the order they were formed."""
        ...

    def deals_of(self, membership_id: UUID) -> Sequence[UUID]:
        """Every deal the membership was invited to, in the order invited."""
        ...

    def referrals_of(self, membership_id: UUID) -> Sequence[UUID]:
        """Every referral made to the membership, in the order made."""
        ...


@attrs.frozen
class Replayed:
    """`Links` folded from the events themselves (`Replayed().after(event)`)."""

    membership_groups: Mapping[UUID, UUID] = MappingProxyType({})
    member_goals: Mapping[UUID, tuple[UUID, ...]] = MappingProxyType({})
    group_meetings: Mapping[UUID, tuple[UUID, ...]] = MappingProxyType({})
    groups: tuple[UUID, ...] = ()

    member_deals: Mapping[UUID, tuple[UUID, ...]] = MappingProxyType({})
    member_referrals: Mapping[UUID, tuple[UUID, ...]] = MappingProxyType({})

    def every_group(self) -> Sequence[UUID]:
        return self.groups

    def group_of(self, membership_id: UUID) -> UUID | None:
        return self.membership_groups.get(membership_id)

    def goals_of(self, membership_id: UUID) -> Sequence[UUID]:
        return self.member_goals.get(membership_id, ())

    def meetings_of(self, group_id: UUID) -> Sequence[UUID]:
        return self.group_meetings.get(group_id, ())

    def deals_of(self, membership_id: UUID) -> Sequence[UUID]:
        return self.member_deals.get(membership_id, ())

    def referrals_of(self, membership_id: UUID) -> Sequence[UUID]:
        return self.member_referrals.get(membership_id, ())

    def after(self, event: Event) -> "Replayed":
        match event:
            case MembershipApplied():
                groups = {**self.membership_groups, event.membership_id: event.group_id}
                return attrs.evolve(self, membership_groups=MappingProxyType(groups))
            case GoalSet():
                return attrs.evolve(
                    self, member_goals=_added(self.member_goals, event.membership_id, event.goal_id)
                )
            case MeetingScheduled():
                return attrs.evolve(
                    self,
                    group_meetings=_added(self.group_meetings, event.group_id, event.meeting_id),
                )
            case GroupFormed() if event.group_id not in self.groups:
                return attrs.evolve(self, groups=(*self.groups, event.group_id))
            case PartnerInvited():
                deals = _added(self.member_deals, event.membership_id, event.deal_id)
                return attrs.evolve(self, member_deals=deals)
            case ReferralMade():
                made = _added(self.member_referrals, event.to_membership_id, event.referral_id)
                return attrs.evolve(self, member_referrals=made)
        return self


def _added(
    index: Mapping[UUID, tuple[UUID, ...]], key: UUID, value: UUID
) -> Mapping[UUID, tuple[UUID, ...]]:
    held = index.get(key, ())
    return MappingProxyType({**index, key: held if value in held else (*held, value)})


class NotLoaded(AssertionError):
    """A decision read a stream its `needs` did not name: a bug in that `needs`."""

    def __init__(self, kind: str, stream_id: UUID) -> None:
        super().__init__(f"the decision read {kind} {stream_id}, which its needs did not name")


_NONE: Mapping[Any, Any] = MappingProxyType({})


@attrs.frozen(kw_only=True)
class Situation:
    """The states a decision reads, by kind and id (absent: no such stream), and the
    links between them. `asked`: the streams the loader looked for, found or not (None
    for a full replay, which holds every stream)."""

    companies: Mapping[UUID, Company] = _NONE
    groups: Mapping[UUID, Group] = _NONE
    goals: Mapping[UUID, Goal] = _NONE
    motions: Mapping[UUID, Motion] = _NONE
    meetings: Mapping[UUID, Meeting] = _NONE
    gatherings: Mapping[UUID, Gathering] = _NONE
    financials: Mapping[UUID, Financials] = _NONE
    networks: Mapping[UUID, NetworkState] = _NONE
    vendors: Mapping[UUID, Vendor] = _NONE
    # the partner economy
    deals: Mapping[UUID, Deal] = _NONE
    referrals: Mapping[UUID, Referral] = _NONE
    competitions: Mapping[UUID, Competition] = _NONE
    links: Links = Replayed()
    asked: frozenset[UUID] | None = None

    def find(self, states: Mapping[UUID, S], stream_id: UUID, kind: str) -> S | None:
        """The state of `stream_id` in `states`, None when there is no such stream;
        `NotLoaded` when the loader was never asked for it."""
        found = states.get(stream_id)
        if found is None and self.asked is not None and stream_id not in self.asked:
            raise NotLoaded(kind, stream_id)
        return found

    def group(self, group_id: UUID) -> Group:
        """The group, formed and open, or the error that says why not."""
        return groups.require(self.find(self.groups, group_id, "group"), group_id)

    def company(self, company_id: UUID) -> Company:
        """The company, registered and still in the network, or the error that says why not."""
        return companies.require(self.find(self.companies, company_id, "company"), company_id)

    def profile(self, company_id: UUID) -> Profile:
        found = self.find(self.companies, company_id, "company")
        if found is None:
            raise NotLoaded("company", company_id)
        return found.profile

    def membership(self, membership_id: UUID) -> tuple[Group, Membership]:
        """The membership and the (open) group holding it, or UnknownMembership."""
        group_id = self.links.group_of(membership_id)
        found = self.find(self.groups, group_id, "group") if group_id else None
        if found is None or membership_id not in found.memberships:
            raise UnknownMembership(membership_id=membership_id)
        return groups.require(found, found.id), found.memberships[membership_id]

    def goal(self, goal_id: UUID) -> Goal | None:
        return self.find(self.goals, goal_id, "goal")

    def goals_of(self, membership_id: UUID) -> list[Goal]:
        """Every goal set for the membership."""
        found = (self.goal(goal_id) for goal_id in self.links.goals_of(membership_id))
        return [goal for goal in found if goal is not None]

    def meeting(self, meeting_id: UUID) -> Meeting | None:
        return self.find(self.meetings, meeting_id, "meeting")

    def meetings_of(self, group_id: UUID) -> list[Meeting]:
        """Every meeting scheduled for the group."""
        found = (self.meeting(meeting_id) for meeting_id in self.links.meetings_of(group_id))
        return [meeting for meeting in found if meeting is not None]

    def gathering(self, gathering_id: UUID) -> Gathering | None:
        return self.find(self.gatherings, gathering_id, "gathering")

    def motion(self, motion_id: UUID) -> Motion | None:
        return self.find(self.motions, motion_id, "motion")

    def network(self) -> NetworkState | None:
        """The network's state, None while it was never chartered."""
        return self.find(self.networks, NETWORK_ID, "network")

    def vendor(self, vendor_id: UUID) -> Vendor | None:
        return self.find(self.vendors, vendor_id, "vendor")

    def books(self, company_id: UUID) -> Financials | None:
        """The company's financials, None when it never submitted any."""
        return self.find(self.financials, financials_id_of(company_id), "financials")

    # --- the partner economy ---------------------------------------------------------------

    def deal(self, deal_id: UUID) -> Deal | None:
        return self.find(self.deals, deal_id, "deal")

    def referral(self, referral_id: UUID) -> Referral | None:
        return self.find(self.referrals, referral_id, "referral")

    def competition(self, competition_id: UUID) -> Competition | None:
        return self.find(self.competitions, competition_id, "competition")

    def network_charter(self, at: datetime) -> NetworkCharter:
        """The network charter in force at `at` (its defaults, when never chartered)."""
        return network_charter_at(self.network(), at)

    def deals_of(self, membership_id: UUID) -> list[Deal]:
        """Every deal the membership was invited to."""
        found = (self.deal(deal_id) for deal_id in self.links.deals_of(membership_id))
        return [deal for deal in found if deal is not None]

    def referrals_of(self, membership_id: UUID) -> list[Referral]:
        """Every referral made to the membership."""
        found = (self.referral(r) for r in self.links.referrals_of(membership_id))
        return [referral for referral in found if referral is not None]


# --- what needs follow ------------------------------------------------------------------


def membership_group(situation: Situation, membership_id: UUID) -> Iterator[Ref]:
    """The group holding the membership (nothing when there is none)."""
    group_id = situation.links.group_of(membership_id)
    if group_id is not None:
        yield Ref.group(group_id)


def members_companies(
    situation: Situation, group_id: UUID, *, every: bool = False
) -> Iterator[Ref]:
    """The companies of the group's open memberships (members and applicants: whom
    non-compete and the wait-list compare), or of every membership it ever held."""
    group = situation.groups.get(group_id)
    if group is None:
        return
    for m in group.memberships.values():
        if every or m.status.open:
            yield Ref.company(m.company_id)


def company_groups(situation: Situation, company_id: UUID) -> Iterator[Ref]:
    """Every group the company applied to (one core group, forgetting, acquisition)."""
    company = situation.companies.get(company_id)
    if company is not None:
        for application in company.applications:
            yield Ref.group(application.group_id)


def goals_of(situation: Situation, membership_id: UUID) -> Iterator[Ref]:
    """Every goal of the membership (a departure withdraws the open ones)."""
    for goal_id in situation.links.goals_of(membership_id):
        yield Ref.goal(goal_id)


def group_goals(situation: Situation, group_id: UUID) -> Iterator[Ref]:
    """Every goal of every membership of the group (a review decides those due)."""
    group = situation.groups.get(group_id)
    if group is not None:
        for membership_id in group.memberships:
            yield from goals_of(situation, membership_id)


def departure(situation: Situation, group_id: UUID, membership_id: UUID) -> Iterator[Ref]:
    """What a member's departure reads: its goals (withdrawn), the companies of the
    group (its seat is offered to the first wait-listed applicant who competes with
    nobody seated), and the deals and referrals it was invited to (open ones lapse)."""
    yield from goals_of(situation, membership_id)
    yield from members_companies(situation, group_id)
    yield from partnerships_of(situation, membership_id)


def every_group(situation: Situation) -> Iterator[Ref]:
    """Every group ever formed (a network-wide election, dues, an all-groups gathering)."""
    for group_id in situation.links.every_group():
        yield Ref.group(group_id)


def partnerships_of(situation: Situation, membership_id: UUID) -> Iterator[Ref]:
    """Every deal and referral the membership was invited to (a departure lapses the
    open ones)."""
    for deal_id in situation.links.deals_of(membership_id):
        yield Ref.deal(deal_id)
    for referral_id in situation.links.referrals_of(membership_id):
        yield Ref.referral(referral_id)
