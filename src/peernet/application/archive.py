"""A network's history as a file: export the log (or a range of it) as JSON Lines, and
import such a file into an empty store, checking every chain as it goes.

The file, one JSON object a line:

- a header: ``{"peernet": "export", "format": 1, "export_id", "after", "upto", ...}``;
- the store's key rows as stored (``{"key": COMPANY_ID, "sealed": BASE64}``): each
  company's data key sealed under the master key, which is never exported;
- the events in log order (``{"position", "stream", "version", "topic", "state"}``),
  the state as stored (``state_b64`` when it is not text); a stream's first event in a
  range that starts after position 0 carries ``previous``, the chain it links to;
- a closing line: ``{"end": "peernet export", "events", "keys", "last", "head"}``,
  where ``head`` is what `Network.verify` prints for those events: the export of a
  whole store closes with the store's own head, and the store an import makes verifies
  to it.

An import writes a page of lines per transaction, with its progress: killed, it is run
again on the same file and resumes after the last page written. A line that is not
sound (not JSON, out of order, a chain that does not recompute, a file cut short) stops
the import with one line naming it, and everything it wrote is removed.
"""

import base64
import binascii
import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import attrs
import orjson

from peernet.adapters.bulk import (
    BulkWriter,
    ImportUnsupported,
    Progress,
    StoreNotEmpty,
    UnreadableExport,
    bulk_kind,
    key_rows,
)
from peernet.adapters.codec import GENESIS, unchain
from peernet.adapters.keys import CHECK_ID
from peernet.adapters.storage import redact
from peernet.application.reading import Reading
from peernet.application.store import PAGE
from peernet.domain.errors import InvalidValue

FORMAT = 1
_END = "peernet export"
_GENESIS = bytes.fromhex(GENESIS)
_UUID_BYTES = 16
#: lines an import writes in one transaction
IMPORT_PAGE = 10_000

#: told how many events are done, of how many
Advance = Callable[[int, int], None]


@attrs.frozen
class Transfer:
    """What an export wrote or an import made: how many events and key rows, and the
    head (`COUNT@POSITION:SHA256`, as `Network.verify` prints it) of those events."""

    events: int
    keys: int
    head: str


def _head(count: int, last: int, rolling: bytes) -> str:
    return f"{count}@{last}:{rolling.hex()}"


class Archive(Reading):
    """Exporting a network's history to a file and importing one into an empty store."""

    def export_history(
        self,
        out: IO[bytes],
        *,
        after: int = 0,
        upto: int | None = None,
        progress: Advance | None = None,
    ) -> Transfer:
        """Write the events after position `after` up to `upto` (every one by default),
        ledger entries too, as stored, to `out` as JSON Lines with the store's key rows
        and a closing line holding their head. Needs no key: sealed fields are copied as
        the ciphertext they are stored as."""
        if after < 0 or (upto is not None and upto < after):
            raise InvalidValue(f"a range runs from a position to a later one, not {after}-{upto}")
        store = self._store
        top = store.top()
        stop = top if upto is None else min(upto, top)
        keys = key_rows(store.recorder)
        header = {
            "peernet": "export",
            "format": FORMAT,
            "export_id": str(uuid.uuid4()),
            "after": after,
            "upto": stop,
            "store_top": top,
        }
        out.write(orjson.dumps(header) + b"\n")
        for company_id, sealed in keys:
            out.write(
                orjson.dumps({"key": company_id, "sealed": base64.b64encode(sealed).decode()})
                + b"\n"
            )
        rolling, count, last = bytes.fromhex(GENESIS), 0, after
        seen: set[object] = set()
        total = max(0, stop - after)
        for n in store.log(after, PAGE, stop=stop):
            line: dict[str, Any] = {
                "position": n.id,
                "stream": n.originator_id,
                "version": n.originator_version,
                "topic": n.topic,
            }
            try:
                line["state"] = n.state.decode()
            except UnicodeDecodeError:
                line["state_b64"] = base64.b64encode(n.state).decode()
            if after and n.originator_version > 1 and n.originator_id not in seen:
                line["previous"] = self._previous_chain(n.originator_id, n.originator_version)
            if after:
                seen.add(n.originator_id)
            out.write(orjson.dumps(line) + b"\n")
            chain = unchain(store.codec.plain(n))[1]
            if chain is not None:
                rolling = hashlib.sha256(rolling + bytes.fromhex(chain)).digest()
            count, last = count + 1, n.id
            if progress is not None and count % PAGE == 0:
                progress(n.id - after, total)
        closing = {
            "end": _END,
            "events": count,
            "keys": len(keys),
            "last": last,
            "head": _head(count, last, rolling),
        }
        out.write(orjson.dumps(closing) + b"\n")
        if progress is not None:
            progress(total, total)
        return Transfer(events=count, keys=len(keys), head=_head(count, last, rolling))

    def _previous_chain(self, stream_id: object, version: int) -> str | None:
        if not isinstance(stream_id, uuid.UUID):
            return None
        found = self._store.stream(stream_id, after=version - 2, limit=1)
        return self._store.codec.chain_of(found[0]) if found else None

    def import_history(
        self,
        path: str | os.PathLike[str],
        *,
        page: int = IMPORT_PAGE,
        progress: Advance | None = None,
    ) -> Transfer:
        """Write the history exported to the file `path` into this network's store,
        which must be empty (or hold an unfinished import of the same file, which is
        then resumed), checking every line and every chain as it goes: one line
        (`UnreadableExport`) names the first that is not sound, and nothing written is
        left behind. SQLite and PostgreSQL stores only."""
        store = self._store
        store.check_writable("import a history")
        url = redact(store.url)
        if bulk_kind(store.recorder) is None:
            kind = type(store.recorder).__module__.rsplit(".", 1)[-1]
            raise ImportUnsupported(url=url, kind=kind)
        file = Path(path)
        with store.lock, store.errors():
            closing = _closing(file)
            writer = BulkWriter(store.recorder)
            resumed = self._check_empty(writer, url)
            run = _Import(
                writer,
                file,
                url=url,
                opens_check=self._opens_check,
                closing=closing,
                resumed=resumed,
                page=page,
                progress=progress,
            )
            try:
                transfer = run.run()
            except UnreadableExport:
                writer.clear(keep_check=not run.own_check)
                raise
        return transfer

    def _check_empty(self, writer: BulkWriter, url: str) -> Progress | None:
        """The unfinished import to resume, None for an empty store; else StoreNotEmpty."""
        unfinished = writer.progress()
        if unfinished is not None:
            return unfinished
        top = self._store.top()
        if top:
            raise StoreNotEmpty(url=url, what=f"its last event is at position {top}")
        if any(company_id != CHECK_ID for company_id, _ in writer.key_rows()):
            raise StoreNotEmpty(url=url, what="it holds encryption keys")
        return None

    def _opens_check(self, sealed: bytes) -> bool | None:
        """Whether the store's master key opens an exported check row (None: the store
        was opened without a key)."""
        ring = self._store.codec.keys
        return None if ring is None else ring.opens_check(sealed)


def _lines(file: Path) -> Iterator[tuple[int, bytes]]:
    with file.open("rb") as lines:
        yield from enumerate(lines, 1)


def _closing(file: Path) -> dict[str, Any]:
    """The closing line of an export file, checked before anything is written: a file
    cut short has none."""
    name = file.name
    try:
        size = file.stat().st_size
        with file.open("rb") as f:
            f.seek(max(0, size - 4096))
            tail = f.read()
    except OSError as error:
        raise UnreadableExport(
            file=name, line=0, why=f"it cannot be read ({error.strerror})"
        ) from None
    lines = tail.rstrip(b"\n").rsplit(b"\n", 1)
    try:
        found = orjson.loads(lines[-1]) if tail.endswith(b"\n") else None
    except orjson.JSONDecodeError:
        found = None
    if not isinstance(found, dict) or found.get("end") != _END:
        count = sum(chunk.count(b"\n") for chunk in _chunks(file)) + 1
        why = "the file ends without its closing line: it was cut short (export it again)"
        raise UnreadableExport(file=name, line=count, why=why)
    return found


def _chunks(file: Path) -> Iterator[bytes]:
    with file.open("rb") as f:
        while chunk := f.read(1 << 20):
            yield chunk


class _Import:
    """One import of one file: reads it line by line, checks each, writes pages."""

    def __init__(
        self,
        writer: BulkWriter,
        file: Path,
        *,
        url: str,
        opens_check: Callable[[bytes], bool | None],
        closing: dict[str, Any],
        resumed: Progress | None,
        page: int,
        progress: Advance | None,
    ) -> None:
        self.writer, self.file, self.url, self.opens_check = writer, file, url, opens_check
        self.closing, self.resumed = closing, resumed
        events = closing.get("events")
        self.total = events if isinstance(events, int) else 0
        self.page, self.progress = max(1, page), progress
        self.own_check = resumed.own_check if resumed else False
        #: each stream's last version and chain, by its id in hex
        self.streams: dict[str, tuple[int, bytes]] = {}
        self.rolling = bytes.fromhex(GENESIS)
        self.count = 0
        self.last = 0
        self.keys = 0
        self.export_id = ""
        self.line = 0

    def bad(self, why: str) -> UnreadableExport:
        return UnreadableExport(file=self.file.name, line=self.line, why=why)

    def run(self) -> Transfer:
        done = self.resumed.lines if self.resumed else 0
        events: list[tuple[Any, ...]] = []
        keys: list[tuple[uuid.UUID, bytes]] = []
        for line, raw in _lines(self.file):
            self.line = line
            data = self._parse(raw)
            if line == 1:
                self._header(data)
            elif "end" in data:
                self._end(data)
                break
            else:
                self._take(data, events, keys, write=line > done)
                if len(events) + len(keys) >= self.page:
                    self._write(events, keys, final=False)
                    events, keys = [], []
        else:
            raise self.bad("the file ends without its closing line: it was cut short")
        self._write(events, keys, final=True)
        written = self.count if self.writer.kind == "sqlite" else self.last
        return Transfer(
            events=self.count, keys=self.keys, head=_head(self.count, written, self.rolling)
        )

    def _parse(self, raw: bytes) -> dict[str, Any]:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise self.bad(f"it is not JSON ({error})") from None
        if not isinstance(data, dict):
            raise self.bad("it is not a JSON object")
        return data

    def _take(
        self,
        data: dict[str, Any],
        events: list[tuple[Any, ...]],
        keys: list[tuple[uuid.UUID, bytes]],
        *,
        write: bool,
    ) -> None:
        """Check a key or event line, and keep it to write unless it is written already."""
        if "key" in data:
            key = self._key(data)
            if write and key is not None:
                keys.append(key)
            return
        event = self._event(data)
        if write:
            events.append(event)

    def _write(
        self, events: list[tuple[Any, ...]], keys: list[tuple[uuid.UUID, bytes]], *, final: bool
    ) -> None:
        progress = Progress(self.export_id, self.line, self.own_check)
        self.writer.write(events, keys, progress, done=final)
        if self.progress is not None:
            self.progress(self.count, self.total)

    def _header(self, data: dict[str, Any]) -> None:
        if data.get("peernet") != "export":
            raise self.bad("it is not the header of a peernet export")
        if data.get("format") != FORMAT:
            raise self.bad(f"format {data.get('format')!r} is not one this peernet reads")
        if data.get("after") != 0:
            raise self.bad(
                f"the export starts after position {data.get('after')}: only an export from "
                "the start of a log can make a store"
            )
        self.export_id = str(data.get("export_id"))
        if self.resumed is not None and self.resumed.export_id != self.export_id:
            raise StoreNotEmpty(
                url=self.url,
                what=f"an import of another export ({self.resumed.export_id}) is unfinished",
            )

    def _key(self, data: dict[str, Any]) -> tuple[uuid.UUID, bytes] | None:
        if self.count:
            raise self.bad("a key row comes after the events: the lines were moved")
        try:
            company_id = uuid.UUID(data["key"])
            sealed = base64.b64decode(data["sealed"], validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise self.bad("it is not a key row as an export writes one") from None
        self.keys += 1
        if company_id != CHECK_ID:
            return company_id, sealed
        opens = self.opens_check(sealed)
        if opens is False:
            raise self.bad(
                "the keys are sealed under another master key than the one this store "
                "was opened with: open it with the key of the exported store"
            )
        if opens is None and self.resumed is None:
            self.own_check = True  # the store has no check row: the file's becomes its
            return company_id, sealed
        return None

    def _event(self, data: dict[str, Any]) -> tuple[Any, ...]:
        """Check an event line: its stream's next version, linked to the chain before it
        (`peernet.adapters.codec.link`, computed here on the stream's raw bytes: an
        import checks every event, and this is its hot path). The row to write."""
        try:
            position, version, topic = data["position"], data["version"], data["topic"]
            stream = data["stream"]
            state = (
                data["state"].encode()
                if "state" in data
                else base64.b64decode(data["state_b64"], validate=True)
            )
            valid = type(position) is int and type(version) is int
            valid = valid and isinstance(topic, str) and isinstance(stream, str)
        except (KeyError, AttributeError, TypeError, ValueError, binascii.Error):
            valid = False
        if not valid:
            raise self.bad("it is not an event line as an export writes one")
        hexid = stream.replace("-", "")
        try:
            raw = bytes.fromhex(hexid)
        except ValueError:
            raw = b""
        if len(raw) != _UUID_BYTES or len(hexid) != 2 * _UUID_BYTES:
            raise self.bad(f"its stream id {stream!r} is not a UUID")
        if position <= self.last:
            raise self.bad(
                f"stream {stream}, version {version}: position {position} after {self.last}: "
                "lines were moved"
            )
        known = self.streams.get(hexid)
        expected = known[0] + 1 if known else 1
        if version != expected:
            raise self.bad(
                f"stream {stream}, version {version}: version {expected} was expected: "
                "the stream is broken"
            )
        body, chain = unchain(state)
        digest = hashlib.sha256(
            b"".join(
                (
                    known[1] if known else _GENESIS,
                    topic.encode(),
                    b"\0",
                    raw,
                    version.to_bytes(8, "big"),
                    body,
                )
            )
        ).digest()
        if chain is None or digest.hex() != chain:
            said = "it carries no chain" if chain is None else "its bytes do not hash to its chain"
            raise self.bad(f"stream {stream}, version {version}: {said}: it was changed")
        self.streams[hexid] = (version, digest)
        self.rolling = hashlib.sha256(self.rolling + digest).digest()
        self.count += 1
        self.last = position
        if self.writer.kind == "sqlite":
            return (self.count, hexid, version, topic, state)
        return (uuid.UUID(bytes=raw), version, topic, state, position)

    def _end(self, data: dict[str, Any]) -> None:
        expected = _head(self.count, self.last, self.rolling)
        if data.get("events") != self.count or data.get("keys") != self.keys:
            raise self.bad(
                f"it counts {data.get('events')} events and {data.get('keys')} keys; the "
                f"file holds {self.count} and {self.keys}: lines were removed or added"
            )
        if data.get("head") != expected:
            raise self.bad(
                f"the events roll into {expected}, not the head {data.get('head')} written "
                "at export: lines were changed or moved"
            )
