"""The command side: needs → load → decide → append, every event of every stream in one
atomic write guarded by the versions read; a lost race re-loads and decides again.

A command executed with a `command_id` leaves a ledger entry (`CommandHandled`) in the
same write: executing it again records nothing and returns what the first execution
recorded, and another command reusing the id is refused (`CommandIdReused`).
"""

import functools
import hashlib
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import attrs
import orjson
from eventsourcing.persistence import IntegrityError

from peernet.adapters.codec import CommandHandled, StreamRef, converter
from peernet.application.replica import Replica
from peernet.application.store import Store
from peernet.domain import network
from peernet.domain.common import Command, Event
from peernet.domain.companies import ForgetCompany
from peernet.domain.errors import (
    CommandIdReused,
    ConcurrencyConflict,
    EncryptionOff,
    InvalidValue,
    PeerNetError,
    UnreadableEvent,
)
from peernet.domain.situation import Ref
from peernet.records import Recorded

log = logging.getLogger(__name__)

_LEDGER = uuid5(NAMESPACE_URL, "https://peernet.invalid/command-ledger")


def digest(command: Command) -> str:
    """A fingerprint of everything a command says, to tell a retry from another command
    that reuses its id."""
    payload = converter.unstructure(command, type(command))
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def ledger_id(command_id: UUID) -> UUID:
    """The stream that remembers what a command with this id recorded."""
    return uuid5(_LEDGER, str(command_id))


class CommandSide:
    """Executes commands against the store, keeping the replica current."""

    def __init__(
        self, store: Store, replica: Replica, clock: Callable[[], datetime], max_attempts: int
    ) -> None:
        self.store = store
        self.replica = replica
        self.clock = clock
        self.max_attempts = max_attempts

    def execute(self, command: Command, correlation_id: UUID | None) -> tuple[Recorded, ...]:
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
                    return first
                try:
                    events, versions = self._decide(command)
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
            raise ConcurrencyConflict(command=type(command).__name__, attempts=self.max_attempts)

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
        codec = self.store.codec
        stored = codec.encode_chained(records, self.replica.chain_before)
        # Fold what the store will hold, not what decide returned: they are the same
        # unless a value does not survive the wire format, and then the write fails here.
        records = [codec.decode(s) for s in stored]
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
            stored.append(codec.encode(ledger))
        positions = list(self.store.recorder.insert_events(stored) or ())
        if positions:
            records = [
                attrs.evolve(r, position=p) for r, p in zip(records, positions, strict=False)
            ]
        self.replica.remember(records)
        self.replica.wrote(positions)
        return tuple(records)

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
        if entry.command != type(command).__name__ or entry.digest != digest(command):
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
