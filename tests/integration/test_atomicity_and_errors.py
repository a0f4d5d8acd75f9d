"""A command records all its events or none, and bad input fails in one clear line.

Runs on every storage backend: a refused command changes nothing, an acquisition that
loses a race in the middle of its multi-stream write leaves no partial trace, and unknown
ids, unusable stores and corrupted events raise typed errors whose message is one line.
"""

import sqlite3
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from peernet import (
    AlreadyApplied,
    ApplyForMembership,
    AssignFacilitator,
    CloseGroup,
    Command,
    CompanyAlreadyRegistered,
    ConcurrencyConflict,
    DateOutOfOrder,
    FacilitatorAssigned,
    FormGroup,
    GroupHasActiveMembers,
    GroupKind,
    InvalidInput,
    Network,
    NoSeatOffered,
    PeerNetError,
    RecordAcquisition,
    Recorded,
    RegisterCompany,
    SignAgreement,
    StoreUnavailable,
    TakeSeat,
    UnknownCompany,
    UnknownGroup,
    UnknownMembership,
)
from peernet.adapters.errors import UnreadableEvent
from peernet.testing import T0, membership_of, profile, some_id

OpenNetwork = Callable[..., Network]

CORE, COMPANION = some_id("core group"), some_id("companion group")
ACME, BRAVO = some_id("acme"), some_id("bravo")
NOWHERE = some_id("nothing has this id")
DAY = timedelta(days=1)


def join(network: Network, group_id: UUID, company_id: UUID) -> None:
    membership_id = membership_of(group_id, company_id)
    apply = ApplyForMembership(
        company_id=company_id, group_id=group_id, membership_id=membership_id, actor="s", at=T0
    )
    network.execute(apply)
    network.execute(SignAgreement(membership_id=membership_id, actor="s", at=T0 + DAY))
    network.execute(TakeSeat(membership_id=membership_id, actor="s", at=T0 + DAY))


def acme_in_two_groups(network: Network) -> None:
    """Acme is an active member of a core group and of a companion group; Bravo is
    registered and in no group."""
    network.execute(FormGroup(name="Core", group_id=CORE, actor="s", at=T0))
    network.execute(
        FormGroup(name="Companion", kind=GroupKind.COMPANION, group_id=COMPANION, actor="s", at=T0)
    )
    for company_id, name in ((ACME, "Acme"), (BRAVO, "Bravo")):
        network.execute(
            RegisterCompany(
                profile=profile(name, region=name), company_id=company_id, actor="s", at=T0
            )
        )
    join(network, CORE, ACME)
    join(network, COMPANION, ACME)


def top(network: Network) -> int:
    return network.recorder.max_notification_id() or 0


def one_line(error: BaseException) -> str:
    message = str(error)
    assert "\n" not in message, message
    assert message.strip()
    return message


# --- refused commands record nothing --------------------------------------------------

LATER = T0 + 10 * DAY

REFUSED: Sequence[tuple[type[PeerNetError], Command]] = [
    (AlreadyApplied, ApplyForMembership(company_id=ACME, group_id=CORE, actor="s", at=LATER)),
    (NoSeatOffered, TakeSeat(membership_id=membership_of(CORE, ACME), actor="s", at=LATER)),
    (GroupHasActiveMembers, CloseGroup(group_id=CORE, actor="s", at=LATER)),
    (
        CompanyAlreadyRegistered,
        RegisterCompany(profile=profile("Acme"), company_id=ACME, actor="s", at=LATER),
    ),
    (DateOutOfOrder, AssignFacilitator(group_id=CORE, facilitator="Arnie", actor="s", at=T0)),
    (UnknownCompany, ApplyForMembership(company_id=NOWHERE, group_id=CORE, actor="s", at=LATER)),
    (UnknownGroup, ApplyForMembership(company_id=BRAVO, group_id=NOWHERE, actor="s", at=LATER)),
    (UnknownMembership, SignAgreement(membership_id=NOWHERE, actor="s", at=LATER)),
]


@pytest.mark.parametrize(
    ("error", "command"), REFUSED, ids=[error.__name__ for error, _ in REFUSED]
)
def test_a_refused_command_records_nothing_on_every_backend(
    store_url: str, open_network: OpenNetwork, error: type[PeerNetError], command: Command
) -> None:
    """The typed error is raised, in one line, and the log does not move."""
    network = open_network(store_url)
    acme_in_two_groups(network)
    before = top(network)

    with pytest.raises(error) as refused:
        network.execute(command)

    one_line(refused.value)
    assert before == top(network)


# --- a multi-stream write is all or nothing -------------------------------------------


def race_on_the_companion_group(network: Network, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make the network's next write lose a race: just before it, another writer records
    an event in the companion group's stream. Returns how often the write was tried."""
    insert = network.recorder.insert_events
    tries: list[int] = []

    def racing_insert(events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        tries.append(len(events))
        if len(tries) == 1:
            version = len(network.stored(COMPANION)) + 1
            rival = Recorded(
                event=FacilitatorAssigned(group_id=COMPANION, facilitator="Rival", at=LATER),
                stream_id=COMPANION,
                version=version,
                actor="another process",
                recorded_at=LATER,
                command_id=some_id("the rival's command"),
                correlation_id=some_id("the rival's command"),
            )
            insert([network.codec.encode(rival)])
        return insert(events, **kwargs)

    monkeypatch.setattr(network.recorder, "insert_events", racing_insert)
    return tries


def test_an_acquisition_that_loses_its_race_records_none_of_its_events(
    store_url: str, open_network: OpenNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Acquired, removed from the core group, removed from the companion group: the
    conflict on the last stream undoes the whole write, on every backend."""
    network = open_network(store_url, max_attempts=1)
    acme_in_two_groups(network)
    before = top(network)
    race_on_the_companion_group(network, monkeypatch)

    with pytest.raises(ConcurrencyConflict):
        network.execute(RecordAcquisition(company_id=ACME, acquirer="Big Co", actor="s", at=LATER))

    assert before + 1 == top(network)  # the rival's event, and nothing of the acquisition
    assert ["peernet.FacilitatorAssigned"] == [r.topic for r in network.recorded(after=before)]
    assert None is network.company(ACME).acquired_by
    assert ["Acme"] == [seat.company for seat in network.roster(CORE).members]
    assert ["Acme"] == [seat.company for seat in network.roster(COMPANION).members]


def test_an_acquisition_that_loses_its_race_is_decided_again_and_recorded_whole(
    store_url: str, open_network: OpenNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With retries allowed, the command re-reads the streams and records every event."""
    network = open_network(store_url)
    acme_in_two_groups(network)
    before = top(network)
    tries = race_on_the_companion_group(network, monkeypatch)

    recorded = network.execute(
        RecordAcquisition(company_id=ACME, acquirer="Big Co", actor="s", at=LATER)
    )

    assert [3, 3] == tries  # acquired + removed from each group, written twice
    assert [r.topic for r in recorded] == [r.topic for r in network.recorded(after=before + 1)]
    assert "Big Co" == network.company(ACME).acquired_by
    assert ((), ()) == (network.roster(CORE).members, network.roster(COMPANION).members)


# --- bad input: one line, typed -------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "error"),
    [
        (lambda n: n.roster(NOWHERE), UnknownGroup),
        (lambda n: n.company(NOWHERE), UnknownCompany),
        (lambda n: n.membership(NOWHERE), UnknownMembership),
    ],
    ids=["roster", "company", "membership"],
)
def test_a_query_for_an_unknown_id_is_invalid_input_in_one_line(
    store_url: str,
    open_network: OpenNetwork,
    query: Callable[[Network], object],
    error: type[InvalidInput],
) -> None:
    """Asking about an id nobody recorded names the id and what kind of thing it is."""
    network = open_network(store_url)
    acme_in_two_groups(network)

    with pytest.raises(error) as raised:
        query(network)

    assert isinstance(raised.value, InvalidInput)
    assert str(NOWHERE) in one_line(raised.value)


def test_a_file_that_is_not_a_database_is_an_unavailable_store(tmp_path: Path) -> None:
    """A SQLite URL naming some other file fails to open, in one line naming the file."""
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are not the pages of a SQLite database\n" * 100)

    with pytest.raises(StoreUnavailable) as raised:
        Network(f"sqlite:///{path}")

    message = one_line(raised.value)
    assert str(path) in message
    assert "not a database" in message


def test_an_unreachable_postgresql_server_is_an_unavailable_store() -> None:
    """Nobody listens on the port: StoreUnavailable, in one line, within the timeout."""
    url = "postgresql://postgres@127.0.0.1:1/test?connect_timeout=1"

    with pytest.raises(StoreUnavailable) as raised:
        Network(url)

    assert one_line(raised.value).startswith(f"cannot open store {url}: ")


def test_a_corrupted_stored_event_is_unreadable_and_named(
    tmp_path: Path, open_network: OpenNetwork
) -> None:
    """Garbage in one row of a SQLite store: reading it names the stream and version."""
    url = f"sqlite:///{tmp_path / 'peernet.db'}"
    network = open_network(url)
    acme_in_two_groups(network)
    network.close()
    with sqlite3.connect(tmp_path / "peernet.db") as connection:
        connection.execute(
            "UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = 1",
            (b"\x00\xffnot an event", ACME.hex),
        )
    connection.close()

    with pytest.raises(UnreadableEvent) as raised:
        list(open_network(url).recorded())

    assert isinstance(raised.value, InvalidInput)
    assert f"cannot read event 1 of stream {ACME} (peernet.CompanyRegistered): " in one_line(
        raised.value
    )
