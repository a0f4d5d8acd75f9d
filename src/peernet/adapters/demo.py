"""A seeded simulation of an HTG-like network, 2001-2009, recorded through `Network.execute`.

The network starts in August 2001 with five founders in one in-person group and grows,
month by month, to about nineteen in-person groups, five online groups and a companion
group for marketing managers. Companies (resellers, MSPs, ISVs, consultants across US
states and Canadian provinces) register and apply; full groups and competitors wait-list
them; offered seats are signed for and taken; a few members resign, are removed for
non-payment, are acquired (leaving every group in one write) or transfer; online members
graduate after their programme; charters are amended and facilitators assigned.

From 2008 every group holds its members to account at its quarterly meeting: the
meeting reviews the goals due (`ReviewGoals`), and each active member sets new goals for
the next meeting, in turns across every category of the charter's `goal_categories`.
Between meetings members report progress; peers challenge a goal now and then, owners
revise a goal before it is due or withdraw it. One member of one group misses every goal
quarter after quarter and is flagged; its peers move its removal, vote it off the island,
and the seat goes to the first wait-listed applicant who competes with nobody inside. A
second motion fails for want of a quorum.

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
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs

from peernet.adapters.codec import CommandHandled
from peernet.application import CommandIdReused, Network
from peernet.domain import goals as goal_rules
from peernet.domain import network as pure
from peernet.domain.charters import DEFAULT_GOAL_CATEGORIES, Charter, GroupFormat, GroupKind
from peernet.domain.common import (
    Command,
    Event,
    InvalidValue,
    RuleViolation,
    Territory,
    months_after,
)
from peernet.domain.companies import (
    ChargeDues,
    CompanyKind,
    CompanyRegistered,
    DuesCharged,
    MembershipApplied,
    PaymentReceived,
    Profile,
    RecordAcquisition,
    RecordPayment,
    RegisterCompany,
)
from peernet.domain.decisions.seats import first_competitor
from peernet.domain.financials import SubmitFinancials, quarter_after, quarter_of
from peernet.domain.goals import (
    ChallengeGoal,
    Direction,
    Goal,
    GoalChallenged,
    GoalEvent,
    GoalMet,
    GoalMissed,
    GoalRevised,
    GoalSet,
    GoalStatus,
    GoalWithdrawn,
    ReportProgress,
    ReviewGoals,
    ReviseGoal,
    SetGoal,
    Target,
    WithdrawGoal,
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
from peernet.domain.meetings import (
    Attendance,
    AttendanceRecorded,
    CloseGathering,
    CloseMeeting,
    CostEvent,
    CostsShared,
    ExpenseKind,
    MeetingClosed,
    MeetingEvent,
    MeetingStatus,
    RecordExpense,
    RecordSponsorship,
    ScheduleGathering,
    ScheduleMeeting,
    SetAgenda,
    SponsorshipRecorded,
    SubmitPrep,
    TakeRoll,
    Topic,
)
from peernet.domain.memberships import (
    ApplicantWaitlisted,
    ApplicationWithdrawn,
    ApplyForMembership,
    DeclineSeat,
    GraduateMember,
    MemberFlagged,
    MemberGraduated,
    MemberJoined,
    MemberRemoved,
    MemberResigned,
    Membership,
    MembershipStatus,
    MemberTransferred,
    MemberVotedOff,
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
from peernet.domain.money import Money
from peernet.domain.motions import (
    CastBallot,
    CloseMotion,
    Motion,
    MotionCarried,
    MotionCause,
    MotionFailed,
    MotionKind,
    RaiseMotion,
    quorum_needed,
)
from peernet.domain.situation import Replayed, Situation
from peernet.records import Recorded, topic_of

log = logging.getLogger(__name__)

#: bump when the simulation changes, so an old demo store is never mistaken for this one
DEMO_NAMESPACE = uuid5(NAMESPACE_URL, "https://peernet.invalid/demo/v2")
DEFAULT_SEED = 2001
FIRST_YEAR = 2001
LAST_YEAR = 2009
OFFICE = "network office"
#: the first year groups review goals at their quarterly meetings
ACCOUNTABILITY_FROM = 2008
#: goals each active member sets at a meeting, in turns through the charter's categories:
#: a group of three or more covers every category each quarter, and each member covers
#: them all within three quarters (each goal is a command or two more: the demo stays fast)
GOALS_PER_MEETING = 2
#: what the group knows of the member it votes off, besides its goals

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
class MotionStory:
    """A motion the year decided: what was proposed, the count and the outcome."""

    group: str
    kind: str
    #: the company whose removal (or admission) was proposed
    subject: str | None
    cause: str | None
    raised_at: datetime
    decided_at: datetime
    #: "carried", or "failed: " and why (quorum or threshold not reached)
    outcome: str
    in_favour: int
    against: int
    electorate: int
    quorum_needed: int


@attrs.frozen(kw_only=True)
class VoteOff:
    """A member voted off the island, and who took its seat."""

    company: str
    group: str
    at: datetime
    cause: str
    #: times the review flagged it, and the goals it missed in a row when voted off
    flags: int
    missed_in_a_row: int
    attendance: str
    #: its open goals, withdrawn in the same write
    goals_withdrawn: int
    #: the wait-listed company offered the seat in the same write, if any
    refill: str | None
    #: wait-listed applicants ahead of it, passed over because they compete with a member
    passed_over: int
    #: when the refill signed and took its seat (None: not yet, at the year's end)
    refill_joined: datetime | None


@attrs.frozen(kw_only=True)
class GatheringStory:
    name: str
    venue: str
    starts: date
    groups: int
    people: int
    net: Decimal


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
    #: goals by category: set, met and missed at a review, withdrawn (accountability years)
    goals_set: dict[str, int] = attrs.field(factory=dict)
    goals_met: dict[str, int] = attrs.field(factory=dict)
    goals_missed: dict[str, int] = attrs.field(factory=dict)
    goals_withdrawn: dict[str, int] = attrs.field(factory=dict)
    challenged: int = 0
    revised: int = 0
    #: members flagged by a review for goals missed in a row
    flagged: int = 0
    motions: tuple[MotionStory, ...] = ()
    vote_offs: tuple[VoteOff, ...] = ()
    #: meetings held (closed) and cancelled; attendance marks of the members expected
    meetings: int = 0
    attendance: dict[str, int] = attrs.field(factory=dict)
    #: members flagged at a meeting's close for missed meetings
    attendance_flags: int = 0
    gatherings: tuple[GatheringStory, ...] = ()
    #: money: meeting costs shared, dues charged, payments received, sponsorship given
    shared: Decimal = Decimal(0)
    sponsored: Decimal = Decimal(0)
    dues: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)

    @property
    def completion(self) -> float | None:
        """Goals met over goals decided as met or missed (withdrawn goals are not due)."""
        met, missed = sum(self.goals_met.values()), sum(self.goals_missed.values())
        return met / (met + missed) if met + missed else None

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


@attrs.frozen
class _Aim:
    """How a member words a goal of one category: `{value}` is the target."""

    statement: str
    unit: str
    low: int
    high: int
    direction: Direction = Direction.AT_LEAST


_AIMS = {
    "cash flow": _Aim("bring DSO down to {value} days", "days", 28, 45, Direction.AT_MOST),
    "sales": _Aim("book {value}k of new monthly recurring revenue", "k$ MRR", 3, 25),
    "marketing": _Aim("generate {value} qualified leads", "leads", 10, 60),
    "leadership": _Aim("hold {value} one-on-ones with direct reports", "one-on-ones", 6, 30),
    "strategic relationships": _Aim(
        "sign {value} new vendor or referral partners", "partners", 1, 4
    ),
    "other": _Aim("document {value} core service processes", "processes", 2, 8),
}
#: for a category a charter adds that the demo has no wording for
_ANY_AIM = _Aim("reach {value} milestones of the plan", "milestones", 2, 6)
_CHALLENGES = (
    "too soft for a company your size",
    "not measurable as written",
    "the same goal as last quarter",
    "does not move the business forward",
)
_WITHDRAWALS = (
    "the vendor discontinued the programme",
    "the key hire fell through",
    "the deal moved to next year",
)
_CHALLENGE_RATE = 0.04
_REVISE_AFTER_CHALLENGE = 0.7
_REVISE_RATE = 0.012
_WITHDRAW_RATE = 0.012
_MID_QUARTER_REPORT = 0.1
#: a member reports a goal it reached, and one it fell short of, with these odds
_REACHED_REPORT = 0.96
_SHORT_REPORT = 0.6

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
    goals_set: Counter[str] = attrs.Factory(Counter)
    goals_met: Counter[str] = attrs.Factory(Counter)
    goals_missed: Counter[str] = attrs.Factory(Counter)
    goals_withdrawn: Counter[str] = attrs.Factory(Counter)
    motions: list[MotionStory] = attrs.Factory(list)
    attendance: Counter[str] = attrs.Factory(Counter)
    money: defaultdict[str, Decimal] = attrs.Factory(lambda: defaultdict(Decimal))
    gatherings: list[GatheringStory] = attrs.Factory(list)


@attrs.define
class _VoteOffDraft:
    """A vote-off as the story learns it: the refill joins some days later."""

    year: int
    story: VoteOff
    refill_id: UUID | None


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
        # Goals are many (thousands by 2009) and each goal event touches one: the replica
        # keeps them in this one dict, updated in place, rather than copy it per event.
        self.goals: dict[UUID, Goal] = {}
        self.group_goals: dict[UUID, list[UUID]] = {}
        self.shadow: Situation = attrs.evolve(pure.INITIAL, goals=self.goals)
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
        # accountability draws from its own generator, so the membership story before
        # and around it is the one the seed has always told
        self.goal_rng = random.Random(f"{seed} accountability")  # noqa: S311 (a story)
        self.skill: dict[UUID, float] = {}
        #: actions planned for a later month: (year, month) -> [(day, action)]
        self.agenda: dict[tuple[int, int], list[tuple[int, Callable[[], None]]]] = {}
        self.laggard: UUID | None = None
        self.laggard_group: UUID | None = None
        self.doubted_group: UUID | None = None
        self.laggard_company: UUID | None = None
        self.late_reports: set[int] = set()
        self.refills: set[UUID] = set()
        self.vote_offs: list[_VoteOffDraft] = []
        # meetings and money draw from a generator of their own too
        self.meeting_rng = random.Random(f"{seed} meetings")  # noqa: S311 (a story)
        self.next_meeting: dict[UUID, UUID] = {}
        self.owed: defaultdict[UUID, Decimal] = defaultdict(Decimal)
        # financials draw from a generator of their own as well
        self.financials_rng = random.Random(f"{seed} financials")  # noqa: S311 (a story)
        #: each company's books: quarterly revenue, gross margin, EBITDA margin, recurring
        #: share, head count, as the story last left them
        self.books: dict[UUID, tuple[Decimal, float, float, float, int]] = {}

    # --- plumbing -----------------------------------------------------------------------

    def _stored_events(self) -> int:
        """Events the store holds, its command ledger aside, counted without decoding."""
        count, after, page = 0, 0, 5000
        while True:
            batch = self.network.recorder.select_notifications(
                start=after, limit=page, inclusive_of_start=False
            )
            count += sum(1 for n in batch if n.topic != _LEDGER_TOPIC)
            if len(batch) < page:
                return count
            after = batch[-1].id

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
        refused again here without asking the store, whose state has moved on since, and
        what recorded nothing (the store keeps no ledger entry for it) records nothing.
        """
        fields.setdefault("actor", OFFICE)
        command = command_type(at=self._time(), command_id=self._id("command"), **fields)
        self.commands += 1
        try:
            if self.produced < self.already and not pure.decide(
                self._situation_for(command), command
            ):
                return ()  # decided nothing the first time either (a review with no goals due)
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

    def _situation_for(self, command: Command) -> Situation:
        """The replica, with only one group's goals for a command that reads them all
        (a review, a motion): deciding on the whole network's goals would be slow."""
        group_id = getattr(command, "group_id", None)
        if isinstance(command, CastBallot | CloseMotion):
            motion = self.shadow.motions.get(command.motion_id)
            group_id = motion.group_id if motion else None
        elif isinstance(command, CloseMeeting):
            meeting = self.shadow.meetings.get(command.meeting_id)
            group_id = meeting.group_id if meeting else None
        elif not isinstance(command, ReviewGoals | RaiseMotion):
            return self.shadow
        mine = {g: self.goals[g] for g in self.group_goals.get(group_id, ())} if group_id else {}
        return attrs.evolve(self.shadow, goals=mine)

    def _fold(self, record: Recorded) -> None:
        event = record.event
        t = self.tally
        counted = _COUNTED.get(type(event))
        if counted is not None and getattr(event, "transferred_from", None) is None:
            t.counts[counted] += 1
        if isinstance(event, GoalEvent):
            self._fold_goal(event)
            return
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
            case MemberVotedOff():
                t.departures["voted off"] += 1
            case MemberJoined() if event.membership_id in self.refills:
                for draft in self.vote_offs:
                    if draft.refill_id == event.membership_id:
                        draft.story = attrs.evolve(draft.story, refill_joined=event.at)
            case MeetingEvent() | CostEvent() | DuesCharged() | PaymentReceived() | MemberFlagged():
                self._fold_session(event)
            case CharterAmended():
                group = self.shadow.groups[event.group_id]
                before, after = group.charter.capacity, event.charter.capacity
                t.amendments.append(f"{group.name} capacity {before} -> {after}")
        self.shadow = pure.evolve(self.shadow, event)

    def _fold_session(self, event: Event) -> None:
        """Meetings and money: the year's counts, and what each company owes."""
        t = self.tally
        match event:
            case MemberFlagged():
                t.counts["attendance flags" if "meetings" in event.reason else "flagged"] += 1
            case AttendanceRecorded():
                t.attendance[event.attendance.value] += 1
            case MeetingClosed():
                t.counts["meetings"] += 1
            case SponsorshipRecorded():
                t.money["sponsored"] += event.amount.amount
            case CostsShared():
                t.money["shared"] += event.net.amount
                for share in event.shares:
                    self.owed[share.company_id] += share.amount.amount
                if event.gathering_id is not None:
                    self._gathered(event)
            case DuesCharged():
                t.money["dues"] += event.amount.amount
                self.owed[event.company_id] += event.amount.amount
            case PaymentReceived():
                t.money["paid"] += event.amount.amount
                self.owed[event.company_id] -= event.amount.amount

    def _fold_goal(self, event: GoalEvent) -> None:
        t = self.tally
        before = self.goals.get(event.goal_id)
        category = before.target.category if before else ""
        match event:
            case GoalSet():
                t.goals_set[event.target.category] += 1
                self.group_goals.setdefault(event.group_id, []).append(event.goal_id)
            case GoalMet():
                t.goals_met[category] += 1
            case GoalMissed():
                t.goals_missed[category] += 1
            case GoalWithdrawn():
                t.goals_withdrawn[category] += 1
            case GoalChallenged():
                t.counts["challenged"] += 1
            case GoalRevised():
                t.counts["revised"] += 1
        self.goals[event.goal_id] = goal_rules.evolve(before, event)
        if isinstance(event, GoalSet) and isinstance(self.shadow.links, Replayed):
            self.shadow = attrs.evolve(self.shadow, links=self.shadow.links.after(event))

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
            keen = m.company_id in self.founders or m.id in self.refills
            if self.rng.random() < 0.04 and not keen:
                self._do(DeclineSeat, membership_id=m.id, actor=name)
                continue
            if self.rng.random() < 0.03:  # too eager: the rule wants the agreement first
                self._do(TakeSeat, membership_id=m.id, actor=name)
            for step in (SignAgreement, TakeSeat):
                self._do(step, membership_id=m.id, actor=name)

    def depart(self, membership_id: UUID, how: str) -> None:
        group_id = self.shadow.links.group_of(membership_id)
        assert group_id is not None
        m = self.shadow.groups[group_id].memberships[membership_id]
        if m.status is not MembershipStatus.ACTIVE or m.company_id == self.laggard_company:
            return  # the laggard stays until its group has voted
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
        if self._company_gone(company_id) or company_id == self.laggard_company:
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

    # --- accountability -----------------------------------------------------------------

    def _meeting_day(self, group_id: UUID) -> int:
        """Each group meets on its own day of the quarter's first month (6th to 24th)."""
        return 6 + (list(self.shadow.groups).index(group_id) * 5) % 19

    def _scene_day(self) -> datetime:
        return self.month_start + timedelta(days=self.day - 1)

    def _quarter(self) -> int:
        """Quarters since accountability began: 0 is the first quarter of 2008."""
        start = self.month_start
        return (start.year - ACCOUNTABILITY_FROM) * 4 + (start.month - 1) // 3

    def _open_goals(self, group_id: UUID) -> list[Goal]:
        found = (self.goals[g] for g in self.group_goals.get(group_id, ()))
        return [g for g in found if g.status is GoalStatus.OPEN]

    def _active(self, group: Group, membership_id: UUID) -> bool:
        m = group.memberships.get(membership_id)
        return m is not None and m.status is MembershipStatus.ACTIVE

    def _name_of(self, group: Group, membership_id: UUID) -> str:
        return self.shadow.profile(group.memberships[membership_id].company_id).name

    def cast_laggard(self) -> None:
        """January 2008: one member of the group with the longest wait-list will miss
        every goal it sets (its peers know a seat there will not stay empty)."""
        groups = [g for g in self._groups(fmt=GroupFormat.IN_PERSON) if len(g.active) > 3]
        if not groups:
            return
        group = max(groups, key=lambda g: len(g.waitlist))  # the first formed of equals
        candidates = sorted(
            (m for m in group.active if m.company_id not in self.founders),
            key=lambda m: (m.joined_at or m.applied_at, str(m.id)),
        )
        if candidates:
            laggard = self.goal_rng.choice(candidates)
            self.laggard, self.laggard_group = laggard.id, group.id
            self.laggard_company = laggard.company_id

    def doubt_a_member(self) -> None:
        """April 2009: the largest other in-person group will vote on a member's
        attendance (and not reach a quorum)."""
        groups = [
            g
            for g in self._groups(fmt=GroupFormat.IN_PERSON)
            if g.id != self.laggard_group and len(g.active) > 3
        ]
        if groups:
            self.doubted_group = max(groups, key=lambda g: len(g.active)).id

    def meet(self, group_id: UUID) -> None:
        """The quarterly meeting: goals due are reviewed, the group votes where it must,
        and every member sets new goals for the next meeting."""
        group = self.shadow.groups[group_id]
        if group.closed_at is not None or not group.active:
            return
        today = self._scene_day()
        reviewed = self._hold_meeting(group, today)
        self._late_report(reviewed or ())
        if group_id == self.laggard_group:
            self._move_removal(group_id)
        if group_id == self.doubted_group:
            self._move_doubt(group_id)
        self._set_goals(group_id, months_after(today, 3).date())

    # --- meetings, gatherings and money ---------------------------------------------------

    def _schedule(self, group: Group, starts: date, **where: Any) -> UUID | None:
        """Schedule a two-day meeting (one day at a gathering) at a hotel, a member's
        office, or the gathering."""
        meeting_id = self._id("meeting")
        if "gathering_id" not in where:
            rng = self.meeting_rng
            if group.format is GroupFormat.VIRTUAL:
                where = {"venue": "online"}
            elif rng.random() < 0.3 and group.active:
                where = {"host_id": rng.choice(sorted(group.active, key=lambda m: str(m.id))).id}
            else:
                where = {"venue": f"{rng.choice(_HOTELS)}, {self._town(group)}"}
        days = 0 if "gathering_id" in where else 1
        recorded = self._do(
            ScheduleMeeting,
            group_id=group.id,
            starts=starts,
            ends=starts + timedelta(days=days),
            meeting_id=meeting_id,
            actor=group.facilitator or OFFICE,
            **where,
        )
        return meeting_id if recorded else None

    def _town(self, group: Group) -> str:
        territory = group.territory
        return territory.region.title() if territory and territory.region else "Chicago"

    def _hold_meeting(self, group: Group, today: datetime) -> tuple[Recorded, ...] | None:
        """The quarterly meeting, scheduled at the last one: the agenda, the roll, the
        bill, and the close (the next day), which decides the goals due; then the next
        meeting is scheduled and its agenda set."""
        meeting_id = self.next_meeting.pop(group.id, None)
        meeting = self.shadow.meetings.get(meeting_id) if meeting_id else None
        if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
            meeting_id = self._schedule(group, today.date())
        if meeting_id is None:
            return None
        self._roll(meeting_id, today)
        self._bill(group, meeting_id)
        self.day += 1  # the meeting's second day: the facilitator closes it
        closed = self._do(CloseMeeting, meeting_id=meeting_id, actor=group.facilitator or OFFICE)
        self.day -= 1
        group = self.shadow.groups[group.id]
        if group.active:
            day = self._meeting_day(group.id)
            next_day = months_after(today, 3).replace(day=day).date()
            planned = self._schedule(group, next_day)
            if planned is not None:
                self.next_meeting[group.id] = planned
                self._set_agenda(group, planned)
        return closed

    def _set_agenda(self, group: Group, meeting_id: UUID) -> None:
        rng = self.meeting_rng
        members = sorted(group.active, key=lambda m: str(m.id))
        topics = rng.sample(_TOPICS, k=min(len(_TOPICS), group.charter.agenda_topics))
        self._do(
            SetAgenda,
            meeting_id=meeting_id,
            topics=tuple(
                Topic(title, owner_id=rng.choice(members).id if members and n % 2 else None)
                for n, title in enumerate(topics)
            ),
            actor=group.facilitator or OFFICE,
        )

    def _roll(self, meeting_id: UUID, today: datetime) -> None:
        """Most come; a few are late, leave early or send apologies; the laggard often
        stays away."""
        meeting = self.shadow.meetings[meeting_id]
        group = self.shadow.groups[meeting.group_id]
        rng = self.meeting_rng
        marks = {}
        for membership_id in meeting.scheduled.expected:
            if not self._active(group, membership_id):
                continue
            draw = rng.random()
            if membership_id == self.laggard:
                draw = 0.8 + 0.21 * draw  # absent, late or leaving early, mostly
            for mark, below in _ATTENDANCE:
                if draw < below:
                    marks[membership_id] = mark
                    break
        if marks:
            self._do(
                TakeRoll, meeting_id=meeting_id, attendance=marks, actor=group.facilitator or OFFICE
            )

    def _bill(self, group: Group, meeting_id: UUID) -> None:
        """The venue and the food (a facilitator's fee online), and now and then a
        vendor partner picks up part of it."""
        rng = self.meeting_rng
        costs: list[tuple[ExpenseKind, int]]
        if group.format is GroupFormat.VIRTUAL:
            costs = [(ExpenseKind.FACILITATOR, 300)]
        else:
            head = len(group.active)
            costs = [(ExpenseKind.VENUE, rng.randint(4, 12) * 100), (ExpenseKind.FOOD, 45 * head)]
        money = group.charter.currency
        for kind, amount in costs:
            cents = Decimal(amount) + Decimal(rng.randint(0, 99)) / 100
            self._do(RecordExpense, meeting_id=meeting_id, kind=kind, amount=Money(cents, money))
        if rng.random() < 0.25:
            self._do(
                RecordSponsorship,
                meeting_id=meeting_id,
                sponsor=rng.choice(_SPONSORS),
                amount=Money(Decimal(rng.choice((250, 500, 750))), money),
            )

    def prep(self, group_id: UUID) -> None:
        """The month before a meeting: a few members send their prep work; one in ten
        sends it after the charter's deadline."""
        meeting_id = self.next_meeting.get(group_id)
        if meeting_id is None:
            return
        meeting = self.shadow.meetings[meeting_id]
        group = self.shadow.groups[group_id]
        rng = self.meeting_rng
        expected = [m for m in meeting.scheduled.expected if self._active(group, m)]
        for membership_id in rng.sample(expected, k=min(3, len(expected))):
            late = rng.random() < 0.1
            when = meeting.starts - timedelta(days=1 if late else 10)
            if when > self._peek().date():
                self._later_prep(meeting_id, membership_id, when)
                continue
            self._submit_prep(meeting_id, membership_id)

    def _later_prep(self, meeting_id: UUID, membership_id: UUID, when: date) -> None:
        day = datetime(when.year, when.month, when.day, tzinfo=UTC)
        action = functools.partial(self._submit_prep, meeting_id, membership_id)
        if (day.year, day.month) == (self.month_start.year, self.month_start.month):
            self.agenda.setdefault((day.year, day.month), []).append((day.day, action))
        else:
            self._later(day, action)

    def _submit_prep(self, meeting_id: UUID, membership_id: UUID) -> None:
        meeting = self.shadow.meetings.get(meeting_id)
        if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
            return
        group = self.shadow.groups[meeting.group_id]
        if not self._active(group, membership_id):
            return
        self._do(
            SubmitPrep,
            meeting_id=meeting_id,
            membership_id=membership_id,
            summary=self.meeting_rng.choice(_PREP),
            actor=self._name_of(group, membership_id),
        )

    def summit(self) -> None:
        """May, from 2008: every in-person core group meets at one venue in one week."""
        year = self.month_start.year
        starts = date(year, 5, 18)
        gathering_id = self._id("gathering")
        recorded = self._do(
            ScheduleGathering,
            name=f"HTG Summit {year}",
            venue="Orlando, Florida",
            starts=starts,
            ends=starts + timedelta(days=4),
            gathering_id=gathering_id,
        )
        if not recorded:
            return
        groups = [g for g in self._groups(fmt=GroupFormat.IN_PERSON) if g.kind is GroupKind.CORE]
        meetings = []
        for n, group in enumerate(g for g in groups if g.active):
            day = starts + timedelta(days=n % 5)
            meeting_id = self._schedule(group, day, gathering_id=gathering_id)
            if meeting_id is not None:
                meetings.append((day, group.id, meeting_id))
        rng = self.meeting_rng
        for kind, amount in ((ExpenseKind.VENUE, 42_000), (ExpenseKind.SPEAKER_TRAVEL, 3_800)):
            cents = Decimal(amount) + Decimal(rng.randint(0, 99)) / 100
            self._do(
                RecordExpense, gathering_id=gathering_id, kind=kind, amount=Money(cents, "USD")
            )
        for sponsor in rng.sample(_SPONSORS, k=2):
            self._do(
                RecordSponsorship,
                gathering_id=gathering_id,
                sponsor=sponsor,
                amount=Money(Decimal(10_000), "USD"),
            )
        for day, group_id, meeting_id in meetings:
            self.day = day.day
            group = self.shadow.groups[group_id]
            self._roll(meeting_id, self._scene_day())
            self._do(CloseMeeting, meeting_id=meeting_id, actor=group.facilitator or OFFICE)
        self.day = 26
        self._do(CloseGathering, gathering_id=gathering_id)

    def _gathered(self, costs: CostsShared) -> None:
        assert costs.gathering_id is not None
        gathering = self.shadow.gatherings[costs.gathering_id].scheduled
        self.tally.gatherings.append(
            GatheringStory(
                name=gathering.name,
                venue=gathering.venue,
                starts=gathering.starts,
                groups=len({s.group_id for s in costs.shares}),
                people=len(costs.shares),
                net=costs.net.amount,
            )
        )

    def charge_dues(self) -> None:
        """The first of the month: every open group's members are charged the month."""
        for group in self._groups():
            if group.active:
                self._do(ChargeDues, group_id=group.id, month=self.month_start.date())

    def collect(self) -> None:
        """January and July: most companies settle what they owe, some pay half, a few
        nothing yet."""
        rng = self.meeting_rng
        for company_id in sorted(self.owed, key=str):
            owed = self.owed[company_id]
            if owed <= 0:
                continue
            draw = rng.random()
            if draw < 0.9:
                amount = owed
            elif draw < 0.96:
                amount = (owed / 2).quantize(Decimal("0.01"))
            else:
                continue
            self._do(
                RecordPayment,
                company_id=company_id,
                amount=Money(amount, "USD"),
                reference=f"statement {self.month_start:%Y-%m}",
                actor="accounts",
            )

    def _attendance_words(self, group: Group, membership_id: UUID) -> str:
        """`came to 2 of the last 4 meetings`, from the closed meetings that expected it."""
        window = group.charter.attendance_window
        held = sorted(
            (
                m
                for m in self.shadow.meetings.values()
                if m.group_id == group.id and m.closed and membership_id in m.closed.expected
            ),
            key=lambda m: m.starts,
        )[-window:]
        came = sum(1 for m in held if m.attendance[membership_id].attended)
        return f"came to {came} of the last {len(held)} meetings"

    def _late_report(self, reviewed: tuple[Recorded, ...]) -> None:
        """Once a year a member reports progress on a goal the meeting just decided: the
        rule refuses it (open goals only)."""
        year = self.month_start.year
        if year in self.late_reports:
            return
        for record in reviewed:
            event = record.event
            if isinstance(event, GoalMissed):
                group = self.shadow.groups[event.group_id]
                if self._active(group, event.membership_id):
                    self.late_reports.add(year)
                    goal = self.goals[event.goal_id]
                    self._do(
                        ReportProgress,
                        goal_id=goal.id,
                        value=goal.target.value,
                        note="closed the deal the day after",
                        actor=self._name_of(group, goal.membership_id),
                    )
                    return

    def _set_goals(self, group_id: UUID, due: date) -> None:
        group = self.shadow.groups[group_id]
        categories = group.charter.goal_categories
        members = sorted(group.active, key=lambda m: (m.joined_at or m.applied_at, str(m.id)))
        quarter = self._quarter()
        rng = self.goal_rng
        for i, m in enumerate(members):
            name = self.shadow.profile(m.company_id).name
            for j in range(GOALS_PER_MEETING):
                turn = (i + quarter) * GOALS_PER_MEETING + j
                target = self._target(categories[turn % len(categories)], due)
                goal_id = self._id("goal")
                recorded = self._do(
                    SetGoal, membership_id=m.id, target=target, goal_id=goal_id, actor=name
                )
                if recorded and len(members) > 1 and rng.random() < _CHALLENGE_RATE:
                    peer = rng.choice([p for p in members if p.id != m.id])
                    self._do(
                        ChallengeGoal,
                        goal_id=goal_id,
                        challenger_id=peer.id,
                        reason=rng.choice(_CHALLENGES),
                        actor=self.shadow.profile(peer.company_id).name,
                    )

    def _target(self, category: str, due: date, value: int | None = None) -> Target:
        aim = _AIMS.get(category, _ANY_AIM)
        if value is None:
            value = self.goal_rng.randint(aim.low, aim.high)
        return Target(
            statement=aim.statement.format(value=value),
            category=category,
            value=Decimal(value),
            unit=aim.unit,
            due=due,
            direction=aim.direction,
        )

    def check_in(self, group_id: UUID) -> None:
        """Mid-quarter: challenged goals are mostly raised, a few goals are revised or
        withdrawn, and some members report how far they are."""
        group = self.shadow.groups[group_id]
        rng = self.goal_rng
        for goal in self._open_goals(group_id):
            if not self._active(group, goal.membership_id):
                continue
            owner = self._name_of(group, goal.membership_id)
            target = goal.target
            challenged = bool(goal.challenges) and len(goal.versions) == 1
            if (challenged and rng.random() < _REVISE_AFTER_CHALLENGE) or (
                rng.random() < _REVISE_RATE
            ):
                value = int(target.value)
                value = (
                    value + max(1, value // 4)
                    if target.direction is Direction.AT_LEAST
                    else value - max(2, value // 10)
                )
                revised = self._target(target.category, target.due, value)
                self._do(ReviseGoal, goal_id=goal.id, target=revised, actor=owner)
            elif rng.random() < _WITHDRAW_RATE and goal.membership_id != self.laggard:
                self._do(
                    WithdrawGoal, goal_id=goal.id, reason=rng.choice(_WITHDRAWALS), actor=owner
                )
            elif rng.random() < _MID_QUARTER_REPORT:
                self._do(
                    ReportProgress, goal_id=goal.id, value=self._progress(goal, 0.5), actor=owner
                )

    def report(self, group_id: UUID) -> None:
        """The month before the meeting: members report where their goals stand. Most
        reach most of them; the laggard reaches none (and reports now and then)."""
        group = self.shadow.groups[group_id]
        rng = self.goal_rng
        for goal in self._open_goals(group_id):
            if not self._active(group, goal.membership_id):
                continue
            member = goal.membership_id
            if member not in self.skill:
                self.skill[member] = 0.65 + 0.3 * rng.random()
            if member == self.laggard:
                reports, share = rng.random() < 0.6, 0.3 + 0.5 * rng.random()
            else:
                reached = rng.random() < self.skill[member]
                reports = rng.random() < (_REACHED_REPORT if reached else _SHORT_REPORT)
                share = 1.0 + 0.3 * rng.random() if reached else 0.4 + 0.55 * rng.random()
            if reports:
                self._do(
                    ReportProgress,
                    goal_id=goal.id,
                    value=self._progress(goal, share),
                    actor=self._name_of(group, member),
                )

    @staticmethod
    def _progress(goal: Goal, share: float) -> Decimal:
        """The value a member reports, `share` of the way to its target (1.0: reached;
        for an at-most goal, the way down from a third above the target)."""
        target = goal.target.value
        if goal.target.direction is Direction.AT_LEAST:
            value = int(target * Decimal(share))
            return Decimal(value if share < 1 else max(value, int(target)))
        start = target * Decimal("1.35")
        value = math.ceil(start - (start - target) * Decimal(share))
        return Decimal(value if share < 1 else min(value, int(target)))

    # --- motions ------------------------------------------------------------------------

    def _later(self, day: datetime, action: Callable[[], None]) -> None:
        """Plan `action` for a day of a later month."""
        assert (day.year, day.month) > (self.month_start.year, self.month_start.month)
        self.agenda.setdefault((day.year, day.month), []).append((day.day, action))

    def _move_removal(self, group_id: UUID) -> None:
        """Flagged twice, the laggard faces a removal motion; the subject's own ballot is
        refused, the others vote the next month and carry it with their last ballot."""
        group = self.shadow.groups[group_id]
        assert self.laggard is not None
        subject = group.memberships[self.laggard]
        if subject.status is not MembershipStatus.ACTIVE or len(subject.flags) < 2:
            return
        streak = goal_rules.missed_in_a_row(self.shadow.goals_of(subject.id))
        reason = f"missed {streak} goals in a row and {self._attendance_words(group, subject.id)}"
        motion_id = self._raise(group, subject.id, MotionCause.MISSED_GOALS, reason)
        if motion_id is None:
            return
        self._do(
            CastBallot,
            motion_id=motion_id,
            voter_id=subject.id,
            in_favour=False,
            actor=self._name_of(group, subject.id),
        )
        raised = self.shadow.motions[motion_id].raised
        voters = list(raised.electorate)
        self.goal_rng.shuffle(voters)
        against = set([v for v in voters if v != raised.raised_by][:3])
        self._plan_votes(motion_id, [(v, v not in against) for v in voters])

    def _move_doubt(self, group_id: UUID) -> None:
        """A member questions another's attendance; few vote and the motion fails at its
        deadline for want of a quorum."""
        self.doubted_group = None
        group = self.shadow.groups[group_id]
        members = sorted(
            (m for m in group.active if m.company_id not in self.founders),
            key=lambda m: (m.joined_at or m.applied_at, str(m.id)),
        )
        if len(members) < 2:
            return
        subject = self.goal_rng.choice(members)
        motion_id = self._raise(
            group, subject.id, MotionCause.ATTENDANCE, "missed 3 of the last 4 meetings"
        )
        if motion_id is None:
            return
        raised = self.shadow.motions[motion_id].raised
        others = sorted((v for v in raised.electorate if v != raised.raised_by), key=str)
        few = others[: len(raised.electorate) // 3 - 1]  # the mover and a few others
        votes = [(raised.raised_by, True)] + [(v, i % 2 == 1) for i, v in enumerate(few)]
        self._plan_votes(motion_id, votes)

    def _raise(
        self, group: Group, subject_id: UUID, cause: MotionCause, reason: str
    ) -> UUID | None:
        movers = sorted((m for m in group.active if m.id != subject_id), key=lambda m: str(m.id))
        if not movers:
            return None
        mover = self.goal_rng.choice(movers)
        start = self.month_start
        next_month = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)
        motion_id = self._id("motion")
        raised = self._do(
            RaiseMotion,
            group_id=group.id,
            raised_by=mover.id,
            kind=MotionKind.REMOVAL,
            subject_id=subject_id,
            cause=cause,
            reason=reason,
            deadline=next_month + timedelta(days=20, hours=17),
            motion_id=motion_id,
            actor=self._name_of(group, mover.id),
        )
        return motion_id if raised else None

    def _plan_votes(self, motion_id: UUID, votes: list[tuple[UUID, bool]]) -> None:
        deadline = self.shadow.motions[motion_id].raised.deadline
        self._later(deadline - timedelta(days=15), functools.partial(self.vote, motion_id, votes))
        self._later(deadline + timedelta(days=1), functools.partial(self.close, motion_id))

    def vote(self, motion_id: UUID, votes: list[tuple[UUID, bool]]) -> None:
        for voter, in_favour in votes:
            motion = self.shadow.motions[motion_id]
            group = self.shadow.groups[motion.group_id]
            if motion.closed or not self._active(group, voter):
                continue
            before = group
            recorded = self._do(
                CastBallot,
                motion_id=motion_id,
                voter_id=voter,
                in_favour=in_favour,
                actor=self._name_of(group, voter),
            )
            self._decided(recorded or (), before)

    def close(self, motion_id: UUID) -> None:
        """The deadline passed: the office counts the ballots of a motion still open."""
        motion = self.shadow.motions[motion_id]
        if motion.closed:
            return
        before = self.shadow.groups[motion.group_id]
        self._decided(self._do(CloseMotion, motion_id=motion_id) or (), before)

    def _decided(self, recorded: tuple[Recorded, ...], before: Group) -> None:
        """Tell the story of a motion decided by `recorded`; `before` is its group as it
        was, wait-list and all, before that write."""
        outcome = next(
            (r.event for r in recorded if isinstance(r.event, MotionCarried | MotionFailed)),
            None,
        )
        if outcome is None:
            return
        motion = self.shadow.motions[outcome.motion_id]
        raised = motion.raised
        subject = None
        if raised.subject_id is not None:
            subject = self._name_of(before, raised.subject_id)
        self.tally.motions.append(
            MotionStory(
                group=before.name,
                kind=raised.kind.value,
                subject=subject,
                cause=raised.cause.value if raised.cause else None,
                raised_at=raised.at,
                decided_at=outcome.at,
                outcome=_outcome(motion),
                in_favour=outcome.in_favour,
                against=outcome.against,
                electorate=outcome.electorate,
                quorum_needed=quorum_needed(outcome.electorate, raised.quorum),
            )
        )
        for record in recorded:
            if isinstance(record.event, MemberVotedOff):
                self._voted_off(record.event, recorded, before)

    def _voted_off(
        self, event: MemberVotedOff, recorded: tuple[Recorded, ...], before: Group
    ) -> None:
        offered = [r.event for r in recorded if isinstance(r.event, SeatOffered)]
        refill = offered[0].membership_id if offered else None
        if refill is not None:
            self.refills.add(refill)
        member = self.shadow.groups[event.group_id].memberships[event.membership_id]
        story = VoteOff(
            company=self._name_of(before, event.membership_id),
            group=before.name,
            at=event.at,
            cause=event.cause,
            flags=len(member.flags),
            missed_in_a_row=goal_rules.missed_in_a_row(self.shadow.goals_of(member.id)),
            attendance=self._attendance_words(before, member.id),
            goals_withdrawn=sum(isinstance(r.event, GoalWithdrawn) for r in recorded),
            refill=self._name_of(before, refill) if refill else None,
            passed_over=before.waitlist.index(refill) if refill in before.waitlist else 0,
            refill_joined=None,
        )
        self.vote_offs.append(_VoteOffDraft(year=event.at.year, story=story, refill_id=refill))
        if member.id == self.laggard:
            self.laggard_company = None

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
        if year >= ACCOUNTABILITY_FROM:
            self._accountability_plan(year, month, add)
        for day, action in self.agenda.pop((year, month), []):
            add(day, action)
        return plan

    def _accountability_plan(
        self, year: int, month: int, add: Callable[[int, Callable[[], None]], None]
    ) -> None:
        """Every open group meets in the first month of each quarter; members check in
        mid-quarter and report the month before the next meeting."""
        if (year, month) == (ACCOUNTABILITY_FROM, 1):
            add(1, self.cast_laggard)
        if (year, month) == (ACCOUNTABILITY_FROM + 1, 4):
            add(1, self.doubt_a_member)
        add(1, self.charge_dues)
        if month % 3 == 2:  # the month after a quarter ends, its figures come in
            add(11, self.submit_financials)
        if month in (1, 7):
            add(28, self.collect)
        if month == _SUMMIT_MONTH:
            add(17, self.summit)
        act = (self.meet, self.check_in, self.report)[(month - 1) % 3]
        for group_id, group in self.shadow.groups.items():
            if group.closed_at is None:
                add(self._meeting_day(group_id), functools.partial(act, group_id))
                if act == self.report:
                    add(2, functools.partial(self.prep, group_id))

    def submit_financials(self) -> None:
        """Every company with an active membership submits the quarter just ended, once
        (through its first active membership); its figures drift from the last ones."""
        rng = self.financials_rng
        quarter = quarter_after(quarter_of(self.month_start.date()), -1)
        if quarter < f"{ACCOUNTABILITY_FROM}Q1":
            return
        done: set[UUID] = set()
        for group, m in sorted(
            self._memberships(MembershipStatus.ACTIVE), key=lambda gm: str(gm[1].id)
        ):
            if m.company_id in done or group.closed_at is not None:
                continue
            done.add(m.company_id)
            revenue, gross, ebitda, recurring, heads = self.books.get(m.company_id) or (
                Decimal(rng.randrange(250_000, 4_000_000, 1000)),
                rng.uniform(0.30, 0.55),
                rng.uniform(-0.02, 0.18),
                rng.uniform(0.15, 0.60),
                rng.randint(8, 60),
            )
            revenue = (revenue * Decimal(str(round(rng.uniform(0.94, 1.09), 3)))).quantize(
                Decimal(1)
            )
            gross = min(0.7, max(0.2, gross + rng.uniform(-0.02, 0.02)))
            ebitda = min(gross - 0.05, max(-0.05, ebitda + rng.uniform(-0.02, 0.025)))
            recurring = min(0.9, max(0.05, recurring + rng.uniform(-0.01, 0.03)))
            heads = max(3, heads + rng.randint(-1, 2))
            self.books[m.company_id] = (revenue, gross, ebitda, recurring, heads)
            currency = group.charter.currency

            def money(share: float, currency: str = currency, revenue: Decimal = revenue) -> Money:
                return Money(
                    (revenue * Decimal(str(round(share, 4)))).quantize(Decimal(1)), currency
                )

            self._do(
                SubmitFinancials,
                membership_id=m.id,
                quarter=quarter,
                revenue=Money(revenue, currency),
                gross_profit=money(gross),
                ebitda=money(ebitda),
                recurring_revenue=money(recurring),
                service_wages=money(0.25),
                head_count=heads,
                actor=f"cfo of {self.shadow.profile(m.company_id).name}",
            )

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
            goals_set=_by_category(t.goals_set),
            goals_met=_by_category(t.goals_met),
            goals_missed=_by_category(t.goals_missed),
            goals_withdrawn=_by_category(t.goals_withdrawn),
            challenged=t.counts["challenged"],
            revised=t.counts["revised"],
            flagged=t.counts["flagged"],
            motions=tuple(t.motions),
            vote_offs=tuple(d.story for d in self.vote_offs if d.year == t.year),
            meetings=t.counts["meetings"],
            attendance=dict(t.attendance),
            attendance_flags=t.counts["attendance flags"],
            gatherings=tuple(t.gatherings),
            shared=t.money["shared"],
            sponsored=t.money["sponsored"],
            dues=t.money["dues"],
            paid=t.money["paid"],
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
_SUMMIT_MONTH = 5
_HOTELS = ("Hilton Garden Inn", "Marriott", "Hyatt Place", "Embassy Suites")
_SPONSORS = ("Datto", "Kaseya", "ConnectWise", "Autotask", "Intel", "Microsoft")
_TOPICS = (
    "Quarterly numbers and benchmarks",
    "Recurring revenue plans",
    "Hiring a service manager",
    "Pricing managed services",
    "Cash flow and line of credit",
    "Vendor partnerships",
    "Marketing that works",
    "Succession and exit",
)
_PREP = (
    "Q numbers, top three issues, one ask of the group",
    "Financial snapshot and a hiring dilemma",
    "Pipeline review and a pricing question",
    "Balance sheet and the year's plan",
)
#: attendance marks by a draw in [0, 1): below each bound, that mark
_ATTENDANCE = (
    (Attendance.PRESENT, 0.86),
    (Attendance.LATE, 0.91),
    (Attendance.LEFT_EARLY, 0.94),
    (Attendance.EXCUSED, 0.975),
    (Attendance.ABSENT, 1.01),
)
_LEDGER_TOPIC = topic_of(CommandHandled)


def _by_category(counts: Counter[str]) -> dict[str, int]:
    """Counts in the order of the default charter's categories, then any other."""
    order = {c: i for i, c in enumerate(DEFAULT_GOAL_CATEGORIES)}
    return dict(sorted(counts.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


_COUNTRIES = {"CA": "Canada", "US": "United States"}
_BANDS = ((10, "under 1M"), (25, "1-5M"), (60, "5-10M"), (150, "10-25M"), (10_000, "25M+"))


def _outcome(motion: Motion) -> str:
    if isinstance(motion.outcome, MotionFailed):
        return f"failed: {motion.outcome.reason}"
    return "carried" if motion.outcome else "open"


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
