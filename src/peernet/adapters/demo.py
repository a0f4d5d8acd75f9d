"""A seeded simulation of an HTG-like network, 2001-2009, recorded through `Network.execute`.

The network starts in August 2001 with five founders in one in-person group and grows,
month by month, to about nineteen in-person groups, five online groups and a companion
group for marketing managers. Companies (resellers, MSPs, ISVs, consultants across US
states and Canadian provinces) register and apply; full groups and competitors wait-list
them; offered seats are signed for and taken; a few members resign, are removed for
non-payment, are acquired (leaving every group in one write) or transfer; online members
graduate after their programme; charters are amended and facilitators assigned.

Everything is deterministic: randomness comes only from `random.Random(seed)`, ids are
uuid5 of the seed and a label, and every command carries a uuid5 `command_id`. Building
the demo again on the same store records nothing new and tells the same story: commands
the store already handled return what they recorded the first time, and commands the
store refused the first time are refused again by the same pure `decide`, evaluated on a
replica of the state at that moment.

Rule refusals the network runs into (a wait-listed company applying to a second core
group, a competitor already seated...) are expected: they are counted in the story.
"""

import functools
import logging
import random
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs

from peernet.application import CommandIdReused, Network
from peernet.domain import network as pure
from peernet.domain.charters import Charter, GroupFormat, GroupKind
from peernet.domain.common import Command, InvalidValue, RuleViolation, Territory
from peernet.domain.companies import (
    CompanyKind,
    CompanyRegistered,
    MembershipApplied,
    Profile,
    RecordAcquisition,
    RegisterCompany,
)
from peernet.domain.groups import (
    AmendCharter,
    AssignFacilitator,
    CharterAmended,
    FacilitatorAssigned,
    FormGroup,
    Group,
    GroupFormed,
)
from peernet.domain.memberships import (
    ApplicantWaitlisted,
    ApplicationWithdrawn,
    ApplyForMembership,
    DeclineSeat,
    GraduateMember,
    MemberGraduated,
    MemberJoined,
    MemberRemoved,
    MemberResigned,
    Membership,
    MembershipStatus,
    MemberTransferred,
    RemovalCause,
    RemoveMember,
    Resign,
    SeatDeclined,
    SeatOffered,
    SignAgreement,
    TakeSeat,
    TransferMember,
    WithdrawApplication,
)
from peernet.domain.seats import Situation, first_competitor, months_after
from peernet.records import Recorded

log = logging.getLogger(__name__)

#: bump when the simulation changes, so an old demo store is never mistaken for this one
DEMO_NAMESPACE = uuid5(NAMESPACE_URL, "https://peernet.invalid/demo/v1")
DEFAULT_SEED = 2001
FIRST_YEAR = 2001
LAST_YEAR = 2009
OFFICE = "network office"

# --- the story ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Acquisition:
    company: str
    acquirer: str
    #: the acquirer is itself a member company of the network
    by_member: bool
    #: groups (and wait-lists) the company left in the acquisition's one write
    groups_left: int
    at: datetime


@attrs.frozen(kw_only=True)
class YearStory:
    """What happened in one year of the network, counted from the recorded events."""

    year: int
    groups_formed: tuple[str, ...]
    registered: int
    applications: int
    offered: int
    waitlisted: int
    joined: int
    declined: int
    withdrawn: int
    #: departures that count for turnover, by reason: resigned, non-payment, acquisition...
    departures: dict[str, int]
    acquisitions: tuple[Acquisition, ...]
    transfers: int
    graduations: int
    amendments: tuple[str, ...]
    facilitators: int
    #: refused commands by the error that refused them (nothing was recorded for them)
    refusals: dict[str, int]
    in_person_groups: int
    virtual_groups: int
    companion_groups: int
    active_members: int
    active_companies: int
    waiting: int
    average_active: float

    @property
    def departed(self) -> int:
        return sum(self.departures.values())

    @property
    def turnover(self) -> float:
        """Departures over the year's average active memberships (0.0 for an empty year)."""
        return self.departed / self.average_active if self.average_active else 0.0


@attrs.frozen(kw_only=True)
class DemoSummary:
    seed: int
    first_year: int
    last_year: int
    years: tuple[YearStory, ...]
    #: commands the simulation issued, and how many of them a rule refused
    commands: int
    refused: int
    #: events the story consists of, and how many of them this run recorded anew
    events: int
    new_events: int
    #: groups worth showing a roster of: the first, the Canadian and the first online group
    featured: tuple[UUID, ...]


# --- the cast -----------------------------------------------------------------------------

_MIDWEST = (
    "iowa",
    "nebraska",
    "minnesota",
    "south dakota",
    "north dakota",
    "missouri",
    "kansas",
    "wisconsin",
    "illinois",
    "indiana",
    "michigan",
    "ohio",
)
_REST_OF_US = (
    "texas",
    "california",
    "colorado",
    "arizona",
    "utah",
    "washington",
    "oregon",
    "florida",
    "georgia",
    "north carolina",
    "tennessee",
    "kentucky",
    "oklahoma",
    "arkansas",
    "louisiana",
    "new york",
    "pennsylvania",
    "new jersey",
    "massachusetts",
    "virginia",
    "maryland",
    "alabama",
    "idaho",
    "montana",
    "nevada",
    "new mexico",
)
_CANADA = ("ontario", "alberta", "british columbia", "manitoba", "saskatchewan", "nova scotia")

_LINES: dict[CompanyKind, tuple[str, ...]] = {
    CompanyKind.MSP: ("networking", "security", "backup and recovery", "voip", "hosting"),
    CompanyKind.RESELLER: ("hardware", "networking", "voip", "security", "document management"),
    CompanyKind.ISV: ("custom software", "erp", "crm", "web development", "document management"),
    CompanyKind.CONSULTANT: ("erp", "crm", "accounting software", "training", "security"),
    CompanyKind.OTHER: ("training", "hardware", "web development"),
}
_KINDS = (
    (CompanyKind.RESELLER, 34),
    (CompanyKind.MSP, 36),
    (CompanyKind.ISV, 10),
    (CompanyKind.CONSULTANT, 15),
    (CompanyKind.OTHER, 5),
)
_SUFFIXES: dict[CompanyKind, tuple[str, ...]] = {
    CompanyKind.MSP: ("Managed IT", "Networks", "Technology Group", "IT Services", "Systems"),
    CompanyKind.RESELLER: ("Computer", "Technologies", "Solutions", "Data Systems", "Computing"),
    CompanyKind.ISV: ("Software", "Business Software", "Labs", "Applications"),
    CompanyKind.CONSULTANT: ("Consulting", "Advisors", "Partners", "Business Solutions"),
    CompanyKind.OTHER: ("Learning", "Supply", "Digital"),
}
_PREFIXES = (
    "Prairie", "Cedar", "Riverbend", "Summit", "Keystone", "Northwind", "Bluestem", "Ironwood",
    "Lakeshore", "Frontier", "Harbor", "Granite", "Meridian", "Pioneer", "Copper", "Redwood",
    "Silverline", "Bridgewater", "Crossroads", "Evergreen", "Highland", "Landmark", "Liberty",
    "Maple", "Oakridge", "Pinnacle", "Sandhill", "Timberline", "Valley", "Westfield", "Beacon",
    "Cornerstone", "Clearwater", "Stonebridge", "Ridgeview", "Horizon", "Trailhead", "Big Sky",
    "Gateway", "Heartwood", "Bluewater", "Red Cliff", "Sunflower", "Great Plains", "Juniper",
)  # fmt: skip
_FIRST = (
    "Dana", "Lee", "Morgan", "Pat", "Chris", "Jordan", "Terry", "Robin", "Casey", "Jamie",
    "Alex", "Sam", "Kim", "Leslie", "Shawn", "Toby", "Avery", "Drew", "Erin", "Kelly",
)  # fmt: skip
_LAST = (
    "Whitfield", "Larsen", "Okafor", "Brennan", "Duval", "Hollis", "Marsh", "Castillo",
    "Lindqvist", "Nakamura", "Pryor", "Sauer", "Tremblay", "Vance", "Weller", "Yoder",
)  # fmt: skip
_ACQUIRERS = (
    "Brightwave Holdings",
    "Coastline Systems Group",
    "Pinegate Capital",
    "United Channel Partners",
    "Cobalt Managed Services",
    "Northgate Solutions Inc.",
)
_RESIGNATIONS = (
    "the time commitment no longer fits",
    "the owner retired",
    "refocused on a new line of business",
    "moved out of the IT channel",
    "joined a vendor's partner council instead",
)
# Companies that join each year (the five founders come on top in 2001).
_ARRIVALS = {2001: 2, 2002: 15, 2003: 18, 2004: 20, 2005: 24, 2006: 30, 2007: 36, 2008: 46}
_LATER_ARRIVALS = 56


@attrs.frozen(kw_only=True)
class _GroupPlan:
    name: str
    year: int
    month: int
    format: GroupFormat = GroupFormat.IN_PERSON
    kind: GroupKind = GroupKind.CORE
    territory: Territory | None = None
    capacity: int = 12


def _group_plans() -> tuple[_GroupPlan, ...]:
    in_person = [
        (2001, 8), (2002, 6), (2003, 3), (2004, 2), (2005, 4), (2006, 1), (2006, 9),
        (2007, 3), (2007, 10), (2008, 4), (2008, 6), (2008, 8), (2008, 10), (2008, 12),
        (2009, 2), (2009, 3), (2009, 5), (2009, 7), (2009, 9),
    ]  # fmt: skip
    plans = [
        _GroupPlan(
            name=f"HTG {n}",
            year=year,
            month=month,
            capacity=10 if year < 2003 else 12,
            territory=Territory("CA") if n == 11 else None,
        )
        for n, (year, month) in enumerate(in_person, start=1)
    ]
    online = [(2008, 9), (2008, 11), (2009, 1), (2009, 4), (2009, 6)]
    plans += [
        _GroupPlan(name=f"HTG Online {n}", year=year, month=month, format=GroupFormat.VIRTUAL)
        for n, (year, month) in enumerate(online, start=1)
    ]
    plans.append(
        _GroupPlan(name="HTG Marketing Managers", year=2008, month=3, kind=GroupKind.COMPANION)
    )
    return tuple(plans)


@attrs.define
class _Tally:
    """The running count of one year, folded from recorded events."""

    year: int
    groups_formed: list[str] = attrs.Factory(list)
    counts: Counter[str] = attrs.Factory(Counter)
    departures: Counter[str] = attrs.Factory(Counter)
    refusals: Counter[str] = attrs.Factory(Counter)
    acquisitions: list[Acquisition] = attrs.Factory(list)
    amendments: list[str] = attrs.Factory(list)
    active_samples: list[int] = attrs.Factory(list)


_Plan = list[tuple[int, int, Callable[[], None]]]


class _Simulation:
    def __init__(
        self,
        network: Network,
        seed: int,
        years: int,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.network = network
        self.seed = seed
        self.last_year = FIRST_YEAR + years - 1
        self.progress = progress
        self.rng = random.Random(seed)  # noqa: S311 (a story, not a secret)
        self.ns = uuid5(DEMO_NAMESPACE, f"seed {seed}")
        self.shadow: Situation = pure.INITIAL
        self.already = self._stored_events()
        self.produced = 0
        self.commands = 0
        self.refused = 0
        self.labels: Counter[str] = Counter()
        self.now = datetime(FIRST_YEAR, 7, 1, tzinfo=UTC)
        self.month_start = self.now
        self.day = 1
        self.offered_at: dict[UUID, datetime] = {}
        self.group_ids: dict[str, UUID] = {}
        self.names: set[str] = set()
        self.founders: set[UUID] = set()
        self.tally = _Tally(FIRST_YEAR)
        self.stories: list[YearStory] = []
        self.arrivals = self._arrival_months()
        self.plans = [p for p in _group_plans() if p.year <= self.last_year]

    # --- plumbing -----------------------------------------------------------------------

    def _stored_events(self) -> int:
        return sum(1 for _ in self.network.recorded())

    def _id(self, label: str) -> UUID:
        self.labels[label] += 1
        return uuid5(self.ns, f"{label} {self.labels[label]}")

    def _time(self) -> datetime:
        """The business time of the next command: strictly after the previous one, on or
        after the day of the month the current scene happens."""
        scene = self.month_start + timedelta(days=self.day - 1, hours=9)
        self.now = max(self.now + timedelta(minutes=7), scene)
        return self.now

    def _do(self, command_type: type[Command], /, **fields: Any) -> tuple[Recorded, ...] | None:
        """Execute one command through the facade and return what it recorded; a rule's
        refusal is counted and gives None. The network office acts unless `actor` says who.

        Where the store already holds history past this point (a second build), the
        command is first decided on the replica: what was refused the first time is
        refused again here without asking the store, whose state has moved on since.
        """
        fields.setdefault("actor", OFFICE)
        command = command_type(at=self._time(), command_id=self._id("command"), **fields)
        self.commands += 1
        try:
            if self.produced < self.already:
                pure.decide(self.shadow, command)
            records = self.network.execute(command)
        except CommandIdReused:
            raise  # the store holds another story under this seed: not a refusal
        except RuleViolation as refusal:
            self.refused += 1
            self.tally.refusals[type(refusal).__name__] += 1
            log.debug("refused %s: %s", type(command).__name__, refusal)
            return None
        for record in records:
            self._fold(record)
        self.produced += len(records)
        return records

    def _fold(self, record: Recorded) -> None:
        event = record.event
        t = self.tally
        counted = _COUNTED.get(type(event))
        if counted is not None and getattr(event, "transferred_from", None) is None:
            t.counts[counted] += 1
        match event:
            case GroupFormed():
                notes = [_COUNTRIES.get(str(event.territory), str(event.territory))] * (
                    event.territory is not None
                )
                notes += ["online"] * (event.format is GroupFormat.VIRTUAL)
                notes += [event.kind.value] * (event.kind is not GroupKind.CORE)
                t.groups_formed.append(event.name + (f" ({', '.join(notes)})" if notes else ""))
            case SeatOffered():
                self.offered_at[event.membership_id] = event.at
            case MemberResigned():
                t.departures["resigned"] += 1
            case MemberRemoved():
                t.departures[event.cause.value] += 1
            case CharterAmended():
                group = self.shadow.groups[event.group_id]
                before, after = group.charter.capacity, event.charter.capacity
                t.amendments.append(f"{group.name} capacity {before} -> {after}")
        self.shadow = pure.evolve(self.shadow, event)

    # --- reading the replica --------------------------------------------------------------

    def _groups(
        self, kind: GroupKind = GroupKind.CORE, fmt: GroupFormat | None = None
    ) -> list[Group]:
        return [
            g
            for g in self.shadow.groups.values()
            if g.kind is kind and g.closed_at is None and (fmt is None or g.format is fmt)
        ]

    def _memberships(self, *statuses: MembershipStatus) -> Iterator[tuple[Group, Membership]]:
        for group in self.shadow.groups.values():
            for m in group.memberships.values():
                if m.status in statuses:
                    yield group, m

    def _fits(self, group: Group, company_id: UUID) -> bool:
        """A free seat, no competitor seated, and the group's territory covers the company."""
        profile = self.shadow.profile(company_id)
        if group.territory is not None and not group.territory.overlaps(profile.territory):
            return False
        if len(group.seated) >= group.charter.capacity:
            return False
        return first_competitor(self.shadow, group, company_id, group.seated) is None

    def _current(self, m: Membership) -> Membership:
        """The membership as it is now (a snapshot taken before other acts may be stale)."""
        return self.shadow.groups[m.group_id].memberships[m.id]

    def _company_gone(self, company_id: UUID) -> bool:
        return self.shadow.companies[company_id].acquired

    def _placement(self, company_id: UUID, fmt: GroupFormat) -> Group | None:
        """The group the network office suggests, or the one the company insists on."""
        profile = self.shadow.profile(company_id)
        candidates = [
            g
            for g in self._groups(fmt=fmt)
            if g.territory is None or g.territory.overlaps(profile.territory)
        ]
        if not candidates:
            return None
        home = [g for g in candidates if g.territory is not None]
        if home and self._fits(home[0], company_id):
            return home[0]
        if self.rng.random() < 0.3:  # heard of a group from a friend and wants that one
            return self.rng.choice(candidates)
        fits = [g for g in candidates if self._fits(g, company_id)]
        if fits:
            return fits[-1] if self.rng.random() < 0.6 else self.rng.choice(fits)
        return self.rng.choice(candidates)

    # --- acts ---------------------------------------------------------------------------

    def _apply(self, company_id: UUID, group: Group, actor: str) -> bool:
        membership_id = self._id("membership")
        return bool(
            self._do(
                ApplyForMembership,
                company_id=company_id,
                group_id=group.id,
                membership_id=membership_id,
                actor=actor,
            )
        )

    def _new_profile(self, kind: CompanyKind | None = None, region: str | None = None) -> Profile:
        rng = self.rng
        kind = kind or rng.choices([k for k, _ in _KINDS], [w for _, w in _KINDS])[0]
        country = "US"
        for _ in range(100):
            name = f"{rng.choice(_PREFIXES)} {rng.choice(_SUFFIXES[kind])}"
            if name not in self.names:
                break
        else:
            name = f"{name} {len(self.names)}"
        self.names.add(name)
        if region is None:
            country, region = self._territory()
        lines = rng.sample(_LINES[kind], rng.randint(1, 2))
        if kind is CompanyKind.MSP:
            lines.append("managed services")
        head_count = max(3, min(400, int(rng.lognormvariate(3.0, 0.7))))
        band = next(b for limit, b in _BANDS if head_count <= limit)
        person = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        return Profile(
            name=name,
            kind=kind,
            territory=Territory(country, region),
            business_lines=frozenset(lines),
            head_count=head_count,
            revenue_band=band,
            representatives=(person,),
        )

    def _territory(self) -> tuple[str, str]:
        year = self.month_start.year
        weights = (85, 15, 0) if year < 2004 else (50, 44, 6) if year < 2007 else (30, 60, 10)
        pool = self.rng.choices((_MIDWEST, _REST_OF_US, _CANADA), weights)[0]
        return ("CA" if pool is _CANADA else "US"), self.rng.choice(pool)

    def _register(self, profile: Profile) -> UUID:
        company_id = self._id("company")
        self._do(RegisterCompany, profile=profile, company_id=company_id, actor=OFFICE)
        return company_id

    def newcomer(self) -> None:
        profile = self._new_profile()
        company_id = self._register(profile)
        virtual = bool(self._groups(fmt=GroupFormat.VIRTUAL))
        # small companies, and those far from any group, take the online programme first
        online = 0.75 if profile.head_count < 25 else 0.25
        fmt = GroupFormat.VIRTUAL if virtual and self.rng.random() < online else None
        group = self._placement(company_id, fmt or GroupFormat.IN_PERSON)
        if group is not None:
            self._apply(company_id, group, profile.name)

    def found(self) -> None:
        """August 2001: five companies from Iowa sit down together."""
        group = self.shadow.groups[self.group_ids["HTG 1"]]
        founders = (
            (CompanyKind.RESELLER, ("networking", "hardware")),
            (CompanyKind.CONSULTANT, ("erp", "accounting software")),
            (CompanyKind.ISV, ("crm", "web development")),
            (CompanyKind.MSP, ("managed services", "voip")),
            (CompanyKind.OTHER, ("training", "document management")),
        )
        for kind, lines in founders:
            profile = attrs.evolve(self._new_profile(kind, "iowa"), business_lines=frozenset(lines))
            company_id = self._register(profile)
            self.founders.add(company_id)
            self._apply(company_id, group, profile.name)

    def form(self, plan: _GroupPlan) -> None:
        group_id = uuid5(self.ns, f"group {plan.name}")
        self._do(
            FormGroup,
            name=plan.name,
            format=plan.format,
            kind=plan.kind,
            territory=plan.territory,
            charter=Charter(capacity=plan.capacity),
            group_id=group_id,
            actor=OFFICE,
        )
        self.group_ids[plan.name] = group_id
        self.facilitate(group_id)
        if plan.territory is not None:
            self._gather_home(group_id)
        if plan.kind is GroupKind.CORE:
            self._invite_waiting(group_id, limit=5)

    def facilitate(self, group_id: UUID) -> None:
        facilitator = f"{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}"
        self._do(AssignFacilitator, group_id=group_id, facilitator=facilitator, actor=OFFICE)

    def _move(self, membership: Membership, to: Group, why: str) -> None:
        """A wait-listed applicant leaves one wait-list for a seat in another group. Some
        try to apply first and are refused: one core group at a time."""
        company_id = membership.company_id
        name = self.shadow.profile(company_id).name
        if self.rng.random() < 0.3:
            self._apply(company_id, to, name)  # refused while the first application is open
        self._do(WithdrawApplication, membership_id=membership.id, reason=why, actor=name)
        self._apply(company_id, to, name)

    def _invite_waiting(self, group_id: UUID, limit: int) -> None:
        """The office offers the longest-waiting applicants that fit a group's seats."""
        moved = 0
        waiting = sorted(
            self._memberships(MembershipStatus.WAITLISTED), key=lambda gm: gm[1].applied_at
        )
        for source, stale in waiting:
            target = self.shadow.groups[group_id]
            m = self._current(stale)
            if moved >= limit or source.id == group_id or m.status is not stale.status:
                continue
            if source.kind is not target.kind:
                continue
            if self._fits(target, m.company_id):
                self._move(m, target, f"moved to {target.name}")
                moved += 1

    def _gather_home(self, group_id: UUID) -> None:
        """A group with a territory gathers the members from there: they transfer."""
        home = self.shadow.groups[group_id]
        assert home.territory is not None
        tried = False
        for source, m in list(self._memberships(MembershipStatus.ACTIVE)):
            if source.id == group_id or source.kind is not GroupKind.CORE:
                continue
            profile = self.shadow.profile(m.company_id)
            if not home.territory.overlaps(profile.territory):
                continue
            if not tried:  # the first one applies as a newcomer would, and is refused
                tried = True
                self._apply(m.company_id, self.shadow.groups[group_id], profile.name)
            self._do(
                TransferMember,
                membership_id=m.id,
                to_group_id=group_id,
                new_membership_id=self._id("membership"),
                actor=OFFICE,
            )

    def answer_offers(self) -> None:
        """Offers at least a week old: most sign and take the seat, a few decline."""
        due = self._peek() - timedelta(days=7)
        offered = list(self._memberships(MembershipStatus.OFFERED))
        for _group, m in offered:
            if self.offered_at.get(m.id, due) > due:
                continue
            name = self.shadow.profile(m.company_id).name
            if self.rng.random() < 0.04 and m.company_id not in self.founders:
                self._do(DeclineSeat, membership_id=m.id, actor=name)
                continue
            if self.rng.random() < 0.03:  # too eager: the rule wants the agreement first
                self._do(TakeSeat, membership_id=m.id, actor=name)
            for step in (SignAgreement, TakeSeat):
                self._do(step, membership_id=m.id, actor=name)

    def depart(self, membership_id: UUID, how: str) -> None:
        group_id = self.shadow.membership_groups[membership_id]
        m = self.shadow.groups[group_id].memberships[membership_id]
        if m.status is not MembershipStatus.ACTIVE:
            return
        name = self.shadow.profile(m.company_id).name
        if how == "resign":
            reason = self.rng.choice(_RESIGNATIONS)
            self._do(Resign, membership_id=m.id, reason=reason, actor=name)
        else:
            self._do(
                RemoveMember,
                membership_id=m.id,
                cause=RemovalCause.NON_PAYMENT,
                note="dues unpaid for two quarters",
                actor=OFFICE,
            )

    def acquire(self, company_id: UUID) -> None:
        if self._company_gone(company_id):
            return
        members = sorted(
            {
                self.shadow.profile(m.company_id).name
                for _, m in self._memberships(MembershipStatus.ACTIVE)
            }
            - {self.shadow.profile(company_id).name}
        )
        acquirer = (
            self.rng.choice(members)
            if members and self.rng.random() < 0.3
            else self.rng.choice(_ACQUIRERS)
        )
        recorded = self._do(
            RecordAcquisition, company_id=company_id, acquirer=acquirer, actor=OFFICE
        )
        if recorded:
            left = sum(isinstance(r.event, MemberRemoved | ApplicationWithdrawn) for r in recorded)
            self.tally.acquisitions.append(
                Acquisition(
                    company=self.shadow.profile(company_id).name,
                    acquirer=acquirer,
                    by_member=acquirer in members,
                    groups_left=left,
                    at=recorded[0].event.at,
                )
            )

    def graduate(self) -> None:
        """Online members who completed the programme graduate; most then apply to an
        in-person group."""
        for group, m in list(self._memberships(MembershipStatus.ACTIVE)):
            if group.format is not GroupFormat.VIRTUAL or m.joined_at is None:
                continue
            if months_after(m.joined_at, group.charter.programme_months) > self._peek():
                continue
            name = self.shadow.profile(m.company_id).name
            graduated = self._do(GraduateMember, membership_id=m.id, actor=OFFICE)
            if graduated and self.rng.random() < 0.7:
                target = self._placement(m.company_id, GroupFormat.IN_PERSON)
                if target is not None:
                    self._apply(m.company_id, target, name)

    def _peek(self) -> datetime:
        return max(self.now, self.month_start + timedelta(days=self.day - 1, hours=9))

    def rebalance(self) -> None:
        """Each month the office finds a seat elsewhere for a few long-waiting applicants;
        a few who waited over a year give up."""
        moved = 0
        for group, stale in sorted(
            self._memberships(MembershipStatus.WAITLISTED), key=lambda gm: gm[1].applied_at
        ):
            m = self._current(stale)
            if m.status is not MembershipStatus.WAITLISTED:
                continue
            waited = (self._peek() - m.applied_at).days
            if waited > 400 and self.rng.random() < 0.05:
                name = self.shadow.profile(m.company_id).name
                self._do(
                    WithdrawApplication, membership_id=m.id, reason="tired of waiting", actor=name
                )
                continue
            if moved >= 2 or waited < 90 or group.kind is not GroupKind.CORE:
                continue
            if self.rng.random() < 0.5:
                continue
            fits = [
                g
                for g in self._groups(fmt=group.format)
                if g.id != group.id and self._fits(g, m.company_id)
            ]
            if fits:
                self._move(m, self.rng.choice(fits), "offered a seat in another group")
                moved += 1

    def join_companion(self) -> None:
        """A member company sends its marketing manager to the companion group."""
        companions = self._groups(kind=GroupKind.COMPANION)
        if not companions:
            return
        companion = companions[0]
        inside = {m.company_id for m in companion.memberships.values() if m.status.open}
        candidates = sorted(
            {
                m.company_id
                for g, m in self._memberships(MembershipStatus.ACTIVE)
                if g.format is GroupFormat.IN_PERSON and m.company_id not in inside
            }
        )
        if candidates:
            company_id = self.rng.choice(candidates)
            self._apply(company_id, companion, self.shadow.profile(company_id).name)

    def acquire_companion_member(self) -> None:
        """A company that sits in its core group and in the companion group is bought:
        it leaves both in one write."""
        companions = self._groups(kind=GroupKind.COMPANION)
        inside = sorted(
            m.company_id
            for g in companions
            for m in g.memberships.values()
            if m.status is MembershipStatus.ACTIVE
        )
        if inside:
            self.acquire(self.rng.choice(inside))

    def amend(self, names: tuple[str, ...], capacity: int, *, if_waiting: bool = False) -> None:
        """Amend the charters of the groups named, raising capacity (which offers the new
        seats to the wait-list); with `if_waiting`, only of groups with applicants waiting."""
        for name in names:
            group_id = self.group_ids.get(name)
            if group_id is None or (if_waiting and not self.shadow.groups[group_id].waitlist):
                continue
            charter = attrs.evolve(self.shadow.groups[group_id].charter, capacity=capacity)
            self._do(AmendCharter, group_id=group_id, charter=charter, actor=OFFICE)

    # --- the calendar -------------------------------------------------------------------

    def _arrival_months(self) -> dict[tuple[int, int], int]:
        months: Counter[tuple[int, int]] = Counter()
        # planned for every year whatever `years` is, so a shorter story is the first
        # chapters of the longer one, and building more years later continues it
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            first = 9 if year == FIRST_YEAR else 1
            for _ in range(_ARRIVALS.get(year, _LATER_ARRIVALS)):
                months[(year, self.rng.randint(first, 12))] += 1
        return dict(months)

    def _month_plan(self, year: int, month: int) -> _Plan:
        rng = self.rng
        plan: _Plan = []

        def add(day: int, action: Callable[[], None]) -> None:
            plan.append((day, len(plan), action))

        for group_plan in self.plans:
            if (group_plan.year, group_plan.month) == (year, month):
                add(2, functools.partial(self.form, group_plan))
        if (year, month) == (FIRST_YEAR, 8):
            add(3, self.found)
        if (year, month) == (2003, 2):
            add(3, functools.partial(self.amend, ("HTG 1", "HTG 2"), 12))
        if (year, month) == (2009, 6):
            online = tuple(f"HTG Online {n}" for n in range(1, 5))
            add(3, functools.partial(self.amend, online, 15, if_waiting=True))
        if (year, month) == (2009, 11):
            add(rng.randint(5, 25), self.acquire_companion_member)
        if month == 1 and year >= 2004:  # a facilitator rotates each year
            groups = self._groups(fmt=GroupFormat.IN_PERSON)
            if groups:
                add(4, functools.partial(self.facilitate, rng.choice(groups).id))
        for _ in range(self.arrivals.get((year, month), 0)):
            add(rng.randint(4, 26), self.newcomer)
        self._hazards(add)
        add(15, self.graduate)
        add(20, self.answer_offers)
        add(24, self.rebalance)
        if rng.random() < 0.6:
            add(rng.randint(5, 25), self.join_companion)
        return plan

    def _hazards(self, add: Callable[[int, Callable[[], None]], None]) -> None:
        """Each core member may resign, be removed for non-payment or be acquired this
        month: annual rates of about 4.5% (half that after three years in, 8% in online
        groups), 0.6% and 1.3%. The founders stay."""
        rng = self.rng
        for group, m in list(self._memberships(MembershipStatus.ACTIVE)):
            if group.kind is not GroupKind.CORE or m.company_id in self.founders:
                continue
            veteran = m.joined_at is not None and self._peek() - m.joined_at > _THREE_YEARS
            resign = 0.08 if group.format is GroupFormat.VIRTUAL else 0.045 / (1 + veteran)
            draw = rng.random() * 12
            if draw < resign:
                add(rng.randint(5, 26), functools.partial(self.depart, m.id, "resign"))
            elif draw < resign + 0.006:
                add(rng.randint(5, 26), functools.partial(self.depart, m.id, "remove"))
            elif draw < resign + 0.006 + 0.013:
                add(rng.randint(5, 26), functools.partial(self.acquire, m.company_id))

    def run(self) -> DemoSummary:
        months = [(y, m) for y in range(FIRST_YEAR, self.last_year + 1) for m in range(1, 13)]
        months = [ym for ym in months if ym >= (FIRST_YEAR, 8)]
        for done, (year, month) in enumerate(months, start=1):
            if year != self.tally.year:
                self._close_year()
                self.tally = _Tally(year)
            self.month_start = datetime(year, month, 1, tzinfo=UTC)
            for day, _, action in sorted(self._month_plan(year, month), key=lambda p: p[:2]):
                self.day = day
                action()
            self.tally.active_samples.append(
                sum(1 for _ in self._memberships(MembershipStatus.ACTIVE))
            )
            if self.progress is not None:
                self.progress(done, len(months))
        self._close_year()
        stored = self._stored_events()
        featured = [self.group_ids[n] for n in ("HTG 1", "HTG 11") if n in self.group_ids]
        longest = max(self.shadow.groups.values(), key=lambda g: len(g.waitlist))
        if longest.waitlist and longest.id not in featured:
            featured.append(longest.id)
        elif "HTG Online 1" in self.group_ids:
            featured.append(self.group_ids["HTG Online 1"])
        return DemoSummary(
            seed=self.seed,
            first_year=FIRST_YEAR,
            last_year=self.last_year,
            years=tuple(self.stories),
            commands=self.commands,
            refused=self.refused,
            events=self.produced,
            new_events=stored - self.already,
            featured=tuple(featured),
        )

    def _close_year(self) -> None:
        t = self.tally
        active = list(self._memberships(MembershipStatus.ACTIVE))
        groups = [g for g in self.shadow.groups.values() if g.closed_at is None]
        story = YearStory(
            year=t.year,
            groups_formed=tuple(t.groups_formed),
            registered=t.counts["registered"],
            applications=t.counts["applications"],
            offered=t.counts["offered"],
            waitlisted=t.counts["waitlisted"],
            joined=t.counts["joined"],
            declined=t.counts["declined"],
            withdrawn=t.counts["withdrawn"],
            departures=dict(sorted(t.departures.items())),
            acquisitions=tuple(t.acquisitions),
            transfers=t.counts["transfers"],
            graduations=t.counts["graduations"],
            amendments=tuple(t.amendments),
            facilitators=t.counts["facilitators"],
            refusals=dict(sorted(t.refusals.items())),
            in_person_groups=sum(
                1 for g in groups if g.kind is GroupKind.CORE and g.format is GroupFormat.IN_PERSON
            ),
            virtual_groups=sum(1 for g in groups if g.format is GroupFormat.VIRTUAL),
            companion_groups=sum(1 for g in groups if g.kind is not GroupKind.CORE),
            active_members=len(active),
            active_companies=len({m.company_id for _, m in active}),
            waiting=sum(len(g.waitlist) for g in groups),
            average_active=(
                sum(t.active_samples) / len(t.active_samples) if t.active_samples else 0.0
            ),
        )
        self.stories.append(story)
        log.info(
            "%d: %d groups formed, %d companies registered, %d joined, %d departed",
            story.year,
            len(story.groups_formed),
            story.registered,
            story.joined,
            story.departed,
        )


# Events a year's story counts, by the name it counts them under (a transfer's arrival is
# counted as the transfer, not as an application or a join).
_COUNTED: dict[type, str] = {
    CompanyRegistered: "registered",
    MembershipApplied: "applications",
    SeatOffered: "offered",
    ApplicantWaitlisted: "waitlisted",
    MemberJoined: "joined",
    SeatDeclined: "declined",
    ApplicationWithdrawn: "withdrawn",
    MemberTransferred: "transfers",
    MemberGraduated: "graduations",
    FacilitatorAssigned: "facilitators",
}
_THREE_YEARS = timedelta(days=3 * 365)
_COUNTRIES = {"CA": "Canada", "US": "United States"}
_BANDS = ((10, "under 1M"), (25, "1-5M"), (60, "5-10M"), (150, "10-25M"), (10_000, "25M+"))


def build_demo(
    network: Network,
    *,
    seed: int = DEFAULT_SEED,
    years: int = LAST_YEAR - FIRST_YEAR + 1,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Simulate `years` years of the network from 2001 on, through `network.execute`.

    `progress(done, total)` is called after each simulated month. Returns the story,
    counted from the recorded events; building again on the same store records nothing.
    """
    if not 1 <= years <= LAST_YEAR - FIRST_YEAR + 1:
        raise InvalidValue(
            f"a demo runs for 1 to {LAST_YEAR - FIRST_YEAR + 1} years, not {years}", field="years"
        )
    log.info("building the demo network (seed %d, %d years) in %r", seed, years, network)
    return _Simulation(network, seed, years, progress).run()
