"""The one facade an embedding app uses: `Network`.

`execute(command)` loads the streams the command needs, calls the pure `decide`, and
appends every resulting event, of every stream, in one atomic write guarded by the
versions it read. If another process wrote first, the write fails as a whole, the
streams are re-read and the command decided again, a bounded number of times.
Queries return frozen read models (`peernet.views`).
"""

import contextlib
import functools
import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import attrs
import orjson
from eventsourcing.application import Application
from eventsourcing.persistence import (
    ConnectionPoolClosedError,
    IntegrityError,
    InternalError,
    Notification,
    PersistenceError,
    StoredEvent,
)

from peernet.adapters.codec import GENESIS, CommandHandled, PeerNetMapper, StreamRef, converter
from peernet.adapters.keys import EncryptionOff, KeyRequired, KeyRing, key_table, master_key
from peernet.adapters.storage import StoreUnavailable, default_url, redact, settings_for
from peernet.audit import replay
from peernet.audit.trail import AuditEntry, trail
from peernet.audit.verify import Verification, verify
from peernet.domain import network, seats
from peernet.domain.access import AccessDenied, Reader, sees_inside
from peernet.domain.common import (
    Command,
    Event,
    InvalidValue,
    PeerNetError,
    RuleViolation,
    _coerced,
)
from peernet.domain.companies import (
    Company,
    CompanyForgotten,
    CompanyRegistered,
    ForgetCompany,
    MembershipApplied,
    RecordAcquisition,
    UnknownCompany,
)
from peernet.domain.financials import (
    Financials,
    FinancialsCommand,
    FinancialsSubmitted,
    financials_id_of,
    quarter_after,
    quarter_of,
)
from peernet.domain.goals import Goal, GoalSet, ReviewGoals, SetGoal, UnknownGoal
from peernet.domain.groups import Group, GroupFormed, UnknownGroup
from peernet.domain.meetings import (
    CloseMeeting,
    CostsShared,
    Gathering,
    GatheringScheduled,
    Meeting,
    MeetingScheduled,
    UnknownGathering,
    UnknownMeeting,
)
from peernet.domain.memberships import ApplyForMembership, TransferMember, UnknownMembership
from peernet.domain.money import Money
from peernet.domain.motions import Motion, MotionRaised, RaiseMotion, UnknownMotion
from peernet.domain.sessions import ChargeDues
from peernet.projections.financials import (
    Benchmarks,
    FinancialBook,
    FinancialReview,
    benchmarks,
    book_of,
    review,
)
from peernet.records import Recorded
from peernet.views import (
    AccountEntry,
    AccountView,
    CompanyHistory,
    CompanyView,
    GatheringView,
    GoalRecord,
    GoalView,
    GroupSummary,
    MeetingView,
    MembershipView,
    MotionView,
    Roster,
)

log = logging.getLogger(__name__)


_LEDGER = uuid5(NAMESPACE_URL, "https://peernet.invalid/command-ledger")
_PAGE = 1000
_OPEN_ATTEMPTS = 5
_TAIL_LIMIT = 10_000  # past this many unseen events, reload streams lazily instead
_CHAINS_KEPT = 100_000  # streams whose last chain is cached for the next write
_LEDGER_TOPIC = f"peernet.{CommandHandled.__name__}"
_DIRECTORY_TOPICS = [
    f"peernet.{cls.__name__}"
    for cls in (
        GroupFormed,
        CompanyRegistered,
        MembershipApplied,
        GoalSet,
        MotionRaised,
        MeetingScheduled,
        GatheringScheduled,
        CostsShared,
    )
]
#: the event every stream of a kind begins with, by the field that names its id
_FIRST_TOPICS = {
    "company_id": f"peernet.{CompanyRegistered.__name__}",
    "group_id": f"peernet.{GroupFormed.__name__}",
    "goal_id": f"peernet.{GoalSet.__name__}",
    "motion_id": f"peernet.{MotionRaised.__name__}",
    "meeting_id": f"peernet.{MeetingScheduled.__name__}",
    "gathering_id": f"peernet.{GatheringScheduled.__name__}",
    "financials_id": f"peernet.{FinancialsSubmitted.__name__}",
}
#: how each kind of stream folds, by the field that names its id (`Event.stream`)
_EVOLVE: dict[str, Callable[[Any, Any], Any]] = {
    kind: fold for kind, (_, fold) in network.FOLDS.items()
}


class ConcurrencyConflict(RuleViolation):
    """Other writers kept changing what the command reads; it was decided `attempts` times."""

    rule = "bounded_retries"

    def __init__(self, command: Command, attempts: int) -> None:
        super().__init__(
            f"{type(command).__name__} lost {attempts} races with concurrent writers; "
            "nothing was recorded, try again",
        )


class CommandIdReused(RuleViolation):
    rule = "command_id_names_one_command"

    def __init__(self, command_id: UUID, first: str, second: str) -> None:
        super().__init__(
            f"command id {command_id} was already used for another command ({first}); "
            f"a retry must repeat the same {second}",
            command_id=command_id,
        )


def digest(command: Command) -> str:
    """A fingerprint of everything a command says, to tell a retry from another command
    that reuses its id."""
    payload = converter.unstructure(command, type(command))
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def ledger_id(command_id: UUID) -> UUID:
    """The stream that remembers what a command with this id recorded."""
    return uuid5(_LEDGER, str(command_id))


def _utc_now() -> datetime:
    return datetime.now(UTC)


@attrs.define
class _Directory:
    """Which groups, companies and gatherings exist (in order of registration), which
    group holds each membership, and the goals, motions, meetings and cost sheets each
    query or rule looks up. Adding the same event twice changes nothing."""

    groups: dict[UUID, None] = attrs.Factory(dict)
    companies: dict[UUID, None] = attrs.Factory(dict)
    membership_groups: dict[UUID, UUID] = attrs.Factory(dict)
    member_goals: dict[UUID, dict[UUID, None]] = attrs.Factory(dict)
    group_motions: dict[UUID, dict[UUID, None]] = attrs.Factory(dict)
    group_meetings: dict[UUID, dict[UUID, None]] = attrs.Factory(dict)
    gatherings: dict[UUID, None] = attrs.Factory(dict)
    #: the meetings and gatherings whose costs were shared with each company
    company_costs: dict[UUID, dict[tuple[str, UUID], None]] = attrs.Factory(dict)

    def add(self, event: Event) -> None:
        match event:
            case MeetingScheduled():
                self.group_meetings.setdefault(event.group_id, {})[event.meeting_id] = None
            case GatheringScheduled():
                self.gatherings[event.gathering_id] = None
            case CostsShared():
                for share in event.shares:
                    self.company_costs.setdefault(share.company_id, {})[event.stream()] = None
            case GoalSet():
                self.member_goals.setdefault(event.membership_id, {})[event.goal_id] = None
            case MotionRaised():
                self.group_motions.setdefault(event.group_id, {})[event.motion_id] = None
            case GroupFormed():
                self.groups[event.group_id] = None
            case CompanyRegistered():
                self.companies[event.company_id] = None
            case MembershipApplied():
                self.membership_groups[event.membership_id] = event.group_id


class Network(Application[UUID]):
    """A network of peer groups, recorded as events in the store `url` names.

    >>> network = Network("memory://")            # doctest: +SKIP
    >>> network.execute(RegisterCompany(...))       # doctest: +SKIP
    """

    name = "peernet"

    def __init__(
        self,
        url: str | None = None,
        *,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = _utc_now,
        max_attempts: int = 8,
        key: str | bytes | None = None,
    ) -> None:
        """`key`: the master key confidential fields are encrypted under (base64 text of
        32 bytes), else the file ``?key_file=PATH`` in the URL names, else the
        ``PEERNET_KEY`` environment variable; none: they are stored in the clear."""
        self.url = default_url() if url is None else url
        settings = settings_for(self.url)
        key_file = settings.pop("KEY_FILE", None)
        master = master_key(key, key_file)
        settings["MAPPER_TOPIC"] = "peernet.adapters.codec:PeerNetMapper"
        settings.update(env or {})
        # eventsourcing reads PEERNET_<KEY> before <KEY>: name the URL's settings both ways,
        # so no stray environment variable can point the network at another store.
        settings |= {f"{self.name.upper()}_{key}": value for key, value in settings.items()}
        for attempt in range(1, _OPEN_ATTEMPTS + 1):
            try:
                super().__init__(env=settings)
                self.recorder.max_notification_id()
                break
            except PeerNetError:
                raise
            except (IntegrityError, InternalError) as error:
                # Processes opening a new store at once race to create its tables.
                if attempt == _OPEN_ATTEMPTS:
                    raise StoreUnavailable(self.url, str(error)) from None
                log.info("creating the tables raced with another process; opening again")
                time.sleep(0.05 * attempt)
            except Exception as error:  # any driver's failure to open becomes one clear line
                raise StoreUnavailable(self.url, str(error)) from None
        assert isinstance(self.mapper, PeerNetMapper)
        self.codec: PeerNetMapper = self.mapper
        with self._store_errors():
            self._open_keys(master)
        self.clock = clock
        self.max_attempts = max_attempts
        self._lock = threading.RLock()
        #: cached state and version of every stream loaded, by kind (`Event.stream`)
        self._states: dict[str, dict[UUID, tuple[Any, int]]] = {home: {} for home in _EVOLVE}
        self._directory = _Directory()
        self._seen = 0  # the log position up to which caches and directory are complete
        #: the version and chain each stream seen ends with (`_chain_before`)
        self._chains: dict[UUID, tuple[int, str]] = {}
        log.debug("opened %s", redact(self.url))

    def __repr__(self) -> str:
        return f"Network({redact(self.url)!r})"

    def _open_keys(self, master: bytes | None) -> None:
        """Seal confidential fields under `master` (checked against the store's), or
        refuse a store that was encrypted when no key is given."""
        table = key_table(self.recorder)
        if master is None:
            if table.exists():
                raise KeyRequired(redact(self.url))
            return
        ring = KeyRing(master, table, redact(self.url))
        ring.open_store()
        self.codec.keys = ring

    @property
    def encrypted(self) -> bool:
        """Whether confidential fields are sealed with a key (see docs/confidentiality.md)."""
        return self.codec.keys is not None

    def __del__(self) -> None:
        # A network left open is closed when collected; by then its store may be gone
        # (a deleted file, a dropped schema), and a finaliser has no caller to tell.
        with contextlib.suppress(Exception):
            super().__del__()

    # --- commands -----------------------------------------------------------------------

    def execute(
        self, command: Command, *, correlation_id: UUID | None = None
    ) -> tuple[Recorded, ...]:
        """Decide `command` and record its events atomically; return what was recorded.

        Raises a `RuleViolation` (nothing recorded) when a rule refuses it and an
        `InvalidInput` when it names something unknown. With a `command_id` already
        executed, records nothing and returns what the first execution recorded.
        """
        if not isinstance(command, network.AnyCommand):
            raise InvalidValue(f"{type(command).__name__} is not a peernet command")
        if isinstance(command, ForgetCompany) and not self.encrypted:
            raise EncryptionOff(command.company_id)
        correlation_id = _coerced("correlation_id", UUID | None, correlation_id)
        with self._lock, self._store_errors():
            for attempt in range(1, self.max_attempts + 1):
                self._catch_up()
                # The ledger is read after catching up: had another process recorded this
                # command first, its events would be in the state decided on (and refused).
                if (first := self._handled(command)) is not None:
                    return first
                versions: dict[UUID, int] = {}
                try:
                    events = self._decide(command, versions)
                except PeerNetError:
                    # Another process may have recorded this very command meanwhile.
                    if (first := self._handled(command)) is not None:
                        return first
                    raise
                if not events and command.command_id is None:
                    return ()
                try:
                    return self._write(command, events, versions, correlation_id)
                except IntegrityError:
                    log.info("%s lost a race (attempt %d)", type(command).__name__, attempt)
                    if (first := self._handled(command)) is not None:
                        return first
                    time.sleep(random.uniform(0, 0.002 * 2**attempt))  # noqa: S311 - jitter
            raise ConcurrencyConflict(command, self.max_attempts)

    def _decide(self, command: Command, versions: dict[UUID, int]) -> list[Event]:
        return network.decide(self._situation(command, versions), command)

    def _write(
        self,
        command: Command,
        events: list[Event],
        versions: dict[UUID, int],
        correlation_id: UUID | None,
    ) -> tuple[Recorded, ...]:
        command_id = command.command_id or uuid4()
        stamp = functools.partial(
            Recorded,
            actor=command.actor,
            recorded_at=self.clock(),
            command_id=command_id,
            correlation_id=correlation_id or command_id,
        )
        next_version = dict(versions)
        records: list[Recorded] = []
        for event in events:
            _, stream_id = event.stream()
            next_version[stream_id] = next_version.get(stream_id, 0) + 1
            records.append(stamp(event=event, stream_id=stream_id, version=next_version[stream_id]))
        stored = self.codec.encode_chained(records, self._chain_before)
        # Fold what the store will hold, not what decide returned: they are the same
        # unless a value does not survive the wire format, and then the write fails here.
        records = [self.codec.decode(s) for s in stored]
        if command.command_id is not None:
            entry = CommandHandled(
                ledger_id=ledger_id(command_id),
                command_id=command_id,
                command=type(command).__name__,
                digest=digest(command),
                events=tuple(StreamRef(stream_id=r.stream_id, version=r.version) for r in records),
                at=command.at,
            )
            ledger = stamp(event=entry, stream_id=entry.ledger_id, version=1)
            stored.append(self.codec.encode(ledger))
        positions = self.recorder.insert_events(stored)
        if positions:
            records = [
                attrs.evolve(r, position=p) for r, p in zip(records, positions, strict=False)
            ]
        self._remember(records)
        if positions and positions[0] == self._seen + 1:
            self._seen = positions[-1]  # nobody else wrote in between: caches stay current
        return tuple(records)

    def _chain_before(self, stream_id: UUID, version: int) -> str:
        """The chain a stream ends with at `version`: from the cache `_remember` keeps,
        else from the stream's last stored event. Should the store hold another version
        by now, the write conflicts and is decided again, so the value does not matter."""
        if (known := self._chains.get(stream_id)) is not None and known[0] == version:
            return known[1]
        last = self.recorder.select_events(stream_id, desc=True, limit=1)
        chain = self.codec.chain_of(last[0]) if last else None
        return chain or GENESIS

    def _remember(self, records: list[Recorded]) -> None:
        """Fold events into the cached states they extend and into the directory."""
        if len(self._chains) > _CHAINS_KEPT:
            self._chains.clear()  # a missing stream costs one read when next written
        for r in records:
            self._directory.add(r.event)
            if r.chain is not None:
                self._chains[r.stream_id] = (r.version, r.chain)
            kind, _ = r.event.stream()
            cache = self._states.get(kind)
            if cache is None or r.stream_id not in cache:
                continue  # not a state kept here, or loaded in full when first needed
            state, version = cache[r.stream_id]
            if r.version == version + 1:
                cache[r.stream_id] = (_EVOLVE[kind](state, r.event), r.version)
            elif r.version > version + 1:
                del cache[r.stream_id]  # a gap: reload it when next needed
        forgotten = [r.event for r in records if isinstance(r.event, CompanyForgotten)]
        if forgotten:
            self._shred(forgotten)

    def _shred(self, forgotten: list[CompanyForgotten]) -> None:
        """After `CompanyForgotten` is recorded (here or by another process): destroy the
        company's key if it is still kept, and drop every cached state, which may hold
        its fields in the clear; they reload from the store as forgotten."""
        for event in forgotten:
            if self.codec.keys is not None:
                self.codec.keys.forget(event.company_id)
        for cache in self._states.values():
            cache.clear()

    def _handled(self, command: Command) -> tuple[Recorded, ...] | None:
        """What the first execution of this command id recorded, if there was one."""
        if command.command_id is None:
            return None
        found = self.recorder.select_events(ledger_id(command.command_id), limit=1)
        if not found:
            return None
        entry = self.codec.decode(found[0]).event
        assert isinstance(entry, CommandHandled)
        if entry.command != type(command).__name__ or entry.digest != digest(command):
            raise CommandIdReused(command.command_id, entry.command, type(command).__name__)
        return tuple(
            self.codec.decode(
                self.recorder.select_events(ref.stream_id, gt=ref.version - 1, lte=ref.version)[0]
            )
            for ref in entry.events
        )

    # --- loading ------------------------------------------------------------------------

    def _catch_up(self) -> None:
        """Bring the cached states and the directory up to the end of the log.

        One query tells whether anyone wrote since we last looked; usually nobody did
        (this process wrote last) and the caches are current with no further reads. Else
        the new events are read once, in order, and folded in; after a long absence the
        caches are dropped and streams reload when next needed.
        """
        top = self.recorder.max_notification_id() or 0
        if top == self._seen:
            return
        if top - self._seen > _TAIL_LIMIT:
            for cache in self._states.values():
                cache.clear()
            if self.codec.keys is not None:
                self.codec.keys.drop_cache()  # a company may have been forgotten meanwhile
            self._scan_directory(self._seen, top)
        else:
            for notification in self._notifications(self._seen, top):
                if notification.topic != _LEDGER_TOPIC:
                    self._remember([self.codec.decode(notification)])
        self._seen = top

    def _notifications(
        self, after: int, stop: int, topics: list[str] | None = None
    ) -> Iterator[Notification]:
        while after < stop:
            batch = self.recorder.select_notifications(
                start=after, limit=_PAGE, stop=stop, topics=topics or (), inclusive_of_start=False
            )
            yield from batch
            after = batch[-1].id if len(batch) == _PAGE else stop

    def _scan_directory(self, after: int, stop: int) -> None:
        for notification in self._notifications(after, stop, _DIRECTORY_TOPICS):
            self._directory.add(self.codec.decode(notification).event)

    def _load(self, home: str, stream_id: UUID, versions: dict[UUID, int] | None = None) -> Any:
        """A stream's state: from the cache (kept current by `_catch_up`), else read whole."""
        cache = self._states[home]
        if stream_id in cache:
            state, version = cache[stream_id]
        else:
            state, version = None, 0
            for stored in self.recorder.select_events(stream_id):
                if version == 0 and stored.topic != _FIRST_TOPICS[home]:
                    kind = home.removesuffix("_id")
                    raise InvalidValue(f"{stream_id} is not a {kind} id", stream_id=stream_id)
                state = _EVOLVE[home](state, self.codec.decode(stored).event)
                version = stored.originator_version
            if state is not None:
                cache[stream_id] = (state, version)
        if versions is not None:
            versions[stream_id] = version
        return state

    def _group(self, group_id: UUID, versions: dict[UUID, int] | None = None) -> Group | None:
        found: Group | None = self._load("group_id", group_id, versions)
        return found

    def _company(self, company_id: UUID, versions: dict[UUID, int] | None = None) -> Company | None:
        found: Company | None = self._load("company_id", company_id, versions)
        return found

    def _goal(self, goal_id: UUID, versions: dict[UUID, int] | None = None) -> Goal | None:
        found: Goal | None = self._load("goal_id", goal_id, versions)
        return found

    def _motion(self, motion_id: UUID, versions: dict[UUID, int] | None = None) -> Motion | None:
        found: Motion | None = self._load("motion_id", motion_id, versions)
        return found

    def _meeting(self, meeting_id: UUID, versions: dict[UUID, int] | None = None) -> Meeting | None:
        found: Meeting | None = self._load("meeting_id", meeting_id, versions)
        return found

    def _gathering(
        self, gathering_id: UUID, versions: dict[UUID, int] | None = None
    ) -> Gathering | None:
        found: Gathering | None = self._load("gathering_id", gathering_id, versions)
        return found

    def _financials(
        self, company_id: UUID, versions: dict[UUID, int] | None = None
    ) -> Financials | None:
        found: Financials | None = self._load(
            "financials_id", financials_id_of(company_id), versions
        )
        return found

    def _situation(  # noqa: PLR0912, PLR0915 - the one place listing what each command reads
        self, command: Command, versions: dict[UUID, int]
    ) -> seats.Situation:
        """Every group and company the command touches, and those their rules read."""
        loaded_groups: dict[UUID, Group] = {}
        loaded_companies: dict[UUID, Company] = {}

        def group(group_id: UUID) -> Group | None:
            if group_id not in loaded_groups:
                found = self._group(group_id, versions)
                if found is not None:
                    loaded_groups[group_id] = found
            return loaded_groups.get(group_id)

        def company(company_id: UUID) -> None:
            if company_id not in loaded_companies:
                found = self._company(company_id, versions)
                if found is not None:
                    loaded_companies[company_id] = found

        loaded_goals: dict[UUID, Goal] = {}
        loaded_motions: dict[UUID, Motion] = {}

        def goals_of(membership_id: UUID) -> None:
            for goal_id in self._directory.member_goals.get(membership_id, ()):
                if goal_id not in loaded_goals and (found := self._goal(goal_id, versions)):
                    loaded_goals[goal_id] = found

        motion_id = getattr(command, "motion_id", None)
        if motion_id is not None and not isinstance(command, RaiseMotion):
            motion = self._motion(motion_id, versions)
            if motion is not None:
                loaded_motions[motion_id] = motion
                group(motion.group_id)
                if motion.raised.subject_id is not None:
                    goals_of(motion.raised.subject_id)
        goal_id = getattr(command, "goal_id", None)
        if goal_id is not None and not isinstance(command, SetGoal):
            goal = self._goal(goal_id, versions)
            if goal is not None:
                loaded_goals[goal_id] = goal
                group(goal.group_id)
        membership_groups: dict[UUID, UUID] = {}
        fresh = None  # a membership id the command means to create: is it taken?
        if isinstance(command, ApplyForMembership):
            fresh = command.membership_id
        elif isinstance(command, TransferMember):
            fresh = command.new_membership_id
        if fresh is not None and fresh in self._directory.membership_groups:
            membership_groups[fresh] = self._directory.membership_groups[fresh]
        membership_id = getattr(command, "membership_id", None)
        if membership_id is not None and not isinstance(command, ApplyForMembership):
            group_id = self._group_of(membership_id)
            membership_groups[membership_id] = group_id
            held = group(group_id)
            if held is not None and membership_id in held.memberships:
                company(held.memberships[membership_id].company_id)
            goals_of(membership_id)
        for field in ("group_id", "to_group_id"):
            if (named := getattr(command, field, None)) is not None:
                group(named)
        if (named := getattr(command, "company_id", None)) is not None:
            company(named)
        for subject in list(loaded_companies.values()):
            for application in subject.applications:
                group(application.group_id)
                if isinstance(command, RecordAcquisition):
                    goals_of(application.membership_id)
        for held in list(loaded_groups.values()):
            for m in held.memberships.values():
                if m.status.open:
                    company(m.company_id)
        if isinstance(command, ChargeDues) and (charged := loaded_groups.get(command.group_id)):
            for m in charged.memberships.values():
                company(m.company_id)  # members who left during the month pay for it too
        reviewed = command.group_id if isinstance(command, ReviewGoals) else None
        loaded_meetings, loaded_gatherings = self._sessions(command, versions, group)
        if isinstance(command, CloseMeeting) and command.meeting_id in loaded_meetings:
            reviewed = loaded_meetings[command.meeting_id].group_id
        if reviewed is not None and (held := loaded_groups.get(reviewed)):
            for member in held.memberships:
                goals_of(member)
        books: dict[UUID, Financials] = {}
        if isinstance(command, FinancialsCommand):
            # a submission reads its company's books, a close every active member's
            for held in list(loaded_groups.values()):
                for m in held.active:
                    if (found := self._financials(m.company_id, versions)) is not None:
                        books[found.id] = found
        return seats.Situation(
            financials=books,
            groups=loaded_groups,
            companies=loaded_companies,
            membership_groups=membership_groups,
            goals=loaded_goals,
            motions=loaded_motions,
            meetings=loaded_meetings,
            gatherings=loaded_gatherings,
        )

    def _sessions(
        self, command: Command, versions: dict[UUID, int], group: Callable[[UUID], Group | None]
    ) -> tuple[dict[UUID, Meeting], dict[UUID, Gathering]]:
        """The meeting and gathering a command names, the meetings its rules read (the
        group's earlier meetings at a close, a gathering's meetings), and their groups."""
        found: dict[UUID, Meeting] = {}
        gatherings: dict[UUID, Gathering] = {}

        def meeting(meeting_id: UUID) -> Meeting | None:
            if meeting_id not in found and (m := self._meeting(meeting_id, versions)):
                found[meeting_id] = m
                group(m.group_id)
            return found.get(meeting_id)

        if (meeting_id := getattr(command, "meeting_id", None)) is not None:
            named = meeting(meeting_id)
            if isinstance(command, CloseMeeting) and named is not None:
                for earlier in self._directory.group_meetings.get(named.group_id, ()):
                    meeting(earlier)
        if (gathering_id := getattr(command, "gathering_id", None)) is not None:
            gathering = self._gathering(gathering_id, versions)
            if gathering is not None:
                gatherings[gathering_id] = gathering
                for held in gathering.meetings:
                    meeting(held)
        return found, gatherings

    def _group_of(self, membership_id: UUID) -> UUID:
        group_id = self._directory.membership_groups.get(membership_id)
        if group_id is None:
            raise UnknownMembership(membership_id)
        return group_id

    @contextmanager
    def _store_errors(self) -> Iterator[None]:
        try:
            yield
        except IntegrityError:
            raise
        except (PersistenceError, ConnectionPoolClosedError) as error:  # one clear line
            raise StoreUnavailable(self.url, f"{type(error).__name__}: {error}") from None

    # --- queries ------------------------------------------------------------------------

    @contextmanager
    def _current(self) -> Iterator[None]:
        """For a query: hold the lock, read from caches brought up to date, and turn a
        store's failure into one line."""
        with self._lock, self._store_errors():
            self._catch_up()
            yield

    def _known_group(self, group_id: UUID) -> Group:
        group = self._group(group_id)
        if group is None:
            raise UnknownGroup(group_id)
        return group

    def roster(
        self,
        group_id: UUID,
        *,
        as_of: replay.Moment | None = None,
        known_at: replay.Moment | None = None,
    ) -> Roster:
        """Who is in the group now: members, open offers, the wait-list in order.

        With `as_of` (a business date or aware datetime), who was in it then; with
        `known_at` (a recording time), as the records stood then, without events
        recorded later (see docs/replay.md)."""
        with self._current():
            bound = replay.Bound.of(as_of, known_at)
            if not bound.open:
                return replay.roster(self, group_id, bound)
            group = self._known_group(group_id)
            return Roster.of(group, self._names(m.company_id for m in group.memberships.values()))

    def history(
        self,
        company_id: UUID,
        *,
        as_of: replay.Moment | None = None,
        known_at: replay.Moment | None = None,
    ) -> CompanyHistory:
        """Every membership a company held or sought, in order, with the dates it joined
        and left and why; `as_of` and `known_at` as for `roster`."""
        with self._current():
            return replay.history(self, company_id, replay.Bound.of(as_of, known_at))

    def trail(
        self,
        *subjects: UUID,
        actor: str | None = None,
        start: replay.Moment | None = None,
        end: replay.Moment | None = None,
        known_at: replay.Moment | None = None,
    ) -> Iterator[AuditEntry]:
        """The audit trail: every event touching all of `subjects` (group, company,
        membership, goal or motion ids), in the order recorded, streamed from the log;
        `actor`, `start`/`end` (business time) and `known_at` narrow it."""
        for subject in subjects:
            if not isinstance(subject, UUID):
                raise InvalidValue(f"a subject is a UUID, not {subject!r}")
        return trail(
            self.recorded(), subjects=subjects, actor=actor, start=start, end=end, known_at=known_at
        )

    def verify(self, *, expect_head: str | None = None) -> Verification:
        """Recompute every stored event's chain, in log order; name the first event that
        was changed, moved or removed. `expect_head`: a head from an earlier verify."""
        return verify(self.codec, self._log(), self._exists, expect_head=expect_head)

    def _exists(self, stream_id: UUID, version: int) -> bool:
        with self._lock, self._store_errors():
            return bool(self.recorder.select_events(stream_id, gt=version - 1, lte=version))

    def groups(self) -> tuple[GroupSummary, ...]:
        """Every group ever formed, in order of formation."""
        with self._current():
            found = (self._group(g) for g in self._directory.groups)
            return tuple(GroupSummary.of(g) for g in found if g is not None)

    def company(self, company_id: UUID) -> CompanyView:
        """A company's profile and every membership it applied for."""
        with self._current():
            found = self._company(company_id)
            if found is None:
                raise UnknownCompany(company_id)
            return self._company_view(found)

    def companies(self) -> tuple[CompanyView, ...]:
        """Every company ever registered, in order of registration."""
        with self._current():
            found = (self._company(c) for c in self._directory.companies)
            return tuple(self._company_view(c) for c in found if c is not None)

    def membership(self, membership_id: UUID) -> MembershipView:
        with self._current():
            group = self._group(self._group_of(membership_id))
            if group is None or membership_id not in group.memberships:
                raise UnknownMembership(membership_id)
            return MembershipView.of(group.memberships[membership_id])

    def goal(self, goal_id: UUID, *, reader: Reader) -> GoalView:
        """One goal with every version and challenge; confidential to the group."""
        with self._current():
            goal = self._goal(goal_id)
            if goal is None:
                raise UnknownGoal(goal_id)
            self._check_inside(reader, goal.group_id, "the goals")
            return GoalView.of(goal)

    def group_goals(self, group_id: UUID, *, reader: Reader) -> tuple[GoalView, ...]:
        """Every goal set in the group, by due date; confidential to the group."""
        with self._current():
            group = self._check_inside(reader, group_id, "the goals")
            found = [
                self._goal(g)
                for m in group.memberships
                for g in self._directory.member_goals.get(m, ())
            ]
            views = [GoalView.of(g) for g in found if g is not None]
            return tuple(sorted(views, key=lambda g: (g.target.due, g.set_at, str(g.goal_id))))

    def goal_record(self, membership_id: UUID, *, reader: Reader) -> GoalRecord:
        """A member's goals set, met and missed, and its completion rate."""
        with self._current():
            group_id = self._group_of(membership_id)
            self._check_inside(reader, group_id, "the goal record")
            found = [self._goal(g) for g in self._directory.member_goals.get(membership_id, ())]
            views = tuple(
                sorted(
                    (GoalView.of(g) for g in found if g), key=lambda g: (g.set_at, str(g.goal_id))
                )
            )
            return GoalRecord(membership_id=membership_id, goals=views)

    def motion(self, motion_id: UUID, *, reader: Reader | None = None) -> MotionView:
        """A motion and its tally. Who voted how is shown only to the group's active
        members, its facilitator and auditors."""
        with self._current():
            motion = self._motion(motion_id)
            if motion is None:
                raise UnknownMotion(motion_id)
            group = self._group(motion.group_id)
            assert group is not None
            return MotionView.of(motion, reveal=sees_inside(reader, group))

    def group_motions(
        self, group_id: UUID, *, reader: Reader | None = None
    ) -> tuple[MotionView, ...]:
        with self._current():
            group = self._known_group(group_id)
            found = [self._motion(m) for m in self._directory.group_motions.get(group_id, ())]
            reveal = sees_inside(reader, group)
            return tuple(MotionView.of(m, reveal=reveal) for m in found if m is not None)

    def meeting(self, meeting_id: UUID, *, reader: Reader | None = None) -> MeetingView:
        """A meeting: agenda, prep status, attendance and cost sheet. The prep work itself
        is shown only to the group's active members, its facilitator and auditors."""
        meeting_id = _coerced("meeting_id", UUID, meeting_id)
        with self._current():
            meeting = self._meeting(meeting_id)
            if meeting is None:
                raise UnknownMeeting(meeting_id)
            return self._meeting_view(meeting, reader)

    def _meeting_view(self, meeting: Meeting, reader: Reader | None) -> MeetingView:
        group = self._known_group(meeting.group_id)
        return MeetingView.of(meeting, group.charter.currency, reveal=sees_inside(reader, group))

    def group_meetings(
        self, group_id: UUID, *, reader: Reader | None = None
    ) -> tuple[MeetingView, ...]:
        """The group's meetings, by their first day."""
        with self._current():
            self._known_group(group_id)
            found = [self._meeting(m) for m in self._directory.group_meetings.get(group_id, ())]
            held = sorted((m for m in found if m), key=lambda m: (m.starts, str(m.id)))
            return tuple(self._meeting_view(m, reader) for m in held)

    def gathering(self, gathering_id: UUID) -> GatheringView:
        gathering_id = _coerced("gathering_id", UUID, gathering_id)
        with self._current():
            gathering = self._gathering(gathering_id)
            if gathering is None:
                raise UnknownGathering(gathering_id)
            return GatheringView.of(gathering)

    def gatherings(self) -> tuple[GatheringView, ...]:
        with self._current():
            found = (self._gathering(g) for g in self._directory.gatherings)
            return tuple(GatheringView.of(g) for g in found if g is not None)

    def account(self, company_id: UUID) -> AccountView:
        """A company's account: dues charged, its shares of meeting and gathering costs,
        payments received, and the balance it owes, in date order."""
        company_id = _coerced("company_id", UUID, company_id)
        with self._current():
            company = self._company(company_id)
            if company is None:
                raise UnknownCompany(company_id)
            entries = [
                AccountEntry(at=d.at, kind="dues", amount=d.amount, about=f"{d.month:%B %Y}")
                for d in company.dues
            ] + [
                AccountEntry(at=p.at, kind="payment", amount=-p.amount, about=p.reference)
                for p in company.payments
            ]
            for kind, stream_id in self._directory.company_costs.get(company_id, ()):
                shared = (
                    self._meeting(stream_id) if kind == "meeting_id" else self._gathering(stream_id)
                )
                assert shared is not None
                assert shared.costs is not None
                label = "meeting costs" if kind == "meeting_id" else "gathering costs"
                entries += [
                    AccountEntry(
                        at=shared.costs.at, kind=label, amount=share.amount, about=str(stream_id)
                    )
                    for share in shared.costs.shares
                    if share.company_id == company_id
                ]
            entries.sort(key=lambda e: e.at)
            balances: dict[str, Money] = {}
            for entry in entries:
                currency = entry.amount.currency
                balances[currency] = balances.get(currency, Money.zero(currency)) + entry.amount
            return AccountView(
                company_id=company_id,
                entries=tuple(entries),
                balances=tuple(balances[c] for c in sorted(balances)),
            )

    def _books(self) -> dict[str, FinancialBook]:
        """Every company's financials, as the benchmarks read them."""
        found = (self._financials(c) for c in self._directory.companies)
        return {str(f.company_id): book_of(f) for f in found if f is not None}

    def benchmarks(
        self,
        quarter: str,
        *,
        group_id: UUID | None = None,
        reader: Reader | None = None,
        min_companies: int = 5,
        max_share: Fraction = Fraction(1, 4),
    ) -> Benchmarks:
        """Each metric's network median for `quarter`, withheld (with the reason) when
        fewer than `min_companies` contribute or one company holds more than `max_share`
        of the sum behind it; with `group_id`, also the group's median and every
        member's quartile, which only readers who see inside the group may read."""
        group_id = _coerced("group_id", UUID | None, group_id)
        with self._current():
            if group_id is not None:
                self._check_inside_as(reader, group_id, "the benchmarks")
            return benchmarks(
                self._books().values(),
                quarter,
                None if group_id is None else str(group_id),
                min_companies=min_companies,
                max_share=max_share,
            )

    def financial_review(
        self, company_id: UUID, *, reader: Reader, quarter: str | None = None, quarters: int = 8
    ) -> FinancialReview:
        """A company's financial review: its `quarters` quarters up to `quarter` (its
        latest submitted by default), with metrics, quartiles in its group and trends.
        Figures show for the quarters submitted in a group the reader sees inside;
        a reader who sees inside none of the company's groups gets AccessDenied."""
        company_id = _coerced("company_id", UUID, company_id)
        with self._current():
            company = self._company(company_id)
            if company is None:
                raise UnknownCompany(company_id)
            books = self._books()
            book = books.get(str(company_id), FinancialBook(company_id=str(company_id)))
            groups = [a.group_id for a in company.applications]
            groups += [UUID(f.group_id) for f in book.quarters.values()]
            visible = [g for g in dict.fromkeys(groups) if self._sees(reader, g)]
            if groups and not visible:
                raise AccessDenied(reader, groups[-1], "the financials")
            shown = {str(g) for g in visible}
            seen = [q for q, f in book.quarters.items() if f.group_id in shown]
            last = quarter or (
                max(seen) if seen else quarter_after(quarter_of(self.clock().date()), -1)
            )
            return review(books, str(company_id), last, quarters=quarters, visible=shown)

    def _sees(self, reader: Reader | None, group_id: UUID) -> bool:
        group = self._group(group_id)
        return group is not None and sees_inside(reader, group)

    def _check_inside_as(self, reader: Reader | None, group_id: UUID, what: str) -> Group:
        group = self._known_group(group_id)
        if not sees_inside(reader, group):
            raise AccessDenied(reader or Reader.staff("anonymous"), group_id, what)
        return group

    def _check_inside(self, reader: Reader, group_id: UUID, what: str) -> Group:
        group = self._known_group(group_id)
        if not sees_inside(reader, group):
            raise AccessDenied(reader, group_id, what)
        return group

    def recorded(self, after: int = 0, *, page: int = 1000) -> Iterator[Recorded]:
        """Every recorded event of the network in the order it was written, streamed
        page by page (never the whole log in memory)."""
        for n in self._log(after, page):
            if n.topic != _LEDGER_TOPIC:
                yield self.codec.decode(n, position=n.id)

    def _log(self, after: int = 0, page: int = _PAGE) -> Iterator[Notification]:
        """Every stored event, ledger entries too, in log order; the lock is held while a
        page is read, never while the caller works on it."""
        while True:
            with self._lock, self._store_errors():
                batch = self.recorder.select_notifications(
                    start=after, limit=page, inclusive_of_start=False
                )
            yield from batch
            if len(batch) < page:
                return
            after = batch[-1].id

    def stored(self, stream_id: UUID) -> list[StoredEvent]:
        """The raw stored events of one stream (for audits and tests)."""
        with self._lock, self._store_errors():
            return list(self.recorder.select_events(stream_id))

    def _company_view(self, company: Company) -> CompanyView:
        views = []
        for application in company.applications:
            group = self._group(application.group_id)
            if group is not None and application.membership_id in group.memberships:
                views.append(MembershipView.of(group.memberships[application.membership_id]))
        return CompanyView.of(company, tuple(views))

    def _names(self, company_ids: Iterator[UUID] | Any) -> dict[UUID, str]:
        names = {}
        for company_id in set(company_ids):
            found = self._company(company_id)
            if found is not None:
                names[company_id] = found.profile.name
        return names


__all__ = ["CommandIdReused", "ConcurrencyConflict", "Network", "digest", "ledger_id"]
