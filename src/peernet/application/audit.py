"""Queries for auditors: the log as records, one stream as stored, the audit trail, and
verification of every event's chain (`peernet.audit`)."""

from collections.abc import Iterator
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent

from peernet.application.reading import Reading
from peernet.application.replica import LEDGER_TOPIC
from peernet.application.store import PAGE
from peernet.audit import replay
from peernet.audit.trail import AuditEntry, trail
from peernet.audit.verify import Verification, verify
from peernet.domain.access import Reader
from peernet.domain.errors import InvalidValue
from peernet.records import Recorded


class Audit(Reading):
    def recorded(self, after: int = 0, *, page: int = PAGE) -> Iterator[Recorded]:
        """Every recorded event of the network in the order it was written, streamed
        page by page (never the whole log in memory)."""
        codec = self._store.codec
        # the ledger's entries (one a command) are left in the store, not read and passed over
        topics = tuple(t for t in codec.types if t != LEDGER_TOPIC)
        for row in self._store.rows(after, page, topics=topics):
            if row.topic != LEDGER_TOPIC:
                yield codec.decode(row, position=row.id)

    def last_recorded(self) -> Recorded | None:
        """The last event recorded (ledger entries aside), None in an empty store."""
        store, found = self._store, None
        top = store.top()
        while top > 0 and found is None:
            page = [n for n in store.log(max(0, top - PAGE), stop=top) if n.topic != LEDGER_TOPIC]
            found = page[-1] if page else None
            top -= PAGE
        return None if found is None else store.codec.decode(found, position=found.id)

    def notifications(self, after: int = 0, *, page: int = PAGE) -> Iterator[Notification]:
        """Every stored event as stored (bytes, ledger entries too), in log order, page by
        page: what `verify` checks and an export copies."""
        return self._store.log(after, page)

    def stored(self, stream_id: UUID) -> list[StoredEvent]:
        """The raw stored events of one stream (for audits and tests)."""
        return self._store.stream(stream_id)

    def trail(
        self,
        *subjects: UUID,
        actor: str | None = None,
        start: replay.Moment | None = None,
        end: replay.Moment | None = None,
        known_at: replay.Moment | None = None,
        reader: Reader | None = None,
    ) -> Iterator[AuditEntry]:
        """The audit trail: every event touching all of `subjects` (group, company,
        membership, goal or motion ids), in the order recorded, streamed from the log;
        `actor`, `start`/`end` (business time) and `known_at` narrow it.

        An event confidential to a group (its goals, prep work, figures, flags, motions'
        reasons, ballots) is shown in full only to a `reader` who sees inside that group
        now (its active members, its facilitator, the network's auditors); for anyone
        else, and when no reader is given, its entry is redacted: the event's name,
        stream, times and actor, no reason and no details."""
        for subject in subjects:
            if not isinstance(subject, UUID):
                raise InvalidValue(f"a subject is a UUID, not {subject!r}")
        return trail(
            self.recorded(),
            subjects=subjects,
            actor=actor,
            start=start,
            end=end,
            known_at=known_at,
            sees=self._groups_seen_by(reader),
        )

    def verify(self, *, expect_head: str | None = None) -> Verification:
        """Recompute every stored event's chain, in log order; name every event that was
        changed, moved, added or removed, and where. `expect_head`: a head from an earlier
        verify. Reads stored bytes only: a network opened with ``access="verify"`` needs
        no key and writes nothing."""
        store = self._store
        return verify(
            store.codec, store.log(), store.exists, expect_head=expect_head, dense=store.dense
        )
