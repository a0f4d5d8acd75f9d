"""The same commands give the same events on every storage backend.

One scripted story (companies, competitors, groups filled past capacity, seats signed and
taken, a resignation that offers a seat to the wait-list, an acquisition across two groups,
a transfer, a charter amendment and a closed group) runs on memory, SQLite and PostgreSQL
with a fixed clock and fixed ids, so every recorded field can be compared.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from peernet import (
    AgreementNotSigned,
    AmendCharter,
    ApplyForMembership,
    AssignFacilitator,
    Charter,
    CloseGroup,
    Command,
    FormGroup,
    GroupKind,
    Network,
    NoSeatOffered,
    PeerNetError,
    RecordAcquisition,
    Recorded,
    RegisterCompany,
    Resign,
    SignAgreement,
    TakeSeat,
    TransferMember,
)
from peernet.testing import T0, membership_of, profile, some_id

OpenNetwork = Callable[..., Network]

RECORDED_AT = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)

HTG1, CIRCLE, HTG2 = some_id("HTG 1"), some_id("marketing circle"), some_id("HTG 2")
ACME, BRAVO, COBALT, DELTA, ECHO, FOXTROT = (
    some_id(name) for name in ("acme", "bravo", "cobalt", "delta", "echo", "foxtrot")
)
REGIONS = {
    ACME: "austin",
    BRAVO: "dallas",
    COBALT: "houston",
    DELTA: "austin",  # and the same business line: Delta competes with Acme
    ECHO: "el paso",
    FOXTROT: "waco",
}
NAMES = {
    ACME: "Acme",
    BRAVO: "Bravo",
    COBALT: "Cobalt",
    DELTA: "Delta",
    ECHO: "Echo",
    FOXTROT: "Foxtrot",
}

#: every event the story records, in order (the command ledger is not part of the log)
STORY_TOPICS = [
    "peernet.GroupFormed",
    "peernet.GroupFormed",
    "peernet.GroupFormed",
    "peernet.FacilitatorAssigned",
    *["peernet.CompanyRegistered"] * 6,
    *["peernet.MembershipApplied", "peernet.SeatOffered"] * 3,
    *["peernet.AgreementSigned", "peernet.MemberJoined"] * 3,
    *["peernet.MembershipApplied", "peernet.ApplicantWaitlisted"] * 3,
    "peernet.MemberResigned",
    "peernet.SeatOffered",
    "peernet.AgreementSigned",
    "peernet.MemberJoined",
    "peernet.CharterAmended",
    "peernet.SeatOffered",
    "peernet.MembershipApplied",
    "peernet.SeatOffered",
    "peernet.AgreementSigned",
    "peernet.MemberJoined",
    "peernet.CompanyAcquired",
    "peernet.MemberRemoved",
    "peernet.SeatOffered",
    "peernet.MemberRemoved",
    "peernet.MemberTransferred",
    "peernet.MembershipApplied",
    "peernet.MemberJoined",
    "peernet.GroupClosed",
]


class Script:
    """Executes commands one business day apart, each with a command id of its own."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.step = 0

    def command(self, command_type: type[Command], /, **fields: Any) -> Command:
        self.step += 1
        return command_type(
            actor="staff",
            at=T0 + timedelta(days=self.step),
            command_id=some_id(f"command {self.step}"),
            **fields,
        )

    def __call__(self, command_type: type[Command], /, **fields: Any) -> tuple[Recorded, ...]:
        return self.network.execute(self.command(command_type, **fields))

    def refused(
        self, command_type: type[Command], error: type[PeerNetError], /, **fields: Any
    ) -> None:
        """The command is refused with `error` and records nothing."""
        before = self.network.recorder.max_notification_id()
        with pytest.raises(error):
            self.network.execute(self.command(command_type, **fields))
        assert before == self.network.recorder.max_notification_id()

    def join(self, group_id: UUID, company_id: UUID) -> None:
        membership_id = membership_of(group_id, company_id)
        self(
            ApplyForMembership,
            company_id=company_id,
            group_id=group_id,
            membership_id=membership_id,
        )
        self(SignAgreement, membership_id=membership_id)
        self(TakeSeat, membership_id=membership_id)


def play_story(network: Network) -> None:
    """The story every backend must record identically."""
    run = Script(network)
    run(FormGroup, name="HTG 1", charter=Charter(capacity=3), group_id=HTG1)
    run(FormGroup, name="Marketing circle", kind=GroupKind.COMPANION, group_id=CIRCLE)
    run(FormGroup, name="HTG 2", group_id=HTG2)
    run(AssignFacilitator, group_id=HTG1, facilitator="Arnie")
    for company_id, region in REGIONS.items():
        details = profile(NAMES[company_id], region=region)
        run(RegisterCompany, profile=details, company_id=company_id)
    for company_id in (ACME, BRAVO, COBALT):
        run(
            ApplyForMembership,
            company_id=company_id,
            group_id=HTG1,
            membership_id=membership_of(HTG1, company_id),
        )
    for company_id in (ACME, BRAVO, COBALT):
        run(SignAgreement, membership_id=membership_of(HTG1, company_id))
        run(TakeSeat, membership_id=membership_of(HTG1, company_id))
    for company_id in (DELTA, ECHO, FOXTROT):  # Delta competes with Acme; the rest find it full
        run(
            ApplyForMembership,
            company_id=company_id,
            group_id=HTG1,
            membership_id=membership_of(HTG1, company_id),
        )
    run.refused(TakeSeat, NoSeatOffered, membership_id=membership_of(HTG1, ECHO))
    run(Resign, membership_id=membership_of(HTG1, BRAVO), reason="sold the business line")
    run.refused(TakeSeat, AgreementNotSigned, membership_id=membership_of(HTG1, ECHO))
    run(SignAgreement, membership_id=membership_of(HTG1, ECHO))
    run(TakeSeat, membership_id=membership_of(HTG1, ECHO))
    run(AmendCharter, group_id=HTG1, charter=Charter(capacity=4))
    run.join(CIRCLE, ACME)
    run(RecordAcquisition, company_id=ACME, acquirer="Big Co")
    run(
        TransferMember,
        membership_id=membership_of(HTG1, COBALT),
        to_group_id=HTG2,
        new_membership_id=membership_of(HTG2, COBALT),
    )
    run(CloseGroup, group_id=CIRCLE, reason="no members left")


def story_on(open_network: OpenNetwork, url: str) -> Network:
    network = open_network(url, clock=lambda: RECORDED_AT)
    play_story(network)
    return network


def test_the_story_records_the_expected_events_on_every_backend(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Each backend records the story's events in the order the rules decide them."""
    network = story_on(open_network, store_url)

    assert STORY_TOPICS == [r.topic for r in network.recorded()]


def test_the_story_ends_with_the_expected_rosters_on_every_backend(
    store_url: str, open_network: OpenNetwork
) -> None:
    """After the story HTG 1 seats Echo and has offered Delta and Foxtrot their seats."""
    network = story_on(open_network, store_url)

    roster = network.roster(HTG1)
    assert (["Echo"], ["Delta", "Foxtrot"], []) == (
        [s.company for s in roster.members],
        [s.company for s in roster.offers],
        [s.company for s in roster.waitlist],
    )
    assert ["Cobalt"] == [s.company for s in network.roster(HTG2).members]
    assert network.roster(CIRCLE).closed


def test_a_durable_backend_records_exactly_what_memory_records(
    durable_url: str, open_network: OpenNetwork
) -> None:
    """Topic, stream, version, event, actor, both times, ids and log position all match."""
    expected = list(story_on(open_network, "memory://").recorded())

    actual = list(story_on(open_network, durable_url).recorded())

    def key(r: Recorded) -> tuple[object, ...]:
        return (r.topic, r.stream_id, r.version, r.event)

    assert [key(r) for r in expected] == [key(r) for r in actual]
    assert expected == actual
    assert [r.position for r in expected] == [r.position for r in actual]


def test_a_durable_backend_stores_the_same_bytes_as_memory(
    durable_url: str, open_network: OpenNetwork
) -> None:
    """The wire format does not depend on the store: each stream's stored bytes match."""
    memory = story_on(open_network, "memory://")
    durable = story_on(open_network, durable_url)

    for stream_id in (HTG1, CIRCLE, HTG2, *REGIONS):
        expected = [(s.originator_version, s.topic, s.state) for s in memory.stored(stream_id)]
        actual = [
            (s.originator_version, s.topic, bytes(s.state)) for s in durable.stored(stream_id)
        ]
        assert expected == actual


def test_a_reopened_store_answers_as_before_it_was_closed(
    durable_url: str, open_network: OpenNetwork
) -> None:
    """Closing and reopening a SQLite file or PostgreSQL schema loses nothing."""
    network = story_on(open_network, durable_url)
    before = (
        [network.roster(g) for g in (HTG1, CIRCLE, HTG2)],
        network.groups(),
        network.companies(),
        list(network.recorded()),
    )
    network.close()

    reopened = open_network(durable_url)
    after = (
        [reopened.roster(g) for g in (HTG1, CIRCLE, HTG2)],
        reopened.groups(),
        reopened.companies(),
        list(reopened.recorded()),
    )

    assert before == after
