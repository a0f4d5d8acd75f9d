"""The store's links table (`peernet.adapters.links`) holds exactly the links of its log:
after commands, after an import, after a writer killed in the middle, and, once a
writer opens it, in a store recorded before the table; two processes writing in turn
each decide on the other's links; a reader of a store without the table answers as
before."""

import contextlib
import logging
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from psycopg import sql

from peernet import (
    ApplyForMembership,
    CompanyAlreadyRegistered,
    FormGroup,
    Network,
    RegisterCompany,
    Resign,
    SetGoal,
    SignAgreement,
    TakeSeat,
)
from peernet.adapters.links import link_table
from peernet.application import replica
from peernet.application.directory import LINKED_TOPICS, Directory
from peernet.demo import build_demo
from peernet.domain.links import links_of
from peernet.testing import T0, membership_of, profile, some_id, target

Open = Callable[..., Network]
LEDGER = "peernet.CommandHandled"
#: a link, and the position of the first event that added it
Table = dict[tuple[str, UUID, UUID], tuple[str, int]]


def _pg_schema(url: str) -> str:
    return url.rsplit("schema=", 1)[1]


def stored_links(url: str) -> tuple[Table, int | None]:
    """The links table of the store at `url` as rows, and its position (None: no table)."""
    if url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db:
            try:
                stored = db.execute(
                    "SELECT relation, owner, member, kind, position FROM peernet_links"
                ).fetchall()
                found = {(r, UUID(bytes=o), UUID(bytes=m)): (k, p) for r, o, m, k, p in stored}
                position = db.execute("SELECT position FROM peernet_links_position").fetchone()
            except sqlite3.OperationalError:
                return {}, None
        return found, position[0]
    schema = _pg_schema(url)
    with psycopg.connect(url.split("?", maxsplit=1)[0]) as db:
        if db.execute("SELECT to_regclass(%s)", (f'"{schema}".peernet_links',)).fetchone() == (
            None,
        ):
            return {}, None
        links, position = (
            sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
            for table in ("peernet_links", "peernet_links_position")
        )
        rows = db.execute(
            sql.SQL("SELECT relation, owner, member, kind, position FROM {}").format(links)
        ).fetchall()
        found = {(r, o, m): (k, p) for r, o, m, k, p in rows}
        (top,) = db.execute(sql.SQL("SELECT position FROM {}").format(position)).fetchall()
    return found, top[0]


def folded(network: Network) -> Table:
    """The links `links_of` adds, folded over the whole log (the first event adding one)."""
    store = network._store
    found: Table = {}
    for n in store.log():
        if n.topic != LEDGER:
            for link in links_of(store.codec.decode(n).event):
                found.setdefault(link[:3], (link.kind, n.id))
    return found


def assert_the_law(network: Network, url: str) -> None:
    """The table holds exactly the links of the log, complete up to its last position."""
    table, position = stored_links(url)
    assert (folded(network), network._store.top()) == (table, position)


def drop_links_table(url: str) -> None:
    """Make the store look as one recorded before the links table."""
    if url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db:
            db.execute("DROP TABLE peernet_links")
            db.execute("DROP TABLE peernet_links_position")
            db.commit()
        return
    schema = _pg_schema(url)
    with psycopg.connect(url.split("?", maxsplit=1)[0], autocommit=True) as db:
        for table in ("peernet_links", "peernet_links_position"):
            db.execute(
                sql.SQL("DROP TABLE {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
            )


GROUP = some_id("group")


def applied(network: Network, companies: int, first: int = 0) -> None:
    """Companies register and apply to one group."""
    for i in range(first, first + companies):
        company = some_id(f"company {i}")
        network.execute(
            RegisterCompany(
                profile=profile(f"Co {i}", region=f"region {i}"),
                company_id=company,
                actor="s",
                at=T0,
            )
        )
        network.execute(
            ApplyForMembership(
                company_id=company,
                group_id=GROUP,
                membership_id=membership_of(GROUP, company),
                actor="s",
                at=T0,
            )
        )


def seated(network: Network, companies: int, first: int = 0) -> None:
    """The applicants sign and take their seats (following each membership to its group)."""
    for i in range(first, first + companies):
        membership = membership_of(GROUP, some_id(f"company {i}"))
        network.execute(SignAgreement(membership_id=membership, actor="s", at=T0))
        network.execute(TakeSeat(membership_id=membership, actor="s", at=T0))


def memberships(network: Network, companies: int, first: int = 0) -> None:
    applied(network, companies, first)
    seated(network, companies, first)


def answers(network: Network) -> object:
    return (list(network.companies()), list(network.groups()), network.roster(GROUP))


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**31))
def test_the_links_table_holds_the_links_of_the_log_on_sqlite(seed: int) -> None:
    """Law: for any seeded history, the table after its writes equals the fold of the log."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'peernet.db'}"
        with Network(url) as network:
            build_demo(network, seed=seed, years=2)
            assert_the_law(network, url)


def test_the_links_table_holds_the_links_of_the_log(durable_url: str, open_network: Open) -> None:
    """The same law on each backend, for the demo's first two years."""
    network = open_network(durable_url)
    build_demo(network, years=2)

    assert_the_law(network, durable_url)


def test_two_processes_writing_in_turn_decide_on_each_others_links(
    durable_url: str, open_network: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each network decides on links the other wrote, after a short absence and a long
    one (whose caches are dropped and read through to the table again)."""
    here, there = open_network(durable_url), open_network(durable_url)
    here.execute(FormGroup(name="Core", group_id=GROUP, actor="s", at=T0))
    applied(there, 2)
    seated(here, 2)
    applied(here, 2, first=2)
    seated(there, 2, first=2)
    monkeypatch.setattr(replica, "_TAIL_LIMIT", 3)  # every catch-up is a long absence
    applied(there, 2, first=4)
    seated(here, 2, first=4)
    applied(here, 2, first=6)
    seated(there, 2, first=6)

    assert 8 == len(here.roster(GROUP).members) == len(there.roster(GROUP).members)
    assert answers(here) == answers(there)
    assert_the_law(here, durable_url)


def test_a_fresh_process_refuses_an_id_it_never_saw_begin(
    durable_url: str, open_network: Open
) -> None:
    """A fresh process takes a stream its command names, and has never seen begin, to be
    absent without asking; the store's refusal of a stream's first event twice is what
    confirms it: registering a company id the log already holds is refused, naming the
    rule, and records nothing; a command that reads such a stream is decided on it."""
    open_network(durable_url).execute(FormGroup(name="Core", group_id=GROUP, actor="s", at=T0))
    applied(open_network(durable_url), 1)
    fresh = open_network(durable_url)
    top = fresh.last_recorded()
    company = some_id("company 0")
    again = RegisterCompany(
        profile=profile("Co 0", region="r"), company_id=company, actor="s", at=T0
    )
    with pytest.raises(CompanyAlreadyRegistered, match=str(company)):
        fresh.execute(again)
    assert fresh.last_recorded() == top
    seated(open_network(durable_url), 1)
    assert [m.company_id for m in open_network(durable_url).roster(GROUP).members] == [company]


def test_commands_on_streams_begun_in_this_process_ask_the_table_nothing(
    durable_url: str, open_network: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group, company and membership begun by this process start with empty lists of
    their own (goals, deals, meetings...): commands on them ask the links table nothing
    (on PostgreSQL a round trip more a command)."""
    network = open_network(durable_url)
    asked: list[tuple[str, UUID]] = []
    table = network._replica.directory.table
    assert table is not None
    members = table.members

    def counted(relation: str, owner: UUID) -> list[tuple[UUID, str]]:
        asked.append((relation, owner))
        return members(relation, owner)

    monkeypatch.setattr(table, "members", counted)
    network.execute(FormGroup(name="Core", group_id=GROUP, actor="s", at=T0))
    applied(network, 2)
    # an application asks whether its membership is new (one lookup, nothing in the
    # store refuses a membership id twice); nothing more
    applicants = {membership_of(GROUP, some_id(f"company {i}")) for i in range(2)}
    assert {("membership_group", m) for m in applicants} == set(asked)
    asked.clear()
    seated(network, 2)
    membership = membership_of(GROUP, some_id("company 0"))
    goal = some_id("goal")
    network.execute(
        SetGoal(membership_id=membership, target=target(), goal_id=goal, actor="s", at=T0)
    )
    other = membership_of(GROUP, some_id("company 1"))
    network.execute(Resign(membership_id=other, actor="s", at=T0))

    assert [] == asked
    written = {(r.stream_id, type(r.event).__name__) for r in network.recorded()}
    assert {(goal, "GoalSet"), (GROUP, "MemberResigned")} <= written


def test_a_store_recorded_before_the_table_is_filled_by_its_first_writer(
    durable_url: str, open_network: Open, caplog: pytest.LogCaptureFixture
) -> None:
    """Without the table, a reader answers as before from the log, and the first writer
    fills the table from the log, saying so in the log."""
    with Network(durable_url) as network:
        build_demo(network, years=2)
        network.execute(FormGroup(name="Core", group_id=GROUP, actor="s", at=T0))
        before = answers(network)
    drop_links_table(durable_url)

    reader = open_network(durable_url, access="read")
    assert before == answers(reader)
    assert ({}, None) == stored_links(durable_url)

    writer = open_network(durable_url)
    with caplog.at_level(logging.INFO, logger="peernet.application.directory"):
        memberships(writer, 1, first=100)
    assert "filling the links table" in caplog.text
    assert_the_law(writer, durable_url)
    assert answers(writer) == answers(open_network(durable_url, access="read"))


def test_events_recorded_without_their_links_are_linked_by_the_next_writer(
    durable_url: str, open_network: Open
) -> None:
    """A writer that leaves the table behind (a peernet before it, or a hand) holds back
    its position; every later write leaves it there, and the next writer to open fills
    the gap, while a reader replays the log and answers the same."""
    writer = open_network(durable_url)
    writer.execute(FormGroup(name="Core", group_id=GROUP, actor="s", at=T0))
    memberships(writer, 2)
    behind = writer._store.top()
    memberships(writer, 2, first=2)
    _move_position(durable_url, behind)
    memberships(writer, 1, first=4)  # a warm writer: the table stays behind
    assert behind == stored_links(durable_url)[1]

    assert answers(writer) == answers(open_network(durable_url, access="read"))
    fresh = open_network(durable_url)
    memberships(fresh, 1, first=5)
    assert_the_law(fresh, durable_url)


def _move_position(url: str, position: int) -> None:
    if url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db:
            db.execute("UPDATE peernet_links_position SET position=?", (position,))
            db.commit()
        return
    table = sql.SQL("{}.peernet_links_position").format(sql.Identifier(_pg_schema(url)))
    with psycopg.connect(url.split("?", maxsplit=1)[0], autocommit=True) as db:
        db.execute(sql.SQL("UPDATE {} SET position=%s").format(table), (position,))


def test_an_import_of_an_export_makes_the_same_links_table(
    tmp_path: Path, durable_url: str, open_network: Open
) -> None:
    """The links an import writes page by page are the source's, each at its position."""
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    source = open_network(source_url)
    build_demo(source, years=2)
    history = tmp_path / "history.jsonl"
    with history.open("wb") as out:
        source.export_history(out)

    target = open_network(durable_url)
    target.import_history(history, page=50)

    assert stored_links(source_url) == stored_links(durable_url)
    assert_the_law(target, durable_url)


#: commands in a process of its own, until it is killed
WRITING = """
import sys
from peernet import Network, RegisterCompany
from peernet.testing import T0, profile
network = Network(sys.argv[1])
for i in range(100_000):
    network.execute_many(
        [RegisterCompany(profile=profile(f"Co {i} {j}", region="r"), actor="s", at=T0)
         for j in range(20)]
    )
"""


def test_a_writer_killed_in_the_middle_leaves_table_and_log_agreeing(
    tmp_path: Path, open_network: Open
) -> None:
    """kill -9 of a process writing commands: the table holds the links of the log."""
    url = f"sqlite:///{tmp_path / 'peernet.db'}"
    open_network(url).close()  # the tables, before the child writes
    writing = subprocess.Popen([sys.executable, "-c", WRITING, url])
    try:
        deadline = time.monotonic() + 60
        while (stored_links(url)[1] or 0) < 400 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        writing.send_signal(signal.SIGKILL)
        writing.wait()

    reader = open_network(url, access="read")
    assert -signal.SIGKILL == writing.returncode
    assert_the_law(reader, url)


def test_the_table_read_through_answers_as_the_directory_folded_from_the_log(
    durable_url: str, open_network: Open
) -> None:
    """Every list and link a fresh process reads through to the table is the one the
    in-memory directory folds from the log, in the same order."""
    network = open_network(durable_url)
    build_demo(network, years=2)
    store = network._store
    folded, stored = Directory(), Directory(link_table(store.recorder))
    for n in store.log(topics=LINKED_TOPICS):
        folded.add(store.codec.decode(n).event)

    def answers(directory: Directory) -> object:
        groups = directory.every_group()
        memberships = list(folded.membership_groups.found)
        return (
            groups,
            list(directory.companies),
            [directory.meetings_of(g) for g in groups],
            [list(directory.group_motions.get(g)) for g in groups],
            [
                (directory.group_of(m), directory.goals_of(m), directory.deals_of(m))
                for m in memberships
            ],
            [directory.started.get(m) for m in memberships],
        )

    assert answers(folded) == answers(stored)
