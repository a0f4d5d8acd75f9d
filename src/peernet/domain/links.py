"""Which streams exist and which belong together, as links an event adds: the one table of
rules both the in-memory directory (`peernet.application.directory`) and the store's
links table (`peernet.adapters.links`) are filled from, so the two cannot drift.

A link is ids only: a relation, its owner (`NIL` for a list with no owner, such as every
company), its member and, where the member is a stream of a kind the relation does not
fix, that kind. Links are only ever added, never removed.
"""

from collections.abc import Callable, Iterator
from typing import NamedTuple
from uuid import UUID

from peernet.domain.common import Event
from peernet.domain.companies import CompanyForgotten, CompanyRegistered, MembershipApplied
from peernet.domain.competitions import CompetitionOpened
from peernet.domain.deals import DealProposed, PartnerInvited
from peernet.domain.goals import GoalSet
from peernet.domain.groups import GroupFormed
from peernet.domain.meetings import (
    CostsShared,
    GatheringScheduled,
    MeetingScheduled,
    SessionAdded,
    SponsorshipRecorded,
)
from peernet.domain.motions import MotionRaised
from peernet.domain.network import FOLDS
from peernet.domain.referrals import ReferralMade
from peernet.domain.vendors import VendorAdmitted

#: the owner of a list that has none (every group, every company...)
NIL = UUID(int=0)

# lists, in order of the event that began each member
GROUPS, COMPANIES, GATHERINGS, VENDORS = "group", "company", "gathering", "vendor"
DEALS, REFERRALS, COMPETITIONS = "deal", "referral", "competition"
#: the one group a membership applied to
MEMBERSHIP_GROUP = "membership_group"
# members of an owner, in order
MEMBER_GOALS, GROUP_MOTIONS, GROUP_MEETINGS = "member_goal", "group_motion", "group_meeting"
COMPANY_DEALS, COMPANY_REFERRALS = "company_deal", "company_referral"
MEMBER_DEALS, MEMBER_REFERRALS = "member_deal", "member_referral"
#: the meetings and gatherings whose costs were shared with a company (member and kind)
COMPANY_COSTS = "company_cost"
#: the meetings and gatherings a vendor sponsored or spoke at (member and kind)
VENDOR_STREAMS = "vendor_stream"
#: every company forgotten, whose key a process that kept it must destroy
FORGOTTEN = "forgotten"
#: every stream whose first event has a rule (the owner; the member is `NIL`), and its kind
STARTED = "started"


class Link(NamedTuple):
    relation: str
    owner: UUID
    member: UUID
    kind: str = ""


def _listed(relation: str, field: str) -> Callable[[Event], Iterator[Link]]:
    def rule(event: Event) -> Iterator[Link]:
        yield Link(relation, NIL, getattr(event, field))

    return rule


def _costs(event: CostsShared) -> Iterator[Link]:
    kind, stream_id = event.stream()
    for share in event.shares:
        yield Link(COMPANY_COSTS, share.company_id, stream_id, kind)


def _sponsored(event: SponsorshipRecorded) -> Iterator[Link]:
    if event.vendor_id is not None:
        kind, stream_id = event.stream()
        yield Link(VENDOR_STREAMS, event.vendor_id, stream_id, kind)


def _spoken(event: SessionAdded) -> Iterator[Link]:
    if event.speaker.vendor_id is not None:
        kind, stream_id = event.stream()
        yield Link(VENDOR_STREAMS, event.speaker.vendor_id, stream_id, kind)


def _meeting(event: MeetingScheduled) -> Iterator[Link]:
    yield Link(GROUP_MEETINGS, event.group_id, event.meeting_id)


def _goal(event: GoalSet) -> Iterator[Link]:
    yield Link(MEMBER_GOALS, event.membership_id, event.goal_id)


def _motion(event: MotionRaised) -> Iterator[Link]:
    yield Link(GROUP_MOTIONS, event.group_id, event.motion_id)


def _applied(event: MembershipApplied) -> Iterator[Link]:
    yield Link(MEMBERSHIP_GROUP, event.membership_id, event.group_id)


def _deal(event: DealProposed) -> Iterator[Link]:
    yield Link(DEALS, NIL, event.deal_id)
    yield Link(COMPANY_DEALS, event.company_id, event.deal_id)


def _invited(event: PartnerInvited) -> Iterator[Link]:
    yield Link(MEMBER_DEALS, event.membership_id, event.deal_id)
    yield Link(COMPANY_DEALS, event.partner_id, event.deal_id)


def _referral(event: ReferralMade) -> Iterator[Link]:
    yield Link(REFERRALS, NIL, event.referral_id)
    yield Link(MEMBER_REFERRALS, event.to_membership_id, event.referral_id)
    for company_id in (event.company_id, event.to_company_id):
        yield Link(COMPANY_REFERRALS, company_id, event.referral_id)


#: the links each event adds, by its class (besides the start of its stream)
RULES: dict[type[Event], Callable[..., Iterator[Link]]] = {
    GroupFormed: _listed(GROUPS, "group_id"),
    CompanyRegistered: _listed(COMPANIES, "company_id"),
    CompanyForgotten: _listed(FORGOTTEN, "company_id"),
    GatheringScheduled: _listed(GATHERINGS, "gathering_id"),
    VendorAdmitted: _listed(VENDORS, "vendor_id"),
    CompetitionOpened: _listed(COMPETITIONS, "competition_id"),
    MembershipApplied: _applied,
    GoalSet: _goal,
    MotionRaised: _motion,
    MeetingScheduled: _meeting,
    CostsShared: _costs,
    SponsorshipRecorded: _sponsored,
    SessionAdded: _spoken,
    DealProposed: _deal,
    PartnerInvited: _invited,
    ReferralMade: _referral,
}
#: the kind of stream each first event begins, for the kinds whose first event has a rule
#: (so every path that reads the events with rules sees each such stream begin)
FIRSTS: dict[type[Event], str] = {
    fold.first: kind for kind, fold in FOLDS.items() if fold.first in RULES
}


def links_of(event: Event) -> list[Link]:
    """The links `event` adds: its rule's, and the start of its stream when it is the
    first event of a kind whose streams the directory knows."""
    rule = RULES.get(type(event))
    if rule is None:
        return []
    found = list(rule(event))
    if (kind := FIRSTS.get(type(event))) is not None:
        found.append(Link(STARTED, event.stream()[1], NIL, kind))
    return found
