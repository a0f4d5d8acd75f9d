"""The command side: needs → load → decide → append, every event of every stream in one
atomic write guarded by the versions read; a lost race re-loads and decides again.

A command executed with a `command_id` leaves a ledger entry (`CommandHandled`) in the
same write: executing it again records nothing and returns what the first execution
recorded, and another command reusing the id is refused (`CommandIdReused`).

A command executed for a follower carries the follower's `Tracking`: its position is
written in the same transaction as the command's events (eventsourcing's process
recorder), or alone when the command records nothing; a position another process has
already written raises `AlreadyTracked`, and nothing is recorded.

The ledger compares what it can still compare once a company is forgotten. Its
`digest` covers what a command says in the clear: its type and every value but its
confidential ones (a profile's name, free text) and an actor acting for a company,
which are replaced by a marker. What was left out is covered by a second digest,
`private`, sealed under the key of the company the command acted for or is about. While
that key exists, a retry must repeat the confidential values too; once the company is
forgotten, a retry (whose client may now read "forgotten" where a name was) is matched on
what it says in the clear alone. No digest of a name is ever stored in the clear, where
a guess could be checked against it.
"""

import functools
import hashlib
import logging
import random
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import attrs
import orjson
from eventsourcing.persistence import IntegrityError, Tracking

from peernet.adapters import subscriptions, telemetry
from peernet.adapters.codec import CommandHandled, StreamRef, confidential_paths, converter
from peernet.adapters.errors import (
    CommandIdReused,
    ConcurrencyConflict,
    EncryptionOff,
    UnreadableEvent,
)
from peernet.adapters.sealing import rewrite
from peernet.application.replica import Replica
from peernet.application.store import Store
from peernet.domain import network
from peernet.domain.common import Command, Event, is_forgotten
from peernet.domain.companies import Company, ForgetCompany, RegisterCompany
from peernet.domain.errors import (
    ActingForUnknownCompany,
    CompanyWasForgotten,
    InvalidValue,
    PeerNetError,
)
from peernet.domain.situation import Ref
from peernet.records import Recorded

log = logging.getLogger(__name__)

_LEDGER = uuid5(NAMESPACE_URL, "https://peernet.invalid/command-ledger")


#: what stands in a command's digest for a value it says in confidence
HIDDEN = "$confidential"


def _sha(data: object) -> str:
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def said(command: Command) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a command says in the clear (its confidential values, and the actor when it
    acts for a company, replaced by `HIDDEN`), and what it says in confidence, by place."""
    private: dict[str, Any] = {}

    def hide(value: Any, walked: tuple[str, ...]) -> str:
        private[".".join(walked)] = value
        return HIDDEN

    public = converter.unstructure(command, type(command))
    for path in confidential_paths(type(command)):
        public = rewrite(public, path, hide)
    if command.acting_for is not None:
        private["actor"] = public["actor"]
        public["actor"] = HIDDEN
    return public, private


def digest(command: Command) -> tuple[str, str | None]:
    """The fingerprints of what a command says in the clear and in confidence (None when
    it says nothing in confidence), to tell a retry from another command reusing its id."""
    public, private = said(command)
    return _sha(public), (_sha(private) if private else None)


def whole_digest(command: Command) -> str:
    """The fingerprint a schema 1 ledger entry keeps: everything the command said, as
    commands were written before they could act for a company."""
    payload = converter.unstructure(command, type(command))
    if payload.get("acting_for") is None:
        payload.pop("acting_for", None)
    return _sha(payload)


def owner(command: Command, events: Iterable[Event]) -> UUID | None:
    """The company whose key seals what a command says in confidence: the one it acts
    for, else the one it names, else the company of the first event it records that
    holds a confidential value."""
    if command.acting_for is not None:
        return command.acting_for
    named = getattr(command, "company_id", None)
    if isinstance(named, UUID):
        return named
    for event in events:
        company = getattr(event, "company_id", None)
        if isinstance(company, UUID) and confidential_paths(type(event)):
            return company
    return None


def ledger_id(command_id: UUID) -> UUID:
    """The stream that remembers what a command with this id recorded."""
    return uuid5(_LEDGER, str(command_id))


class AlreadyTracked(Exception):
    """A follower's position was written by another process first: the event it was
    handling is handled, and this execution recorded nothing."""

    def __init__(self, tracking: Tracking) -> None:
        super().__init__(f"{tracking.application_name} is already past {tracking.notification_id}")
        self.tracking = tracking


class CommandSide:
    """Executes commands against the store, keeping the replica current."""

    def __init__(
        self, store: Store, replica: Replica, clock: Callable[[], datetime], max_attempts: int
    ) -> None:
        self.store = store
        self.replica = replica
        self.clock = clock
        self.max_attempts = max_attempts

    def execute(
        self, command: Command, correlation_id: UUID | None, tracking: Tracking | None = None
    ) -> tuple[Recorded, ...]:
        """Decide and record `command` (with `tracking`'s position, when given), logged
        and traced (`peernet.adapters.telemetry`)."""
        return telemetry.observe(
            log,
            "command",
            type(command).__name__,
            lambda: self._execute(command, correlation_id, tracking),
            fields=lambda: {**telemetry.ids_of(command), "actor": command.actor},
            after=_written,
            level=logging.INFO,
        )

    def _execute(
        self, command: Command, correlation_id: UUID | None, tracking: Tracking | None
    ) -> tuple[Recorded, ...]:
        network.decider(command)  # refuses what is not a peernet command, before anything
        if isinstance(command, ForgetCompany) and self.store.codec.keys is None:
            raise EncryptionOff(company_id=command.company_id)
        if correlation_id is not None and not isinstance(correlation_id, UUID):
            raise InvalidValue(f"correlation_id must be a UUID, got {correlation_id!r}")
        with self.store.lock, self.store.errors():
            for attempt in range(1, self.max_attempts + 1):
                self.replica.catch_up()
                # The ledger is read after catching up: had another process recorded this
                # command first, its events would be in the state decided on (and refused).
                if (first := self._handled(command)) is not None:
                    self.track(tracking)
                    return first
                try:
                    self._check_acting_for(command)
                    events, versions = self._decide(command)
                except PeerNetError:
                    # Another process may have recorded this very command meanwhile.
                    if (first := self._handled(command)) is not None:
                        self.track(tracking)
                        return first
                    raise
                if not events and command.command_id is None:
                    self.track(tracking)
                    return ()
                try:
                    return self._write(command, events, versions, correlation_id, tracking)
                except IntegrityError:
                    if tracking is not None and self._tracked(tracking):
                        raise AlreadyTracked(tracking) from None
                    log.info("%s lost a race (attempt %d)", type(command).__name__, attempt)
                    if (first := self._handled(command)) is not None:
                        self.track(tracking)
                        return first
                    time.sleep(random.uniform(0, 0.002 * 2**attempt))  # noqa: S311 - jitter
            raise ConcurrencyConflict(command=type(command).__name__, attempts=self.max_attempts)

    def _check_acting_for(self, command: Command) -> None:
        """A command acts for a company that was registered (or that it registers) and
        not forgotten: a forgotten company's key is never made again."""
        company_id = command.acting_for
        if company_id is None:
            return
        if isinstance(command, RegisterCompany) and command.company_id == company_id:
            return
        company = self.replica.get(Company, company_id)
        if company is None:
            raise ActingForUnknownCompany(company_id=company_id)
        if company.forgotten:
            raise CompanyWasForgotten(company_id=company_id)

    def _decide(self, command: Command) -> tuple[list[Event], dict[UUID, int]]:
        """The events `command` records, decided on what its needs load, and the version
        each stream read was at."""
        versions: dict[UUID, int] = {}

        def load(ref: Ref) -> object:
            state, versions[ref.id] = self.replica.load(ref.kind, ref.id)
            return state

        situation = network.situate(command, load, self.replica.directory)
        return network.decide(situation, command), versions

    def _write(
        self,
        command: Command,
        events: list[Event],
        versions: dict[UUID, int],
        correlation_id: UUID | None,
        tracking: Tracking | None = None,
    ) -> tuple[Recorded, ...]:
        command_id = command.command_id or uuid4()
        stamp = functools.partial(
            Recorded,
            actor=command.actor,
            acting_for=command.acting_for,
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
        codec = self.store.codec
        stored = codec.encode_chained(records, self.replica.chain_before)
        # Fold what the store will hold, not what decide returned: they are the same
        # unless a value does not survive the wire format, and then the write fails here.
        records = [codec.decode(s) for s in stored]
        if command.command_id is not None:
            public, private = digest(command)
            company = owner(command, events) if private else None
            entry = CommandHandled(
                ledger_id=ledger_id(command_id),
                command_id=command_id,
                command=type(command).__name__,
                digest=public,
                events=tuple(StreamRef(stream_id=r.stream_id, version=r.version) for r in records),
                company_id=company,
                private=private if company else None,
                at=command.at,
            )
            ledger = stamp(event=entry, stream_id=entry.ledger_id, version=1)
            stored.append(codec.encode(ledger))
        positions = list(self.store.recorder.insert_events(stored, tracking=tracking) or ())
        subscriptions.wrote(self.store.recorder)
        if positions:
            records = [
                attrs.evolve(r, position=p) for r, p in zip(records, positions, strict=False)
            ]
        self.replica.remember(records)
        self.replica.wrote(positions)
        return tuple(records)

    def _tracked(self, tracking: Tracking) -> bool:
        """Whether a follower's position has reached `tracking`'s already."""
        reached = self.store.recorder.max_tracking_id(tracking.application_name) or 0
        return reached >= tracking.notification_id

    def track(self, tracking: Tracking | None) -> None:
        """Write a follower's position alone: its command recorded nothing."""
        if tracking is None:
            return
        try:
            self.store.recorder.insert_tracking(tracking)
        except IntegrityError:
            raise AlreadyTracked(tracking) from None

    def _handled(self, command: Command) -> tuple[Recorded, ...] | None:
        """What the first execution of this command id recorded, if there was one."""
        if command.command_id is None:
            return None
        store, codec = self.store, self.store.codec
        found = store.stream(ledger_id(command.command_id), limit=1)
        if not found:
            return None
        entry = codec.decode(found[0]).event
        assert isinstance(entry, CommandHandled)
        if entry.command != type(command).__name__ or not _repeats(entry, command):
            raise CommandIdReused(
                command_id=command.command_id, first=entry.command, second=type(command).__name__
            )
        return tuple(self._recorded(command.command_id, ref) for ref in entry.events)

    def _recorded(self, command_id: UUID, ref: StreamRef) -> Recorded:
        """The event a ledger entry names, as stored; refused when the store no longer
        holds it (removed by hand: `audit verify` names where)."""
        found = self.store.stream(ref.stream_id, after=ref.version - 1, limit=1)
        if not found or found[0].originator_version != ref.version:
            raise UnreadableEvent(
                version=ref.version,
                stream_id=ref.stream_id,
                topic="missing",
                why=f"the ledger entry of command {command_id} names it, but the store "
                "does not hold it (`peernet audit verify` says where it went)",
            )
        return self.store.codec.decode(found[0])


def _written(records: tuple[Recorded, ...]) -> dict[str, object]:
    """What a command's log line and span say it wrote."""
    first = records[0] if records else None
    return {
        "events": len(records),
        "command_id": str(first.command_id) if first else "",
        "correlation_id": str(first.correlation_id) if first else "",
        "positions": [r.position for r in records if r.position is not None],
    }


def _repeats(entry: CommandHandled, command: Command) -> bool:
    """Whether `command` repeats the one `entry` remembers: the same in the clear, and the
    same in confidence unless the company whose key sealed that digest was forgotten."""
    if entry.scheme == 1:
        return entry.digest == whole_digest(command)
    public, private = digest(command)
    if entry.digest != public:
        return False
    return entry.private is None or is_forgotten(entry.private) or entry.private == private
