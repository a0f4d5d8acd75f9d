"""The command ledger: each command's records stamped with who, when and under which
command id, its ledger entry, the fingerprints that tell a retry of a command from
another command reusing its id, and the entries read back (`Ledger`).

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
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import attrs
import orjson

from peernet.adapters.codec import CommandHandled, StreamRef, confidential_paths, converter
from peernet.adapters.errors import CommandIdReused, UnreadableEvent
from peernet.adapters.sealing import rewrite
from peernet.application.store import Store
from peernet.domain.common import Command, Event, is_forgotten
from peernet.domain.errors import PeerNetError
from peernet.records import Recorded

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


def repeats(entry: CommandHandled, command: Command) -> bool:
    """Whether `command` repeats the one `entry` remembers: the same in the clear, and the
    same in confidence unless the company whose key sealed that digest was forgotten."""
    if entry.scheme == 1:
        return entry.digest == whole_digest(command)
    public, private = digest(command)
    if entry.digest != public:
        return False
    return entry.private is None or is_forgotten(entry.private) or entry.private == private


@attrs.define
class Stamped:
    """One command of a write: its records, and its ledger entry (when it has a command
    id); `done`: it was handled before, and its records are what was recorded then."""

    records: list[Recorded]
    ledger: Recorded | None
    done: bool = False


def stores_any(stamped: Sequence[Stamped | None]) -> bool:
    """Whether a write of these commands would store anything: an event or a ledger
    entry of a command not handled before (None: a command refused)."""
    return any(one is not None and not one.done and (one.records or one.ledger) for one in stamped)


def refuse_batch(commands: Sequence[Command]) -> Callable[[int, PeerNetError], None]:
    """What a batch does with a refusal: refuse the whole batch, naming the command."""

    def refuse(index: int, error: PeerNetError) -> None:
        raise in_batch(error, index, commands) from None

    return refuse


def in_batch(error: PeerNetError, index: int, commands: Sequence[Command]) -> PeerNetError:
    """`error`, saying which command of a batch it refused (its `batch_index`, from 0)."""
    which = (
        f"command {index + 1} of {len(commands)} in the batch ({type(commands[index]).__name__})"
    )
    error.message = f"{which}: {error.message}"
    error.details["batch_index"] = index
    error.args = (error.message,)
    return error


def stamp(
    command: Command,
    events: list[Event],
    versions: dict[UUID, int],
    correlation_id: UUID | None,
    now: datetime,
) -> Stamped:
    """A command's events as records (stream, version, who, when), and its ledger
    entry when it has a command id."""
    command_id = command.command_id or uuid4()
    stamp = functools.partial(
        Recorded,
        actor=command.actor,
        acting_for=command.acting_for,
        recorded_at=now,
        command_id=command_id,
        correlation_id=correlation_id or command_id,
    )
    next_version = dict(versions)
    records: list[Recorded] = []
    for event in events:
        _, stream_id = event.stream()
        next_version[stream_id] = next_version.get(stream_id, 0) + 1
        records.append(stamp(event=event, stream_id=stream_id, version=next_version[stream_id]))
    ledger = None
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
    return Stamped(records=records, ledger=ledger)


def repeated(command: Command, earlier: Stamped) -> list[Recorded]:
    """What an earlier command of the same batch with this id decided, when `command`
    repeats it; `CommandIdReused` when it is another command."""
    entry = earlier.ledger.event if earlier.ledger is not None else None
    assert isinstance(entry, CommandHandled)
    assert command.command_id is not None
    if entry.command != type(command).__name__ or not repeats(entry, command):
        raise CommandIdReused(
            command_id=command.command_id, first=entry.command, second=type(command).__name__
        )
    return earlier.records


class Ledger:
    """The ledger as the store holds it: what the first execution of a command id
    recorded, read back for a retry."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def handled(self, command: Command) -> tuple[Recorded, ...] | None:
        """What the first execution of this command id recorded, if there was one;
        `CommandIdReused` when that was another command."""
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

    def refusal(self, command: Command, error: PeerNetError) -> tuple[Recorded, ...] | Exception:
        """A refused command's answer: its refusal, unless another process recorded this
        very command meanwhile (then what it recorded)."""
        try:
            first = self.handled(command)
        except PeerNetError as reused:
            return reused
        return error if first is None else first

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
