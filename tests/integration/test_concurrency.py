"""Rules hold when several processes (or threads) write to one store at the same moment.

Each racing process is started with multiprocessing's "spawn" context, opens a Network of
its own on the same SQLite file or PostgreSQL schema, and waits at a barrier so that all
of them execute their command together.
"""

import threading
from collections.abc import Callable
from datetime import timedelta
from multiprocessing.synchronize import Barrier
from typing import Any
from uuid import UUID

from tests.conftest import RACE_WAIT, race

from peernet import (
    ApplyForMembership,
    Charter,
    FormGroup,
    Network,
    RegisterCompany,
    SignAgreement,
    TakeSeat,
)
from peernet.testing import T0, membership_of, profile, some_id

OpenNetwork = Callable[..., Network]

RACERS = 4
GROUP = some_id("the contested group")
LATER = T0 + timedelta(days=30)


def company(n: int) -> UUID:
    return some_id(f"company {n}")


def apply_command(n: int, command_id: UUID | None = None) -> ApplyForMembership:
    return ApplyForMembership(
        company_id=company(n),
        group_id=GROUP,
        membership_id=membership_of(GROUP, company(n)),
        actor=f"racer {n}",
        at=LATER,
        command_id=command_id,
    )


def racer(url: str, barrier: Barrier, command: ApplyForMembership, results: Any) -> None:
    """One racing process: open the store, wait for the others, execute, report."""
    try:
        network = Network(url)
    except Exception as error:  # reported to the test, which fails on it
        barrier.abort()  # the others need not wait for a racer that never comes
        results.put(("error", f"opening the store: {error!r}"))
        return
    try:
        barrier.wait(timeout=RACE_WAIT)
        results.put(("recorded", network.execute(command)))
    except Exception as error:  # reported to the test, which fails on it
        results.put(("error", repr(error)))
    finally:
        network.close()


def run_racers(url: str, commands: list[ApplyForMembership]) -> list[tuple[str, Any]]:
    """Execute each command in a process of its own, all at once; what each reported."""
    return race(racer, url, [(command,) for command in commands])


def group_with_one_free_seat(network: Network, applicants: int) -> None:
    """A group of capacity 3 with 2 active members, and `applicants` more companies."""
    network.execute(
        FormGroup(
            name="Contested", charter=Charter(capacity=3), group_id=GROUP, actor="staff", at=T0
        )
    )
    for n in range(2 + applicants):
        details = profile(f"Company {n}", region=f"region {n}")  # nobody competes
        network.execute(RegisterCompany(profile=details, company_id=company(n), actor="s", at=T0))
    for n in range(2):
        network.execute(apply_command(n))
        m = membership_of(GROUP, company(n))
        network.execute(SignAgreement(membership_id=m, actor="s", at=LATER))
        network.execute(TakeSeat(membership_id=m, actor="s", at=LATER))


def answers(reports: list[tuple[str, Any]]) -> list[str]:
    """The group's answer each racer got (or the error it met)."""
    return sorted(str(value) if kind == "error" else value[-1].topic for kind, value in reports)


def test_processes_racing_for_the_last_seat_get_one_offer_and_the_rest_wait(
    durable_url: str, open_network: OpenNetwork
) -> None:
    """Exactly one racer is offered the seat; the others are wait-listed; nothing is lost."""
    network = open_network(durable_url)
    group_with_one_free_seat(network, RACERS)
    before = network.recorder.max_notification_id() or 0

    reports = run_racers(durable_url, [apply_command(2 + n) for n in range(RACERS)])

    expected = ["peernet.ApplicantWaitlisted"] * (RACERS - 1) + ["peernet.SeatOffered"]
    assert expected == answers(reports)
    assert before + 2 * RACERS == len(list(network.recorded()))
    versions = [stored.originator_version for stored in network.stored(GROUP)]
    assert list(range(1, len(versions) + 1)) == versions
    roster = network.roster(GROUP)
    assert (2, 1, RACERS - 1) == (len(roster.members), len(roster.offers), len(roster.waitlist))


def test_processes_racing_with_one_command_id_record_it_once_and_agree(
    durable_url: str, open_network: OpenNetwork
) -> None:
    """The same command id executed by several processes at once is recorded once, and
    every process gets the same records back."""
    network = open_network(durable_url)
    group_with_one_free_seat(network, 1)
    before = network.recorder.max_notification_id() or 0
    command = apply_command(2, command_id=some_id("one application"))

    reports = run_racers(durable_url, [command] * RACERS)

    assert [("recorded", reports[0][1])] * RACERS == reports
    assert ["peernet.MembershipApplied", "peernet.SeatOffered"] == [r.topic for r in reports[0][1]]
    assert before + 3 == network.recorder.max_notification_id()  # two events and the ledger


def test_threads_sharing_one_network_fill_the_seats_exactly(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Threads executing through one Network at once see its lock: no seat is given twice."""
    network = open_network(store_url)
    threads = 6
    group_with_one_free_seat(network, threads)
    before = len(list(network.recorded()))
    barrier = threading.Barrier(threads)
    results: list[str] = []

    def apply(n: int) -> None:
        barrier.wait(timeout=RACE_WAIT)
        results.append(network.execute(apply_command(2 + n))[-1].topic)

    workers = [threading.Thread(target=apply, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=RACE_WAIT)

    expected = ["peernet.ApplicantWaitlisted"] * (threads - 1) + ["peernet.SeatOffered"]
    assert expected == sorted(results)
    assert before + 2 * threads == len(list(network.recorded()))
    versions = [stored.originator_version for stored in network.stored(GROUP)]
    assert list(range(1, len(versions) + 1)) == versions
