"""`Network`: the one facade an embedding app uses, composed of small parts.

- the store (`Store`): open from a URL, keys, one-line errors, the log;
- the replica (`Replica`): warm states, the directory, catch-up;
- the command side (`CommandSide`): needs → load → decide → append, retry, ledger, chain,
  one command at a time (`execute`) or a batch in one transaction (`execute_many`);
- the queries, one part per job: `Rosters`, `Accountability`, `Sessions`, `Books`,
  `Audit`, `Archive` (a history to a file and back into an empty store), `Pages`,
  the network's `Bodies`, and the partner economy's `Partners`
  (deals, referrals, competitions) and `P2PFigures` (P2P figures and scorecards), each
  on the shared `Reading` base (current state, access checks);
- followers (`Follower`): an app's handlers of recorded events, each event once.

Every command is logged, and every command and query traced while spans are on
(`peernet.adapters.telemetry`). The facade is safe to share between threads: commands
and queries take the store's lock in turn, and commands that threads execute at the same
time share one commit (`peernet.application.groupcommit`).
"""

import contextlib
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory

from peernet.adapters.codec import PeerNetMapper
from peernet.adapters.leases import lease_for
from peernet.adapters.opening import Access
from peernet.adapters.storage import redact
from peernet.application.accountability import Accountability
from peernet.application.archive import Archive
from peernet.application.audit import Audit
from peernet.application.bodies import Bodies
from peernet.application.books import Books
from peernet.application.commands import CommandSide
from peernet.application.followers import Follower, Handler
from peernet.application.p2p import P2PFigures
from peernet.application.pages import Pages
from peernet.application.partners import Partners
from peernet.application.replica import Replica
from peernet.application.rosters import Rosters
from peernet.application.sessions import Sessions
from peernet.application.store import Store
from peernet.application.traced import traced_queries
from peernet.domain.common import Command, Event
from peernet.records import Recorded


def _utc_now() -> datetime:
    return datetime.now(UTC)


@traced_queries
class Network(
    Pages, Rosters, Accountability, Sessions, Books, Audit, Archive, Bodies, Partners, P2PFigures
):
    """A network of peer groups, recorded as events in the store `url` names.

    Examples:
        >>> network = Network("memory://")  # doctest: +SKIP
        >>> network.execute(RegisterCompany(...))  # doctest: +SKIP
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = _utc_now,
        max_attempts: int = 8,
        key: str | bytes | None = None,
        access: Access = "write",
        group_commit: bool = True,
    ) -> None:
        """`url`: `memory://`, `sqlite:///path` or `postgresql://...` (default
        ``$PEERNET_DB``, else ``sqlite:///peernet.db``); `env`: more eventsourcing
        settings; `clock`: when events are recorded; `max_attempts`: how often a command
        that loses races is decided again; `key`: the master key confidential fields are
        encrypted under (base64 text of 32 bytes), else the file ``?key_file=PATH`` in the
        URL names, else the ``PEERNET_KEY`` environment variable; none: they are stored in
        the clear. `access`: ``"write"`` (the default: tables are created on first use),
        ``"read"`` (queries only: nothing is created or written, a read-only file or
        PostgreSQL role will do) or ``"verify"`` (as read, and no key is needed:
        `verify` checks the stored bytes, ciphertext included). `group_commit`: commands
        that threads execute at the same time share one commit (each keeps its own
        outcome: see docs/storage.md); False: each commits alone."""
        self._store = Store(url, env=env, key=key, access=access)
        #: the store's URL, as given (`repr` hides its password)
        self.url: str = self._store.url
        #: eventsourcing's recorder of the store, and its infrastructure factory
        self.recorder: ApplicationRecorder = self._store.recorder
        self.factory: InfrastructureFactory = self._store.factory
        #: the mapper between peernet's records and the stored events
        self.codec: PeerNetMapper = self._store.codec
        self._replica = Replica(self._store)
        self.clock = clock
        self._commands = CommandSide(
            self._store, self._replica, clock, max_attempts, group_commit=group_commit
        )

    def execute(
        self, command: Command, *, correlation_id: UUID | None = None
    ) -> tuple[Recorded, ...]:
        """Decide `command` and record its events atomically; return what was recorded.

        Raises a `RuleViolation` (nothing recorded) when a rule refuses it and an
        `InvalidInput` when it names something unknown. With a `command_id` already
        executed, records nothing and returns what the first execution recorded.

        Commands that other threads execute meanwhile may share its transaction (group
        commit, on unless the network was opened with ``group_commit=False``): each is
        still decided on what the ones before it recorded, and answered on its own.
        """
        self._store.check_writable(f"record {type(command).__name__}")
        return self._commands.execute(command, correlation_id)

    def execute_many(
        self, commands: Iterable[Command], *, correlation_id: UUID | None = None
    ) -> tuple[tuple[Recorded, ...], ...]:
        """Decide `commands` in order, each on what the ones before it decided, and record
        them all in one transaction (one commit: far cheaper than one `execute` each);
        return what each recorded, in order.

        All or nothing: the first command a rule refuses raises its typed error, whose
        message names it (``command 3 of 10 in the batch (TakeSeat): ...``, and
        ``details["batch_index"]``, from 0), and nothing of the batch is recorded. Each
        command is checked as `execute` checks it, and a command whose `command_id` was
        executed before (or earlier in the batch) records nothing again and answers
        what was recorded then.
        """
        batch = list(commands)
        self._store.check_writable(f"record a batch of {len(batch)} commands")
        return self._commands.execute_many(batch, correlation_id)

    def follow(
        self,
        name: str,
        handler: Handler,
        *,
        events: Iterable[type[Event]] = (),
        groups: Iterable[UUID] = (),
    ) -> Follower:
        """A follower named `name` that feeds `handler` each recorded event once (of the
        classes in `events`, of the groups in `groups`, when given), from the position
        the store keeps for that name; see `peernet.application.followers`. Nothing runs
        until `run_once()` or `start()`."""
        lease = lease_for(self.url, name, local_key=str(id(self._store.recorder)))
        return Follower(
            self._store, self._commands, name, handler, lease=lease, events=events, groups=groups
        )

    def rotate_key(self, new_key: str | bytes) -> int:
        """Rotate the master key: every company's data key is wrapped under `new_key`
        (base64 text of 32 bytes) in one transaction, no event touched; from then on the
        store opens with `new_key` only. A crash leaves it opening with the old key, and
        rotating again finishes. Returns how many key rows were rewrapped."""
        return self._store.rotate_key(new_key)

    @property
    def group_commit(self) -> bool:
        """Whether commands executed at the same time share one commit."""
        return self._commands.groups is not None

    @property
    def access(self) -> Access:
        """What the store was opened for: ``"write"``, ``"read"`` or ``"verify"``."""
        return self._store.access

    @property
    def encrypted(self) -> bool:
        """Whether confidential fields are sealed with a key (see docs/confidentiality.md)."""
        return self._store.codec.keys is not None

    def close(self) -> None:
        """Close the store's connections."""
        self._store.close()

    def __enter__(self) -> "Network":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Network({redact(self.url)!r})"

    def __del__(self) -> None:
        # A network left open is closed when collected; by then its store may be gone
        # (a deleted file, a dropped schema), and a finaliser has no caller to tell.
        with contextlib.suppress(Exception):
            self.close()
