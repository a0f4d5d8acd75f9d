"""Group commit: commands that threads (or asyncio tasks) execute through one network at
the same time share one write, and each caller still gets its own answer, on every
backend: what its command recorded, or the typed error that refused it alone.

The laws checked after every race: each accepted command is recorded exactly once, a
refused one records nothing, the log verifies, and the log holds exactly what executing
its commands one at a time, in the log's order, records.

To make the callers meet, the first write waits until every thread has called
`execute`: the others queue behind it and are written together in the next one.
"""

import asyncio
import tempfile
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import OperationalError, StoredEvent
from hypothesis import HealthCheck, given, settings, strategies as st

from peernet import (
    ActingForUnknownCompany,
    ApplyForMembership,
    AsyncNetwork,
    Charter,
    Command,
    CommandIdReused,
    CompanyAlreadyRegistered,
    FacilitatorAssigned,
    FormGroup,
    Network,
    PeerNetError,
    Recorded,
    RegisterCompany,
    StoreUnavailable,
    TakeSeat,
    UnknownMembership,
)
from peernet.application.ledger import ledger_id
from peernet.testing import T0, membership_of, profile, some_id

OpenNetwork = Callable[..., Network]
LEDGER = "peernet.CommandHandled"
Outcome = tuple[Recorded, ...] | Exception

GROUP = some_id("the grouped group")
APPLICANTS = 8
LATER = T0 + timedelta(days=30)
WAIT = 120  # seconds: a generous bound for slow machines, never reached when all is well


def company(n: int) -> UUID:
    return some_id(f"grouped company {n}")


def register(n: int, label: str) -> RegisterCompany:
    details = profile(f"Company {n}", region=f"region {n}")  # nobody competes
    return RegisterCompany(
        profile=details, company_id=company(n), actor="s", at=T0, command_id=some_id(label)
    )


def apply(n: int) -> ApplyForMembership:
    return ApplyForMembership(
        company_id=company(n),
        group_id=GROUP,
        membership_id=membership_of(GROUP, company(n)),
        actor=f"applicant {n}",
        at=LATER,
        command_id=some_id(f"application {n}"),
    )


def a_group_and_its_applicants(network: Network) -> list[Command]:
    """A group of capacity 3 and `APPLICANTS` companies, recorded one at a time; the
    commands that did it."""
    formed = FormGroup(
        name="Grouped",
        charter=Charter(capacity=3),
        group_id=GROUP,
        actor="s",
        at=T0,
        command_id=some_id("forming"),
    )
    setup: list[Command] = [formed, *(register(n, f"registering {n}") for n in range(APPLICANTS))]
    for command in setup:
        network.execute(command)
    return setup


def contested() -> list[Command]:
    """What the callers race with: every applicant applies (three are offered a seat,
    the rest wait, in whichever order they land); one company is registered by two
    commands (one wins, one is refused); one command is sent three times under one id
    (recorded once) while another command reuses that id (refused, or the three are);
    a seat for a membership that was never applied for and a command acting for an
    unknown company (always refused)."""
    twice = register(100, "registering 100")
    stranger = RegisterCompany(
        profile=profile("Stranger", region="far"),
        actor="s",
        at=T0,
        acting_for=some_id("nobody"),
        command_id=some_id("acting for nobody"),
    )
    return [
        *(apply(n) for n in range(APPLICANTS)),
        register(101, "registering 101 once"),
        register(101, "registering 101 again"),
        twice,
        twice,
        twice,
        register(102, "registering 100"),  # another command under twice's id
        TakeSeat(membership_id=some_id("never applied"), actor="s", at=LATER),
        stranger,
    ]


Insert = Callable[..., Sequence[int] | None]
Around = Callable[[Insert, Sequence[StoredEvent], dict[str, Any]], Sequence[int] | None]


class Writes:
    """What a test does around a network's writes (each wrapper around the last)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def around(self, network: Network, around: Around) -> None:
        """Each write of `network` goes through `around(insert, events, kwargs)`."""
        insert = network.recorder.insert_events

        def wrapped(events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
            return around(insert, events, kwargs)

        self.monkeypatch.setattr(network.recorder, "insert_events", wrapped)

    def count(self, network: Network) -> list[int]:
        """How many events each write of `network` carries, from now on."""
        counted: list[int] = []

        def count(insert: Insert, events: Sequence[StoredEvent], kwargs: dict[str, Any]) -> Any:
            counted.append(len(events))
            return insert(events, **kwargs)

        self.around(network, count)
        return counted

    def gate(self, network: Network, callers: int) -> Callable[[], None]:
        """The network's next write waits until `callers` have said (by calling what this
        returns) that they are about to execute."""
        calling, waited = threading.Semaphore(0), threading.Event()

        def wait(insert: Insert, events: Sequence[StoredEvent], kwargs: dict[str, Any]) -> Any:
            if not waited.is_set():
                waited.set()
                for _ in range(callers):
                    assert calling.acquire(timeout=WAIT)
            return insert(events, **kwargs)

        self.around(network, wait)
        return calling.release


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> Writes:
    return Writes(monkeypatch)


def commands_in(events: Sequence[StoredEvent]) -> set[UUID]:
    """The ledger streams a write carries: one for each command it records."""
    return {
        e.originator_id for e in events if e.topic == LEDGER and isinstance(e.originator_id, UUID)
    }


def in_threads(
    network: Network, commands: Sequence[Command], said: Callable[[], None]
) -> list[Outcome]:
    """Execute each command on a thread of its own, all at once; what each got."""
    outcomes: list[Outcome | None] = [None] * len(commands)

    def execute(i: int) -> None:
        said()
        try:
            outcomes[i] = network.execute(commands[i])
        except Exception as error:  # each caller's own answer, checked by the test
            outcomes[i] = error

    threads = [threading.Thread(target=execute, args=(i,)) for i in range(len(commands))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT)
    assert all(outcome is not None for outcome in outcomes)
    return [outcome for outcome in outcomes if outcome is not None]


def by_command(network: Network) -> dict[UUID, list[Recorded]]:
    """The log's records by command id, in the order the commands were first recorded."""
    found: dict[UUID, list[Recorded]] = {}
    for record in network.recorded():
        found.setdefault(record.command_id, []).append(record)
    return found


def check_laws(
    network: Network,
    setup: Sequence[Command],
    commands: Sequence[Command],
    got: list[Outcome],
    *,
    unledgered: int = 0,
) -> None:
    """Each accepted command recorded exactly once and answered with what it recorded;
    each refused one raised a peernet error and recorded nothing; the log verifies and
    holds exactly what the commands, executed one at a time in its order, record.
    `unledgered`: how many of `setup` were written with no ledger entry."""
    log = by_command(network)
    accepted: dict[UUID, Command] = {c.command_id: c for c in setup if c.command_id}
    for command, outcome in zip(commands, got, strict=True):
        if isinstance(outcome, Exception):
            assert isinstance(outcome, PeerNetError), repr(outcome)
            if not isinstance(outcome, CommandIdReused):
                assert command.command_id not in log  # nothing of it recorded
            continue
        assert command.command_id is not None
        assert list(outcome) == log[command.command_id]  # recorded once, answered so
        accepted[command.command_id] = command
    assert set(accepted) == set(log)
    verification = network.verify()
    assert (None, len(log) - unledgered) == (verification.problem, verification.ledger)
    with Network("memory://") as alone:
        for command_id in log:
            alone.execute(accepted[command_id])
        assert [r.event for r in alone.recorded()] == [r.event for r in network.recorded()]


def test_threads_executing_at_once_each_get_their_own_answer(
    store_url: str, open_network: OpenNetwork, writes: Writes
) -> None:
    """Accepted, refused, repeated and reused commands race in one network: every
    caller gets its own answer and the laws hold."""
    network = open_network(store_url)
    setup = a_group_and_its_applicants(network)
    commands = contested()

    got = in_threads(network, commands, writes.gate(network, len(commands)))

    check_laws(network, setup, commands, got)
    kinds = [type(o).__name__ if isinstance(o, Exception) else "recorded" for o in got]
    assert ["recorded"] * APPLICANTS == kinds[:APPLICANTS]
    assert ["CompanyAlreadyRegistered", "recorded"] == sorted(kinds[8:10])
    assert kinds[10:14] in (
        ["recorded"] * 3 + ["CommandIdReused"],
        ["CommandIdReused"] * 3 + ["recorded"],
    )
    assert got[10] == got[11] == got[12] or all(isinstance(o, CommandIdReused) for o in got[10:13])
    assert ["UnknownMembership", "ActingForUnknownCompany"] == kinds[14:]
    roster = network.roster(GROUP)
    assert (3, APPLICANTS - 3) == (len(roster.offers), len(roster.waitlist))


def test_commands_of_one_group_share_a_write(
    durable_url: str, open_network: OpenNetwork, writes: Writes
) -> None:
    """Callers that queued while a write ran are written together: fewer writes than
    commands, and each caller's records are its own."""
    network = open_network(durable_url)
    a_group_and_its_applicants(network)
    counted = writes.count(network)
    said = writes.gate(network, APPLICANTS)

    got = in_threads(network, [apply(n) for n in range(APPLICANTS)], said)

    assert len(counted) < APPLICANTS
    assert [f"applicant {n}" for n in range(APPLICANTS)] == [
        {r.actor for r in o}.pop() for o in got if not isinstance(o, Exception)
    ]


def test_a_network_without_group_commit_writes_each_command_alone(
    durable_url: str, open_network: OpenNetwork, writes: Writes
) -> None:
    """`group_commit=False`: one write a command, whatever the company."""
    network = open_network(durable_url, group_commit=False)
    setup = a_group_and_its_applicants(network)
    counted = writes.count(network)
    commands = [apply(n) for n in range(APPLICANTS)]

    got = in_threads(network, commands, lambda: None)

    assert (False, APPLICANTS) == (network.group_commit, len(counted))
    check_laws(network, setup, commands, got)


def test_a_group_whose_write_fails_raises_to_each_of_its_callers_and_records_nothing(
    durable_url: str, open_network: OpenNetwork, writes: Writes
) -> None:
    """The store fails every write that carries more than one command: each caller of
    such a group gets `StoreUnavailable`, nothing of the group is recorded, and the
    commands written alone are recorded as usual."""
    network = open_network(durable_url)
    setup = a_group_and_its_applicants(network)
    commands = [apply(n) for n in range(APPLICANTS)]
    failed: list[set[UUID]] = []

    def fail(insert: Insert, events: Sequence[StoredEvent], kwargs: dict[str, Any]) -> Any:
        if len(grouped := commands_in(events)) > 1:
            failed.append(grouped)
            raise OperationalError("the disk is full")
        return insert(events, **kwargs)

    writes.around(network, fail)
    said = writes.gate(network, len(commands))

    got = in_threads(network, commands, said)

    in_failed = {ledger for group in failed for ledger in group}
    assert failed
    for command, outcome in zip(commands, got, strict=True):
        assert command.command_id is not None
        assert (ledger_id(command.command_id) in in_failed) == isinstance(
            outcome, StoreUnavailable
        ), repr(outcome)
    assert all(isinstance(o, StoreUnavailable | tuple) for o in got)
    check_laws(network, setup, commands, got)


def test_a_group_that_finds_the_log_moved_is_decided_again_and_recorded_whole(
    store_url: str, open_network: OpenNetwork, writes: Writes
) -> None:
    """Another writer records in the group's stream just before a group's write: the
    group is decided again on what it wrote, and every command is recorded."""
    network = open_network(store_url)
    setup = a_group_and_its_applicants(network)
    commands = [apply(n) for n in range(APPLICANTS)]
    rivals: list[Recorded] = []

    def race(insert: Insert, events: Sequence[StoredEvent], kwargs: dict[str, Any]) -> Any:
        if len(commands_in(events)) > 1 and not rivals:
            rivals.append(rival(network))
            insert([chained(network, rivals[0])])
        return insert(events, **kwargs)

    writes.around(network, race)
    said = writes.gate(network, len(commands))

    got = in_threads(network, commands, said)

    assert rivals
    assert all(isinstance(o, tuple) for o in got)
    assert rivals == [r for r in network.recorded() if isinstance(r.event, FacilitatorAssigned)]
    assert (3, APPLICANTS - 3) == (
        len(network.roster(GROUP).offers),
        len(network.roster(GROUP).waitlist),
    )
    check_laws(network, [*setup, rival_command()], commands, got, unledgered=1)


def chained(network: Network, record: Recorded) -> StoredEvent:
    """`record` encoded and sealed to the end of its stream, as another process would."""
    last = network.stored(record.stream_id)[-1]
    [(stored, _)] = network.codec.encode_links(
        [record], lambda *_: network.codec.chain_of(last) or ""
    )
    return stored


def rival_command() -> Command:
    from peernet import AssignFacilitator  # noqa: PLC0415

    return AssignFacilitator(
        group_id=GROUP, facilitator="Rival", actor="rival", at=LATER, command_id=some_id("rival")
    )


def rival(network: Network) -> Recorded:
    """What another process records in the group's stream meanwhile."""
    return Recorded(
        event=FacilitatorAssigned(group_id=GROUP, facilitator="Rival", at=LATER),
        stream_id=GROUP,
        version=len(network.stored(GROUP)) + 1,
        actor="rival",
        recorded_at=LATER,
        command_id=some_id("rival"),
        correlation_id=some_id("rival"),
    )


def test_tasks_executing_at_once_on_an_async_network_each_get_their_own_answer(
    tmp_path: Any,
) -> None:
    """The same race through `AsyncNetwork`: tasks, not threads; the same laws."""
    url = f"sqlite:///{tmp_path / 'async.db'}"
    commands = contested()

    async def main() -> tuple[list[Command], list[Outcome]]:
        async with await AsyncNetwork.open(url) as network:
            setup = await network.run(a_group_and_its_applicants, network.network)
            got = await asyncio.gather(
                *(network.execute(c) for c in commands), return_exceptions=True
            )
            return setup, [o for o in got if isinstance(o, Exception | tuple)]

    setup, got = asyncio.run(main())

    with Network(url) as network:
        check_laws(network, setup, commands, got)
        assert [CompanyAlreadyRegistered, UnknownMembership, ActingForUnknownCompany] == [
            type(o) for o in (got[8:10] + got[14:]) if isinstance(o, Exception)
        ]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(picks=st.lists(st.integers(min_value=0, max_value=len(contested()) - 1), max_size=16))
@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_any_mix_of_callers_keeps_the_laws(backend: str, picks: list[int]) -> None:
    """Any callers, with any command of the contested mix (the same one several times
    over, too), racing in one network: the laws hold."""
    pool = contested()
    commands = [pool[i] for i in picks]
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        url = "memory://" if backend == "memory" else f"sqlite:///{folder}/mix.db"
        with Network(url) as network:
            setup = a_group_and_its_applicants(network)
            said = Writes(patch).gate(network, len(commands))

            got = in_threads(network, commands, said)

            check_laws(network, setup, commands, got)
