"""Events raised to schema 2 so that forgetting forgets: the bytes the previous version
wrote read back, upcast (their text in the clear, no company's key named); actors acting
for a company are sealed in the envelope; the ledger's digests leave confidential values
out, and its schema 1 entries compare as they always did."""

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from uuid import UUID

import attrs
import orjson
import pytest
from eventsourcing.persistence import JSONTranscoder, StoredEvent

from peernet import (
    ChallengeGoal,
    CompanyAcquired,
    Event,
    MotionCause,
    Recorded,
    RegisterCompany,
    Resign,
    SignAgreement,
    is_forgotten,
)
from peernet.adapters.codec import SEALED, CommandHandled, PeerNetMapper, StreamRef
from peernet.adapters.errors import SealBroken, UnreadableEvent
from peernet.adapters.keys import KeyRing, MemoryKeyTable, new_key, parse_key
from peernet.application.ledger import HIDDEN, digest, said, whole_digest
from peernet.domain.goals import (
    Direction,
    GoalChallenged,
    GoalRevised,
    GoalWithdrawn,
    ProgressReported,
    Target,
)
from peernet.domain.meetings import PrepSubmitted
from peernet.domain.motions import MotionKind, MotionRaised
from peernet.testing import profile

AT = datetime(2008, 6, 30, 17, 30, tzinfo=UTC)
GROUP = UUID("00000000-0000-4000-8000-000000000001")
COMPANY = UUID("00000000-0000-4000-8000-000000000002")
MEMBERSHIP = UUID("00000000-0000-4000-8000-000000000003")
OTHER = UUID("00000000-0000-4000-8000-000000000004")
GOAL = UUID("00000000-0000-4000-8000-000000000005")
MOTION = UUID("00000000-0000-4000-8000-000000000006")
MEETING = UUID("00000000-0000-4000-8000-000000000007")
COMMAND = UUID("00000000-0000-4000-8000-0000000000c1")
ENVELOPE = (
    b',"actor":"clerk","recorded_at":"2008-07-01T09:00:00.123456+00:00",'
    b'"command_id":"00000000-0000-4000-8000-0000000000c1",'
    b'"correlation_id":"00000000-0000-4000-8000-0000000000c2"}'
)
GOAL_IDS = (
    b'"goal_id":"00000000-0000-4000-8000-000000000005",'
    b'"membership_id":"00000000-0000-4000-8000-000000000003",'
    b'"group_id":"00000000-0000-4000-8000-000000000001"'
)
#: what the previous version wrote for each event now at schema 2, and what it reads as
OLD_BYTES: dict[str, tuple[bytes, Event]] = {
    "peernet.GoalChallenged": (
        b'{"at":"2008-06-30T17:30:00+00:00",' + GOAL_IDS + b","
        b'"challenger_id":"00000000-0000-4000-8000-000000000004","reason":"too soft"}',
        GoalChallenged(
            goal_id=GOAL,
            membership_id=MEMBERSHIP,
            group_id=GROUP,
            challenger_id=OTHER,
            reason="too soft",
            company_id=None,
            at=AT,
        ),
    ),
    "peernet.GoalRevised": (
        b'{"at":"2008-06-30T17:30:00+00:00",' + GOAL_IDS + b',"revision":1,'
        b'"target":{"statement":"grow","category":"sales","value":"12","unit":"k$",'
        b'"due":"2008-09-30","direction":"at least"}}',
        GoalRevised(
            goal_id=GOAL,
            membership_id=MEMBERSHIP,
            group_id=GROUP,
            revision=1,
            target=Target(
                statement="grow",
                category="sales",
                value=Decimal(12),
                unit="k$",
                due=datetime(2008, 9, 30).date(),
                direction=Direction.AT_LEAST,
            ),
            at=AT,
        ),
    ),
    "peernet.ProgressReported": (
        b'{"at":"2008-06-30T17:30:00+00:00",' + GOAL_IDS + b',"value":"7","note":"halfway"}',
        ProgressReported(
            goal_id=GOAL,
            membership_id=MEMBERSHIP,
            group_id=GROUP,
            value=Decimal(7),
            note="halfway",
            at=AT,
        ),
    ),
    "peernet.GoalWithdrawn": (
        b'{"at":"2008-06-30T17:30:00+00:00",' + GOAL_IDS + b',"reason":"plans changed"}',
        GoalWithdrawn(
            goal_id=GOAL,
            membership_id=MEMBERSHIP,
            group_id=GROUP,
            reason="plans changed",
            at=AT,
        ),
    ),
    "peernet.MotionRaised": (
        b'{"at":"2008-06-30T17:30:00+00:00",'
        b'"motion_id":"00000000-0000-4000-8000-000000000006",'
        b'"group_id":"00000000-0000-4000-8000-000000000001",'
        b'"raised_by":"00000000-0000-4000-8000-000000000004","kind":"removal",'
        b'"deadline":"2008-07-14T17:30:00+00:00",'
        b'"electorate":["00000000-0000-4000-8000-000000000004"],'
        b'"quorum":"2/3","threshold":"2/3",'
        b'"subject_id":"00000000-0000-4000-8000-000000000003","cause":"missed goals",'
        b'"charter":null,"reason":"three misses"}',
        MotionRaised(
            motion_id=MOTION,
            group_id=GROUP,
            raised_by=OTHER,
            kind=MotionKind.REMOVAL,
            deadline=datetime(2008, 7, 14, 17, 30, tzinfo=UTC),
            electorate=(OTHER,),
            quorum=Fraction(2, 3),
            threshold=Fraction(2, 3),
            subject_id=MEMBERSHIP,
            cause=MotionCause.MISSED_GOALS,
            reason="three misses",
            at=AT,
        ),
    ),
    "peernet.PrepSubmitted": (
        b'{"at":"2008-06-30T17:30:00+00:00",'
        b'"meeting_id":"00000000-0000-4000-8000-000000000007",'
        b'"group_id":"00000000-0000-4000-8000-000000000001",'
        b'"membership_id":"00000000-0000-4000-8000-000000000003",'
        b'"summary":"our Q2","late":false}',
        PrepSubmitted(
            meeting_id=MEETING,
            group_id=GROUP,
            membership_id=MEMBERSHIP,
            summary="our Q2",
            late=False,
            at=AT,
        ),
    ),
    "peernet.CompanyAcquired": (
        b'{"at":"2008-06-30T17:30:00+00:00",'
        b'"company_id":"00000000-0000-4000-8000-000000000002","acquirer":"MegaCorp"}',
        CompanyAcquired(company_id=COMPANY, acquirer="MegaCorp", at=AT),
    ),
}


def mapper(keys: KeyRing | None = None) -> PeerNetMapper:
    found = PeerNetMapper(transcoder=JSONTranscoder())
    found.keys = keys
    return found


def ring() -> KeyRing:
    keys = KeyRing(parse_key(new_key(), "test"), MemoryKeyTable(), "memory://")
    keys.open_store()
    return keys


def old(topic: str, event: bytes, stream_id: UUID = GROUP) -> StoredEvent:
    """An event as the previous version stored it in `stream_id`: schema 1, no schema
    key, no chain."""
    state = b'{"event":' + event + ENVELOPE
    return StoredEvent(originator_id=stream_id, originator_version=4, topic=topic, state=state)


def record(event: Event, *, acting_for: UUID | None = None) -> Recorded:
    return Recorded(
        event=event,
        stream_id=event.stream()[1],
        version=2,
        actor="Pat Pryor",
        acting_for=acting_for,
        recorded_at=AT,
        command_id=COMMAND,
        correlation_id=COMMAND,
    )


@pytest.mark.parametrize("topic", sorted(OLD_BYTES))
def test_old_bytes_of_an_event_raised_to_schema_two_read_back(topic: str) -> None:
    """The previous version's bytes decode, with no company's key named and their text in
    the clear; with a key set too (they were never sealed)."""
    data, expected = OLD_BYTES[topic]

    stream_id = expected.stream()[1]

    plain = mapper().decode(old(topic, data, stream_id)).event
    keyed = mapper(ring()).decode(old(topic, data, stream_id)).event

    assert (expected, expected) == (plain, keyed)


def test_every_event_with_old_bytes_here_is_at_schema_two() -> None:
    """The bytes here are of schema 1 events raised to 2 when their text was sealed; the
    contract test (test_event_contracts.py) asks every raised event for its old bytes."""
    types = mapper().types

    assert {topic: getattr(types[topic], "schema", 1) for topic in OLD_BYTES} == dict.fromkeys(
        OLD_BYTES, 2
    )


OLD_LEDGER = (
    b'{"at":"2008-06-30T17:30:00+00:00",'
    b'"ledger_id":"00000000-0000-4000-8000-000000000001",'
    b'"command_id":"00000000-0000-4000-8000-0000000000c1","command":"SignAgreement",'
    b'"digest":"d1","events":[{"stream_id":"00000000-0000-4000-8000-000000000001",'
    b'"version":3}]}'
)


def test_a_schema_one_ledger_entry_reads_as_a_digest_of_the_whole_command() -> None:
    """scheme 1, nothing sealed, no company named."""
    entry = mapper().decode(old("peernet.CommandHandled", OLD_LEDGER)).event

    assert (
        CommandHandled(
            ledger_id=GROUP,
            command_id=COMMAND,
            command="SignAgreement",
            digest="d1",
            events=(StreamRef(stream_id=GROUP, version=3),),
            scheme=1,
            at=AT,
        )
        == entry
    )


def test_the_whole_digest_is_the_one_schema_one_entries_hold() -> None:
    """sha256 of the sorted JSON of everything the command said, as written before
    commands could act for a company."""
    command = SignAgreement(membership_id=MEMBERSHIP, actor="Acme", at=AT, command_id=COMMAND)
    before = {
        "actor": "Acme",
        "at": "2008-06-30T17:30:00+00:00",
        "command_id": str(COMMAND),
        "membership_id": str(MEMBERSHIP),
    }

    expected = hashlib.sha256(orjson.dumps(before, option=orjson.OPT_SORT_KEYS)).hexdigest()
    assert expected == whole_digest(command)


def test_a_commands_clear_digest_leaves_out_its_confidential_values_and_actor() -> None:
    """Name, representatives and the actor acting for a company are hidden; ids, kind
    and territory are not."""
    acme = attrs.evolve(profile("Acme IT"), representatives=("Pat Pryor",))
    command = RegisterCompany(
        profile=acme, company_id=COMPANY, actor="Pat Pryor", acting_for=COMPANY, at=AT
    )

    public, private = said(command)

    assert (HIDDEN, HIDDEN, HIDDEN) == (
        public["actor"],
        public["profile"]["name"],
        public["profile"]["representatives"],
    )
    assert {
        "actor": "Pat Pryor",
        "profile.name": "Acme IT",
        "profile.representatives": ["Pat Pryor"],
    } == private
    assert "texas" == public["profile"]["territory"]["region"]


def test_two_commands_differing_in_confidence_alone_share_their_clear_digest() -> None:
    """The clear digest cannot tell them apart; the private one can."""
    one = Resign(membership_id=MEMBERSHIP, reason="retired", actor="a", at=AT, acting_for=COMPANY)
    other = attrs.evolve(one, reason="sold", actor="forgotten")

    (public_one, private_one), (public_other, private_other) = digest(one), digest(other)

    assert (True, False) == (public_one == public_other, private_one == private_other)


def test_an_actor_acting_for_a_company_is_sealed_in_the_envelope() -> None:
    """The name is not in the bytes, the envelope names the company, and the record
    reads back the same."""
    wire = mapper(ring())
    event = GoalChallenged(
        goal_id=GOAL,
        membership_id=MEMBERSHIP,
        group_id=GROUP,
        challenger_id=OTHER,
        reason="too soft",
        company_id=COMPANY,
        at=AT,
    )

    stored = wire.encode(record(event, acting_for=OTHER))

    payload = orjson.loads(wire.plain(stored))
    assert (True, str(OTHER)) == (SEALED in payload["actor"], payload["for"])
    assert [] == [w for w in (b"Pat Pryor", b"too soft") if w in wire.plain(stored)]
    assert record(event, acting_for=OTHER) == wire.decode(stored)


def test_a_forgotten_companys_actor_reads_as_forgotten() -> None:
    """Once the key of the company acted for is gone, the actor is FORGOTTEN; the words
    sealed under another company's key still read."""
    keys = ring()
    wire = mapper(keys)
    event = GoalChallenged(
        goal_id=GOAL,
        membership_id=MEMBERSHIP,
        group_id=GROUP,
        challenger_id=OTHER,
        reason="too soft",
        company_id=COMPANY,
        at=AT,
    )
    stored = wire.encode(record(event, acting_for=OTHER))

    keys.forget(OTHER)
    found = wire.decode(stored)

    assert (True, OTHER) == (is_forgotten(found.actor), found.acting_for)
    assert event == found.event


def test_without_a_key_the_actor_stays_in_the_clear_beside_the_company() -> None:
    """An unencrypted store writes the actor as given and names the company."""
    wire = mapper()
    event = CompanyAcquired(company_id=COMPANY, acquirer="MegaCorp", at=AT)

    payload = orjson.loads(wire.plain(wire.encode(record(event, acting_for=COMPANY))))

    assert ("Pat Pryor", str(COMPANY)) == (payload["actor"], payload["for"])


def test_a_sealed_actor_moved_to_another_record_does_not_open() -> None:
    """The actor is bound to its record's topic, stream and version."""
    wire = mapper(ring())
    event = CompanyAcquired(company_id=COMPANY, acquirer="MegaCorp", at=AT)
    first = orjson.loads(wire.plain(wire.encode(record(event, acting_for=COMPANY))))
    moved = attrs.evolve(record(event, acting_for=COMPANY), version=3)
    second = wire.encode(moved)
    forged = orjson.loads(wire.plain(second)) | {"actor": first["actor"]}
    state = orjson.dumps(forged)

    with pytest.raises(UnreadableEvent, match=SealBroken.__name__):
        wire.decode(StoredEvent(second.originator_id, 3, second.topic, state))


def test_a_challenge_command_names_its_reason_confidential() -> None:
    """A peer's words about a goal are kept out of the clear digest."""
    command = ChallengeGoal(
        goal_id=GOAL, challenger_id=OTHER, reason="too soft", actor="office", at=AT
    )

    public, private = said(command)

    assert (HIDDEN, {"reason": "too soft"}) == (public["reason"], private)
