"""Builders of the histories tests fold: stable ids, profiles, and the events of a
company's way through groups, goals, motions and meetings.

Each builder dates what it builds `T0` unless given `at=`, and gives everything an id a
test can name again: `some_id("acme")`, `membership_of(group_id, company_id)`. So a test
reads as the sentence it states::

    COMPANIES = some_ids("company", 4)
    MEMBERS = memberships_of(GROUP, COMPANIES)
    full = history(*group_with(GROUP, *COMPANIES[:3], capacity=3), *waitlisted(GROUP, COMPANIES[3]))

`group_with` is a group of N active members; `waitlisted`, `offered`, `resigned`,
`goal_set`, `motion_raised`, `ballot_cast`, `meeting_scheduled`... are the steps unit
tests take again and again. `joining` and `founding` are the commands that record
`joined` and `group_with` through a real `Network`.
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar
from uuid import UUID, uuid5

import attrs

from peernet.domain.charters import Charter, GroupFormat, GroupKind
from peernet.domain.common import Command, Event, Territory
from peernet.domain.companies import (
    CompanyAcquired,
    CompanyKind,
    CompanyProfileChanged,
    CompanyRegistered,
    MembershipApplied,
    Profile,
    RegisterCompany,
)
from peernet.domain.competitions import CompetitionEntered, CompetitionOpened
from peernet.domain.deals import DealProposed, InvitationAccepted, PartnerEvent, PartnerInvited
from peernet.domain.goals import Direction, GoalEvent, GoalSet, Target
from peernet.domain.groups import CharterAmended, FacilitatorAssigned, FormGroup, GroupFormed
from peernet.domain.meetings import MeetingScheduled
from peernet.domain.memberships import (
    AgreementSigned,
    ApplicantWaitlisted,
    ApplyForMembership,
    MemberJoined,
    MemberResigned,
    MemberVotedOff,
    SeatOffered,
    SignAgreement,
    TakeSeat,
)
from peernet.domain.motions import BallotCast, MotionCause, MotionKind, MotionRaised
from peernet.domain.network_charter import NetworkCharter
from peernet.domain.referrals import ReferralMade

#: the business time builders use unless told otherwise
T0 = datetime(2001, 1, 1, tzinfo=UTC)
#: the day a goal falls due unless told otherwise: a quarter after `T0`
DUE = date(2001, 4, 1)
_IDS = UUID("6f1d1bd2-2d6e-4a35-9d0e-5c1d6f1a0001")
_RULES = Charter()

E = TypeVar("E", bound=Event)
G = TypeVar("G", bound=GoalEvent)
P = TypeVar("P", bound=PartnerEvent)

# --- ids -----------------------------------------------------------------------------


def some_id(label: str) -> UUID:
    """A stable id for a label, so tests read `some_id("acme")` rather than a UUID."""
    return uuid5(_IDS, label)


def some_ids(label: str, count: int) -> list[UUID]:
    """`count` stable ids: `some_id(f"{label} 0")`, `some_id(f"{label} 1")`..."""
    return [some_id(f"{label} {n}") for n in range(count)]


def membership_of(group_id: UUID, company_id: UUID) -> UUID:
    """The membership id the builders give a company in a group."""
    return uuid5(group_id, str(company_id))


def memberships_of(group_id: UUID, company_ids: Iterable[UUID]) -> list[UUID]:
    """The membership ids of `company_ids` in a group, in the same order."""
    return [membership_of(group_id, company_id) for company_id in company_ids]


def membership_ids(group_id: UUID, company_id: UUID) -> dict[str, UUID]:
    """The three ids every membership event carries, as keywords: `**membership_ids(g, c)`."""
    return {
        "membership_id": membership_of(group_id, company_id),
        "group_id": group_id,
        "company_id": company_id,
    }


# --- companies and groups ------------------------------------------------------------


def profile(
    name: str,
    *,
    country: str = "US",
    region: str | None = "texas",
    lines: Sequence[str] = ("managed services",),
    kind: CompanyKind = CompanyKind.MSP,
    head_count: int = 25,
    revenue_band: str = "1-5M",
    **more: Any,
) -> Profile:
    """A company profile: by default an MSP in Texas selling managed services; `more`
    sets the rest of the profile (business_model, vertical, certifications...)."""
    return Profile(
        name=name,
        kind=kind,
        territory=Territory(country, region),
        business_lines=frozenset(lines),
        head_count=head_count,
        revenue_band=revenue_band,
        **more,
    )


def _profile_of(company_id: UUID, details: dict[str, Any]) -> Profile:
    """`profile(**details)`, by default with a name and a region of the company's own, so
    that no two companies compete."""
    details.setdefault("name", f"Company {str(company_id)[:8]}")
    details.setdefault("region", f"region {company_id}")
    return profile(**details)


def registered(
    company_id: UUID, *, at: datetime = T0, profile: Profile | None = None, **details: Any
) -> CompanyRegistered:
    """`CompanyRegistered` for a company whose profile is `profile`, or `profile(**details)`;
    by default each company gets a region of its own, so none competes with another."""
    if profile is not None and details:
        raise TypeError(f"give a profile or its details, not both: {sorted(details)}")
    chosen = profile if profile is not None else _profile_of(company_id, details)
    return CompanyRegistered(company_id=company_id, profile=chosen, at=at)


def profile_changed(company_id: UUID, new: Profile, *, at: datetime = T0) -> CompanyProfileChanged:
    """`CompanyProfileChanged` to the whole `new` profile."""
    return CompanyProfileChanged(company_id=company_id, profile=new, at=at)


def acquired(company_id: UUID, *, acquirer: str = "MegaCorp", at: datetime = T0) -> CompanyAcquired:
    """`CompanyAcquired`: the company left every group it was in."""
    return CompanyAcquired(company_id=company_id, acquirer=acquirer, at=at)


def formed(
    group_id: UUID,
    *,
    name: str = "Group",
    at: datetime = T0,
    format: GroupFormat = GroupFormat.IN_PERSON,
    kind: GroupKind = GroupKind.CORE,
    territory: Territory | None = None,
    charter: Charter | None = None,
    **rules: Any,
) -> GroupFormed:
    """`GroupFormed` with `charter`, or a charter of the defaults changed by `rules`
    (capacity=2...)."""
    return GroupFormed(
        group_id=group_id,
        name=name,
        format=format,
        kind=kind,
        territory=territory,
        charter=_charter(charter, rules),
        at=at,
    )


def _charter(charter: Charter | None, rules: dict[str, Any]) -> Charter:
    if charter is not None and rules:
        raise TypeError(f"give a charter or its rules, not both: {sorted(rules)}")
    return charter if charter is not None else Charter(**rules)


def amended(group_id: UUID, version: int, *, at: datetime = T0, **rules: Any) -> CharterAmended:
    """`CharterAmended` to the `version`-th charter (the first is the one the group was
    formed with), of the defaults changed by `rules`."""
    return CharterAmended(group_id=group_id, version=version, charter=Charter(**rules), at=at)


def facilitated(group_id: UUID, facilitator: str, *, at: datetime = T0) -> FacilitatorAssigned:
    """`FacilitatorAssigned`: who facilitates the group from now on."""
    return FacilitatorAssigned(group_id=group_id, facilitator=facilitator, at=at)


def group_with(group_id: UUID, *company_ids: UUID, at: datetime = T0, **rules: Any) -> list[Event]:
    """A group formed under a charter of `rules` (or `charter=`), and every company
    registered and joined as an active member, in order: a group of N active members."""
    events: list[Event] = [formed(group_id, at=at, **rules)]
    for company_id in company_ids:
        events += [registered(company_id, at=at), *joined(group_id, company_id, at=at)]
    return events


# --- memberships ---------------------------------------------------------------------


def membership_event(
    cls: Callable[..., E], group_id: UUID, company_id: UUID, *, at: datetime = T0, **fields: Any
) -> E:
    """Any membership event of a company in a group: `membership_event(MemberRemoved, g,
    c, cause=RemovalCause.OTHER)`."""
    return cls(at=at, **membership_ids(group_id, company_id), **fields)


def applied(
    group_id: UUID, company_id: UUID, *, core: bool = True, at: datetime = T0
) -> list[Event]:
    """The application and its seat offer, as recorded for a group with room."""
    return [
        MembershipApplied(core=core, at=at, **membership_ids(group_id, company_id)),
        offered(group_id, company_id, at=at),
    ]


def waitlisted(
    group_id: UUID,
    company_id: UUID,
    *,
    reason: str = "group is full",
    competitor_id: UUID | None = None,
    core: bool = True,
    at: datetime = T0,
) -> list[Event]:
    """The application and its wait-listing, as recorded for a full group (or, with
    `competitor_id`, one where a competitor sits)."""
    ids = membership_ids(group_id, company_id)
    return [
        MembershipApplied(core=core, at=at, **ids),
        ApplicantWaitlisted(reason=reason, competitor_id=competitor_id, at=at, **ids),
    ]


def offered(group_id: UUID, company_id: UUID, *, at: datetime = T0) -> SeatOffered:
    """`SeatOffered` to a company in a group."""
    return membership_event(SeatOffered, group_id, company_id, at=at)


def signed(group_id: UUID, company_id: UUID, *, at: datetime = T0) -> AgreementSigned:
    """`AgreementSigned` by a company offered a seat (or waiting for one)."""
    return membership_event(AgreementSigned, group_id, company_id, at=at)


def joined(
    group_id: UUID, company_id: UUID, *, core: bool = True, at: datetime = T0
) -> list[Event]:
    """Every event of a company's path into a group: applied, offered, signed, joined."""
    return [
        *applied(group_id, company_id, core=core, at=at),
        signed(group_id, company_id, at=at),
        membership_event(MemberJoined, group_id, company_id, at=at),
    ]


def resigned(
    group_id: UUID, company_id: UUID, *, reason: str = "", at: datetime = T0
) -> MemberResigned:
    """`MemberResigned`: an active member left of its own accord."""
    return membership_event(MemberResigned, group_id, company_id, reason=reason, at=at)


def voted_off(
    group_id: UUID,
    company_id: UUID,
    motion_id: UUID,
    *,
    cause: str = "missed goals",
    at: datetime = T0,
) -> MemberVotedOff:
    """`MemberVotedOff` by a carried removal motion."""
    return membership_event(
        MemberVotedOff, group_id, company_id, motion_id=motion_id, cause=cause, at=at
    )


# --- goals ---------------------------------------------------------------------------


def target(
    value: Decimal | int | str = 10,
    *,
    due: date = DUE,
    category: str = "sales",
    statement: str = "grow recurring revenue",
    unit: str = "k$",
    direction: Direction = Direction.AT_LEAST,
) -> Target:
    """A goal's target: by default 10 k$ of sales by `DUE`."""
    return Target(
        statement=statement,
        category=category,
        value=Decimal(value),
        unit=unit,
        due=due,
        direction=direction,
    )


def goal_event(
    cls: Callable[..., G],
    goal_id: UUID,
    group_id: UUID,
    company_id: UUID,
    *,
    at: datetime = T0,
    **fields: Any,
) -> G:
    """Any event of a goal a company set in a group: `goal_event(GoalMissed, goal, g, c,
    value=None)`; an event holding the member's words names its company too."""
    membership_id = membership_of(group_id, company_id)
    if attrs.has(cls) and "company_id" in attrs.fields_dict(cls):  # type: ignore[arg-type]
        fields.setdefault("company_id", company_id)
    return cls(goal_id=goal_id, membership_id=membership_id, group_id=group_id, at=at, **fields)


def goal_set(
    goal_id: UUID, group_id: UUID, company_id: UUID, *, at: datetime = T0, **details: Any
) -> GoalSet:
    """`GoalSet` by a member, its target `target(**details)`."""
    return GoalSet(
        goal_id=goal_id,
        membership_id=membership_of(group_id, company_id),
        group_id=group_id,
        company_id=company_id,
        target=target(**details),
        at=at,
    )


# --- motions -------------------------------------------------------------------------


def motion_raised(
    motion_id: UUID,
    group_id: UUID,
    *,
    raised_by: UUID,
    subject_id: UUID,
    electorate: Iterable[UUID],
    deadline: datetime = T0 + timedelta(days=14),
    quorum: Fraction = _RULES.vote_quorum,
    threshold: Fraction = _RULES.vote_threshold,
    kind: MotionKind = MotionKind.REMOVAL,
    cause: MotionCause = MotionCause.MISSED_GOALS,
    at: datetime = T0,
    company_id: UUID | None = None,
) -> MotionRaised:
    """A removal motion against `subject_id` (membership ids throughout), its electorate
    kept sorted as the group records it, under the default charter's quorum and
    threshold; `company_id` the subject's company, whose key seals the reason."""
    return MotionRaised(
        motion_id=motion_id,
        group_id=group_id,
        raised_by=raised_by,
        kind=kind,
        deadline=deadline,
        electorate=tuple(sorted(electorate, key=str)),
        quorum=quorum,
        threshold=threshold,
        subject_id=subject_id,
        cause=cause,
        at=at,
        company_id=company_id,
    )


def ballot_cast(
    motion_id: UUID, group_id: UUID, voter_id: UUID, in_favour: bool = True, *, at: datetime = T0
) -> BallotCast:
    """`BallotCast` by a member of the electorate (a membership id)."""
    return BallotCast(
        motion_id=motion_id, group_id=group_id, voter_id=voter_id, in_favour=in_favour, at=at
    )


# --- meetings ------------------------------------------------------------------------


def meeting_scheduled(
    meeting_id: UUID,
    group_id: UUID,
    *,
    expected: Iterable[UUID],
    starts: date,
    ends: date | None = None,
    venue: str = "Hall",
    host_id: UUID | None = None,
    gathering_id: UUID | None = None,
    at: datetime = T0,
) -> MeetingScheduled:
    """A meeting of one day (or to `ends`) expecting the memberships `expected`, kept
    sorted as the group records them."""
    return MeetingScheduled(
        meeting_id=meeting_id,
        group_id=group_id,
        starts=starts,
        ends=starts if ends is None else ends,
        venue=venue,
        host_id=host_id,
        gathering_id=gathering_id,
        expected=tuple(sorted(expected, key=str)),
        at=at,
    )


# --- the partner economy: deals, referrals, competitions -----------------------------

Member = tuple[UUID, UUID]  # (group id, company id): a company's membership of a group


def _party(member: Member) -> dict[str, UUID]:
    group_id, company_id = member
    return {"membership_id": membership_of(group_id, company_id), "group_id": group_id}


def deal_proposed(
    deal_id: UUID, by: Member, *, line: str = "managed services", at: datetime = T0, **more: Any
) -> DealProposed:
    """`DealProposed` by the company of `by` = (group, company), leading it for `line`."""
    more.setdefault("customer", "Harlan Savings Bank")
    return DealProposed(
        deal_id=deal_id,
        company_id=by[1],
        membership_id=membership_of(*by),
        group_id=by[0],
        line=line,
        at=at,
        **more,
    )


def partner_event(
    cls: Callable[..., P], deal_id: UUID, by: Member, partner: Member, **fields: Any
) -> P:
    """Any event about `partner` = (group, company) on the deal `by` proposed:
    `partner_event(InvitationAccepted, deal, (g1, a), (g2, b))`."""
    fields.setdefault("at", T0)
    ids = {"deal_id": deal_id, "company_id": by[1], "partner_id": partner[1]}
    return cls(**ids, **_party(partner), **fields)


def deal_with(
    deal_id: UUID, by: Member, *partners: Member, line: str = "managed services", at: datetime = T0
) -> list[Event]:
    """A deal `by` proposed for `line`, and every one of `partners` invited for the same
    line and accepted: a deal ready to be won (the builders' companies each sell in a
    region of their own, so none competes with another)."""
    events: list[Event] = [deal_proposed(deal_id, by, line=line, at=at)]
    for partner in partners:
        events.append(partner_event(PartnerInvited, deal_id, by, partner, line=line, at=at))
        events.append(partner_event(InvitationAccepted, deal_id, by, partner, at=at))
    return events


def referral_made(
    referral_id: UUID, by: Member, to: Member, *, line: str = "storage", at: datetime = T0
) -> ReferralMade:
    """`ReferralMade` by `by` to `to` (each (group, company)), lapsing after 90 days."""
    return ReferralMade(
        referral_id=referral_id,
        company_id=by[1],
        to_company_id=to[1],
        to_membership_id=membership_of(*to),
        to_group_id=to[0],
        line=line,
        customer="Harlan Clinic",
        lapses_at=at + timedelta(days=90),
        at=at,
        membership_id=membership_of(*by),
        group_id=by[0],
    )


def competition_opened(
    competition_id: UUID, jury: Iterable[UUID], *, at: datetime = T0, **more: Any
) -> CompetitionOpened:
    """`CompetitionOpened` with a jury of memberships: entries for 30 days, judging for
    30 more, under the default network charter's quorum, threshold and awards."""
    rules = NetworkCharter()
    more.setdefault("entries_close", at + timedelta(days=30))
    more.setdefault("judging_closes", more["entries_close"] + timedelta(days=30))
    return CompetitionOpened(
        competition_id=competition_id,
        theme=more.pop("theme", "recurring revenue"),
        jury=tuple(jury),
        quorum=more.pop("quorum", rules.award_quorum),
        threshold=more.pop("threshold", rules.award_threshold),
        awards=more.pop("awards", rules.awards_per_competition),
        at=at,
        **more,
    )


def entered(
    competition_id: UUID,
    entry_id: UUID,
    by: Member,
    *,
    partners: Iterable[UUID] = (),
    at: datetime = T0,
) -> CompetitionEntered:
    """`CompetitionEntered` by `by` = (group, company), with the partner companies."""
    return CompetitionEntered(
        competition_id=competition_id,
        entry_id=entry_id,
        company_id=by[1],
        title="Backup for clinics",
        summary="three partners, one customer",
        partners=tuple(partners),
        at=at,
        membership_id=membership_of(*by),
        group_id=by[0],
    )


# --- the same steps as commands, for a real Network ----------------------------------


def joining(
    group_id: UUID, company_id: UUID, *, actor: str = "staff", at: datetime = T0
) -> list[Command]:
    """The commands that record `joined(group_id, company_id)`: apply, sign, take the
    seat (of a group with room)."""
    membership_id = membership_of(group_id, company_id)
    return [
        ApplyForMembership(
            company_id=company_id,
            group_id=group_id,
            membership_id=membership_id,
            actor=actor,
            at=at,
        ),
        SignAgreement(membership_id=membership_id, actor=actor, at=at),
        TakeSeat(membership_id=membership_id, actor=actor, at=at),
    ]


def founding(
    group_id: UUID,
    *company_ids: UUID,
    actor: str = "staff",
    at: datetime = T0,
    charter: Charter | None = None,
    **rules: Any,
) -> list[Command]:
    """The commands that record `group_with(group_id, *company_ids, **rules)`: form the
    group, then register each company and seat it."""
    commands: list[Command] = [
        FormGroup(
            group_id=group_id,
            name="Group",
            charter=_charter(charter, rules),
            actor=actor,
            at=at,
        )
    ]
    for company_id in company_ids:
        profile_ = _profile_of(company_id, {})
        commands += [
            RegisterCompany(company_id=company_id, profile=profile_, actor=actor, at=at),
            *joining(group_id, company_id, actor=actor, at=at),
        ]
    return commands
