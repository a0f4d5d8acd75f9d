"""Ids read back from a store are made by a quicker path than `UUID(text)`; they must be
the same ids, and the same text must be refused."""

from uuid import UUID

from hypothesis import given, strategies as st

from peernet.adapters.convert import as_uuid

hexes = st.text(alphabet="0123456789abcdefABCDEF-_+ {}xg", min_size=30, max_size=38)


@given(st.uuids())
def test_an_id_from_its_text_is_the_id_uuid_makes(value: UUID) -> None:
    for text in (str(value), value.hex, str(value).upper()):
        made = as_uuid(text)
        assert (made, hash(made), str(made), type(made)) == (value, hash(value), str(value), UUID)


@given(st.one_of(hexes, st.text(max_size=40)))
def test_text_uuid_refuses_is_refused_alike(text: str) -> None:
    try:
        expected: UUID | None = UUID(text)
    except ValueError:
        expected = None
    try:
        found: UUID | None = as_uuid(text)
    except ValueError:
        found = None
    assert found == expected
