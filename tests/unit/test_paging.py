"""Pages and cursors (`peernet.paging`): opaque, tied to their query, and stable: paging
never repeats or skips an item, whatever is added between pages."""

import pytest
from hypothesis import given, strategies as st

from peernet import InvalidValue, Page
from peernet.paging import MOST, decode, encode, paginate


def test_a_cursor_resumes_after_the_key_it_was_made_from() -> None:
    """encode then decode gives the key back, for the same query."""
    assert ("2008-01-10", "abc") == decode("meetings", encode("meetings", ("2008-01-10", "abc")))


def test_a_cursor_of_one_query_is_refused_by_another() -> None:
    """A companies cursor given to the trail: InvalidValue naming the cursor."""
    with pytest.raises(InvalidValue) as refused:
        decode("trail", encode("companies", (3,)))

    assert "cursor" == refused.value.details["field"]


@pytest.mark.parametrize("text", ["", "not a cursor", "bm90IGpzb24", encode("trail", (True,))])
def test_text_that_is_no_cursor_is_refused(text: str) -> None:
    """Empty, undecodable, not JSON, or keys of the wrong kind: one InvalidValue."""
    with pytest.raises(InvalidValue, match="cursor"):
        decode("trail", text)


@pytest.mark.parametrize("limit", [0, -1, MOST + 1, True, 2.5])
def test_a_limit_outside_one_to_most_is_refused(limit: object) -> None:
    """limit is a whole number from 1 to MOST."""
    with pytest.raises(InvalidValue, match="limit"):
        paginate([1, 2], key=lambda i: (i,), kind="n", limit=limit)  # type: ignore[arg-type]


def test_the_last_page_has_no_next_cursor() -> None:
    """Exactly `limit` items left: that page is the last one."""
    first = paginate([1, 2, 3, 4], key=lambda i: (i,), kind="n", limit=2)
    last = paginate([1, 2, 3, 4], key=lambda i: (i,), kind="n", limit=2, cursor=first.next)

    assert (Page((1, 2), first.next), Page((3, 4))) == (first, last)


@given(
    st.lists(st.integers(0, 10_000), unique=True),
    st.lists(st.lists(st.integers(0, 10_000), max_size=3), max_size=20),
    st.integers(1, 5),
)
def test_paging_never_repeats_or_skips_an_item_when_others_are_added(
    start: list[int], added: list[list[int]], limit: int
) -> None:
    """Law: every item there when paging began is given exactly once, in key order,
    however many items are added between pages."""
    items = set(start)
    seen: list[int] = []
    cursor: str | None = None
    for page_number in range(len(start) + len(added) * 3 + 2):
        page = paginate(items, key=lambda i: (i,), kind="n", limit=limit, cursor=cursor)
        seen.extend(page)
        if page.next is None:
            break
        cursor = page.next
        if page_number < len(added):
            items |= set(added[page_number])

    assert len(seen) == len(set(seen))
    assert sorted(seen) == seen
    assert set(start) <= set(seen)
