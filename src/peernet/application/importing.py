"""Reading an export file into a store, line by line: each line checked (JSON of the
shape an export writes, log order, each stream's next version, its bytes hashing to its
chain linked to the one before), pages written through `peernet.adapters.bulk`, and the
closing line's counts and head compared at the end (`peernet.application.archive`)."""

import base64
import binascii
import hashlib
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import orjson
from eventsourcing.persistence import StoredEvent

from peernet.adapters.bulk import BulkWriter, Progress, StoreNotEmpty, UnreadableExport
from peernet.adapters.codec import GENESIS, unchain
from peernet.adapters.keys import CHECK_ID
from peernet.adapters.links import Placed
from peernet.application.directory import LINKED_TOPICS
from peernet.domain.common import Event
from peernet.domain.links import links_of

FORMAT = 1
END = "peernet export"
_GENESIS = bytes.fromhex(GENESIS)
_UUID_BYTES = 16
#: bytes of lines read at a time
_BATCH = 1 << 22

#: told how many events are done, of how many
Advance = Callable[[int, int], None]
_LINKED = frozenset(LINKED_TOPICS)


@attrs.frozen
class Transfer:
    """What an export wrote or an import made: how many events and key rows, and the
    head (`COUNT@POSITION:SHA256`, as `Network.verify` prints it) of those events."""

    events: int
    keys: int
    head: str


def head_of(count: int, last: int, rolling: bytes) -> str:
    """A head as `Network.verify` prints it."""
    return f"{count}@{last}:{rolling.hex()}"


def _batches(file: Path) -> Iterator[list[bytes]]:
    """The file's lines, a few megabytes of them at a time."""
    with file.open("rb") as lines:
        while batch := lines.readlines(_BATCH):
            yield batch


def closing_line(file: Path) -> dict[str, Any]:
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
    if not isinstance(found, dict) or found.get("end") != END:
        count = sum(chunk.count(b"\n") for chunk in _chunks(file)) + 1
        why = "the file ends without its closing line: it was cut short (export it again)"
        raise UnreadableExport(file=name, line=count, why=why)
    return found


def _chunks(file: Path) -> Iterator[bytes]:
    with file.open("rb") as f:
        while chunk := f.read(1 << 20):
            yield chunk


class HistoryImport:
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
        in_clear: Callable[[StoredEvent], Event],
    ) -> None:
        self.writer, self.file, self.url, self.opens_check = writer, file, url, opens_check
        #: an event read without a key, for the links it adds (`PeerNetMapper.in_clear`)
        self.in_clear = in_clear
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
        #: the writer of pages (its thread starts with the first page)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="peernet-import")
        self._flight: Future[None] | None = None
        #: each follower's place in the file's log, and where it falls in the new store
        self.followers: list[tuple[str, int]] = []
        self._waiting: list[tuple[int, str]] = []
        self._placed: dict[str, int] = {}

    def bad(self, why: str) -> UnreadableExport:
        return UnreadableExport(file=self.file.name, line=self.line, why=why)

    def run(self) -> Transfer:
        """Check the file line by line and write it a page at a time. A page is written
        on a thread of its own while the next is checked (the driver lets go of the GIL
        while it writes); pages are written in order, one at a time, the last in this
        thread, and a page's failure is raised here."""
        with self._pool:
            try:
                transfer = self._run()
            except BaseException:
                self._settle(quiet=True)
                raise
            self._settle()
        return transfer

    def _settle(self, *, quiet: bool = False) -> None:
        """Wait for the page being written; raise its failure unless `quiet`."""
        flight, self._flight = self._flight, None
        if flight is None:
            return
        if quiet:
            flight.exception()
        else:
            flight.result()

    def _run(self) -> Transfer:
        done = self.resumed.lines if self.resumed else 0
        events: list[tuple[Any, ...]] = []
        keys: list[tuple[uuid.UUID, bytes]] = []
        closed = False
        for batch in _batches(self.file):
            for raw in batch:
                self.line += 1
                data = self._parse(raw)
                if self.line == 1:
                    self._header(data)
                elif "end" in data:
                    self._end(data)
                    closed = True
                    break
                else:
                    self._take(data, events, keys, write=self.line > done)
                    if len(events) + len(keys) >= self.page:
                        self._write(events, keys, final=False)
                        events, keys = [], []
            if closed:
                break
        if not closed:
            raise self.bad("the file ends without its closing line: it was cut short")
        self._settle()
        self._place_followers()
        self._write(events, keys, final=True)
        written = self.count if self.writer.kind == "sqlite" else self.last
        return Transfer(
            events=self.count, keys=self.keys, head=head_of(self.count, written, self.rolling)
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
        if "follower" in data:
            self._follower(data)
            return
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
        linked = [placed for row in events for placed in self._links(row)]
        self._settle()
        if final:
            self.writer.write(events, keys, progress, done=True, linked=linked)
        else:
            self._flight = self._pool.submit(
                self.writer.write, events, keys, progress, done=False, linked=linked
            )
        if self.progress is not None:
            self.progress(self.count, self.total)

    def _links(self, row: tuple[Any, ...]) -> list[Placed]:
        """The links the event of a row adds, at its position in the new store: written
        with its page (`peernet.adapters.links`). Read without a key: the companies' keys
        may be in the same page, not committed yet, and links are ids only."""
        if self.writer.kind == "sqlite":
            at, stream, version, topic, state = row
            stream = uuid.UUID(hex=stream)
        else:
            stream, version, topic, state, at = row
        if topic not in _LINKED:
            return []
        event = self.in_clear(StoredEvent(stream, version, topic, state))
        return [(at, link) for link in links_of(event)]

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
        while self._waiting and self._waiting[-1][0] < position:
            self._placed[self._waiting.pop()[1]] = self.count
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

    def _follower(self, data: dict[str, Any]) -> None:
        """A follower's place in the exported log, kept to place it in the new store."""
        if self.count:
            raise self.bad("a follower's place comes after the events: the lines were moved")
        name, position = data.get("follower"), data.get("position")
        if not isinstance(name, str) or type(position) is not int or position < 0:
            raise self.bad("it is not a follower's place as an export writes one")
        self.followers.append((name, position))
        self._waiting.append((position, name))
        self._waiting.sort(reverse=True)

    def _place_followers(self) -> None:
        """Each follower at the position its last handled event has in the new store:
        the file's on PostgreSQL, its rank in the file on SQLite (numbered 1, 2, 3...)."""
        for _, name in self._waiting:
            self._placed[name] = self.count
        for name, position in self.followers:
            self.writer.track(
                name, self._placed[name] if self.writer.kind == "sqlite" else position
            )

    def _end(self, data: dict[str, Any]) -> None:
        if data.get("followers", 0) != len(self.followers):
            raise self.bad(
                f"it counts {data.get('followers')} followers; the file places "
                f"{len(self.followers)}: lines were removed or added"
            )
        expected = head_of(self.count, self.last, self.rolling)
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
