"""The command side: needs → load → decide → append, every event of every stream in one
atomic write guarded by the versions read; a lost race re-loads and decides again.

A command executed with a `command_id` leaves a ledger entry (`CommandHandled`) in the
same write: executing it again records nothing and returns what the first execution
recorded, and another command reusing the id is refused (`CommandIdReused`).

A command executed for a follower carries the follower's `Tracking`: its position is
written in the same transaction as the command's events (eventsourcing's process
recorder), or alone when the command records nothing; a position another process has
already written raises `AlreadyTracked`, and nothing is recorded.

How the ledger tells a retry from another command reusing its id:
`peernet.application.ledger`.
"""

import logging
import random
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking

from peernet.adapters import subscriptions, telemetry
from peernet.adapters.codec import CommandHandled, StreamRef
from peernet.adapters.errors import (
    CommandIdReused,
    ConcurrencyConflict,
    EncryptionOff,
    UnreadableEvent,
)
from peernet.adapters.recorders import Stale
from peernet.application.ledger import Stamped, in_batch, ledger_id, repeated, repeats, stamp
from peernet.application.replica import Overlay, Replica
from peernet.application.store import Store
from peernet.domain import network
from peernet.domain.common import Command, Event
from peernet.domain.companies import Company, ForgetCompany, RegisterCompany
from peernet.domain.errors import (
    ActingForUnknownCompany,
    CompanyWasForgotten,
    InvalidValue,
    PeerNetError,
)
from peernet.domain.situation import Links, Ref
from peernet.records import Recorded

log = logging.getLogger(__name__)


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
        self._refuse_early(command, correlation_id)
        with self.store.lock, self.store.errors():
            for attempt in range(1, self.max_attempts + 1):
                # First, on a store whose writes check that the log has not moved
                # (`peernet.adapters.recorders`), decide on the warm state without asking;
                # a write, refusal or no-op found stale is decided again, caught up.
                hopeful = attempt == 1 and tracking is None and self.store.checks_position
                # The ledger is read after catching up: had another process recorded this
                # command first, its events would be in the state decided on (and refused).
                # A hopeful attempt does not read it: a command recorded before writes its
                # ledger entry again, which the store refuses (IntegrityError, below), and a
                # refusal looks it up then; so a command seen for the first time (nearly
                # every one) costs no read of the store.
                if not hopeful:
                    self.replica.catch_up()
                    if (first := self._handled(command)) is not None:
                        self.track(tracking)
                        return first
                try:
                    self._check_acting_for(command, self.replica.get)
                    events, versions = self._decide(
                        command, self.replica.load, self.replica.directory
                    )
                except PeerNetError:
                    # Another process may have recorded this very command meanwhile.
                    if (first := self._handled(command)) is not None:
                        self.track(tracking)
                        return first
                    if hopeful and self.replica.behind():
                        continue
                    raise
                if not events and command.command_id is None:
                    if hopeful and self.replica.behind():
                        continue
                    self.track(tracking)
                    return ()
                after = self.replica.seen if hopeful else None
                try:
                    return self._write(
                        command, events, versions, correlation_id, tracking=tracking, after=after
                    )
                except Stale:
                    continue  # the log moved on: catch up and decide again, at once
                except IntegrityError:
                    if tracking is not None and self._tracked(tracking):
                        raise AlreadyTracked(tracking) from None
                    if (first := self._handled(command)) is not None:
                        self.track(tracking)
                        return first
                    log.info("%s lost a race (attempt %d)", type(command).__name__, attempt)
                    time.sleep(random.uniform(0, 0.002 * 2**attempt))  # noqa: S311 - jitter
            raise ConcurrencyConflict(command=type(command).__name__, attempts=self.max_attempts)

    def execute_many(
        self, commands: Sequence[Command], correlation_id: UUID | None
    ) -> tuple[tuple[Recorded, ...], ...]:
        """Decide `commands` in order, each on what the ones before it decided, and record
        them all in one write (or none), logged and traced as one batch."""
        return telemetry.observe(
            log,
            "batch",
            f"{len(commands)} commands",
            lambda: self._execute_many(commands, correlation_id),
            fields=lambda: {"commands": len(commands)},
            after=lambda done: {"events": sum(len(r) for r in done)},
            level=logging.INFO,
        )

    def _execute_many(
        self, commands: Sequence[Command], correlation_id: UUID | None
    ) -> tuple[tuple[Recorded, ...], ...]:
        for index, command in enumerate(commands):
            try:
                self._refuse_early(command, correlation_id)
            except PeerNetError as error:
                raise in_batch(error, index, commands) from None
        if not commands:
            return ()
        with self.store.lock, self.store.errors():
            for attempt in range(1, self.max_attempts + 1):
                self.replica.catch_up()
                overlay = Overlay(self.replica)
                stamped = self._decide_batch(commands, overlay, correlation_id)
                try:
                    return self._append(stamped)
                except IntegrityError:
                    log.info("a batch of %d lost a race (attempt %d)", len(commands), attempt)
                    time.sleep(random.uniform(0, 0.002 * 2**attempt))  # noqa: S311 - jitter
            raise ConcurrencyConflict(command="a batch", attempts=self.max_attempts)

    def _decide_batch(
        self, commands: Sequence[Command], overlay: Overlay, correlation_id: UUID | None
    ) -> list[Stamped]:
        """Each command of a batch decided in turn on the overlay; the first refusal
        refuses the batch, naming the command. A command whose id was handled (before
        the batch, or earlier in it) records nothing and answers what was recorded then."""
        stamped: list[Stamped] = []
        earlier: dict[UUID, Stamped] = {}
        for index, command in enumerate(commands):
            try:
                first: Sequence[Recorded] | None = self._handled(command)
                if first is None and command.command_id in earlier:
                    first = repeated(command, earlier[command.command_id])
                if first is not None:
                    stamped.append(Stamped(records=list(first), ledger=None, done=True))
                    continue
                self._check_acting_for(command, overlay.get)
                events, versions = self._decide(command, overlay.load, overlay.links)
            except PeerNetError as error:
                raise in_batch(error, index, commands) from None
            one = stamp(command, events, versions, correlation_id, self.clock())
            overlay.fold(one.records)
            stamped.append(one)
            if command.command_id is not None:
                earlier[command.command_id] = one
        return stamped

    def _refuse_early(self, command: Command, correlation_id: UUID | None) -> None:
        """What is refused before anything is read: not a peernet command, a forgetting
        without encryption, a correlation id that is not a UUID."""
        network.decider(command)
        if isinstance(command, ForgetCompany) and self.store.codec.keys is None:
            raise EncryptionOff(company_id=command.company_id)
        if correlation_id is not None and not isinstance(correlation_id, UUID):
            raise InvalidValue(f"correlation_id must be a UUID, got {correlation_id!r}")

    def _check_acting_for(
        self, command: Command, get: Callable[[type[Company], UUID], Company | None]
    ) -> None:
        """A command acts for a company that was registered (or that it registers) and
        not forgotten: a forgotten company's key is never made again."""
        company_id = command.acting_for
        if company_id is None:
            return
        if isinstance(command, RegisterCompany) and command.company_id == company_id:
            return
        company = get(Company, company_id)
        if company is None:
            raise ActingForUnknownCompany(company_id=company_id)
        if company.forgotten:
            raise CompanyWasForgotten(company_id=company_id)

    def _decide(
        self, command: Command, load: Callable[[str, UUID], tuple[Any, int]], links: Links
    ) -> tuple[list[Event], dict[UUID, int]]:
        """The events `command` records, decided on what its needs load, and the version
        each stream read was at."""
        versions: dict[UUID, int] = {}

        def state_of(ref: Ref) -> object:
            state, versions[ref.id] = load(ref.kind, ref.id)
            return state

        situation = network.situate(command, state_of, links)
        return network.decide(situation, command), versions

    def _write(
        self,
        command: Command,
        events: list[Event],
        versions: dict[UUID, int],
        correlation_id: UUID | None,
        *,
        tracking: Tracking | None = None,
        after: int | None = None,
    ) -> tuple[Recorded, ...]:
        stamped = stamp(command, events, versions, correlation_id, self.clock())
        return self._append([stamped], tracking, after)[0]

    def _append(
        self, stamped: list[Stamped], tracking: Tracking | None = None, after: int | None = None
    ) -> tuple[tuple[Recorded, ...], ...]:
        """Encode and chain the records of one write, and append them, each command's
        events before its ledger entry, in one transaction; the replica folds what was
        decided (with the chain and position it was stored with), nothing decoded back."""
        codec = self.store.codec
        new = [r for one in stamped if not one.done for r in one.records]
        linked = iter(codec.encode_links(new, self.replica.chain_before))
        stored: list[StoredEvent] = []
        chains: list[list[str]] = []  # the chain of each new record, by command
        for one in stamped:
            if one.done:
                continue
            mine = [next(linked) for _ in one.records]
            stored.extend(sealed for sealed, _ in mine)
            chains.append([chain for _, chain in mine])
            if one.ledger is not None:
                stored.append(codec.encode(one.ledger))
        if not stored and tracking is None:
            return tuple(tuple(one.records) for one in stamped)  # all handled before
        where = {} if after is None else {"after": after}
        positions = list(
            self.store.recorder.insert_events(stored, tracking=tracking, **where) or ()
        )
        subscriptions.wrote(self.store.recorder)
        at, by_command = iter(positions), iter(chains)
        written: list[tuple[Recorded, ...]] = []
        for one in stamped:
            if one.done:
                written.append(tuple(one.records))
                continue
            written.append(
                tuple(
                    attrs.evolve(r, chain=chain, position=next(at, None))
                    for r, chain in zip(one.records, next(by_command), strict=True)
                )
            )
            if one.ledger is not None:
                next(at, None)
        self.replica.remember(
            [r for one, mine in zip(stamped, written, strict=True) if not one.done for r in mine]
        )
        self.replica.wrote(positions)
        return tuple(written)

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
        if entry.command != type(command).__name__ or not repeats(entry, command):
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
