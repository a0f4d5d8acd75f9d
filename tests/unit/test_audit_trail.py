"""The audit trail's filters and exports, the chain's formula, and the head's format,
on in-memory networks."""

import csv
import hashlib
import io
import json
from datetime import UTC, date, datetime

import pytest

from peernet import (
    FormGroup,
    InvalidValue,
    Network,
    RegisterCompany,
    RemovalCause,
    RemoveMember,
)
from peernet.adapters.codec import GENESIS, link, unchain
from peernet.audit import write_csv, write_jsonl
from peernet.audit.trail import reason_of
from peernet.audit.verify import parse_head
from peernet.testing import joining, membership_of, profile, some_id

AT = datetime(2008, 3, 1, 9, tzinfo=UTC)
LATER = datetime(2008, 9, 30, 9, tzinfo=UTC)
GROUP = some_id("HTG 4")
GLOBEX_MEMBERSHIP = membership_of(GROUP, some_id("Globex"))


@pytest.fixture
def network() -> Network:
    """Acme and Globex join HTG 4 in March; Globex is removed for non-payment in
    September, recorded by the treasurer."""
    clock = iter(datetime(2008, 10, 1, minute=m, tzinfo=UTC) for m in range(60))
    net = Network("memory://", clock=lambda: next(clock))
    net.execute(FormGroup(name="HTG 4", group_id=GROUP, actor="office", at=AT))
    for name in ("Acme", "Globex"):
        net.execute(
            RegisterCompany(
                profile=profile(name, region=name), company_id=some_id(name), actor="office", at=AT
            )
        )
        for command in joining(GROUP, some_id(name), actor=name, at=AT):
            net.execute(command)
    net.execute(
        RemoveMember(
            membership_id=GLOBEX_MEMBERSHIP,
            cause=RemovalCause.NON_PAYMENT,
            note="dues unpaid since May",
            actor="treasurer",
            at=LATER,
        )
    )
    return net


def names(entries: object) -> list[str]:
    return [e.name for e in entries]  # type: ignore[attr-defined]


def test_a_company_trail_holds_its_own_and_its_membership_events(network: Network) -> None:
    """Acme's trail: its registration, application, and the group's answers about it."""
    assert [
        "CompanyRegistered",
        "MembershipApplied",
        "SeatOffered",
        "AgreementSigned",
        "MemberJoined",
    ] == names(network.trail(some_id("Acme")))


def test_several_subjects_narrow_to_events_touching_all(network: Network) -> None:
    """The group and a membership: the application naming both, then the membership's
    events in the group's stream; Acme's are left out."""
    assert [
        "MembershipApplied",
        "SeatOffered",
        "AgreementSigned",
        "MemberJoined",
        "MemberRemoved",
    ] == names(network.trail(GROUP, GLOBEX_MEMBERSHIP))


def test_a_removal_gives_its_cause_and_note_as_the_reason(network: Network) -> None:
    """The reason joins the event's cause and note, in the event's words."""
    (removed,) = network.trail(actor="treasurer")

    assert ("MemberRemoved", "non-payment; dues unpaid since May") == (
        removed.name,
        removed.reason,
    )


def test_business_dates_bound_the_trail_whole_days_included(network: Network) -> None:
    """--from 30 September takes the removal at 09:00 that day; --to 1 March all of March 1."""
    assert ["MemberRemoved"] == names(network.trail(start=date(2008, 9, 30)))
    assert 11 == len(list(network.trail(end=date(2008, 3, 1))))


def test_known_at_leaves_out_what_was_recorded_later(network: Network) -> None:
    """Recorded one minute apart: the first three records were known at minute 2."""
    known = network.trail(known_at=datetime(2008, 10, 1, minute=2, tzinfo=UTC))

    assert ["GroupFormed", "CompanyRegistered", "MembershipApplied", "SeatOffered"] == names(known)


def test_a_subject_must_be_an_id(network: Network) -> None:
    with pytest.raises(InvalidValue):
        network.trail("HTG 4")  # type: ignore[arg-type]


def test_json_lines_and_csv_hold_the_same_entries(network: Network) -> None:
    """Each export has one row per entry, with the actor, both times and the reason."""
    lines = io.BytesIO()
    table = io.StringIO()

    count = write_jsonl(network.trail(GROUP), lines)
    write_csv(network.trail(GROUP), table)

    rows = [json.loads(line) for line in lines.getvalue().splitlines()]
    csv_rows = list(csv.DictReader(io.StringIO(table.getvalue())))
    assert count == len(rows) == len(csv_rows)
    assert [r["event"] for r in rows] == [r["event"] for r in csv_rows]
    assert "dues unpaid since May" in csv_rows[-1]["reason"]
    assert rows[-1]["details"]["cause"] == "non-payment"


def test_an_event_without_a_reason_has_none(network: Network) -> None:
    first = next(iter(network.recorded()))

    assert reason_of(first.event) is None


def test_the_chain_is_sha256_over_the_previous_chain_and_the_canonical_bytes(
    network: Network,
) -> None:
    """The formula the docs give, computed by hand, matches every stored group event."""
    previous = GENESIS
    for stored in network.stored(GROUP):
        body, chain = unchain(network.codec.plain(stored))
        by_hand = hashlib.sha256(
            bytes.fromhex(previous)
            + stored.topic.encode()
            + b"\0"
            + GROUP.bytes
            + stored.originator_version.to_bytes(8, "big")
            + body
        ).hexdigest()
        assert (
            by_hand == chain == link(previous, stored.topic, GROUP, stored.originator_version, body)
        )
        previous = chain


def test_recorded_events_carry_their_chain(network: Network) -> None:
    """`Recorded.chain` is the chain stored with the event."""
    last = list(network.recorded())[-1]

    assert last.chain == unchain(network.codec.plain(network.stored(GROUP)[-1]))[1]


@pytest.mark.parametrize("text", ["", "12", "12:abc", "x:" + "00" * 32, "-1:" + "00" * 32])
def test_a_head_is_count_colon_sha256(text: str) -> None:
    with pytest.raises(InvalidValue):
        parse_head(text)


def test_an_empty_store_verifies_to_the_genesis_head() -> None:
    found = Network("memory://").verify()

    assert (True, f"0@0:{GENESIS}") == (found.ok, found.head)
    assert found == Network("memory://").verify(expect_head=found.head)
