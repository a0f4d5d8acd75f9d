"""The audit trail: every recorded event touching a subject, in the order it was
recorded, with who did it, both times, the command and the reason; and its exports.

The trail is read from the notification log a page at a time (`Network.recorded`) and
never held whole: filters and exports consume it as it streams.

A trail is read by someone. An event confidential to a group (`confidential_to`: its
goals, prep work, figures, flags, motions' reasons and ballots) is shown in full only to
a reader who sees inside that group; for anyone else its entry keeps the event's name,
stream, times, actor and ids of the record, and is `redacted`: no reason, no details.
"""

import csv
import enum
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import IO, Any
from uuid import UUID

import attrs
import orjson

from peernet.adapters.codec import converter
from peernet.audit.replay import Moment, moment
from peernet.domain.access import confidential_to
from peernet.domain.common import Event
from peernet.domain.companies import CompanyAcquired
from peernet.records import Recorded

#: the fields whose value says why an event happened, in the order they are joined
_WHY = ("reason", "cause", "note")
#: the columns of a CSV export, in order; `event` holds the event's fields as JSON
COLUMNS = (
    "position",
    "recorded_at",
    "at",
    "event",
    "stream_id",
    "version",
    "actor",
    "command_id",
    "correlation_id",
    "reason",
    "details",
    "redacted",
)
#: whether a reader sees inside a group (its confidential records), by group id
Sees = Callable[[UUID], bool]


def reason_of(event: Event) -> str | None:
    """Why the event happened, in its own words: its reason, cause and note fields."""
    if isinstance(event, CompanyAcquired):
        buyer = f"member {event.acquirer_id}" if event.acquirer_id else event.acquirer
        return f"acquired by {buyer}"
    said = []
    for name in _WHY:
        value = getattr(event, name, None)
        if isinstance(value, enum.Enum):
            value = value.value
        if value:
            said.append(str(value))
    return "; ".join(said) or None


def ids_in(event: Event) -> frozenset[UUID]:
    """Every id an event names: its own fields and the ids in its tuples and sets."""
    found: set[UUID] = set()
    for value in attrs.asdict(event, recurse=False).values():
        if isinstance(value, UUID):
            found.add(value)
        elif isinstance(value, tuple | frozenset):
            found.update(v for v in value if isinstance(v, UUID))
    return frozenset(found)


@attrs.frozen(kw_only=True)
class AuditEntry:
    """One line of the audit trail."""

    position: int
    recorded_at: datetime
    at: datetime
    #: the event's name, e.g. "MemberResigned"
    name: str
    stream_id: UUID
    version: int
    actor: str
    command_id: UUID
    correlation_id: UUID
    reason: str | None
    #: the event itself; None when the entry is redacted for its reader
    event: Event | None
    #: the event is confidential to a group its reader does not see inside
    redacted: bool = False

    @classmethod
    def of(cls, record: Recorded, *, redacted: bool = False) -> "AuditEntry":
        return cls(
            position=record.position or 0,
            recorded_at=record.recorded_at,
            at=record.event.at,
            name=type(record.event).__name__,
            stream_id=record.stream_id,
            version=record.version,
            actor=record.actor,
            command_id=record.command_id,
            correlation_id=record.correlation_id,
            reason=None if redacted else reason_of(record.event),
            event=None if redacted else record.event,
            redacted=redacted,
        )

    def row(self) -> dict[str, Any]:
        """The entry as JSON-ready values: ids and times as text, the event's fields."""
        return {
            "position": self.position,
            "recorded_at": self.recorded_at.isoformat(),
            "at": self.at.isoformat(),
            "event": self.name,
            "stream_id": str(self.stream_id),
            "version": self.version,
            "actor": self.actor,
            "command_id": str(self.command_id),
            "correlation_id": str(self.correlation_id),
            "reason": self.reason,
            "details": None
            if self.event is None
            else converter.unstructure(self.event, type(self.event)),
            "redacted": self.redacted,
        }


@attrs.define
class _Touching:
    """Which records touch every one of `subjects`: a record touches a subject when its
    stream is the subject, when its event names the subject, or when the first event of
    its stream named it (so a goal's later events follow its member's company)."""

    subjects: frozenset[UUID]
    followed: dict[UUID, frozenset[UUID]] = attrs.Factory(dict)

    def __call__(self, record: Recorded) -> bool:
        named = ids_in(record.event) | {record.stream_id}
        if record.version == 1:
            hit = named & self.subjects
            if hit:
                self.followed[record.stream_id] = frozenset(hit)
        touched = named | self.followed.get(record.stream_id, frozenset())
        return self.subjects <= touched


def trail(
    records: Iterable[Recorded],
    *,
    subjects: Iterable[UUID] = (),
    actor: str | None = None,
    start: Moment | None = None,
    end: Moment | None = None,
    known_at: Moment | None = None,
    sees: Sees | None = None,
) -> Iterator[AuditEntry]:
    """The entries of `records` (the log in order) touching every one of `subjects`,
    done by `actor`, that happened between `start` and `end` (business time, both
    inclusive; a date is its whole day) and were recorded by `known_at`. An event
    confidential to a group is redacted unless `sees(group_id)` (None: nobody sees inside
    any group: every such event is redacted)."""
    touching = _Touching(frozenset(subjects)) if subjects else None
    until = moment("known_at", known_at)
    first, last = moment("start", start, first=True), moment("end", end)
    for record in records:
        # Not a reason to stop: two writers stamp their times before either commits.
        if until is not None and record.recorded_at > until:
            continue
        if touching is not None and not touching(record):
            continue
        if actor is not None and record.actor != actor:
            continue
        if (first is not None and record.event.at < first) or (
            last is not None and record.event.at > last
        ):
            continue
        group = confidential_to(record.event)
        hidden = group is not None and (sees is None or not sees(group))
        yield AuditEntry.of(record, redacted=hidden)


def write_jsonl(entries: Iterable[AuditEntry], out: IO[bytes]) -> int:
    """Write one JSON object a line; return how many."""
    count = 0
    for entry in entries:
        out.write(orjson.dumps(entry.row()) + b"\n")
        count += 1
    return count


def write_csv(entries: Iterable[AuditEntry], out: IO[str]) -> int:
    """Write a CSV table with a header row (`COLUMNS`); the event's own fields go in the
    `details` column as JSON. Return how many rows."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for entry in entries:
        row = entry.row()
        row["details"] = "" if row["details"] is None else orjson.dumps(row["details"]).decode()
        row["reason"] = row["reason"] or ""
        row["redacted"] = "yes" if row["redacted"] else ""
        writer.writerow(row)
        count += 1
    return count
