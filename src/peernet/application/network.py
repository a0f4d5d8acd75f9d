"""`Network`: the one facade an embedding app uses, composed of small parts.

- the store (`Store`): open from a URL, keys, one-line errors, the log;
- the replica (`Replica`): warm states, the directory, catch-up;
- the command side (`CommandSide`): needs → load → decide → append, retry, ledger, chain;
- the queries, one part per job: `Rosters`, `Accountability`, `Sessions`, `Books`,
  `Audit`, each on the shared `Reading` base (current state, access checks); and the
  partner economy's `Partners` (deals, referrals, competitions) and `P2PFigures` (P2P
  figures and management scorecards).
"""

import contextlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory

from peernet.adapters.codec import PeerNetMapper
from peernet.adapters.storage import redact
from peernet.application.accountability import Accountability
from peernet.application.audit import Audit
from peernet.application.books import Books
from peernet.application.commands import CommandSide
from peernet.application.p2p import P2PFigures
from peernet.application.partners import Partners
from peernet.application.replica import Replica
from peernet.application.rosters import Rosters
from peernet.application.sessions import Sessions
from peernet.application.store import Store
from peernet.domain.common import Command
from peernet.records import Recorded


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Network(Rosters, Accountability, Sessions, Books, Audit, Partners, P2PFigures):
    """A network of peer groups, recorded as events in the store `url` names.

    >>> network = Network("memory://")            # doctest: +SKIP
    >>> network.execute(RegisterCompany(...))       # doctest: +SKIP
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = _utc_now,
        max_attempts: int = 8,
        key: str | bytes | None = None,
    ) -> None:
        """`url`: `memory://`, `sqlite:///path` or `postgresql://...` (default
        ``$PEERNET_DB``, else ``sqlite:///peernet.db``); `env`: more eventsourcing
        settings; `clock`: when events are recorded; `max_attempts`: how often a command
        that loses races is decided again; `key`: the master key confidential fields are
        encrypted under (base64 text of 32 bytes), else the file ``?key_file=PATH`` in the
        URL names, else the ``PEERNET_KEY`` environment variable; none: they are stored in
        the clear."""
        self._store = Store(url, env=env, key=key)
        #: the store's URL, as given (`repr` hides its password)
        self.url: str = self._store.url
        #: eventsourcing's recorder of the store, and its infrastructure factory
        self.recorder: ApplicationRecorder = self._store.recorder
        self.factory: InfrastructureFactory = self._store.factory
        #: the mapper between peernet's records and the stored events
        self.codec: PeerNetMapper = self._store.codec
        self._replica = Replica(self._store)
        self.clock = clock
        self._commands = CommandSide(self._store, self._replica, clock, max_attempts)

    def execute(
        self, command: Command, *, correlation_id: UUID | None = None
    ) -> tuple[Recorded, ...]:
        """Decide `command` and record its events atomically; return what was recorded.

        Raises a `RuleViolation` (nothing recorded) when a rule refuses it and an
        `InvalidInput` when it names something unknown. With a `command_id` already
        executed, records nothing and returns what the first execution recorded.
        """
        return self._commands.execute(command, correlation_id)

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
