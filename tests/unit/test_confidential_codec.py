"""Confidential fields on the wire: sealed under the company's key wherever they are
nested, opened back to the same event, and read as FORGOTTEN once the key is gone, with
the chain over the stored bytes unchanged."""

import gc
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import orjson
import pytest
from eventsourcing.persistence import JSONTranscoder

from peernet import CompanyRegistered, Event, Recorded
from peernet.adapters import codec
from peernet.adapters.codec import PeerNetMapper, confidential_paths, is_sealed
from peernet.adapters.errors import SealBroken, WrongKey
from peernet.adapters.keys import CHECK_ID, KeyRing, MemoryKeyTable, new_key, parse_key
from peernet.domain.common import CONFIDENTIAL, FORGOTTEN, forget, is_forgotten
from peernet.domain.money import Money
from peernet.testing import profile, some_id

AT = datetime(2008, 6, 30, 17, tzinfo=UTC)
ACME = some_id("acme")
SECRET = {CONFIDENTIAL: True}
FIGURES_FILED = "peernet.FiguresFiled"


@pytest.fixture
def figures_filed() -> Iterator[dict[str, Any]]:
    """A test-only event holding confidential money, nested in a tuple of attrs values,
    beside plain fields; forgotten after the test so no other test sees its topic."""

    @attrs.frozen(kw_only=True)
    class Line:
        label: str
        amount: Money = attrs.field(metadata=SECRET)

    @attrs.frozen(kw_only=True)
    class FiguresFiled(Event):
        home = "company_id"
        company_id: UUID
        quarter: str
        revenue: Money = attrs.field(metadata=SECRET)
        head_count: int = attrs.field(metadata=SECRET)
        lines: tuple[Line, ...] = ()

    made: dict[str, Any] = {"event": FiguresFiled, "line": Line}
    del FiguresFiled, Line
    yield made

    made.clear()
    codec.converter._structure_func.clear_cache()
    codec.converter._unstructure_func.clear_cache()
    gc.collect()


def ring() -> KeyRing:
    keys = KeyRing(parse_key(new_key(), "test"), MemoryKeyTable(), "memory://")
    keys.open_store()
    return keys


def mapper(keys: KeyRing | None) -> PeerNetMapper:
    found = PeerNetMapper(transcoder=JSONTranscoder())
    found.keys = keys
    return found


def record(event: Event) -> Recorded:
    return Recorded(
        event=event,
        stream_id=ACME,
        version=1,
        actor="clerk",
        recorded_at=AT,
        command_id=some_id("c1"),
        correlation_id=some_id("c1"),
    )


def filed(made: dict[str, Any]) -> Event:
    line = made["line"]
    event: Event = made["event"](
        company_id=ACME,
        quarter="2009Q4",
        revenue=Money(Decimal("1234567.89"), "USD"),
        head_count=41,
        lines=(line(label="services", amount=Money(Decimal("765432.10"), "USD")),),
        at=AT,
    )
    return event


def test_the_paths_of_confidential_fields_reach_into_nested_values(
    figures_filed: dict[str, Any],
) -> None:
    """Fields of the event, of an attrs value and of every item of a tuple of them."""
    assert (("profile", "name"), ("profile", "representatives")) == confidential_paths(
        CompanyRegistered
    )
    assert (("revenue",), ("head_count",), ("lines", "*", "amount")) == confidential_paths(
        figures_filed["event"]
    )


def test_sealed_fields_are_not_in_the_stored_bytes_and_decode_to_the_same_event(
    figures_filed: dict[str, Any],
) -> None:
    """No confidential value is in the plain state; the plain ones are; decoding gives
    the event back."""
    event = filed(figures_filed)
    wire = mapper(ring())

    stored = wire.encode(record(event))

    plain = wire.plain(stored)
    assert [] == [v for v in (b"1234567.89", b"765432.10") if v in plain]
    data = orjson.loads(plain)["event"]
    assert [True, True, True] == [
        is_sealed(v) for v in (data["revenue"], data["head_count"], data["lines"][0]["amount"])
    ]
    assert b"2009Q4" in plain
    assert b"services" in plain
    assert event == wire.decode(stored).event


def test_a_forgotten_company_reads_as_forgotten_with_the_chain_unchanged(
    figures_filed: dict[str, Any],
) -> None:
    """Once the key is destroyed: every confidential value is FORGOTTEN, plain values are
    kept, the stored chain is the same and the raw data says "forgotten"."""
    keys = ring()
    wire = mapper(keys)
    stored = wire.encode(record(filed(figures_filed)))
    chain = wire.chain_of(stored)

    keys.forget(ACME)
    event = wire.decode(stored).event

    assert FORGOTTEN is getattr(event, "revenue")  # noqa: B009 - a test-only class
    assert FORGOTTEN is getattr(event, "head_count")  # noqa: B009
    line = getattr(event, "lines")[0]  # noqa: B009
    assert ("services", FORGOTTEN) == (line.label, line.amount)
    assert "2009Q4" == getattr(event, "quarter")  # noqa: B009
    assert chain == wire.chain_of(stored)
    raw, forgotten = wire.unseal(stored.topic, orjson.loads(wire.plain(stored))["event"])
    assert ("forgotten", "forgotten") == (raw["revenue"], raw["lines"][0]["amount"])
    assert {("revenue",), ("head_count",), ("lines", "0", "amount")} == forgotten
    unstructured = orjson.loads(orjson.dumps(codec.converter.unstructure(event, type(event))))
    assert raw == unstructured


def test_a_forgotten_profile_keeps_what_is_not_personal() -> None:
    """Name and representatives are forgotten; kind, territory, lines and size stay."""
    keys = ring()
    wire = mapper(keys)
    acme = attrs.evolve(profile("Acme Networks"), representatives=("Pat Pryor", "Lee Wu"))
    stored = wire.encode(record(CompanyRegistered(company_id=ACME, profile=acme, at=AT)))
    assert b"Acme Networks" not in wire.plain(stored)
    assert b"Pat Pryor" not in wire.plain(stored)

    keys.forget(ACME)
    found = wire.decode(stored).event

    assert isinstance(found, CompanyRegistered)
    assert forget(acme) == found.profile
    assert ("forgotten", (FORGOTTEN,)) == (found.profile.name, found.profile.representatives)
    assert is_forgotten(found.profile.representatives)
    assert acme.territory == found.profile.territory


def test_without_a_key_the_fields_are_stored_in_the_clear() -> None:
    """No key ring: the bytes are those of an unencrypted store (nothing sealed)."""
    wire = mapper(None)
    acme = profile("Acme Networks")

    stored = wire.encode(record(CompanyRegistered(company_id=ACME, profile=acme, at=AT)))

    assert b"Acme Networks" in wire.plain(stored)


def test_events_stored_in_the_clear_stay_readable_once_a_key_is_set() -> None:
    """A store encrypted later still reads what it wrote before."""
    acme = profile("Acme Networks")
    stored = mapper(None).encode(record(CompanyRegistered(company_id=ACME, profile=acme, at=AT)))

    found = mapper(ring()).decode(stored).event

    assert isinstance(found, CompanyRegistered)
    assert acme == found.profile


def test_a_sealed_value_moved_to_another_company_does_not_open() -> None:
    """Sealed values are bound to their company: copied into another company's event,
    they fail to open rather than read as the other company's."""
    keys = ring()
    wire = mapper(keys)
    acme = profile("Acme Networks")
    stored = wire.encode(record(CompanyRegistered(company_id=ACME, profile=acme, at=AT)))
    data = orjson.loads(wire.plain(stored))["event"]
    wire.encode(record(CompanyRegistered(company_id=some_id("globex"), profile=acme, at=AT)))
    data["company_id"] = str(some_id("globex"))

    with pytest.raises(SealBroken, match="changed or moved"):
        wire.unseal(stored.topic, data)


def test_another_master_key_does_not_open_the_store() -> None:
    """The check row sealed under one key fails to open under another: WrongKey."""
    table = MemoryKeyTable()
    KeyRing(parse_key(new_key(), "a"), table, "memory://").open_store()

    with pytest.raises(WrongKey, match="does not open store memory://"):
        KeyRing(parse_key(new_key(), "b"), table, "memory://").open_store()
    assert CHECK_ID in table.rows


def test_money_forgotten_is_not_a_number() -> None:
    """`is_forgotten` tells the sentinel from any value; it is never a Decimal."""
    assert is_forgotten(FORGOTTEN)
    assert not is_forgotten("forgotten, but a name")
    assert not is_forgotten(Decimal("0"))
    assert not is_forgotten(())
