"""Pages of a long answer, with cursors that stay right while the network goes on.

A query that can return a lot returns a `Page`: at most `limit` items and, when there are
more, `next`, an opaque cursor to ask for the page after it. Pagination is by key
(keyset), not by offset: each item has a sort key that never changes once it is
recorded (a log position, the order a company was registered in, a meeting's first day
and id), and a cursor holds the key of the last item given. The next page starts after
that key, so a page never repeats or skips an item, whatever is recorded between pages;
an item recorded meanwhile shows on a later page if it sorts after the cursor.

Any query can page this way, by saying what its items are called and how they sort::

    page = paginate(items, key=lambda deal: (deal.position,), kind="deals",
                    limit=limit, cursor=cursor)

A cursor names the query it came from: a cursor of one query given to another, or text
that is not a cursor, is `InvalidValue` naming the field ``cursor``.

Pure: the standard library and attrs.
"""

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

import attrs

from peernet.domain.errors import InvalidValue

T = TypeVar("T")
#: a sort key: a tuple of text and whole numbers, the same shape for every item of a query
Key = tuple[str | int, ...]

#: how many items a page holds unless asked, and at most
LIMIT = 50
MOST = 1000


@attrs.frozen
class Page(Generic[T]):
    """Items of a longer answer, in order, and the cursor to the next page (None on the
    last page)."""

    items: tuple[T, ...]
    next: str | None = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def encode(kind: str, key: Key) -> str:
    """The opaque cursor that resumes query `kind` after the item whose key is `key`."""
    text = json.dumps([kind, list(key)], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(kind: str, cursor: str) -> Key:
    """The key a cursor of query `kind` resumes after; InvalidValue for anything else."""
    if not isinstance(cursor, str) or not cursor:
        raise InvalidValue(
            f"a cursor is the text a page gave as `next`, not {cursor!r}", field="cursor"
        )
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        said, key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidValue(f"cursor {cursor!r} is not one peernet gave", field="cursor") from None
    if said != kind or not isinstance(key, list):
        raise InvalidValue(f"cursor {cursor!r} is not a cursor of {kind}", field="cursor")
    if not all(isinstance(part, str | int) and not isinstance(part, bool) for part in key):
        raise InvalidValue(f"cursor {cursor!r} is not one peernet gave", field="cursor")
    return tuple(key)


def check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MOST:
        raise InvalidValue(
            f"limit must be a whole number from 1 to {MOST}, got {limit!r}", field="limit"
        )
    return limit


def after(kind: str, cursor: str | None) -> Key | None:
    """The key to start after: None for the first page."""
    return None if cursor is None else decode(kind, cursor)


def paginate(
    items: Iterable[T],
    *,
    key: Callable[[T], Key],
    kind: str,
    limit: int = LIMIT,
    cursor: str | None = None,
    ordered: bool = False,
) -> Page[T]:
    """The page of `items` after `cursor`, sorted by `key`. With `ordered`, `items` come
    sorted already and are read lazily, only as far as the page needs (a stream from the
    log)."""
    limit = check_limit(limit)
    start = after(kind, cursor)
    source = items if ordered else sorted(items, key=key)
    taken: list[T] = []
    for item in source:
        if start is not None and key(item) <= start:
            continue
        if len(taken) == limit:
            return Page(tuple(taken), encode(kind, key(taken[-1])))
        taken.append(item)
    return Page(tuple(taken))
