"""Test helpers for apps that embed peernet: given/when/then on the pure core, event
builders, Hypothesis strategies and a rule-based state machine that drives the real
`peernet.Network`.

Given/when/then, with no store at all::

    situation = given(formed(GROUP, capacity=1), registered(A), registered(B), *joined(GROUP, A))
    assert [ApplicantWaitlisted(...)] == when(situation, ApplyForMembership(...))

`refused(situation, command)` returns the error a command raises (and fails the test if
it raises none).

Hypothesis strategies (`territories()`, `profiles()`, `charters(capacity=3)`,
`register_company_commands()`, `form_group_commands()`...) draw from small vocabularies so
that competitors meet and groups fill. Installing peernet registers `Territory`,
`Profile` and `Charter` with Hypothesis, so `st.from_type(Charter)` works too.

`MembershipMachine` runs random sequences of membership commands, valid and invalid,
through a `Network` and checks the network's rules after every step; run it against your
own charters and store with `membership_machine(charters=..., store=...)`::

    TestMyRules = membership_machine(charters=charters(capacity=3, non_compete=False)).TestCase

This module needs Hypothesis (the `test` extra); `import peernet` never imports it.
"""

import enum
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar, TypeVar
from uuid import UUID, uuid5


def _hypothesis_setup_hook() -> None:
    """Register peernet's strategies for `st.from_type(Territory | Profile | Charter)`.

    Hypothesis calls this through the `hypothesis` entry point in pyproject.toml when it is
    imported. It is defined before this module imports Hypothesis, and registers lazy
    callables, so it works whichever of the two is imported first.
    """
    from hypothesis import strategies as st  # noqa: PLC0415 - Hypothesis may still be importing

    from peernet.domain.charters import Charter  # noqa: PLC0415 - this module may be, too
    from peernet.domain.common import Territory  # noqa: PLC0415
    from peernet.domain.companies import Profile  # noqa: PLC0415

    st.register_type_strategy(Territory, lambda _: territories())
    st.register_type_strategy(Profile, lambda _: profiles())
    st.register_type_strategy(Charter, lambda _: charters())


# Hypothesis is imported after the hook above exists: importing Hypothesis runs its entry
# points, which load `peernet.testing:_hypothesis_setup_hook` from this very module.
import attrs  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.stateful import (  # noqa: E402
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from peernet.application import CommandIdReused, Network  # noqa: E402
from peernet.domain import network  # noqa: E402
from peernet.domain.access import Reader  # noqa: E402
from peernet.domain.charters import Charter, GroupFormat, GroupKind  # noqa: E402
from peernet.domain.common import Command, Event, PeerNetError, Territory  # noqa: E402
from peernet.domain.companies import (  # noqa: E402
    ChargeDues,
    CompanyAcquired,
    CompanyKind,
    CompanyRegistered,
    DuesCharged,
    MembershipApplied,
    Profile,
    RecordAcquisition,
    RegisterCompany,
)
from peernet.domain.goals import (  # noqa: E402
    GoalEvent,
    GoalMet,
    GoalMissed,
    GoalSet,
    GoalStatus,
    GoalWithdrawn,
    ReportProgress,
    ReviewGoals,
    SetGoal,
    Target,
    WithdrawGoal,
)
from peernet.domain.groups import (  # noqa: E402
    AmendCharter,
    CharterAmended,
    CloseGroup,
    FormGroup,
    GroupClosed,
    GroupFormed,
)
from peernet.domain.meetings import (  # noqa: E402
    Attendance,
    AttendanceRecorded,
    CancelMeeting,
    CloseMeeting,
    CostEvent,
    CostsShared,
    ExpenseKind,
    ExpenseRecorded,
    MeetingCancelled,
    MeetingClosed,
    MeetingEvent,
    MeetingScheduled,
    RecordExpense,
    RecordSponsorship,
    ScheduleMeeting,
    SponsorshipRecorded,
    TakeRoll,
)
from peernet.domain.memberships import (  # noqa: E402
    AgreementSigned,
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
from peernet.domain.money import Money  # noqa: E402
from peernet.domain.motions import (  # noqa: E402
    BallotCast,
    CastBallot,
    CloseMotion,
    MotionCarried,
    MotionCause,
    MotionEvent,
    MotionFailed,
    MotionKind,
    MotionRaised,
    RaiseMotion,
    quorum_needed,
)
from peernet.domain.situation import Situation  # noqa: E402
from peernet.records import Recorded  # noqa: E402

#: the business time builders use unless told otherwise
T0 = datetime(2001, 1, 1, tzinfo=UTC)
_IDS = UUID("6f1d1bd2-2d6e-4a35-9d0e-5c1d6f1a0001")


def some_id(label: str) -> UUID:
    """A stable id for a label, so tests read `some_id("acme")` rather than a UUID."""
    return uuid5(_IDS, label)


def given(*events: Event, situation: Situation = network.INITIAL) -> Situation:
    """The situation after `events`, folded in order with the real `evolve` (onto
    `situation`, when a test builds on one)."""
    return network.replay(*events, situation=situation)


def when(situation: Situation, command: Command) -> list[Event]:
    """The events the real `decide` records for `command` in `situation`."""
    return network.decide(situation, command)


def refused(situation: Situation, command: Command) -> PeerNetError:
    """The typed error `command` is refused with; an AssertionError if it is accepted."""
    try:
        events = network.decide(situation, command)
    except PeerNetError as error:
        return error
    raise AssertionError(f"{type(command).__name__} was accepted: {events}")


def profile(
    name: str,
    *,
    country: str = "US",
    region: str | None = "texas",
    lines: Sequence[str] = ("managed services",),
    kind: CompanyKind = CompanyKind.MSP,
    head_count: int = 25,
    revenue_band: str = "1-5M",
) -> Profile:
    return Profile(
        name=name,
        kind=kind,
        territory=Territory(country, region),
        business_lines=frozenset(lines),
        head_count=head_count,
        revenue_band=revenue_band,
    )


def registered(company_id: UUID, *, at: datetime = T0, **details: object) -> CompanyRegistered:
    """`CompanyRegistered` for a company whose profile is `profile(**details)`; by default
    each company gets a region of its own, so none competes with another."""
    details.setdefault("name", f"Company {str(company_id)[:8]}")
    details.setdefault("region", f"region {company_id}")
    return CompanyRegistered(company_id=company_id, profile=profile(**details), at=at)  # type: ignore[arg-type]


def formed(
    group_id: UUID,
    *,
    name: str = "Group",
    at: datetime = T0,
    format: GroupFormat = GroupFormat.IN_PERSON,
    kind: GroupKind = GroupKind.CORE,
    territory: Territory | None = None,
    **rules: object,
) -> GroupFormed:
    """`GroupFormed` with a charter of the defaults, changed by `rules` (capacity=2...)."""
    return GroupFormed(
        group_id=group_id,
        name=name,
        format=format,
        kind=kind,
        territory=territory,
        charter=Charter(**rules),  # type: ignore[arg-type]
        at=at,
    )


def applied(
    group_id: UUID, company_id: UUID, *, core: bool = True, at: datetime = T0
) -> list[Event]:
    """The application and its seat offer, as recorded for a group with room."""
    membership_id = membership_of(group_id, company_id)
    ids = {"membership_id": membership_id, "group_id": group_id, "company_id": company_id}
    return [MembershipApplied(core=core, at=at, **ids), SeatOffered(at=at, **ids)]


def joined(
    group_id: UUID, company_id: UUID, *, core: bool = True, at: datetime = T0
) -> list[Event]:
    """Every event of a company's path into a group: applied, offered, signed, joined."""
    membership_id = membership_of(group_id, company_id)
    ids = {"membership_id": membership_id, "group_id": group_id, "company_id": company_id}
    return [
        *applied(group_id, company_id, core=core, at=at),
        AgreementSigned(at=at, **ids),
        MemberJoined(at=at, **ids),
    ]


def group_with(group_id: UUID, *company_ids: UUID, at: datetime = T0, **rules: Any) -> list[Event]:
    """A group formed under a charter of `rules`, and every company registered and joined
    as an active member, in order."""
    events: list[Event] = [formed(group_id, at=at, **rules)]
    for company_id in company_ids:
        events += [registered(company_id, at=at), *joined(group_id, company_id, at=at)]
    return events


def membership_of(group_id: UUID, company_id: UUID) -> UUID:
    """The membership id the builders above give a company in a group."""
    return uuid5(group_id, str(company_id))


# --- then: what a network recorded ---------------------------------------------------


def then_recorded(records: Iterable[Recorded]) -> list[Event]:
    """The events of `records` (what `Network.execute` returns), without their envelopes,
    to compare with the events a test expects."""
    return [r.event for r in records]


@contextmanager
def nothing_recorded(net: Network) -> Iterator[None]:
    """Fail unless the block leaves the network's log exactly as long as it found it::

    with nothing_recorded(network), pytest.raises(CompetitorInGroup):
        network.execute(ApplyForMembership(...))
    """
    before = net.recorder.max_notification_id()
    yield
    after = net.recorder.max_notification_id()
    assert before == after, f"the log moved from position {before} to {after}"


# --- Hypothesis strategies -----------------------------------------------------------

T = TypeVar("T")

#: the small vocabularies strategies draw from, so that competitors actually meet
COUNTRIES = ("US", "CA")
REGIONS: tuple[str | None, ...] = (None, "east", "west")
BUSINESS_LINES = ("managed services", "cloud", "security")
COMPANY_NAMES = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell")
#: the time zones commands are dated in (peernet keeps every time in UTC)
TIMEZONES = (UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=10)))


def _strategy(value: "T | st.SearchStrategy[T]") -> "st.SearchStrategy[T]":
    return value if isinstance(value, st.SearchStrategy) else st.just(value)


def territories() -> st.SearchStrategy[Territory]:
    """Territories of two countries and two regions (or the whole country), so that
    drawn territories overlap often."""
    return st.builds(Territory, st.sampled_from(COUNTRIES), st.sampled_from(REGIONS))


def profiles(
    *, territory: "st.SearchStrategy[Territory] | None" = None
) -> st.SearchStrategy[Profile]:
    """Company profiles from small vocabularies: about one pair in four competes."""
    return st.builds(
        Profile,
        name=st.sampled_from(COMPANY_NAMES),
        kind=st.sampled_from(CompanyKind),
        territory=territory if territory is not None else territories(),
        business_lines=st.frozensets(st.sampled_from(BUSINESS_LINES), min_size=1, max_size=2),
        head_count=st.integers(0, 500),
        revenue_band=st.sampled_from(("<1M", "1-5M", "5-20M")),
    )


def charters(**fixed: object) -> st.SearchStrategy[Charter]:
    """Charters with small capacities (1-5) so that groups fill, each rule switched on or
    off, and short virtual programmes (1-3 months). A keyword fixes a field to a value,
    or to a strategy: `charters(capacity=3, non_compete=False)`."""
    fields: dict[str, st.SearchStrategy[Any]] = {
        "capacity": st.integers(1, 5),
        "non_compete": st.booleans(),
        "one_core_group": st.booleans(),
        "agreement_required": st.booleans(),
        "programme_months": st.integers(1, 3),
    }
    fields.update({name: _strategy(value) for name, value in fixed.items()})
    return st.fixed_dictionaries(fields).map(lambda values: Charter(**values))


def times(
    *, min_value: datetime = T0, max_value: datetime = datetime(2030, 1, 1, tzinfo=UTC)
) -> st.SearchStrategy[datetime]:
    """Timezone-aware business times between two instants, in a few time zones."""
    naive_min = min_value.astimezone(UTC).replace(tzinfo=None)
    naive_max = max_value.astimezone(UTC).replace(tzinfo=None)
    return st.datetimes(naive_min, naive_max, timezones=st.just(UTC)).flatmap(
        lambda at: st.sampled_from(TIMEZONES).map(at.astimezone)
    )


def actors() -> st.SearchStrategy[str]:
    """Who gives a command: a few staff names."""
    return st.sampled_from(("staff", "facilitator", "admin"))


def register_company_commands(
    *,
    profiles: "st.SearchStrategy[Profile] | None" = None,
    at: "st.SearchStrategy[datetime] | None" = None,
) -> st.SearchStrategy[RegisterCompany]:
    """`RegisterCompany` commands for drawn profiles, at drawn (aware) times."""
    return st.builds(
        RegisterCompany,
        actor=actors(),
        at=at if at is not None else times(),
        profile=profiles if profiles is not None else _profiles(),
        company_id=st.uuids(),
    )


def form_group_commands(
    *,
    charters: "st.SearchStrategy[Charter] | None" = None,
    at: "st.SearchStrategy[datetime] | None" = None,
) -> st.SearchStrategy[FormGroup]:
    """`FormGroup` commands: core, companion or special-interest, in person or virtual,
    under drawn charters (by default `charters()`)."""
    return st.builds(
        FormGroup,
        actor=actors(),
        at=at if at is not None else times(),
        name=st.sampled_from(("Forum 1", "Forum 2", "Online A", "Marketing")),
        format=st.sampled_from(GroupFormat),
        kind=st.sampled_from(GroupKind),
        territory=st.none() | territories(),
        charter=charters if charters is not None else _charters(),
        group_id=st.uuids(),
    )


_profiles = profiles
_charters = charters

# --- the rule-based state machine ----------------------------------------------------

_DEPARTED_FROM: dict[type[Event], tuple[MembershipStatus, ...]] = {
    SeatDeclined: (MembershipStatus.OFFERED,),
    ApplicationWithdrawn: (MembershipStatus.WAITLISTED, MembershipStatus.OFFERED),
    MemberResigned: (MembershipStatus.ACTIVE,),
    MemberRemoved: (MembershipStatus.ACTIVE,),
    MemberTransferred: (MembershipStatus.ACTIVE,),
    MemberGraduated: (MembershipStatus.ACTIVE,),
    MemberVotedOff: (MembershipStatus.ACTIVE,),
}
_DEPARTED_TO: dict[type[Event], MembershipStatus] = {
    SeatDeclined: MembershipStatus.DECLINED,
    ApplicationWithdrawn: MembershipStatus.WITHDRAWN,
    MemberResigned: MembershipStatus.RESIGNED,
    MemberRemoved: MembershipStatus.REMOVED,
    MemberTransferred: MembershipStatus.TRANSFERRED,
    MemberGraduated: MembershipStatus.GRADUATED,
    MemberVotedOff: MembershipStatus.VOTED_OFF,
}
_NONE = UUID(int=0)
_OPEN = (MembershipStatus.WAITLISTED, MembershipStatus.OFFERED, MembershipStatus.ACTIVE)
_SEATED = (MembershipStatus.OFFERED, MembershipStatus.ACTIVE)
_PENDING = (MembershipStatus.WAITLISTED, MembershipStatus.OFFERED)
_OFFERED = (MembershipStatus.OFFERED,)
_ACTIVE = (MembershipStatus.ACTIVE,)


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
        return [m for m in self.members.values() if m.status in _SEATED]

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

    def active_in(self, group_id: UUID) -> list[UUID]:
        return [
            m.id
            for m in self.groups[group_id].members.values()
            if m.status is MembershipStatus.ACTIVE
        ]

    def open_goals(self, membership_id: UUID) -> list[UUID]:
        return [g.id for g in self.goals.values() if g.open and g.membership_id == membership_id]

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
            if (m := self.memberships[i]).core and m.status in _OPEN and m.group_id != group_id
        ]

    def open_memberships(self, company_id: UUID) -> list[ModelMembership]:
        return [
            m
            for i in self.companies[company_id].memberships
            if (m := self.memberships[i]).status in _OPEN
        ]


class MembershipMachine(RuleBasedStateMachine):
    """Random membership commands, valid and invalid, through a real `peernet.Network`.

    Every rule draws a command, predicts from the machine's own model whether peernet
    must accept or refuse it, executes it and checks: a refusal is a `PeerNetError` and
    records nothing; an accepted command records events that keep every rule, checked
    event by event against the model (a seat is offered only when one is free under the
    charter in force and no competitor is seated; wait-listed applicants are served in
    order of arrival; one open core membership per company; departed memberships never
    come back; each stream's business times move forward). Members set goals, report
    progress, and have them reviewed; they move to vote each other off: only active
    members set goals or vote, the subject never votes, one ballot per voter, a motion
    carries exactly when the charter's quorum and threshold are met, a member who leaves
    (voted off or otherwise) has no open goal, and the seat a vote-off frees is offered
    under the same capacity and non-compete rules. After every step the facade's read
    models must agree with the model.

    Subclass it, or call `membership_machine(...)`, to change the store (`store`: a URL,
    or a callable returning a fresh URL for each run), the charters groups are formed
    with (`charter_strategy`) or the companies' profiles (`profile_strategy`).
    """

    store: ClassVar["str | Callable[[], str]"] = "memory://"
    charter_strategy: ClassVar[st.SearchStrategy[Charter]] = _charters()
    profile_strategy: ClassVar[st.SearchStrategy[Profile]] = _profiles()
    #: the largest step the clock takes between two commands, in days
    max_days: ClassVar[int] = 45

    def __init__(self) -> None:
        super().__init__()
        store = type(self).store
        self.network = Network(store() if callable(store) else store)
        self.model = Model()
        self.now = T0
        self.serial = 0
        self.accepted: list[tuple[Command, tuple[Recorded, ...]]] = []
        self.seen_status: dict[UUID, MembershipStatus] = {}
        #: MemberFlagged events of the last command, for the rule that checks them
        self.flagged: list[MemberFlagged] = []

    def teardown(self) -> None:
        self.network.close()

    # --- drawing ------------------------------------------------------------------

    def _new_id(self, kind: str) -> UUID:
        self.serial += 1
        return uuid5(_IDS, f"{kind} {self.serial}")

    def _at(self, data: st.DataObject, max_days: int | None = None) -> datetime:
        """The next command's time: the clock moves forward by a drawn number of days;
        now and then a command is dated back, before what it touches."""
        most = self.max_days if max_days is None else max_days
        days = data.draw(st.integers(0, most), label="days later")
        if data.draw(st.integers(0, 15), label="backdated") == 15:
            return self.now - timedelta(days=days + 1)
        zone = data.draw(st.sampled_from(TIMEZONES), label="time zone")
        return (self.now + timedelta(days=days, hours=1)).astimezone(zone)

    def _pick(self, data: st.DataObject, known: Sequence[UUID], label: str) -> UUID:
        """One of `known`, or (rarely, or when none is known) an id nobody recorded."""
        if not known or data.draw(st.integers(0, 20), label=f"unknown {label}") == 20:
            return uuid5(_IDS, f"unknown {label}")
        return data.draw(st.sampled_from(known), label=label)

    def _actor(self, data: st.DataObject) -> str:
        return data.draw(actors(), label="actor")

    def _late(self, at: datetime, *stream_ids: UUID) -> bool:
        return any(
            at < self.model.stream_times[s] for s in stream_ids if s in self.model.stream_times
        )

    def _membership_command_expect(
        self, membership_id: UUID, at: datetime, allowed: tuple[MembershipStatus, ...]
    ) -> tuple[Expect, ModelMembership | None]:
        m = self.model.memberships.get(membership_id)
        # a departure withdraws the member's open goals, so it cannot predate their changes
        touched = (m.group_id, *self.model.open_goals(m.id)) if m else ()
        if m is None or m.status not in allowed or self._late(at, *touched):
            return Expect.REFUSED, m
        return Expect.ACCEPTED, m

    # --- executing ----------------------------------------------------------------

    def execute(
        self, command: Command, expect: Expect, *, may_record_nothing: bool = False
    ) -> tuple[Recorded, ...] | None:
        """Execute `command` through the facade and check what it recorded (or not)."""
        before = self.network.recorder.max_notification_id() or 0
        refusal: str | None = None
        try:
            records = self.network.execute(command)
        except PeerNetError as error:
            refusal = repr(error)
        if refusal is not None:
            after = self.network.recorder.max_notification_id() or 0
            assert before == after, f"refused {command!r} ({refusal}) yet the log moved"
            assert expect is not Expect.ACCEPTED, f"{command!r} was refused: {refusal}"
            return None
        after = self.network.recorder.max_notification_id() or 0
        events = then_recorded(records)
        assert expect is not Expect.REFUSED, f"{command!r} was accepted, recording {events}"
        assert records or may_record_nothing, f"{command!r} was accepted and recorded nothing"
        ledger = 1 if command.command_id is not None else 0
        assert before + len(records) + ledger == after, "the log grew by more than the records"
        self._observe(records)
        self.accepted.append((command, records))
        self.now = max(self.now, command.at)
        return records

    def _stamp(self, data: st.DataObject, max_days: int | None = None) -> dict[str, Any]:
        return {
            "actor": self._actor(data),
            "at": self._at(data, max_days),
            "command_id": self._new_id("command"),
        }

    # --- rules --------------------------------------------------------------------

    @initialize(data=st.data())
    def founding(self, data: st.DataObject) -> None:
        """A network starts with a few companies and groups, so seats move from step one."""
        for _ in range(data.draw(st.integers(3, 8), label="founding companies")):
            self.register_company(data)
        for _ in range(data.draw(st.integers(1, 2), label="founding groups")):
            self.form_group(data)
        for group_id in list(self.model.groups):
            self._fill(data, group_id)

    @precondition(lambda self: len(self.model.companies) < 12)
    @rule(data=st.data())
    def register_company(self, data: st.DataObject) -> None:
        again = self.model.companies and data.draw(st.integers(0, 10), label="reuse id") == 10
        company_id = (
            data.draw(st.sampled_from(list(self.model.companies)))
            if again
            else self._new_id("company")
        )
        profile = data.draw(self.profile_strategy, label="profile")
        command = RegisterCompany(profile=profile, company_id=company_id, **self._stamp(data))
        self.execute(command, Expect.REFUSED if again else Expect.ACCEPTED)

    @precondition(lambda self: len(self.model.groups) < 5)
    @rule(data=st.data())
    def form_group(self, data: st.DataObject) -> None:
        again = self.model.groups and data.draw(st.integers(0, 10), label="reuse id") == 10
        group_id = (
            data.draw(st.sampled_from(list(self.model.groups))) if again else self._new_id("group")
        )
        command = FormGroup(
            name=data.draw(st.sampled_from(("Forum", "Online", "Marketing"))),
            format=data.draw(st.sampled_from(GroupFormat), label="format"),
            kind=data.draw(st.sampled_from(GroupKind), label="kind"),
            charter=data.draw(self.charter_strategy, label="charter"),
            group_id=group_id,
            **self._stamp(data),
        )
        self.execute(command, Expect.REFUSED if again else Expect.ACCEPTED)

    @precondition(lambda self: self.model.companies and self.model.groups)
    @rule(data=st.data())
    def apply(self, data: st.DataObject) -> None:
        """One to three applications (applying is what fills groups and wait-lists)."""
        for _ in range(data.draw(st.integers(1, 3), label="applications")):
            self._apply_once(data)

    def _apply_once(self, data: st.DataObject) -> None:
        company_id = self._pick(data, list(self.model.companies), "company")
        group_id = self._pick(data, list(self.model.groups), "group")
        command = ApplyForMembership(
            company_id=company_id,
            group_id=group_id,
            membership_id=self._new_id("membership"),
            **self._stamp(data),
        )
        expect = self._expect_apply(command)
        group = self.model.groups.get(group_id)
        waits = (
            expect is Expect.ACCEPTED
            and group is not None
            and (
                self.model.competitor_seated(group, company_id)
                or len(group.seated()) >= group.charter.capacity
            )
        )
        records = self.execute(command, expect)
        if records is not None:
            answer = type(records[-1].event)
            expected = ApplicantWaitlisted if waits else SeatOffered
            assert expected is answer, f"{command!r}: {answer.__name__}, not {expected.__name__}"

    def _expect_apply(self, command: ApplyForMembership) -> Expect:
        company = self.model.companies.get(command.company_id)
        group = self.model.groups.get(command.group_id)
        if company is None or group is None or company.acquired or group.closed:
            return Expect.REFUSED
        if self._late(command.at, group.id, company.id):
            return Expect.REFUSED
        if any(m.group_id == group.id for m in self.model.open_memberships(company.id)):
            return Expect.REFUSED
        core = group.kind is GroupKind.CORE
        if (
            core
            and group.charter.one_core_group
            and self.model.open_core_elsewhere(company.id, group.id)
        ):
            return Expect.REFUSED
        return Expect.ACCEPTED

    def _any(self, statuses: tuple[MembershipStatus, ...]) -> bool:
        return any(m.status in statuses for m in self.model.memberships.values())

    def _memberships(self, *statuses: MembershipStatus) -> list[UUID]:
        """Memberships to name: mostly those in `statuses`, but any may be drawn."""
        return [i for i, m in self.model.memberships.items() if m.status in statuses] or list(
            self.model.memberships
        )

    def _membership(self, data: st.DataObject, *statuses: MembershipStatus) -> UUID:
        if data.draw(st.integers(0, 3), label="any membership") == 3:
            return self._pick(data, list(self.model.memberships), "membership")
        return self._pick(data, self._memberships(*statuses), "membership")

    @precondition(lambda self: self.model.companies and self.model.groups)
    @rule(data=st.data())
    def fill_group(self, data: st.DataObject) -> None:
        """Several companies apply to one group and take the seats they are offered, so
        groups grow big enough to vote one another off."""
        self._fill(data, data.draw(st.sampled_from(list(self.model.groups)), label="group"))

    def _fill(self, data: st.DataObject, group_id: UUID) -> None:
        for company_id in data.draw(
            st.lists(st.sampled_from(list(self.model.companies)), max_size=5, unique=True),
            label="applicants",
        ):
            command = ApplyForMembership(
                company_id=company_id,
                group_id=group_id,
                membership_id=self._new_id("membership"),
                actor="staff",
                at=self.now,
                command_id=self._new_id("command"),
            )
            records = self.execute(command, self._expect_apply(command))
            if records is None or not isinstance(records[-1].event, SeatOffered):
                continue
            for step in (SignAgreement, TakeSeat):
                seat = step(
                    membership_id=command.membership_id,
                    actor="staff",
                    at=self.now,
                    command_id=self._new_id("command"),
                )
                self.execute(seat, Expect.ACCEPTED)

    @precondition(lambda self: self._any(_OPEN))
    @rule(data=st.data())
    def sign(self, data: st.DataObject) -> None:
        membership_id = self._membership(data, MembershipStatus.OFFERED)
        command = SignAgreement(membership_id=membership_id, **self._stamp(data))
        expect, m = self._membership_command_expect(membership_id, command.at, _OPEN)
        if m is not None and m.signed:
            expect = Expect.REFUSED
        self.execute(command, expect)

    @precondition(lambda self: self._any(_OFFERED))
    @rule(data=st.data())
    def take_seat(self, data: st.DataObject) -> None:
        membership_id = self._membership(data, MembershipStatus.OFFERED)
        command = TakeSeat(membership_id=membership_id, **self._stamp(data))
        expect, m = self._membership_command_expect(
            membership_id, command.at, (MembershipStatus.OFFERED,)
        )
        required = m is not None and self.model.groups[m.group_id].charter.agreement_required
        if m is not None and required and not m.signed:
            expect = Expect.REFUSED
        self.execute(command, expect)

    @precondition(lambda self: self._any(_OFFERED))
    @rule(data=st.data())
    def sign_and_take_seat(self, data: st.DataObject) -> None:
        """The usual path of an offer: sign the agreement (unless signed) and take the seat."""
        offered = [
            m for m in self.model.memberships.values() if m.status is MembershipStatus.OFFERED
        ]
        if not offered:
            return
        m = data.draw(st.sampled_from(offered), label="offer")
        if not m.signed:
            command: Command = SignAgreement(membership_id=m.id, **self._stamp(data))
            late = self._late(command.at, m.group_id)
            if self.execute(command, Expect.REFUSED if late else Expect.ACCEPTED) is None:
                return
        command = TakeSeat(membership_id=m.id, **self._stamp(data))
        late = self._late(command.at, m.group_id)
        self.execute(command, Expect.REFUSED if late else Expect.ACCEPTED)

    @precondition(lambda self: self._any(_OFFERED))
    @rule(data=st.data())
    def decline(self, data: st.DataObject) -> None:
        membership_id = self._membership(data, MembershipStatus.OFFERED)
        command = DeclineSeat(membership_id=membership_id, **self._stamp(data))
        expect, _ = self._membership_command_expect(
            membership_id, command.at, (MembershipStatus.OFFERED,)
        )
        self.execute(command, expect)

    @precondition(lambda self: self._any(_PENDING))
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        pending = (MembershipStatus.WAITLISTED, MembershipStatus.OFFERED)
        membership_id = self._membership(data, *pending)
        command = WithdrawApplication(membership_id=membership_id, **self._stamp(data))
        expect, _ = self._membership_command_expect(membership_id, command.at, pending)
        self.execute(command, expect)

    @precondition(lambda self: self._any(_ACTIVE))
    @rule(data=st.data())
    def resign(self, data: st.DataObject) -> None:
        membership_id = self._membership(data, MembershipStatus.ACTIVE)
        command = Resign(membership_id=membership_id, reason="moving on", **self._stamp(data))
        expect, _ = self._membership_command_expect(
            membership_id, command.at, (MembershipStatus.ACTIVE,)
        )
        self.execute(command, expect)

    @precondition(lambda self: self._any(_ACTIVE))
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        membership_id = self._membership(data, MembershipStatus.ACTIVE)
        command = RemoveMember(
            membership_id=membership_id,
            cause=data.draw(st.sampled_from(RemovalCause), label="cause"),
            **self._stamp(data),
        )
        expect, _ = self._membership_command_expect(
            membership_id, command.at, (MembershipStatus.ACTIVE,)
        )
        self.execute(command, expect)

    @precondition(lambda self: self._any(_ACTIVE))
    @rule(data=st.data())
    def transfer(self, data: st.DataObject) -> None:
        membership_id = self._membership(data, MembershipStatus.ACTIVE)
        held = self.model.memberships.get(membership_id)
        others = [g for g in self.model.groups if held is None or g != held.group_id]
        to_group_id = self._pick(data, others or list(self.model.groups), "target group")
        command = TransferMember(
            membership_id=membership_id,
            to_group_id=to_group_id,
            new_membership_id=self._new_id("membership"),
            **self._stamp(data),
        )
        self.execute(command, self._expect_transfer(command))

    def _expect_transfer(self, command: TransferMember) -> Expect:  # noqa: PLR0911 - one per rule
        expect, m = self._membership_command_expect(
            command.membership_id, command.at, (MembershipStatus.ACTIVE,)
        )
        target = self.model.groups.get(command.to_group_id)
        if m is None or expect is Expect.REFUSED or target is None or target.closed:
            return Expect.REFUSED
        if target.id == m.group_id or self._late(command.at, target.id, m.company_id):
            return Expect.REFUSED
        if any(x.group_id == target.id for x in self.model.open_memberships(m.company_id)):
            return Expect.REFUSED
        elsewhere = [
            x
            for x in self.model.open_core_elsewhere(m.company_id, target.id)
            if x.group_id != m.group_id
        ]
        if target.kind is GroupKind.CORE and target.charter.one_core_group and elsewhere:
            return Expect.REFUSED
        if self.model.competitor_seated(target, m.company_id):
            return Expect.REFUSED
        if len(target.seated()) >= target.charter.capacity:
            return Expect.REFUSED
        return Expect.ACCEPTED

    @precondition(lambda self: self._any(_ACTIVE))
    @rule(data=st.data())
    def graduate(self, data: st.DataObject) -> None:
        virtual = [
            m.id
            for m in self.model.memberships.values()
            if m.status is MembershipStatus.ACTIVE
            and self.model.groups[m.group_id].format is GroupFormat.VIRTUAL
        ]
        membership_id = (
            data.draw(st.sampled_from(virtual), label="virtual member")
            if virtual and data.draw(st.integers(0, 3), label="any membership") < 3
            else self._membership(data, MembershipStatus.ACTIVE)
        )
        stamp = self._stamp(data, max_days=4 * self.max_days)  # programmes last months
        command = GraduateMember(membership_id=membership_id, **stamp)
        expect, m = self._membership_command_expect(
            membership_id, command.at, (MembershipStatus.ACTIVE,)
        )
        if m is not None and expect is Expect.ACCEPTED:
            group = self.model.groups[m.group_id]
            assert m.joined_at is not None
            months = group.charter.programme_months
            early = command.at < m.joined_at + timedelta(days=28 * months)
            if group.format is not GroupFormat.VIRTUAL or early:
                expect = Expect.REFUSED
            elif command.at < m.joined_at + timedelta(days=31 * months):
                expect = Expect.EITHER  # the month's length decides
        self.execute(command, expect)

    @precondition(lambda self: len(self.model.memberships) >= 3)
    @rule(data=st.data())
    def acquisition(self, data: st.DataObject) -> None:
        company_id = self._pick(data, list(self.model.companies), "company")
        command = RecordAcquisition(
            company_id=company_id, acquirer="BigCo Holdings", **self._stamp(data)
        )
        company = self.model.companies.get(company_id)
        touched = [company_id]
        for m in self.model.open_memberships(company_id) if company else []:
            touched += [m.group_id, *self.model.open_goals(m.id)]
        refused = company is None or company.acquired or self._late(command.at, *touched)
        self.execute(command, Expect.REFUSED if refused else Expect.ACCEPTED)

    @precondition(lambda self: self.model.groups)
    @rule(data=st.data())
    def amend_charter(self, data: st.DataObject) -> None:
        group_id = self._pick(data, list(self.model.groups), "group")
        command = AmendCharter(
            group_id=group_id,
            charter=data.draw(self.charter_strategy, label="charter"),
            **self._stamp(data),
        )
        group = self.model.groups.get(group_id)
        refused = group is None or group.closed or self._late(command.at, group_id)
        self.execute(command, Expect.REFUSED if refused else Expect.ACCEPTED)

    @precondition(lambda self: len(self.model.memberships) >= 3)
    @rule(data=st.data())
    def close_group(self, data: st.DataObject) -> None:
        group_id = self._pick(data, list(self.model.groups), "group")
        command = CloseGroup(group_id=group_id, reason="wound down", **self._stamp(data))
        group = self.model.groups.get(group_id)
        refused = (
            group is None
            or group.closed
            or self._late(command.at, group_id)
            or any(m.status is MembershipStatus.ACTIVE for m in group.members.values())
        )
        self.execute(command, Expect.REFUSED if refused else Expect.ACCEPTED)

    # --- goals and motions -------------------------------------------------------

    def _goal(self, data: st.DataObject, *, open_only: bool = True) -> UUID:
        known = [g.id for g in self.model.goals.values() if g.open or not open_only]
        return self._pick(data, known or list(self.model.goals), "goal")

    def _goal_command_expect(self, goal_id: UUID, at: datetime) -> Expect:
        goal = self.model.goals.get(goal_id)
        if goal is None or not goal.open or self._late(at, goal_id):
            return Expect.REFUSED
        return Expect.ACCEPTED

    @precondition(lambda self: self._any(_ACTIVE))
    @rule(data=st.data())
    def set_goal(self, data: st.DataObject) -> None:
        membership_id = self._membership(data, MembershipStatus.ACTIVE)
        stamp = self._stamp(data)
        m = self.model.memberships.get(membership_id)
        categories = self.model.groups[m.group_id].charter.goal_categories if m else ("other",)
        category = data.draw(st.sampled_from((*categories, "astrology")), label="category")
        days = data.draw(st.integers(0, 3 * self.max_days), label="due in days")
        command = SetGoal(
            membership_id=membership_id,
            target=Target(
                statement="grow recurring revenue",
                category=category,
                value=Decimal(data.draw(st.integers(1, 100), label="target")),
                unit="%",
                due=stamp["at"].astimezone(UTC).date() + timedelta(days=days),
            ),
            goal_id=self._new_id("goal"),
            **stamp,
        )
        fits = self.model.is_active(membership_id) and category in categories
        self.execute(command, Expect.ACCEPTED if fits else Expect.REFUSED)

    @precondition(lambda self: self.model.goals)
    @rule(data=st.data())
    def report_progress(self, data: st.DataObject) -> None:
        goal_id = self._goal(data)
        value = Decimal(data.draw(st.integers(0, 120), label="progress"))
        command = ReportProgress(goal_id=goal_id, value=value, **self._stamp(data))
        self.execute(command, self._goal_command_expect(goal_id, command.at))

    @precondition(lambda self: self.model.goals)
    @rule(data=st.data())
    def withdraw_goal(self, data: st.DataObject) -> None:
        goal_id = self._goal(data)
        command = WithdrawGoal(goal_id=goal_id, reason="no longer relevant", **self._stamp(data))
        self.execute(command, self._goal_command_expect(goal_id, command.at))

    @precondition(lambda self: self.model.goals)
    @rule(data=st.data())
    def review_goals(self, data: st.DataObject) -> None:
        """Decide the goals due by the review's date: met, or missed (and flag a streak)."""
        group_id = self._pick(data, list(self.model.groups), "group")
        stamp = self._stamp(data, max_days=2 * self.max_days)
        ahead = data.draw(st.integers(0, 10), label="due by, days ahead") == 10
        due_by = stamp["at"].astimezone(UTC).date() + timedelta(days=1 if ahead else 0)
        command = ReviewGoals(group_id=group_id, due_by=due_by, **stamp)
        group = self.model.groups.get(group_id)
        due = [
            g.id
            for g in self.model.goals.values()
            if g.group_id == group_id and g.open and g.due <= due_by
        ]
        late = self._late(command.at, group_id, *due)
        refused = group is None or group.closed or ahead or late
        if self.execute(
            command, Expect.REFUSED if refused else Expect.ACCEPTED, may_record_nothing=not due
        ):
            undecided = [g for g in due if self.model.goals[g].open]
            assert not undecided, f"review by {due_by} left goals {undecided} open"

    def _motion(self, data: st.DataObject) -> UUID:
        known = [x.id for x in self.model.motions.values() if not x.closed]
        return self._pick(data, known or list(self.model.motions), "motion")

    def _closing(self, motion: ModelMotion, at: datetime) -> Expect:
        """A motion that closes carried removes a member still seated, which writes to the
        group's stream too: refused when dated before the group's last event."""
        subject = motion.subject_id
        touched = (motion.group_id, *self.model.open_goals(subject))
        if self.model.is_active(subject) and self._late(at, *touched):
            return Expect.EITHER
        return Expect.ACCEPTED

    @precondition(lambda self: self._any(_ACTIVE))
    @rule(data=st.data())
    def raise_removal(self, data: st.DataObject) -> None:
        """An active member moves to vote another off the island."""
        movers = [
            i
            for i, m in self.model.memberships.items()
            if m.status is MembershipStatus.ACTIVE and len(self.model.active_in(m.group_id)) > 1
        ]
        raised_by = self._pick(data, movers or self._memberships(*_ACTIVE), "mover")
        m = self.model.memberships.get(raised_by)
        peers = self.model.active_in(m.group_id) if m else []
        others = [p for p in peers if p != raised_by]
        anyone = data.draw(st.integers(0, 5), label="any peer, the mover too") == 5
        subject = self._pick(data, peers if anyone else others or peers, "subject")
        stamp = self._stamp(data)
        command = RaiseMotion(
            group_id=m.group_id if m else self._pick(data, [], "group"),
            raised_by=raised_by,
            kind=MotionKind.REMOVAL,
            deadline=stamp["at"] + timedelta(days=data.draw(st.integers(1, 30), label="open for")),
            subject_id=subject,
            cause=data.draw(st.sampled_from(MotionCause), label="cause"),
            motion_id=self._new_id("motion"),
            **stamp,
        )
        fits = self.model.is_active(raised_by) and subject != raised_by and subject in peers
        if self.execute(command, Expect.ACCEPTED if fits else Expect.REFUSED):
            self.cast_ballots(data, command.motion_id)

    @precondition(lambda self: self.model.motions)
    @rule(data=st.data())
    def vote(self, data: st.DataObject) -> None:
        self.cast_ballots(data, self._motion(data))

    def cast_ballots(self, data: st.DataObject, motion_id: UUID) -> None:
        """None to a few ballots on one motion, mostly from its electorate."""
        motion = self.model.motions.get(motion_id)
        voters = [*motion.electorate, motion.subject_id] if motion else []
        for _ in range(data.draw(st.integers(0, len(voters) + 1), label="ballots")):
            voter = self._pick(data, voters, "voter")
            stamp = self._stamp(data, max_days=5)  # ballots come within days
            in_favour = data.draw(st.booleans(), label="in favour")
            command = CastBallot(motion_id=motion_id, voter_id=voter, in_favour=in_favour, **stamp)
            self.execute(command, self._expect_ballot(command, motion))

    def _expect_ballot(self, command: CastBallot, motion: ModelMotion | None) -> Expect:
        if motion is None or motion.closed or self._late(command.at, motion.id):
            return Expect.REFUSED
        voter = command.voter_id
        if voter not in motion.electorate or voter in motion.ballots:
            return Expect.REFUSED
        if command.at > motion.deadline or not self.model.is_active(voter):
            return Expect.REFUSED
        outstanding = [
            v
            for v in motion.electorate
            if v != voter and v not in motion.ballots and self.model.is_active(v)
        ]
        return Expect.ACCEPTED if outstanding else self._closing(motion, command.at)

    @precondition(lambda self: self.model.motions)
    @rule(data=st.data())
    def close_motion(self, data: st.DataObject) -> None:
        """Count the ballots at (or, refused, before) the deadline; a group that has
        closed counts no more."""
        motion_id = self._motion(data)
        command = CloseMotion(motion_id=motion_id, **self._stamp(data))
        motion = self.model.motions.get(motion_id)
        if (
            motion is None
            or motion.closed
            or self._late(command.at, motion_id)
            or command.at < motion.deadline
            or self.model.groups[motion.group_id].closed
        ):
            expect = Expect.REFUSED
        else:
            expect = self._closing(motion, command.at)
        self.execute(command, expect)

    # --- meetings and money -----------------------------------------------------------

    def _meeting(self, data: st.DataObject) -> UUID:
        known = [x.id for x in self.model.meetings.values() if x.open]
        return self._pick(data, known or list(self.model.meetings), "meeting")

    def _meeting_expect(
        self, meeting_id: UUID, at: datetime, *, reads_group: bool = True
    ) -> Expect:
        """Refused for an unknown or finished meeting, or one dated back; a command that
        reads the group is refused too once the group has closed."""
        meeting = self.model.meetings.get(meeting_id)
        if meeting is None or not meeting.open or self._late(at, meeting_id):
            return Expect.REFUSED
        if reads_group and self.model.groups[meeting.group_id].closed:
            return Expect.REFUSED
        return Expect.ACCEPTED

    @precondition(lambda self: self.model.groups)
    @rule(data=st.data())
    def schedule_meeting(self, data: st.DataObject) -> None:
        group_id = self._pick(data, list(self.model.groups), "group")
        stamp = self._stamp(data)
        starts = stamp["at"].astimezone(UTC).date() + timedelta(
            days=data.draw(st.integers(0, 20), label="starts in days")
        )
        command = ScheduleMeeting(
            group_id=group_id,
            starts=starts,
            ends=starts + timedelta(days=data.draw(st.integers(0, 2), label="days")),
            venue="Hall",
            meeting_id=self._new_id("meeting"),
            **stamp,
        )
        group = self.model.groups.get(group_id)
        refused = group is None or group.closed or self._late(command.at, group_id)
        self.execute(command, Expect.REFUSED if refused else Expect.ACCEPTED)

    @precondition(lambda self: self.model.meetings)
    @rule(data=st.data())
    def take_roll(self, data: st.DataObject) -> None:
        meeting_id = self._meeting(data)
        meeting = self.model.meetings.get(meeting_id)
        known = list(meeting.expected) if meeting and meeting.expected else []
        named = (
            data.draw(
                st.lists(st.sampled_from(known or self._memberships(*_ACTIVE)), max_size=4),
                label="on the roll",
            )
            if known or self.model.memberships
            else []
        )
        marks = {m: data.draw(st.sampled_from(Attendance), label="mark") for m in named}
        command = TakeRoll(meeting_id=meeting_id, attendance=marks, **self._stamp(data))
        expect = self._meeting_expect(meeting_id, command.at)
        if not marks or (meeting and any(m not in meeting.expected for m in marks)):
            expect = Expect.REFUSED
        self.execute(command, expect)

    @precondition(lambda self: self.model.meetings)
    @rule(data=st.data())
    def record_cost(self, data: st.DataObject) -> None:
        """An expense or a sponsorship; now and then of no amount, or in another currency."""
        meeting_id = self._meeting(data)
        cents = data.draw(st.integers(-100, 500_000), label="cents")
        currency = data.draw(st.sampled_from(("USD", "USD", "USD", "EUR")), label="currency")
        amount = Money(Decimal(cents) / 100, currency)
        stamp = self._stamp(data)
        command: Command
        if data.draw(st.booleans(), label="sponsored"):
            command = RecordSponsorship(
                meeting_id=meeting_id, sponsor="Vendor", amount=amount, **stamp
            )
        else:
            command = RecordExpense(
                meeting_id=meeting_id, kind=ExpenseKind.FOOD, amount=amount, **stamp
            )
        expect = self._meeting_expect(meeting_id, command.at)
        meeting = self.model.meetings.get(meeting_id)
        charter = self.model.groups[meeting.group_id].charter if meeting else None
        if charter is None or cents <= 0 or currency != charter.currency:
            expect = Expect.REFUSED
        self.execute(command, expect)

    @precondition(lambda self: self.model.meetings)
    @rule(data=st.data())
    def close_meeting(self, data: st.DataObject) -> None:
        meeting_id = self._meeting(data)
        command = CloseMeeting(meeting_id=meeting_id, **self._stamp(data, max_days=30))
        expect = self._meeting_expect(meeting_id, command.at)
        meeting = self.model.meetings.get(meeting_id)
        if meeting is not None and command.at.date() < meeting.ends:
            expect = Expect.REFUSED
        if meeting is not None and expect is Expect.ACCEPTED:
            due = [
                g.id
                for g in self.model.goals.values()
                if g.group_id == meeting.group_id and g.open and g.due <= meeting.ends
            ]
            if self._late(command.at, meeting.group_id, *due):
                expect = Expect.EITHER  # a flag, or a goal decided, may not predate its stream
        self.flagged = []
        if self.execute(command, expect) and meeting is not None:
            self._check_close(meeting)

    def _check_close(self, meeting: ModelMeeting) -> None:
        """The attendance rule flagged exactly those over it; goals due are decided."""
        group = self.model.groups[meeting.group_id]
        charter = group.charter
        over = set()
        assert meeting.closed_expected is not None
        for member in meeting.closed_expected:
            if not self.model.is_active(member):
                continue
            held = sorted(
                (
                    x
                    for x in self.model.meetings.values()
                    if x.group_id == group.id
                    and x.closed_expected is not None
                    and member in x.closed_expected
                ),
                key=lambda x: (x.starts, str(x.id)),
            )[-charter.attendance_window :]
            missed = sum(
                (x.marks.get(member, Attendance.ABSENT).miss(charter.partial_miss) for x in held),
                Fraction(0),
            )
            if missed > charter.misses_allowed:
                over.add(member)
        flagged = {f.membership_id for f in self.flagged if "meetings" in f.reason}
        assert over == flagged, f"attendance flags {flagged}, expected {over}"
        undecided = [
            g.id
            for g in self.model.goals.values()
            if g.group_id == group.id and g.open and g.due <= meeting.ends
        ]
        assert not undecided, f"closing {meeting.id} left goals {undecided} open"

    @precondition(lambda self: self.model.meetings)
    @rule(data=st.data())
    def cancel_meeting(self, data: st.DataObject) -> None:
        meeting_id = self._meeting(data)
        command = CancelMeeting(meeting_id=meeting_id, reason="snowed in", **self._stamp(data))
        self.execute(command, self._meeting_expect(meeting_id, command.at, reads_group=False))

    @precondition(lambda self: self.model.groups)
    @rule(data=st.data())
    def charge_dues(self, data: st.DataObject) -> None:
        """A month's dues, charged once whatever the order or repetition."""
        group_id = self._pick(data, list(self.model.groups), "group")
        stamp = self._stamp(data)
        today = stamp["at"].astimezone(UTC).date()
        back = data.draw(st.integers(-1, 3), label="months back")
        month = (
            datetime(today.year, today.month, 1, tzinfo=UTC) - timedelta(days=28 * back)
        ).date()
        command = ChargeDues(group_id=group_id, month=month, **stamp)
        group = self.model.groups.get(group_id)
        if group is None or group.closed or command.month > today:
            expect = Expect.REFUSED
        else:
            companies = {m.company_id for m in group.members.values()}
            expect = Expect.EITHER if self._late(command.at, *companies) else Expect.ACCEPTED
        if self.execute(command, expect, may_record_nothing=True) and group is not None:
            start = command.month
            end = (datetime(start.year, start.month, 28, tzinfo=UTC) + timedelta(days=4)).date()
            end = end.replace(day=1)
            for m in group.members.values():
                if m.joined_at is None or m.joined_at.date() >= end:
                    continue
                if m.left_at is not None and m.left_at.date() < start:
                    continue
                assert (m.id, start) in self.model.dues, f"{m.id} not charged for {start}"

    @precondition(lambda self: self.accepted)
    @rule(data=st.data())
    def execute_again(self, data: st.DataObject) -> None:
        """A command executed again under its command id records nothing and returns
        what it recorded the first time; under another command's kind it is refused."""
        command, first = data.draw(st.sampled_from(self.accepted), label="earlier command")
        assert command.command_id is not None
        with nothing_recorded(self.network):
            if data.draw(st.booleans(), label="same command"):
                assert first == self.network.execute(command)
                return
            other: Command = (
                CloseGroup(group_id=self._new_id("group"), actor="staff", at=self.now)
                if not isinstance(command, CloseGroup)
                else Resign(membership_id=self._new_id("membership"), actor="staff", at=self.now)
            )
            other = attrs.evolve(other, command_id=command.command_id)
            try:
                self.network.execute(other)
            except CommandIdReused:
                return
            raise AssertionError(f"{other!r} reused the id of {command!r} and was not refused")

    # --- the model, folded event by event, checking each rule as it goes -------------

    def _observe(self, records: Sequence[Recorded]) -> None:
        for r in records:
            last = self.model.stream_times.get(r.stream_id)
            assert last is None or last <= r.event.at, (
                f"{type(r.event).__name__} at {r.event.at} lands after {last} in {r.stream_id}"
            )
            self.model.stream_times[r.stream_id] = r.event.at
            self._fold(r.event)
        for m in self.model.memberships.values():
            assert m.status is not None, f"membership {m.id} was applied and never answered"
        for goal in self.model.goals.values():
            assert not goal.open or self.model.is_active(goal.membership_id), (
                f"goal {goal.id} is still open after its member {goal.membership_id} left"
            )

    def _fold(self, event: Event) -> None:  # noqa: PLR0912 - one case per kind of event
        model = self.model
        match event:
            case CompanyRegistered():
                model.companies[event.company_id] = ModelCompany(
                    id=event.company_id, profile=event.profile, last_at=event.at
                )
            case GroupFormed():
                model.groups[event.group_id] = ModelGroup(
                    id=event.group_id,
                    kind=event.kind,
                    format=event.format,
                    charter=event.charter,
                    last_at=event.at,
                )
            case CompanyAcquired():
                model.companies[event.company_id].acquired = True
            case CharterAmended():
                model.groups[event.group_id].charter = event.charter
            case GroupClosed():
                group = model.groups[event.group_id]
                still = [m.id for m in group.members.values() if m.status in _OPEN]
                assert not still, f"group {group.id} closed with open memberships {still}"
                group.closed = True
            case MembershipApplied():
                self._applied(event)
            case ApplicantWaitlisted():
                m = model.memberships[event.membership_id]
                assert m.status is None, f"{m.id} wait-listed again from {m.status}"
                m.status = MembershipStatus.WAITLISTED
                model.groups[event.group_id].arrivals.append(m.id)
            case SeatOffered():
                self._offered(event)
            case AgreementSigned():
                m = model.memberships[event.membership_id]
                assert m.status in _OPEN, f"{m.id} signed while {m.status}"
                assert not m.signed, f"{m.id} signed twice"
                m.signed = True
            case MemberJoined():
                self._joined(event)
            case MemberVotedOff():
                carried = model.motions[event.motion_id]
                assert carried.closed, f"{event!r} before its motion closed"
                assert carried.carried(), f"{event!r} after a motion that failed"
                assert carried.subject_id == event.membership_id, f"{event!r} names another"
                self._departed(event, event.membership_id)
            case MemberFlagged():
                assert model.is_active(event.membership_id), f"{event!r} flags a non-member"
                self.flagged.append(event)
            case GoalEvent():
                self._goal_event(event)
            case MotionEvent():
                self._motion_event(event)
            case MeetingEvent() | CostEvent() | DuesCharged():
                self._session_event(event)
            case _ if type(event) in _DEPARTED_FROM:
                self._departed(event, getattr(event, "membership_id"))  # noqa: B009
            case _:
                raise AssertionError(f"the machine does not expect {event!r}")

    def _departed(self, event: Event, membership_id: UUID) -> None:
        m = self.model.memberships[membership_id]
        assert m.status in _DEPARTED_FROM[type(event)], (
            f"{type(event).__name__} for membership {m.id} while {m.status}"
        )
        m.status = _DEPARTED_TO[type(event)]
        m.left_at = event.at

    def _session_event(self, event: MeetingEvent | CostEvent | DuesCharged) -> None:
        model = self.model
        match event:
            case MeetingScheduled():
                expected = tuple(sorted(model.active_in(event.group_id), key=str))
                assert expected == event.expected, f"meeting {event.meeting_id} expects others"
                model.meetings[event.meeting_id] = ModelMeeting(
                    id=event.meeting_id,
                    group_id=event.group_id,
                    starts=event.starts,
                    ends=event.ends,
                    expected=event.expected,
                )
            case AttendanceRecorded():
                meeting = model.meetings[event.meeting_id]
                assert event.membership_id in meeting.expected, f"{event!r} of a stranger"
                meeting.marks[event.membership_id] = event.attendance
            case ExpenseRecorded():
                model.meetings[event.meeting_id or _NONE].spent += event.amount.amount
            case SponsorshipRecorded():
                model.meetings[event.meeting_id or _NONE].sponsored += event.amount.amount
            case MeetingClosed():
                meeting = model.meetings[event.meeting_id]
                assert meeting.open, f"meeting {meeting.id} closed twice"
                for member in event.expected:
                    m = model.memberships[member]
                    assert member in meeting.expected, f"{member} shares a meeting not theirs"
                    assert m.status is MembershipStatus.ACTIVE or (
                        m.left_at is not None and m.left_at.date() > meeting.ends
                    ), f"{member} left before {meeting.id} and still shares its costs"
                unmarked = [x for x in event.expected if x not in meeting.marks]
                assert not unmarked, f"closed {meeting.id} with {unmarked} not on the roll"
                meeting.open = False
                meeting.closed_expected = event.expected
            case MeetingCancelled():
                meeting = model.meetings[event.meeting_id]
                assert meeting.open, f"meeting {meeting.id} cancelled after it closed"
                meeting.open = False
            case CostsShared():
                self._costs_shared(event)
            case DuesCharged():
                key = (event.membership_id, event.month)
                assert key not in model.dues, f"dues {key} charged twice"
                model.dues.add(key)

    def _costs_shared(self, event: CostsShared) -> None:
        meeting = self.model.meetings[event.meeting_id or _NONE]
        assert meeting.closed_expected is not None, "costs shared before the close"
        net = max(Decimal(0), meeting.spent - meeting.sponsored)
        assert event.net.amount == net, f"net {event.net} of {meeting.id}, expected {net}"
        if meeting.closed_expected:  # else nobody was there to share it: the network bears it
            assert sum(s.amount.amount for s in event.shares) == net, "shares do not add up"
        assert {s.membership_id for s in event.shares} == set(meeting.closed_expected)
        amounts = [s.amount.amount for s in event.shares]
        assert not amounts or max(amounts) - min(amounts) <= Decimal("0.01"), amounts

    def _goal_event(self, event: GoalEvent) -> None:
        model = self.model
        if isinstance(event, GoalSet):
            assert model.is_active(event.membership_id), f"{event!r} set by a non-member"
            assert event.goal_id not in model.goals, f"goal {event.goal_id} set twice"
            model.goals[event.goal_id] = ModelGoal(
                id=event.goal_id,
                membership_id=event.membership_id,
                group_id=event.group_id,
                due=event.target.due,
            )
            return
        goal = model.goals[event.goal_id]
        assert goal.open, f"{type(event).__name__} for goal {goal.id}, already decided"
        if isinstance(event, GoalMet | GoalMissed):
            assert goal.due <= event.at.date(), f"goal {goal.id} decided before it fell due"
        if isinstance(event, GoalMet | GoalMissed | GoalWithdrawn):
            goal.open = False
        else:
            assert model.is_active(goal.membership_id), f"{event!r} for a departed member"

    def _motion_event(self, event: MotionEvent) -> None:
        model = self.model
        match event:
            case MotionRaised():
                assert event.subject_id is not None
                others = sorted(
                    (m for m in model.active_in(event.group_id) if m != event.subject_id), key=str
                )
                assert model.is_active(event.raised_by), f"{event!r} raised by a non-member"
                assert model.is_active(event.subject_id), f"{event!r} against a non-member"
                assert list(event.electorate) == others, f"electorate of {event.motion_id}"
                model.motions[event.motion_id] = ModelMotion(
                    id=event.motion_id,
                    group_id=event.group_id,
                    subject_id=event.subject_id,
                    electorate=event.electorate,
                    deadline=event.deadline,
                    quorum=event.quorum,
                    threshold=event.threshold,
                )
            case BallotCast():
                motion = model.motions[event.motion_id]
                assert not motion.closed, f"ballot on closed motion {motion.id}"
                assert event.voter_id != motion.subject_id, f"the subject voted on {motion.id}"
                assert event.voter_id in motion.electorate, f"outsider voted on {motion.id}"
                assert event.voter_id not in motion.ballots, f"second ballot on {motion.id}"
                motion.ballots[event.voter_id] = event.in_favour
            case MotionCarried() | MotionFailed():
                motion = model.motions[event.motion_id]
                assert not motion.closed, f"motion {motion.id} closed twice"
                carried = isinstance(event, MotionCarried)
                assert carried is motion.carried(), (
                    f"motion {motion.id}: {type(event).__name__} with ballots {motion.ballots}"
                )
                motion.closed = True
            case _:
                raise AssertionError(f"the machine does not expect {event!r}")

    def _applied(self, event: MembershipApplied) -> None:
        model = self.model
        group, company = model.groups[event.group_id], model.companies[event.company_id]
        assert not group.closed, f"{company.id} applied to closed group {group.id}"
        assert not company.acquired, f"acquired company {company.id} applied to {group.id}"
        open_here = [m.id for m in model.open_memberships(company.id) if m.group_id == group.id]
        assert not open_here, f"{company.id} applied twice to {group.id}: {open_here}"
        if event.core and group.charter.one_core_group:
            elsewhere = [
                m.id
                for m in model.open_core_elsewhere(company.id, group.id)
                if m.id != event.transferred_from
            ]
            assert not elsewhere, f"{company.id} holds core memberships {elsewhere} already"
        m = ModelMembership(
            id=event.membership_id, company_id=company.id, group_id=group.id, core=event.core
        )
        model.memberships[m.id] = m
        group.members[m.id] = m
        company.memberships.append(m.id)

    def _check_free_seat(self, group: ModelGroup, m: ModelMembership) -> None:
        seated = group.seated()
        assert len(seated) < group.charter.capacity, (
            f"seat given to {m.id} in {group.id} with {len(seated)} seated, "
            f"capacity {group.charter.capacity}"
        )
        rivals = [s.company_id for s in seated if self.model.competes(m.company_id, s.company_id)]
        assert not (group.charter.non_compete and rivals), (
            f"seat given to {m.company_id} in {group.id} beside competitors {rivals}"
        )

    def _offered(self, event: SeatOffered) -> None:
        model = self.model
        m, group = model.memberships[event.membership_id], model.groups[event.group_id]
        assert m.status in (None, MembershipStatus.WAITLISTED), f"{m.id} offered while {m.status}"
        self._check_free_seat(group, m)
        if m.status is MembershipStatus.WAITLISTED:
            for earlier in group.waiting():
                if earlier == m.id:
                    break
                waiting = model.memberships[earlier]
                assert model.competitor_seated(group, waiting.company_id), (
                    f"{m.id} was offered a seat before {earlier}, who waited longer and "
                    "competes with nobody seated"
                )
        m.status = MembershipStatus.OFFERED

    def _joined(self, event: MemberJoined) -> None:
        model = self.model
        m, group = model.memberships[event.membership_id], model.groups[event.group_id]
        if event.transferred_from is not None:
            assert m.status is None, f"transfer into {m.id} while {m.status}"
            self._check_free_seat(group, m)
            m.signed = True
        else:
            assert m.status is MembershipStatus.OFFERED, f"{m.id} joined while {m.status}"
            assert m.signed or not group.charter.agreement_required, f"{m.id} joined unsigned"
        m.status = MembershipStatus.ACTIVE
        m.joined_at = event.at

    # --- invariants: the facade's read models agree with the model ---------------------

    @invariant()
    def rosters_agree_with_the_model(self) -> None:
        for group in self.model.groups.values():
            roster = self.network.roster(group.id)
            expected = (
                {m.id for m in group.members.values() if m.status is MembershipStatus.ACTIVE},
                {m.id for m in group.members.values() if m.status is MembershipStatus.OFFERED},
                group.waiting(),
                group.closed,
                group.charter,
            )
            actual = (
                {s.membership_id for s in roster.members},
                {s.membership_id for s in roster.offers},
                [s.membership_id for s in roster.waitlist],
                roster.closed,
                roster.charter,
            )
            assert expected == actual, f"roster of {group.id}"

    @invariant()
    def no_seat_idles_while_a_fitting_applicant_waits(self) -> None:
        for group in self.model.groups.values():
            if len(group.seated()) >= group.charter.capacity:
                continue
            for waiting in group.waiting():
                company_id = self.model.memberships[waiting].company_id
                assert self.model.competitor_seated(group, company_id), (
                    f"{waiting} waits in {group.id} beside a free seat and no competitor"
                )

    @invariant()
    def acquired_companies_hold_no_open_membership(self) -> None:
        for company in self.model.companies.values():
            view = self.network.company(company.id)
            assert (view.acquired_by is not None) == company.acquired
            if company.acquired:
                still = [m.membership_id for m in view.memberships if m.status in _OPEN]
                assert not still, f"acquired company {company.id} still holds {still}"

    @invariant()
    def goals_and_motions_agree_with_the_model(self) -> None:
        """Every goal's status and every motion's count, as the facade reads them."""
        auditor = Reader.auditor("machine")
        for goal in self.model.goals.values():
            status = self.network.goal(goal.id, reader=auditor).status
            assert (status is GoalStatus.OPEN) == goal.open, f"goal {goal.id} is {status}"
        for motion in self.model.motions.values():
            view = self.network.motion(motion.id, reader=auditor)
            assert (view.outcome != "open") == motion.closed, f"motion {motion.id}"
            assert dict(view.ballots or ()) == motion.ballots, f"ballots of {motion.id}"

    @invariant()
    def departed_memberships_never_return(self) -> None:
        for membership_id, m in self.model.memberships.items():
            status = self.network.membership(membership_id).status
            assert m.status is status, f"membership {membership_id}"
            before = self.seen_status.get(membership_id)
            assert before is None or before in _OPEN or before is status, (
                f"membership {membership_id} went from {before} back to {status}"
            )
            self.seen_status[membership_id] = status


def membership_machine(
    *,
    store: "str | Callable[[], str]" = "memory://",
    charters: "st.SearchStrategy[Charter] | None" = None,
    profiles: "st.SearchStrategy[Profile] | None" = None,
) -> type[MembershipMachine]:
    """A `MembershipMachine` forming its groups with `charters` (default `charters()`) on
    `store` ("memory://", or a callable that returns a fresh, empty store's URL for each
    run). Use its `TestCase` as a test class::

        TestOurCharter = membership_machine(charters=charters(capacity=3)).TestCase
    """
    namespace: dict[str, object] = {"store": store}
    if charters is not None:
        namespace["charter_strategy"] = charters
    if profiles is not None:
        namespace["profile_strategy"] = profiles
    return type("MembershipMachine", (MembershipMachine,), namespace)


def situations(events: Sequence[Event]) -> Situation:
    """The situation `events` fold into (the same as `given`, for recorded histories)."""
    return network.replay(*events)
