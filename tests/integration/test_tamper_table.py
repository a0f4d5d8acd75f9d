"""The table of tamper attacks in docs/auditing.md, run: each attack made by hand on a
SQLite file and on a PostgreSQL schema, and what `verify` and `verify --expect HEAD`
report, cell for cell as the page says ("passes", or the first fault's name).

The page is the source of the expectations: a row added to the table without an attack
here, or an attack here missing from the table, fails."""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest

from peernet import (
    ApplyForMembership,
    CompanyRegistered,
    FormGroup,
    Network,
    RegisterCompany,
    Resign,
    SignAgreement,
    TakeSeat,
)
from peernet.adapters.codec import link, unchain
from peernet.audit import Verification
from peernet.records import Recorded
from peernet.testing import profile, some_id
from peernet.testing.tampering import Intruder, StoredRow

PAGE = Path(__file__).resolve().parents[2] / "docs" / "auditing.md"
RECORDED = datetime(2008, 7, 1, 9, tzinfo=UTC)
AT = datetime(2008, 6, 30, 17, tzinfo=UTC)
GROUP = some_id("group")
LEDGER = "peernet.CommandHandled"


def build(network: Network) -> None:
    """A group, three companies (the third registered and never heard of again), two
    members, one resignation: every command with an id, so each has a ledger entry."""
    n = 0

    def run(command_type: type, **fields: object) -> None:
        nonlocal n
        n += 1
        network.execute(command_type(actor="office", at=AT, command_id=some_id(f"c{n}"), **fields))

    run(FormGroup, name="HTG 4", group_id=GROUP)
    for name in ("Acme", "Globex", "Initech"):
        run(RegisterCompany, profile=profile(name, region=name), company_id=some_id(name))
    for name in ("Acme", "Globex"):
        membership = some_id(f"{name} membership")
        run(ApplyForMembership, company_id=some_id(name), group_id=GROUP, membership_id=membership)
        run(SignAgreement, membership_id=membership)
        run(TakeSeat, membership_id=membership)
    run(Resign, membership_id=some_id("Acme membership"))


def flip(state: bytes, index: int) -> bytes:
    changed = bytearray(state)
    changed[index] ^= 0x01
    return bytes(changed)


def forged(network: Network, name: str, command: UUID, position: int) -> StoredRow:
    """The registration of a company nobody registered, chained as peernet chains a
    stream's first event and recorded under `command`: what an intruder who knows the
    format writes."""
    event = CompanyRegistered(company_id=some_id(name), profile=profile(name, region=name), at=AT)
    recorded = Recorded(
        event=event,
        stream_id=some_id(name),
        version=1,
        actor="x",
        recorded_at=RECORDED,
        command_id=command,
        correlation_id=command,
    )
    stored = network.codec.encode(recorded)
    return StoredRow(position, str(some_id(name)), 1, stored.topic, stored.state)


def group_rows(hand: Intruder) -> list[int]:
    return hand.positions(stream_id=str(GROUP))


def rechain_from(network: Network, hand: Intruder, version: int) -> None:
    """Change the group's event at `version` and recompute its chain and every later
    chain of the group, as a writer who can rewrite the store at will."""
    stored = network.stored(GROUP)
    previous = unchain(network.codec.plain(stored[version - 2]))[1]
    assert previous is not None
    for event, position in zip(stored[version - 1 :], group_rows(hand)[version - 1 :], strict=True):
        body = unchain(network.codec.plain(event))[0].replace(b'"office"', b'"intruder"')
        chain = link(previous, event.topic, GROUP, event.originator_version, body)
        rewritten = body[:-1] + b',"chain":"' + chain.encode() + b'"}'
        hand.set(position, "state", rewritten)
        previous = chain


def change_one_byte(network: Network, hand: Intruder) -> None:
    hand.change(group_rows(hand)[2], lambda state: flip(state, len(state) // 2))


def change_a_chain(network: Network, hand: Intruder) -> None:
    hand.change(group_rows(hand)[2], lambda state: flip(state, len(state) - 3))


def rehash_one(network: Network, hand: Intruder) -> None:
    stored = network.stored(GROUP)
    previous = unchain(network.codec.plain(stored[1]))[1]
    assert previous is not None
    body = unchain(network.codec.plain(stored[2]))[0].replace(b'"office"', b'"intruder"')
    chain = link(previous, stored[2].topic, GROUP, 3, body)
    hand.change(group_rows(hand)[2], lambda _: body[:-1] + b',"chain":"' + chain.encode() + b'"}')


def change_a_topic(network: Network, hand: Intruder) -> None:
    hand.set(group_rows(hand)[2], "topic", "peernet.MemberJoined")


def delete_from_a_stream(network: Network, hand: Intruder) -> None:
    hand.delete(group_rows(hand)[2])


def delete_a_whole_command(network: Network, hand: Intruder) -> None:
    (registered,) = hand.positions(stream_id=str(some_id("Initech")))
    hand.delete(registered, registered + 1)


def delete_the_last_of_a_stream(network: Network, hand: Intruder) -> None:
    hand.delete(group_rows(hand)[-1])


def delete_a_ledger_entry(network: Network, hand: Intruder) -> None:
    hand.delete(group_rows(hand)[2] + 1)


def truncate(network: Network, hand: Intruder) -> None:
    last = hand.rows()[-1].position
    hand.delete(last - 1, last)


def forge_the_tail(network: Network, hand: Intruder) -> None:
    truncate(network, hand)
    with Network(network.url, clock=lambda: RECORDED) as writer:
        writer.execute(
            Resign(
                membership_id=some_id("Globex membership"),
                actor="office",
                at=AT,
                command_id=some_id("forged"),
            )
        )


def swap_in_a_stream(network: Network, hand: Intruder) -> None:
    rows = group_rows(hand)
    hand.swap(rows[1], rows[2])


def swap_two_commands(network: Network, hand: Intruder) -> None:
    (acme,) = hand.positions(stream_id=str(some_id("Acme")), topic="peernet.CompanyRegistered")
    (globex,) = hand.positions(stream_id=str(some_id("Globex")), topic="peernet.CompanyRegistered")
    hand.swap(acme, globex)


def insert_between_commands(network: Network, hand: Intruder) -> None:
    (globex,) = hand.positions(stream_id=str(some_id("Globex")), topic="peernet.CompanyRegistered")
    hand.shift(globex)
    hand.insert(forged(network, "Hooli", some_id("a command of its own"), globex))


def insert_into_a_command(network: Network, hand: Intruder) -> None:
    """Between Globex's application and the seat it was offered, under that command."""
    applied = hand.positions(topic="peernet.MembershipApplied")[1]
    command = network.codec.decode(network.stored(some_id("Globex"))[1]).command_id
    hand.shift(applied + 1)
    hand.insert(forged(network, "Hooli", command, applied + 1))


def rewrite_a_stream(network: Network, hand: Intruder) -> None:
    rechain_from(network, hand, 3)


ATTACKS: dict[str, Callable[[Network, Intruder], None]] = {
    "one byte of an event's state changed": change_one_byte,
    "an event's chain changed": change_a_chain,
    "an event changed and its own chain recomputed": rehash_one,
    "an event's topic changed": change_a_topic,
    "an event deleted from the middle of its stream": delete_from_a_stream,
    "a whole command deleted from the middle of the log (its events and its ledger entry)": (
        delete_a_whole_command
    ),
    "the last event of a stream deleted": delete_the_last_of_a_stream,
    "a ledger entry deleted": delete_a_ledger_entry,
    "the tail truncated (the last command deleted)": truncate,
    "a forged tail (the last command deleted, another recorded in its place)": forge_the_tail,
    "two events of one stream swapped": swap_in_a_stream,
    "two events of different commands swapped": swap_two_commands,
    "an event inserted between two commands (those after it moved on)": (insert_between_commands),
    "an event inserted among a command's events, with its command's id": insert_into_a_command,
    "a stream rewritten from one event on, every later chain recomputed": rewrite_a_stream,
}

ROW = re.compile(r"^\| (?P<attack>[^|]+?) \|(?P<cells>(?: [^|]+? \|){4})\s*$", re.MULTILINE)
COLUMNS = ("sqlite", "postgresql", "sqlite head", "postgresql head")


def table() -> dict[str, dict[str, str]]:
    """The tamper table of docs/auditing.md: attack -> column -> what is reported."""
    text = PAGE.read_text(encoding="utf-8")
    section = text[text.index("### Tamper attacks, and what each check reports") :]
    found = {}
    for row in ROW.finditer(section):
        cells = [c.strip().strip("`") for c in row.group("cells").split("|")[:-1]]
        attack = row.group("attack").strip()
        if attack not in ("attack", "---"):
            found[attack] = dict(zip(COLUMNS, cells, strict=True))
    return found


def said(found: Verification) -> str:
    return "passes" if found.problem is None else found.problem.fault.value


def test_every_attack_of_the_table_is_run_and_every_attack_run_is_in_the_table() -> None:
    """The page's table and this module name the same attacks."""
    assert sorted(ATTACKS) == sorted(table())


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_what_verify_reports_of_an_attack_is_what_the_table_says(
    attack: str, durable_url: str
) -> None:
    """Made by hand on the store: verify, and verify against the head written down
    before, report what docs/auditing.md says."""
    backend = "sqlite" if durable_url.startswith("sqlite") else "postgresql"
    with Network(durable_url, clock=lambda: RECORDED) as network:
        build(network)
        head = network.verify().head
        ATTACKS[attack](network, Intruder(durable_url))
    with Network(durable_url, access="verify") as auditor:
        alone, against = auditor.verify(), auditor.verify(expect_head=head)

    expected = table()[attack]
    assert (expected[backend], expected[f"{backend} head"]) == (said(alone), said(against))
