"""Persisted read models on memory, SQLite and PostgreSQL: kept equals rebuilt, every
backend gives the same views, a crash between rows and position loses nothing."""

import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from eventsourcing.persistence import IntegrityError

from peernet import (
    ApplyForMembership,
    Charter,
    Command,
    FormGroup,
    Network,
    RegisterCompany,
    Resign,
    SignAgreement,
    TakeSeat,
)
from peernet.adapters import readmodels
from peernet.adapters.readmodels import ReadModels, fact_of
from peernet.adapters.viewrecorder import Write
from peernet.projections import PROJECTIONS, GroupHistories, Period, fold, turnover
from peernet.testing import T0, profile, some_id

OpenNetwork = Callable[..., Network]


def script() -> list[Command]:
    """Two groups of two seats; five companies join, wait, resign, take a freed seat."""
    day = iter(range(1, 1000))

    def at() -> Any:
        return T0 + timedelta(days=next(day) * 7)

    commands: list[Command] = []
    for g in ("north", "south"):
        commands.append(
            FormGroup(
                actor="staff", at=at(), name=g, charter=Charter(capacity=2), group_id=some_id(g)
            )
        )
    for c in range(5):
        name = f"company {c}"
        lines = (f"line {c}",)
        commands.append(
            RegisterCompany(
                actor="staff", at=at(), profile=profile(name, lines=lines), company_id=some_id(name)
            )
        )
    for c in range(5):
        group = some_id("north" if c < 3 else "south")
        m = some_id(f"membership {c}")
        commands.append(
            ApplyForMembership(
                actor="staff",
                at=at(),
                company_id=some_id(f"company {c}"),
                group_id=group,
                membership_id=m,
            )
        )
        if c != 2:
            commands += [
                SignAgreement(actor="staff", at=at(), membership_id=m),
                TakeSeat(actor="staff", at=at(), membership_id=m),
            ]
    commands.append(Resign(actor="staff", at=at(), membership_id=some_id("membership 0")))
    commands += [
        SignAgreement(actor="staff", at=at(), membership_id=some_id("membership 2")),
        TakeSeat(actor="staff", at=at(), membership_id=some_id("membership 2")),
    ]
    return commands


def reference(network: Network) -> dict[str, dict[str, Any]]:
    records = [fact_of(r) for r in network.recorded()]
    return {name: fold(p, records) for name, p in PROJECTIONS.items()}


def kept(models: ReadModels) -> dict[str, dict[str, Any]]:
    return {name: models.views(name) for name in PROJECTIONS}


@pytest.fixture(scope="module")
def on_memory() -> dict[str, dict[str, Any]]:
    network = Network("memory://")
    for command in script():
        network.execute(command)
    return kept(ReadModels(network))


def test_every_backend_keeps_the_same_views(
    store_url: str, open_network: OpenNetwork, on_memory: dict[str, dict[str, Any]]
) -> None:
    """The same commands on memory, SQLite and PostgreSQL give equal views."""
    network = open_network(store_url)
    for command in script():
        network.execute(command)

    assert on_memory == kept(ReadModels(network))


def test_catching_up_after_every_command_equals_a_rebuild(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Kept one event at a time, or folded once from the first event: the same views."""
    network = open_network(store_url)
    models = ReadModels(network)
    for i, command in enumerate(script()):
        network.execute(command)
        if i % 3 == 0:
            models.catch_up()
    incrementally = kept(models)

    models.rebuild()

    assert reference(network) == incrementally == kept(models)


def test_the_scripted_group_had_one_departure() -> None:
    """The script's resignation is the one departure turnover counts."""
    network = Network("memory://")
    for command in script():
        network.execute(command)
    views = ReadModels(network).views(GroupHistories.name)

    found = turnover(views.values(), Period(T0.date(), T0.date() + timedelta(days=800)))

    assert ["resigned"] == [d.reason for d in found.departures]


class Crash(Exception):
    """Stands for the process dying between writing rows and writing the position."""


def test_a_crash_between_rows_and_position_leaves_views_that_catch_up_to_the_same(
    store_url: str, open_network: OpenNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows written before the crash are rolled back with it; catching up again
    folds the same events once."""
    network = open_network(store_url)
    models = ReadModels(network)
    commands = script()
    for command in commands[:8]:
        network.execute(command)
    models.catch_up()
    before = [(s.name, s.position) for s in models.status()]
    rows_before = {name: models.recorder.live_rows(name) for name in PROJECTIONS}
    for command in commands[8:]:
        network.execute(command)
    recorder_class = type(models.recorder)

    def crash(*args: Any, **kwargs: Any) -> None:
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(recorder_class, "_insert_tracking", crash)
        with pytest.raises(Crash):
            models.catch_up()

    assert before == [(s.name, s.position) for s in models.status()]
    assert rows_before == {name: models.recorder.live_rows(name) for name in PROJECTIONS}
    models.catch_up()
    assert reference(network) == kept(models)


def test_a_position_already_passed_is_refused_and_writes_no_row(
    store_url: str, open_network: OpenNetwork
) -> None:
    """A second writer of the same events (another process) changes nothing."""
    network = open_network(store_url)
    for command in script():
        network.execute(command)
    models = ReadModels(network)
    models.catch_up()
    live = models.recorder.live(GroupHistories.name)
    assert live is not None
    rows = models.recorder.live_rows(GroupHistories.name)

    with pytest.raises(IntegrityError):
        models.recorder.write([Write(slot=live.slot, rows={"x": b"{}"}, position=1)])

    assert rows == models.recorder.live_rows(GroupHistories.name)


class Bumped(GroupHistories):
    version: ClassVar[int] = 2


def test_a_version_bump_rebuilds_the_projection(store_url: str, open_network: OpenNetwork) -> None:
    """A projection whose version differs from the live copy's is rebuilt on catch-up."""
    network = open_network(store_url)
    for command in script():
        network.execute(command)
    ReadModels(network).catch_up()
    bumped = ReadModels(network, [Bumped()])

    bumped.catch_up()

    (status,) = bumped.status()
    assert (2, 2) == (status.version, status.live_version)
    assert reference(network)[GroupHistories.name] == bumped.views(GroupHistories.name)


def test_readers_see_the_old_copy_until_a_rebuild_is_complete(
    durable_url: str, open_network: OpenNetwork
) -> None:
    """While a rebuild folds, the live copy readers read is the previous one, whole."""
    network = open_network(durable_url)
    for command in script():
        network.execute(command)
    models = ReadModels(network)
    models.catch_up()
    before = models.recorder.live_rows(GroupHistories.name)
    seen: list[bool] = []

    def look(done: int, total: int) -> None:
        seen.append(models.recorder.live_rows(GroupHistories.name) == before)

    models.rebuild([GroupHistories.name], progress=look)

    assert seen
    assert all(seen)
    assert reference(network)[GroupHistories.name] == models.views(GroupHistories.name)


# --- rebuilds leave nothing behind --------------------------------------------------------


def scripted(url: str, open_network: OpenNetwork) -> Network:
    network = open_network(url)
    for command in script():
        network.execute(command)
    return network


def test_tracking_rows_do_not_grow_with_the_number_of_rebuilds(
    store_url: str, open_network: OpenNetwork
) -> None:
    """One tracking row per projection, however many rebuilds ran: each swap drops the
    old copy's rows and its tracking row in the same transaction."""
    models = ReadModels(scripted(store_url, open_network))
    models.rebuild()
    once = (models.tracked(), len(models.recorder.slots()))

    for _ in range(4):
        models.rebuild()

    assert (
        (len(PROJECTIONS), len(PROJECTIONS))
        == once
        == (
            models.tracked(),
            len(models.recorder.slots()),
        )
    )


class Killed(BaseException):
    """Stands for the process killed (not an exception peernet could catch)."""


def test_a_rebuild_killed_before_its_swap_is_resumed_and_leaves_no_rows(
    durable_url: str, open_network: OpenNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed between its last write and its swap, a rebuild leaves its copy beside the
    live one; the next rebuild, in another process, makes that copy live without folding
    an event again, and no slot but the live ones is left."""
    network = scripted(durable_url, open_network)
    ReadModels(network).catch_up()
    dying = ReadModels(network)

    def kill(*args: Any, **kwargs: Any) -> bool:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(type(dying.recorder), "swap", kill)
        with pytest.raises(Killed):
            dying.rebuild([GroupHistories.name])
    left = dying.recorder.slots()
    folded: list[tuple[int, int]] = []

    ReadModels(network).rebuild(
        [GroupHistories.name], progress=lambda done, total: folded.append((done, total))
    )

    after = ReadModels(network)
    live = {live.slot for name in PROJECTIONS if (live := after.recorder.live(name))}
    assert len(PROJECTIONS) + 1 == len(left)
    assert ([], live) == (folded, after.recorder.slots())
    assert reference(network)[GroupHistories.name] == after.views(GroupHistories.name)


def test_a_rebuild_killed_in_the_middle_resumes_from_where_it_stopped(
    durable_url: str, open_network: OpenNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after writing a first page of its copy, a rebuild is resumed by the next
    from the position it had written, not from the first event, to the same views."""
    network = scripted(durable_url, open_network)
    head = network.recorder.max_notification_id() or 0
    monkeypatch.setattr(readmodels, "_PAGE", 5)
    monkeypatch.setattr(readmodels, "_FLUSH", 5)
    dying = ReadModels(network)
    recorder_class = type(dying.recorder)
    write = recorder_class.write
    writes: list[int] = []

    def write_once(self: Any, batch: Any) -> None:
        if writes:
            raise Killed
        writes.append(batch[0].position)
        write(self, batch)

    with monkeypatch.context() as patch:
        patch.setattr(recorder_class, "write", write_once)
        with pytest.raises(Killed):
            dying.rebuild([GroupHistories.name])
    folded: list[tuple[int, int]] = []

    ReadModels(network).rebuild(
        [GroupHistories.name], progress=lambda done, total: folded.append((done, total))
    )

    assert head - writes[0] == folded[-1][1]
    assert reference(network)[GroupHistories.name] == ReadModels(network).views(GroupHistories.name)


def test_slots_no_copy_uses_are_reclaimed_by_the_next_catch_up(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Rows and positions of a slot that is neither live nor next (an older version's,
    or one named at random by a former peernet) are dropped by the next catch-up."""
    models = ReadModels(scripted(store_url, open_network))
    models.catch_up()
    live = models.recorder.slots()
    stray = f"{GroupHistories.name}.v1.0123456789ab"
    models.recorder.write([Write(slot=stray, rows={"x": b"{}"}, position=3)])

    models.catch_up()

    assert live == models.recorder.slots()


def test_a_rebuild_keeps_each_view_in_bytes_of_its_own_size() -> None:
    """A flush holds every view it writes at once: each is kept in as many bytes as its
    JSON has, not in a serialiser's working buffer (4 KB or more however short)."""
    network = Network("memory://")
    for command in script():
        network.execute(command)
    models = ReadModels(network)

    tracemalloc.start()
    try:
        models.rebuild()
        kept = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(True, readmodels.__file__)]
        )
    finally:
        tracemalloc.stop()

    written = [b for name in PROJECTIONS for b in models.recorder.live_rows(name).values()]
    held = sum(stat.size for stat in kept.statistics("filename"))
    assert written
    assert held < 2 * sum(len(body) for body in written) + 1024
