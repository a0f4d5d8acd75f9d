"""A reader of many companies' sealed values reads the key table once and unwraps each
company's key once; a company forgotten meanwhile reads as forgotten."""

from uuid import UUID, uuid4

from peernet.adapters.keys import KeyRing, MemoryKeyTable, new_key, parse_key


class CountingTable(MemoryKeyTable):
    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def get(self, company_id: UUID) -> bytes | None:
        self.reads.append("get")
        return super().get(company_id)

    def read_all(self) -> dict[UUID, bytes]:
        self.reads.append("all")
        return super().read_all()


def test_a_reader_reads_every_key_in_one_query_and_unwraps_each_once() -> None:
    master, table = parse_key(new_key(), "test"), CountingTable()
    writer = KeyRing(master, table, "memory://")
    writer.open_store()
    companies = [uuid4() for _ in range(5)]
    sealed = {c: writer.seal(c, f"name of {c}".encode(), b"ctx") for c in companies}
    reader = KeyRing(master, table, "memory://")
    reader.open_store()
    table.reads.clear()

    opened = [reader.open(c, sealed[c], b"ctx") for c in companies * 3]

    assert opened == [f"name of {c}".encode() for c in companies * 3]
    assert ["all"] == table.reads


def test_a_key_made_after_the_reader_read_the_table_is_read_by_itself() -> None:
    master, table = parse_key(new_key(), "test"), CountingTable()
    writer = KeyRing(master, table, "memory://")
    writer.open_store()
    first, later = uuid4(), uuid4()
    reader = KeyRing(master, table, "memory://")
    reader.open_store()
    assert reader.open(first, writer.seal(first, b"one", b"ctx"), b"ctx") == b"one"

    assert reader.open(later, writer.seal(later, b"two", b"ctx"), b"ctx") == b"two"


def test_a_company_forgotten_after_the_table_was_read_reads_as_forgotten() -> None:
    master, table = parse_key(new_key(), "test"), CountingTable()
    writer = KeyRing(master, table, "memory://")
    writer.open_store()
    kept, gone = uuid4(), uuid4()
    values = {c: writer.seal(c, b"secret", b"ctx") for c in (kept, gone)}
    reader = KeyRing(master, table, "memory://")
    reader.open_store()
    assert reader.open(kept, values[kept], b"ctx") == b"secret"  # the table is read

    reader.forget(gone)

    assert reader.open(gone, values[gone], b"ctx") is None
    assert reader.open(kept, values[kept], b"ctx") == b"secret"
