"""Forgetting forgets, on every backend: after `ForgetCompany`, no byte of the store (the
SQLite files, every row of every peernet table on PostgreSQL, the events of a memory
store), of any read model or of any export of the audit trail names the company or its
people, although its people acted, wrote goals, notes, prep, reasons and references,
filed figures and voted; and every count, tally and the chain stay as they were. A
retry of its commands is still recognised; its key is never made again."""

import csv
import io
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
import orjson
import psycopg
import pytest
from psycopg import sql

from peernet import (
    ApplyForMembership,
    AssignFacilitator,
    CastBallot,
    ChallengeGoal,
    Charter,
    Command,
    CommandIdReused,
    CompanyWasForgotten,
    ForgetCompany,
    FormGroup,
    MotionKind,
    Network,
    RaiseMotion,
    Reader,
    RecordAcquisition,
    RecordPayment,
    RegisterCompany,
    ReportProgress,
    Resign,
    ReviseGoal,
    ScheduleMeeting,
    SetGoal,
    SignAgreement,
    SubmitFinancials,
    SubmitPrep,
    TakeSeat,
    WithdrawGoal,
    is_forgotten,
)
from peernet.adapters.keys import TOMBSTONE, new_key
from peernet.adapters.readmodels import ReadModels
from peernet.audit import write_csv, write_jsonl
from peernet.domain.money import Money
from peernet.projections import PROJECTIONS
from peernet.testing import profile, target

KEY = new_key()
NS = uuid5(NAMESPACE_URL, "https://peernet.invalid/tests/forgetting")
AT = datetime(2009, 1, 5, 9, tzinfo=UTC)
#: every word that names the company that asks to be forgotten, or one of its people
SECRETS = ("Quillfeather", "Ottoline", "Vexworth", "Brannock")
FORGETTER = uuid5(NS, "company Quillfeather")
GROUP = uuid5(NS, "group")
PEERS = [uuid5(NS, f"peer {i}") for i in range(5)]


def ids(label: str) -> UUID:
    return uuid5(NS, label)


class Story:
    """Commands on one network, each with a command id and a later time than the last."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.at = AT
        self.sent: list[Command] = []

    def do(self, command_type: type[Command], /, **fields: Any) -> Any:
        self.at += timedelta(hours=1)
        fields.setdefault("actor", "network office")
        command = command_type(at=self.at, command_id=ids(f"command {len(self.sent)}"), **fields)
        self.sent.append(command)
        return self.network.execute(command)


def by_ottoline() -> dict[str, Any]:
    """Acts of the company's representative, on its behalf."""
    return {"actor": "Ottoline Vexworth", "acting_for": FORGETTER}


def peer(i: int) -> dict[str, Any]:
    return {"actor": f"chair of peer {i}", "acting_for": PEERS[i]}


def usd(amount: int) -> Money:
    return Money(Decimal(amount), "USD")


def member(company_id: UUID) -> UUID:
    return ids(f"membership {company_id}")


def tell(network: Network) -> Story:
    """Quillfeather Analytics joins a group, sets, revises and withdraws goals, is
    challenged and challenges, reports, preps, files figures, moves a charter motion and
    votes, pays, buys a peer and resigns; its people's names are in its actors and its
    words. Then the read models catch up."""
    story = Story(network)
    story.do(FormGroup, group_id=GROUP, name="Circle")
    story.do(AssignFacilitator, group_id=GROUP, facilitator="Fay Facil")
    rep = ("Ottoline Vexworth", "Brannock Vexworth")
    quill = attrs.evolve(profile("Quillfeather Analytics", region="iowa"), representatives=rep)
    companies = [(FORGETTER, quill)] + [
        (p, profile(f"Peer {i}", region=f"region {i}")) for i, p in enumerate(PEERS)
    ]
    for company_id, held in companies:
        story.do(RegisterCompany, company_id=company_id, profile=held)
        acting = {"actor": held.name, "acting_for": company_id}
        story.do(
            ApplyForMembership,
            company_id=company_id,
            group_id=GROUP,
            membership_id=member(company_id),
            **acting,
        )
        story.do(SignAgreement, membership_id=member(company_id), **acting)
        story.do(TakeSeat, membership_id=member(company_id), **acting)
    due = (AT + timedelta(days=60)).date()
    own = target(statement="Quillfeather Analytics doubles its MRR", due=due)
    story.do(
        SetGoal, membership_id=member(FORGETTER), target=own, goal_id=ids("goal"), **by_ottoline()
    )
    story.do(
        ChallengeGoal,
        goal_id=ids("goal"),
        challenger_id=member(PEERS[0]),
        reason="Quillfeather Analytics sandbags its targets",
        **peer(0),
    )
    story.do(
        ReportProgress,
        goal_id=ids("goal"),
        value=Decimal(4),
        note="Brannock Vexworth closed the Quillfeather deal",
        **by_ottoline(),
    )
    revised = attrs.evolve(own, statement="Quillfeather Analytics triples its MRR")
    story.do(ReviseGoal, goal_id=ids("goal"), target=revised, **by_ottoline())
    story.do(
        WithdrawGoal,
        goal_id=ids("goal"),
        reason="Ottoline Vexworth changed Quillfeather's plans",
        **by_ottoline(),
    )
    story.do(
        SetGoal,
        membership_id=member(PEERS[0]),
        target=target(due=due),
        goal_id=ids("peer goal"),
        **peer(0),
    )
    story.do(
        ChallengeGoal,
        goal_id=ids("peer goal"),
        challenger_id=member(FORGETTER),
        reason="too soft",
        **by_ottoline(),
    )
    story.do(
        ScheduleMeeting,
        group_id=GROUP,
        meeting_id=ids("meeting"),
        starts=due,
        ends=due,
        venue="Hotel Fort Des Moines",
    )
    story.do(
        SubmitPrep,
        meeting_id=ids("meeting"),
        membership_id=member(FORGETTER),
        summary="Quillfeather Analytics: Ottoline's pipeline review",
        **by_ottoline(),
    )
    story.do(
        SubmitFinancials,
        membership_id=member(FORGETTER),
        quarter="2008Q4",
        revenue=usd(1_000_000),
        gross_profit=usd(400_000),
        ebitda=usd(90_000),
        recurring_revenue=usd(300_000),
        service_wages=usd(250_000),
        head_count=12,
        actor="Brannock Vexworth, cfo",
        acting_for=FORGETTER,
    )
    story.do(
        RaiseMotion,
        group_id=GROUP,
        raised_by=member(FORGETTER),
        kind=MotionKind.CHARTER,
        charter=Charter(capacity=11),
        reason="Quillfeather Analytics wants a smaller circle",
        deadline=story.at + timedelta(days=10),
        motion_id=ids("motion"),
        **by_ottoline(),
    )
    story.do(
        CastBallot,
        motion_id=ids("motion"),
        voter_id=member(FORGETTER),
        in_favour=True,
        **by_ottoline(),
    )
    story.do(
        RecordPayment,
        company_id=FORGETTER,
        amount=usd(100),
        reference="Quillfeather Analytics, cheque 7 signed by Ottoline Vexworth",
        actor="accounts",
    )
    story.do(RecordAcquisition, company_id=PEERS[4], acquirer_id=FORGETTER)
    story.do(
        Resign,
        membership_id=member(FORGETTER),
        reason="Ottoline Vexworth sold Quillfeather Analytics",
        **by_ottoline(),
    )
    ReadModels(network).catch_up()
    return story


def forget_it(network: Network) -> None:
    network.execute(
        ForgetCompany(company_id=FORGETTER, actor="privacy office", at=AT + timedelta(days=90))
    )
    ReadModels(network).catch_up()


# --- every byte -------------------------------------------------------------------------


def _pg_rows(url: str) -> Iterator[bytes]:
    """Every value of every row of every table in the store's PostgreSQL schema."""
    schema = url.split("schema=")[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test") as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()
        assert len(tables) >= 3, tables  # events, keys and the read models' tables
        for (table,) in tables:
            query = sql.SQL("SELECT * FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
            for row in connection.execute(query):
                for value in row:
                    yield (
                        bytes(value)
                        if isinstance(value, bytes | memoryview)
                        else str(value).encode()
                    )


def stored_bytes(network: Network) -> bytes:
    """Every byte the store keeps: the SQLite files (database and write-ahead log), every
    value of every peernet table on PostgreSQL, or a memory store's events, keys and
    read models."""
    url = network.url
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///").split("?")[0])
        files = (path, Path(f"{path}-wal"), Path(f"{path}-journal"))
        return b"".join(p.read_bytes() for p in files if p.exists())
    if url.startswith("postgresql://"):
        return b"".join(_pg_rows(url))
    keys = network.codec.keys
    assert keys is not None
    models = ReadModels(network)
    views = [orjson.dumps(models.views(name), default=str) for name in PROJECTIONS]
    return b"".join(
        [n.state for n in network.notifications()]
        + list(getattr(keys.table, "rows", {}).values())
        + views
    )


def exports(network: Network) -> bytes:
    """The audit trail of the whole network as an auditor exports it: JSONL and CSV."""
    auditor = Reader.auditor("Ada")
    jsonl, table = io.BytesIO(), io.StringIO()
    write_jsonl(network.trail(reader=auditor), jsonl)
    write_csv(network.trail(reader=auditor), table)
    return jsonl.getvalue() + table.getvalue().encode()


def found_in(data: bytes) -> list[str]:
    return [word for word in SECRETS if word.encode() in data]


@pytest.fixture
def told(store_url: str, open_network: Callable[..., Network]) -> tuple[Network, Story]:
    network = open_network(store_url, key=KEY)
    return network, tell(network)


# --- the tests --------------------------------------------------------------------------


def test_before_forgetting_the_company_is_sealed_but_readable(told: tuple[Network, Story]) -> None:
    """Its name, people and words are nowhere in the store's bytes, yet an auditor's
    export reads them: the test's words are really there to be found."""
    network, _ = told

    assert [] == found_in(stored_bytes(network))
    assert list(SECRETS) == found_in(exports(network))


def test_after_forgetting_no_byte_of_the_store_or_its_read_models_names_it(
    told: tuple[Network, Story],
) -> None:
    """The store, its key table and every read model table: no hit for any word."""
    network, _ = told

    forget_it(network)

    assert [] == found_in(stored_bytes(network))


def test_after_forgetting_no_export_of_the_trail_names_it(told: tuple[Network, Story]) -> None:
    """The auditor's JSONL and CSV exports hold "forgotten" where the words were."""
    network, _ = told

    forget_it(network)

    exported = exports(network)
    assert [] == found_in(exported)
    assert b"forgotten" in exported


def test_the_names_of_groups_and_companies_read_as_their_listings_after_forgetting(
    told: tuple[Network, Story],
) -> None:
    """`names()` (read from the naming events alone) gives each group and company the
    name `groups()` and `companies()` give it: the forgotten company's reads forgotten."""
    network, _ = told

    forget_it(network)

    listed = {g.group_id: g.name for g in network.groups()}
    listed |= {c.company_id: c.name for c in network.companies()}
    assert listed == network.names()
    assert is_forgotten(network.names()[FORGETTER])


def test_the_actor_of_its_people_reads_as_forgotten(told: tuple[Network, Story]) -> None:
    """Every record made on its behalf names it in `acting_for` and its actor is gone;
    the office's records keep their actor."""
    network, _ = told

    forget_it(network)

    records = list(network.recorded())
    mine = [r for r in records if r.acting_for == FORGETTER]
    assert len(mine) > 10
    assert {True} == {is_forgotten(r.actor) for r in mine}
    assert "privacy office" == records[-1].actor


def test_counts_tallies_and_the_chain_stay_as_they_were(told: tuple[Network, Story]) -> None:
    """The motion's tally, the group's turnover inputs, the account's balance and
    `verify` through the earlier head: unchanged."""
    network, _ = told
    head = network.verify().head
    before = (
        network.motion(ids("motion")).tally,
        network.account(FORGETTER).balances,
        [m.status for m in network.company(FORGETTER).memberships],
        ReadModels(network).views("group_histories"),
    )

    forget_it(network)

    after = (
        network.motion(ids("motion")).tally,
        network.account(FORGETTER).balances,
        [m.status for m in network.company(FORGETTER).memberships],
        ReadModels(network).views("group_histories"),
    )
    assert before == after
    assert network.verify(expect_head=head).ok


def test_a_retry_of_its_commands_after_forgetting_is_recognised(
    told: tuple[Network, Story],
) -> None:
    """Every command sent again, names now read as "forgotten" by a client that rebuilt
    them from the store, returns what it recorded the first time and records nothing."""
    network, story = told
    forget_it(network)
    head = network.recorder.max_notification_id()

    for command in story.sent:
        again = command
        if command.acting_for == FORGETTER:
            again = attrs.evolve(command, actor="forgotten")
        network.execute(again)

    assert head == network.recorder.max_notification_id()


def test_a_command_id_reused_with_other_words_is_refused_while_the_key_exists(
    told: tuple[Network, Story],
) -> None:
    """Before the forgetting, a retry whose confidential words differ is another command."""
    network, story = told
    resign = next(c for c in story.sent if isinstance(c, Resign))

    with pytest.raises(CommandIdReused):
        network.execute(attrs.evolve(resign, reason="another reason"))


def test_a_forgotten_company_cannot_act_and_its_key_is_never_made_again(
    told: tuple[Network, Story],
) -> None:
    """A command acting for it is refused and records nothing; the key table keeps a
    tombstone, and sealing under the company refuses to mint a key."""
    network, _ = told
    forget_it(network)
    head = network.recorder.max_notification_id()
    keys = network.codec.keys
    assert keys is not None

    with pytest.raises(CompanyWasForgotten):
        network.execute(
            SetGoal(
                membership_id=member(PEERS[0]),
                target=target(due=date(2009, 6, 1)),
                at=AT + timedelta(days=91),
                **by_ottoline(),
            )
        )
    with pytest.raises(CompanyWasForgotten):
        keys.seal(FORGETTER, b"a new secret", b"context")
    assert head == network.recorder.max_notification_id()
    assert TOMBSTONE == keys.table.get(FORGETTER)
    assert keys.forgotten(FORGETTER)


def test_a_process_that_missed_the_key_deletion_destroys_the_key_on_catching_up(
    durable_url: str, open_network: Callable[..., Network]
) -> None:
    """A forgetting recorded by a process that died before destroying the key: the next
    process to read the log leaves the tombstone itself."""
    network = open_network(durable_url, key=KEY)
    tell(network)
    keys = network.codec.keys
    assert keys is not None
    keys.forget = lambda company_id: None  # type: ignore[method-assign]  # the crash
    network.execute(ForgetCompany(company_id=FORGETTER, actor="office", at=AT + timedelta(days=90)))
    assert TOMBSTONE != keys.table.get(FORGETTER)

    later = open_network(durable_url, key=KEY)

    assert is_forgotten(later.company(FORGETTER).name)
    assert TOMBSTONE == keys.table.get(FORGETTER)


def test_the_sqlite_files_hold_no_copy_of_the_forgotten_key(tmp_path: Path) -> None:
    """The sealed data key's bytes leave the database file and its write-ahead log."""
    url = f"sqlite:///{tmp_path / 'n.db'}"
    network = Network(url, key=KEY)
    tell(network)
    with sqlite3.connect(tmp_path / "n.db") as db:
        sealed = db.execute(
            "SELECT sealed FROM peernet_keys WHERE company_id=?", (str(FORGETTER),)
        ).fetchone()[0]

    forget_it(network)
    network.close()

    assert sealed not in stored_bytes(Network(url, key=KEY))


def test_a_csv_export_row_keeps_the_columns_of_a_forgotten_actor(
    told: tuple[Network, Story],
) -> None:
    """The CSV's actor column reads "forgotten" for the company's people."""
    network, _ = told
    forget_it(network)
    table = io.StringIO()

    write_csv(network.trail(FORGETTER, reader=Reader.auditor("Ada")), table)

    rows = list(csv.DictReader(io.StringIO(table.getvalue())))
    assert "forgotten" in {row["actor"] for row in rows}
    assert [] == found_in(table.getvalue().encode())
