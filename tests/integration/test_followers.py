"""Followers on every backend: each event handled once, in order, from the position the
store keeps; what a handler writes is written with that position; a handler that raises
stops its follower at that event, which resumes there. Followers in processes of their
own are killed with SIGKILL mid-run and restarted, or run several at once."""

import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Callable
from multiprocessing.context import SpawnProcess
from pathlib import Path
from uuid import UUID

import attrs
import pytest

from peernet import (
    ChangeCompanyProfile,
    CompanyProfileChanged,
    CompanyRegistered,
    FollowerStopped,
    GroupFormed,
    MembershipApplied,
    Network,
    Recorded,
    RegisterCompany,
)
from peernet.testing import T0, founding, profile, some_id

OpenNetwork = Callable[..., Network]
WAIT = 120  # seconds: a generous bound for slow machines, never reached when all is well


def change_for(record: Recorded) -> ChangeCompanyProfile:
    """The write a handled registration leaves: a head count no profile starts with."""
    event = record.event
    assert isinstance(event, CompanyRegistered)
    assert record.position is not None
    return ChangeCompanyProfile(
        company_id=event.company_id,
        profile=attrs.evolve(event.profile, head_count=100_000 + record.position),
        actor="follower",
        at=event.at,
    )


def follow_in_a_process(url: str, name: str, effects: str, delay: float) -> None:
    """A follower in a process of its own, until killed: for each registration it notes
    the position in the file `effects` (outside the store), sleeps `delay`, and writes a
    profile change (inside the store, with its position)."""

    def handle(record: Recorded) -> ChangeCompanyProfile:
        with open(effects, "a", encoding="utf-8") as out:
            out.write(f"{record.position}\n")
        time.sleep(delay)
        return change_for(record)

    network = Network(url)
    network.follow(name, handle, events=[CompanyRegistered]).start()
    while True:
        time.sleep(1)


def register(network: Network, count: int, start: int = 0) -> list[UUID]:
    """Register `count` companies; their ids."""
    ids = []
    for i in range(start, start + count):
        company = some_id(f"company {i}")
        network.execute(
            RegisterCompany(
                company_id=company, profile=profile(f"Co {i}", region=f"r{i}"), actor="t", at=T0
            )
        )
        ids.append(company)
    return ids


def positions_of(network: Network, *kinds: type) -> list[int]:
    return [r.position or 0 for r in network.recorded() if isinstance(r.event, kinds)]


def changes_per_company(network: Network) -> Counter[UUID]:
    return Counter(
        r.event.company_id for r in network.recorded() if isinstance(r.event, CompanyProfileChanged)
    )


def test_a_follower_sees_each_event_once_in_log_order(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Two runs over a growing log: every event, once, in order; ledger entries never."""
    network = open_network(store_url)
    seen: list[int] = []
    follower = network.follow("audit copy", lambda r: seen.append(r.position or 0))
    register(network, 3)
    first = follower.run_once()
    register(network, 2, start=3)
    second = follower.run_once()

    assert (3, 2) == (first, second)
    assert positions_of(network, CompanyRegistered) == seen
    assert seen[-1] == follower.position


def test_a_followers_position_outlives_the_process(
    durable_url: str, open_network: OpenNetwork
) -> None:
    """Reopened, the follower goes on after the last event it handled, not from zero."""
    network = open_network(durable_url)
    register(network, 3)
    network.follow("mailer", lambda r: None).run_once()
    network.close()
    reopened = open_network(durable_url)
    register(reopened, 2, start=3)
    seen: list[int] = []

    reopened.follow("mailer", lambda r: seen.append(r.position or 0)).run_once()

    assert positions_of(reopened, CompanyRegistered)[3:] == seen


def test_a_handlers_commands_are_recorded_with_its_position(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Each registration handled leaves one profile change, in the same write as the
    position; running again writes nothing more."""
    network = open_network(store_url)
    companies = register(network, 4)
    follower = network.follow("profiles", change_for, events=[CompanyRegistered])

    follower.run_once()
    follower.run_once()

    assert dict.fromkeys(companies, 1) == dict(changes_per_company(network))
    assert positions_of(network, CompanyRegistered)[-1] == follower.position


def test_the_commands_a_follower_records_carry_the_events_correlation(
    store_url: str, open_network: OpenNetwork
) -> None:
    """A handler's command is recorded in the correlation of the event that caused it."""
    network = open_network(store_url)
    register(network, 1)
    network.follow("profiles", change_for, events=[CompanyRegistered]).run_once()

    records = list(network.recorded())

    assert records[0].correlation_id == records[-1].correlation_id
    assert records[0].command_id != records[-1].command_id


def test_a_handler_that_raises_stops_at_that_event_and_resumes_there(
    store_url: str, open_network: OpenNetwork
) -> None:
    """FollowerStopped names the follower and the event; nothing is skipped after it."""
    network = open_network(store_url)
    register(network, 4)
    registered = positions_of(network, CompanyRegistered)
    broken = {registered[2]}
    handled: list[int] = []

    def handle(record: Recorded) -> ChangeCompanyProfile:
        if record.position in broken:
            raise RuntimeError("mail server down")
        handled.append(record.position or 0)
        return change_for(record)

    follower = network.follow("profiles", handle, events=[CompanyRegistered])
    with pytest.raises(FollowerStopped) as stopped:
        follower.run_once()
    where = (
        follower.position,
        stopped.value.details["position"],
        stopped.value.details["follower"],
    )
    broken.clear()
    follower.run_once()

    assert (registered[1], registered[2], "profiles") == where
    assert "RuntimeError: mail server down" in str(stopped.value)
    assert registered == handled
    assert 4 == sum(changes_per_company(network).values())


def test_a_refused_command_of_a_handler_stops_the_follower_and_records_nothing(
    store_url: str, open_network: OpenNetwork
) -> None:
    """A command the rules refuse is the handler's error: no event, no position."""
    network = open_network(store_url)
    register(network, 1)

    def register_again(record: Recorded) -> RegisterCompany:
        event = record.event
        assert isinstance(event, CompanyRegistered)
        return RegisterCompany(company_id=event.company_id, profile=event.profile, actor="f", at=T0)

    follower = network.follow("echo", register_again, events=[CompanyRegistered])
    before = len(list(network.recorded()))
    with pytest.raises(FollowerStopped) as stopped:
        follower.run_once()

    assert "CompanyAlreadyRegistered" in str(stopped.value)
    assert (before, 0) == (len(list(network.recorded())), follower.position)


def test_a_follower_sees_only_the_event_classes_and_groups_it_asks_for(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Filtered by class (and classes derived from it) and by group."""
    network = open_network(store_url)
    one, two = some_id("group one"), some_id("group two")
    for command in [*founding(one, some_id("a"), some_id("b")), *founding(two, some_id("c"))]:
        network.execute(command)
    applied: list[UUID | None] = []
    in_one: list[str] = []
    network.follow(
        "applications",
        lambda r: applied.append(getattr(r.event, "company_id", None)),
        events=[MembershipApplied],
    ).run_once()
    network.follow(
        "group one", lambda r: in_one.append(type(r.event).__name__), groups=[one]
    ).run_once()

    assert [some_id("a"), some_id("b"), some_id("c")] == applied
    assert "GroupFormed" == in_one[0]
    assert {GroupFormed.__name__} == {n for n in in_one if n.startswith("Group")}
    assert len(in_one) == len(
        [r for r in network.recorded() if getattr(r.event, "group_id", None) == one]
    )


def test_a_running_follower_keeps_up_with_writes(store_url: str, open_network: OpenNetwork) -> None:
    """Started in its own thread, it handles what is written after it started."""
    network = open_network(store_url)
    seen: list[int] = []
    with network.follow("live", lambda r: seen.append(r.position or 0)) as follower:
        register(network, 3)
        follower.wait(timeout=10)

    assert positions_of(network, CompanyRegistered) == seen


def test_a_running_follower_stops_on_a_handlers_error_and_wait_names_it(
    store_url: str, open_network: OpenNetwork
) -> None:
    """wait() raises the FollowerStopped the thread stopped with."""
    network = open_network(store_url)

    def handle(record: Recorded) -> None:
        raise ValueError("no template for this event")

    with network.follow("broken", handle) as follower:
        register(network, 1)
        with pytest.raises(FollowerStopped) as stopped:
            follower.wait(timeout=10)

    assert "ValueError: no template for this event" in str(stopped.value)
    assert 0 == follower.position


def test_one_runner_of_a_name_at_a_time(store_url: str, open_network: OpenNetwork) -> None:
    """While one runner holds a follower's lease, another of the same name handles nothing."""
    network = open_network(store_url)
    register(network, 2)
    other = open_network(store_url) if store_url != "memory://" else network
    runner = network.follow("single", lambda r: None)
    standby = other.follow("single", lambda r: pytest.fail("a second runner handled an event"))
    with runner:
        runner.wait(timeout=10)
        register(network, 1, start=2)
        handled = standby.run_once()
        runner.wait(timeout=10)

    assert (0, True, False) == (handled, runner.position > 0, standby.leading)


def test_a_follower_refuses_what_is_not_a_handler_or_filter(
    open_network: OpenNetwork,
) -> None:
    """One clear error for a missing name, a handler that is not a function, a filter
    that is not an event class."""
    network = open_network("memory://")
    with pytest.raises(Exception, match="a follower has a name"):
        network.follow(" ", lambda r: None)
    with pytest.raises(Exception, match="a handler is a function"):
        network.follow("x", "mail them")  # type: ignore[arg-type]
    with pytest.raises(Exception, match="event classes"):
        network.follow("x", lambda r: None, events=[str])  # type: ignore[list-item]


def spawn(url: str, name: str, effects: Path, delay: float) -> SpawnProcess:
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=follow_in_a_process, args=(url, name, str(effects), delay))
    process.start()
    return process


def position_of(network: Network, name: str) -> int:
    return network.follow(name, lambda r: None).position


def until(check: Callable[..., bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {WAIT}s for {what}")
        time.sleep(0.02)


def test_a_follower_killed_mid_run_writes_each_event_exactly_once(
    durable_url: str, open_network: OpenNetwork, tmp_path: Path
) -> None:
    """SIGKILL twice mid-run, restarted each time: every registration leaves exactly one
    profile change, and the follower ends at the last one; its outside effect happened
    at least once for every event."""
    network = open_network(durable_url)
    companies = register(network, 60)
    registered = positions_of(network, CompanyRegistered)
    effects = tmp_path / "effects.txt"
    kills = []
    for stop_at in (registered[10], registered[30]):
        process = spawn(durable_url, "killed", effects, 0.01)
        until(lambda at=stop_at: position_of(network, "killed") >= at, f"position {stop_at}")
        os.kill(process.pid or 0, 9)
        process.join(WAIT)
        kills.append((process.exitcode, position_of(network, "killed") < registered[-1]))
    last = spawn(durable_url, "killed", effects, 0.0)
    until(lambda: position_of(network, "killed") == registered[-1], "the last registration")
    last.kill()
    last.join(WAIT)
    noted = {int(line) for line in effects.read_text().split()}

    assert [(-9, True), (-9, True)] == kills
    assert dict.fromkeys(companies, 1) == dict(changes_per_company(network))
    assert set(registered) == noted


def test_followers_in_several_processes_handle_each_event_once(
    pg_url: str, open_network: OpenNetwork, tmp_path: Path
) -> None:
    """Three processes run the same follower on PostgreSQL while events are written: one
    leads, two stand by; each registration is handled once, outside and inside."""
    network = open_network(pg_url)
    effects = tmp_path / "effects.txt"
    processes = [spawn(pg_url, "shared", effects, 0.0) for _ in range(3)]
    companies = register(network, 40)
    last = positions_of(network, CompanyRegistered)[-1]
    until(lambda: position_of(network, "shared") == last, "the last registration")
    for process in processes:
        process.kill()
        process.join(WAIT)
    noted = Counter(int(line) for line in effects.read_text().split())

    assert dict.fromkeys(companies, 1) == dict(changes_per_company(network))
    assert dict.fromkeys(positions_of(network, CompanyRegistered), 1) == dict(noted)
