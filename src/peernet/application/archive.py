"""A network's history as a file: export the log (or a range of it) as JSON Lines, and
import such a file into an empty store, checking every chain as it goes.

The file, one JSON object a line:

- a header: ``{"peernet": "export", "format": 1, "export_id", "after", "upto", ...}``;
- the store's key rows as stored (``{"key": COMPANY_ID, "sealed": BASE64}``): each
  company's data key sealed under the master key, which is never exported;
- each follower's place in the log (``{"follower": NAME, "position": POSITION}``), so
  that an app's followers carry on in the new store where they stopped;
- the events in log order (``{"position", "stream", "version", "topic", "state"}``),
  the state as stored (``state_b64`` when it is not text); a stream's first event in a
  range that starts after position 0 carries ``previous``, the chain it links to;
- a closing line: ``{"end": "peernet export", "events", "keys", "followers", "last",
  "head"}``,
  where ``head`` is what `Network.verify` prints for those events: the export of a
  whole store closes with the store's own head, and the store an import makes verifies
  to it.

An import writes a page of lines per transaction, with its progress: killed, it is run
again on the same file and resumes after the last page written. A line that is not
sound (not JSON, out of order, a chain that does not recompute, a file cut short) stops
the import with one line naming it, and everything it wrote is removed.
"""

import base64
import hashlib
import os
import uuid
from pathlib import Path
from typing import IO, Any

import orjson

from peernet.adapters.bulk import (
    BulkWriter,
    ImportUnsupported,
    Progress,
    StoreNotEmpty,
    UnreadableExport,
    bulk_kind,
    key_rows,
    tracking_rows,
)
from peernet.adapters.codec import GENESIS, unchain
from peernet.adapters.keys import CHECK_ID
from peernet.adapters.storage import redact
from peernet.application.importing import (
    END,
    FORMAT,
    Advance,
    HistoryImport,
    Transfer,
    closing_line,
    head_of,
)
from peernet.application.reading import Reading
from peernet.application.store import PAGE
from peernet.domain.errors import InvalidValue

#: lines an import writes in one transaction
IMPORT_PAGE = 10_000


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
        followers = tracking_rows(store.recorder)
        for name, position in followers:
            out.write(orjson.dumps({"follower": name, "position": position}) + b"\n")
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
            "end": END,
            "events": count,
            "keys": len(keys),
            "followers": len(followers),
            "last": last,
            "head": head_of(count, last, rolling),
        }
        out.write(orjson.dumps(closing) + b"\n")
        if progress is not None:
            progress(total, total)
        return Transfer(events=count, keys=len(keys), head=head_of(count, last, rolling))

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
            closing = closing_line(file)
            writer = BulkWriter(store.recorder)
            resumed = self._check_empty(writer, url)
            run = HistoryImport(
                writer,
                file,
                url=url,
                opens_check=self._opens_check,
                closing=closing,
                resumed=resumed,
                page=page,
                progress=progress,
                in_clear=store.codec.in_clear,
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
