"""The command side: needs → load → decide → append, every event of every stream in one
atomic write guarded by the versions read; a lost race re-loads and decides again.

A command executed with a `command_id` leaves a ledger entry (`CommandHandled`) in the
same write: executing it again records nothing and returns what the first execution
recorded, and another command reusing the id is refused (`CommandIdReused`).

A command executed for a follower carries the follower's `Tracking`: its position is
written in the same transaction as the command's events (eventsourcing's process
recorder), or alone when the command records nothing; a position another process has
already written raises `AlreadyTracked`, and nothing is recorded.

Commands that threads execute at the same time share one write, each answered on its
own (group commit: `_record_group`, `peernet.application.groupcommit`).

How the ledger tells a retry from another command reusing its id:
`peernet.application.ledger`.
"""

import functools
import logging
import random
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking

from peernet.adapters import telemetry
from peernet.adapters.errors import ConcurrencyConflict, EncryptionOff
from peernet.adapters.recorders import Stale
from peernet.application.appending import append
from peernet.application.groupcommit import GroupCommit
from peernet.application.ledger import (
    Ledger,
    Stamped,
    refuse_batch,
    repeated,
    stamp,
    stores_any,
)
from peernet.application.replica import Assumptions, Overlay, Replica
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
from peernet.domain.situation import Links, NotLoaded, Ref
from peernet.records import Recorded

log = logging.getLogger(__name__)

#: a command queued for a group commit, with its correlation id
Queued = tuple[Command, UUID | None]
#: the most commands of concurrent callers one commit carries
GROUP_LIMIT = 64


class AlreadyTracked(Exception):
    """A follower's position was written by another process first: the event it was
    handling is handled, and this execution recorded nothing."""

    def __init__(self, tracking: Tracking) -> None:
        super().__init__(f"{tracking.application_name} is already past {tracking.notification_id}")
        self.tracking = tracking


class CommandSide:
    """Executes commands against the store, keeping the replica current."""

    def __init__(
        self,
        store: Store,
        replica: Replica,
        clock: Callable[[], datetime],
        max_attempts: int,
        *,
        group_commit: bool = True,
    ) -> None:
        self.store = store
        self.replica = replica
        self.clock = clock
        self.max_attempts = max_attempts
        self.ledger = Ledger(store)
        #: the commands of concurrent callers, written in one commit a group (None: off)
        self.groups: GroupCommit[Queued, tuple[Recorded, ...]] | None = (
            GroupCommit(self._record_group, GROUP_LIMIT) if group_commit else None
        )

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
        if tracking is None and self.groups is not None:
            return self.groups.submit((command, correlation_id))
        return self._record(command, correlation_id, tracking)

    def _record(  # noqa: PLR0912 - one attempt loop, each way out named
        self, command: Command, correlation_id: UUID | None, tracking: Tracking | None
    ) -> tuple[Recorded, ...]:
        """Decide and write one command alone, in a transaction of its own."""
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
                    if (first := self.ledger.handled(command)) is not None:
                        self.track(tracking)
                        return first
                try:
                    decided = self._decide_warm(command, hopeful=hopeful)
                except PeerNetError:
                    # Another process may have recorded this very command meanwhile.
                    if (first := self.ledger.handled(command)) is not None:
                        self.track(tracking)
                        return first
                    if hopeful and self.replica.behind():
                        continue
                    raise
                if decided is None:
                    continue  # it took a stream to be absent that its write cannot confirm
                events, versions = decided
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
                    if (first := self.ledger.handled(command)) is not None:
                        self.track(tracking)
                        return first
                    log.info("%s lost a race (attempt %d)", type(command).__name__, attempt)
                    _back_off(attempt)
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
        refuse = refuse_batch(commands)  # raises, naming the command
        for index, command in enumerate(commands):
            try:
                self._refuse_early(command, correlation_id)
            except PeerNetError as error:
                refuse(index, error)
        if not commands:
            return ()
        queued = [(command, correlation_id) for command in commands]
        with self.store.lock, self.store.errors():
            for attempt in range(1, self.max_attempts + 1):
                self.replica.catch_up()
                stamped = self._decide_in_turn(queued, Overlay(self.replica), refuse)
                try:
                    return append(
                        self.store, self.replica, [one for one in stamped if one is not None]
                    )
                except IntegrityError:
                    log.info("a batch of %d lost a race (attempt %d)", len(commands), attempt)
                    _back_off(attempt)
            raise ConcurrencyConflict(command="a batch", attempts=self.max_attempts)

    def _record_group(self, queued: list[Queued]) -> list[tuple[Recorded, ...] | Exception]:
        """The commands of concurrent callers (`GroupCommit`), decided in turn as a batch
        is and written in one transaction, each answered on its own: what it recorded,
        or its refusal (nothing of it written, nor in the state the next is decided on).
        A write that finds the log moved or loses a race is decided again, caught up, as
        one command's is; a store's failure raises to every caller of the group."""
        if len(queued) == 1:  # one command, decided alone
            return [self._record(*queued[0], None)]
        with self.store.lock, self.store.errors():
            for attempt in range(1, self.max_attempts + 1):
                hopeful = attempt == 1 and self.store.checks_position  # as in `_record`
                if not hopeful:
                    self.replica.catch_up()
                refused: dict[int, PeerNetError] = {}
                stamped = self._decide_in_turn(queued, Overlay(self.replica), refused.__setitem__)
                if hopeful and not stores_any(stamped) and self.replica.behind():
                    continue  # refusals and no-ops decided on a stale state: decide again
                after = self.replica.seen if hopeful else None
                try:
                    written = iter(
                        append(
                            self.store,
                            self.replica,
                            [o for o in stamped if o is not None],
                            after=after,
                        )
                    )
                except Stale:
                    continue
                except IntegrityError:
                    log.info("a group of %d lost a race (attempt %d)", len(queued), attempt)
                    _back_off(attempt)
                    continue
                return [
                    next(written)
                    if one is not None
                    else self.ledger.refusal(command, refused[index])
                    for index, ((command, _), one) in enumerate(zip(queued, stamped, strict=True))
                ]
        return [
            ConcurrencyConflict(command=type(command).__name__, attempts=self.max_attempts)
            for command, _ in queued
        ]

    def _decide_in_turn(
        self,
        queued: Sequence[Queued],
        overlay: Overlay,
        refused: Callable[[int, PeerNetError], None],
    ) -> list[Stamped | None]:
        """Each command decided in turn on the overlay, on what the ones before it
        decided; one whose id was handled (before, or earlier here) answers what was
        recorded then. A refusal goes to `refused` (with its index), which may raise;
        else the command is left out (None) and the overlay stays as it was."""
        stamped: list[Stamped | None] = []
        earlier: dict[UUID, Stamped] = {}
        for index, (command, correlation_id) in enumerate(queued):
            try:
                first: Sequence[Recorded] | None = self.ledger.handled(command)
                if first is None and command.command_id in earlier:
                    first = repeated(command, earlier[command.command_id])
                if first is not None:
                    stamped.append(Stamped(records=list(first), ledger=None, done=True))
                    continue
                self._check_acting_for(command, overlay.get)
                events, versions = self._decide(command, overlay.load, overlay.links)
            except PeerNetError as error:
                refused(index, error)
                stamped.append(None)
                continue
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

    def _decide_warm(
        self, command: Command, *, hopeful: bool
    ) -> tuple[list[Event], dict[UUID, int]] | None:
        """Decide `command` alone on the replica. Hopeful, a stream the command names that
        this process never saw begin is taken to be absent without asking the links table
        (a command beginning a stream asks nothing); None when such a decision cannot
        stand: it was refused, or it does not begin every stream it took to be absent (its
        write confirms those, for the store refuses a stream's first event twice)."""
        self._check_acting_for(command, self.replica.get)
        if not hopeful:
            return self._decide(command, self.replica.load, self.replica.directory)
        assume = Assumptions(command)
        load = functools.partial(self.replica.load, assume=assume)
        try:
            events, versions = self._decide(command, load, self.replica.directory)
        except (PeerNetError, NotLoaded):
            if assume.absent:
                return None
            raise
        return (events, versions) if assume.confirmed_by(events) else None

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
        return append(self.store, self.replica, [stamped], tracking, after)[0]

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


def _back_off(attempt: int) -> None:
    """Wait a random while, longer at each attempt, before deciding again after a race."""
    time.sleep(random.uniform(0, 0.002 * 2**attempt))  # noqa: S311 - jitter, not secrets


def _written(records: tuple[Recorded, ...]) -> dict[str, object]:
    """What a command's log line and span say it wrote."""
    first = records[0] if records else None
    return {
        "events": len(records),
        "command_id": str(first.command_id) if first else "",
        "correlation_id": str(first.correlation_id) if first else "",
        "positions": [r.position for r in records if r.position is not None],
    }
