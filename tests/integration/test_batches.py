"""`Network.execute_many`: a batch decided in order, each command on what the ones before
it decided, recorded in one transaction or not at all, each command checked and
idempotent as `execute` makes it, on every backend."""

import asyncio
from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

import attrs
import pytest

from peernet import (
    ActingForUnknownCompany,
    AgreementNotSigned,
    ApplyForMembership,
    AsyncNetwork,
    Command,
    CommandIdReused,
    FormGroup,
    InvalidInput,
    Network,
    RegisterCompany,
    SignAgreement,
    TakeSeat,
)
from peernet.testing import T0, membership_of, profile, some_id

GROUP = some_id("the batch's group")
ACME = some_id("acme")
BRAVO = some_id("bravo")
DAY = timedelta(days=1)
OpenNetwork = Callable[..., Network]


def top(network: Network) -> int:
    return network.recorder.max_notification_id() or 0


def joining(company_id: UUID, name: str, *, sign: bool = True, day: int = 0) -> list[Command]:
    """Register a company, apply to the group, sign (unless not), take the seat."""
    membership, at = membership_of(GROUP, company_id), T0 + day * DAY
    steps: list[Command] = [
        RegisterCompany(
            profile=profile(name, region=name), company_id=company_id, actor="s", at=at
        ),
        ApplyForMembership(
            company_id=company_id, group_id=GROUP, membership_id=membership, actor="s", at=at
        ),
    ]
    if sign:
        steps.append(SignAgreement(membership_id=membership, actor="s", at=at + DAY))
    return [*steps, TakeSeat(membership_id=membership, actor="s", at=at + DAY)]


def test_a_batch_is_decided_in_order_and_recorded_in_one_write(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Each command sees what the ones before it decided (the group formed in the batch,
    the company registered, the membership applied for), and the positions the batch
    gets follow one another: one write."""
    network = open_network(store_url)
    batch = [FormGroup(name="Core", group_id=GROUP, actor="s", at=T0), *joining(ACME, "Acme")]

    recorded = network.execute_many(batch)

    events = [r for one in recorded for r in one]
    positions = [r.position for r in events]
    assert (5, ["Acme"], ["Acme"]) == (
        len(recorded),
        [seat.company for seat in network.roster(GROUP).members],
        [c.profile.name for c in network.companies()],
    )
    assert positions == list(range(1, len(events) + 1))
    assert [r.topic for r in network.recorded()] == [
        f"peernet.{type(r.event).__name__}" for r in events
    ]


def test_a_refused_command_refuses_the_whole_batch_naming_it(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Taking a seat before signing is refused: the typed error names the command's place
    in the batch, nothing of the batch is recorded, and the network goes on as if the
    batch had never been given (the company it registered is unknown)."""
    network = open_network(store_url)
    network.execute(FormGroup(name="Core", group_id=GROUP, actor="s", at=T0))
    before = top(network)
    batch = [*joining(ACME, "Acme"), *joining(BRAVO, "Bravo", sign=False, day=2)]

    with pytest.raises(AgreementNotSigned) as refused:
        network.execute_many(batch)

    error = refused.value
    assert (6, "command 7 of 7 in the batch (TakeSeat)", before) == (
        error.details["batch_index"],
        str(error).split(":")[0],
        top(network),
    )
    assert "\n" not in str(error)
    assert ((), ()) == (network.companies(), network.roster(GROUP).members)
    network.execute_many(joining(ACME, "Acme"))
    assert ["Acme"] == [seat.company for seat in network.roster(GROUP).members]


def test_each_command_of_a_batch_is_checked_as_execute_checks_it(
    store_url: str, open_network: OpenNetwork
) -> None:
    """A command acting for a company registered nowhere (not even earlier in the batch)
    refuses the batch; acting for one registered earlier in the same batch is allowed."""
    network = open_network(store_url)
    network.execute(FormGroup(name="Core", group_id=GROUP, actor="s", at=T0))
    register = joining(ACME, "Acme")[0]
    stranger = ApplyForMembership(
        company_id=BRAVO, group_id=GROUP, actor="s", at=T0, acting_for=BRAVO
    )

    with pytest.raises(ActingForUnknownCompany) as refused:
        network.execute_many([register, stranger])
    for_itself = ApplyForMembership(
        company_id=ACME,
        group_id=GROUP,
        membership_id=membership_of(GROUP, ACME),
        actor="s",
        at=T0,
        acting_for=ACME,
    )
    recorded = network.execute_many([register, for_itself])

    assert (1, 2) == (refused.value.details["batch_index"], len(recorded))
    assert isinstance(refused.value, InvalidInput)


def test_a_batch_is_idempotent_command_by_command(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Given again, a batch of commands with ids records nothing and answers what was
    recorded the first time; a command repeated in one batch is recorded once; another
    command reusing an id refuses the batch."""
    network = open_network(store_url)
    network.execute(FormGroup(name="Core", group_id=GROUP, actor="s", at=T0))
    batch = [attrs_with_id(c, some_id(f"command {i}")) for i, c in enumerate(joining(ACME, "Acme"))]

    first = network.execute_many([*batch, batch[0]])
    after_first = top(network)
    again = network.execute_many(batch)
    reused = attrs_with_id(joining(BRAVO, "Bravo")[0], some_id("command 0"))
    with pytest.raises(CommandIdReused) as refused:
        network.execute_many([FormGroup(name="Other", actor="s", at=T0), reused])

    assert (first[:4], first[0]) == (again, first[4])
    assert after_first == top(network)
    assert (1, after_first) == (refused.value.details["batch_index"], top(network))


def test_an_empty_batch_records_nothing(store_url: str, open_network: OpenNetwork) -> None:
    network = open_network(store_url)

    assert ((), 0) == (network.execute_many([]), top(network))


def attrs_with_id(command: Command, command_id: UUID) -> Command:
    return attrs.evolve(command, command_id=command_id)


def test_an_awaited_batch_answers_as_the_network_does(store_url: str) -> None:
    """`AsyncNetwork.execute_many` records the batch off the event loop, and a refusal is
    the same typed error naming the same command."""

    async def main() -> tuple[int, int, list[str]]:
        async with await AsyncNetwork.open(store_url) as network:
            formed = FormGroup(name="Core", group_id=GROUP, actor="s", at=T0)
            recorded = await network.execute_many([formed, *joining(ACME, "Acme")])
            with pytest.raises(AgreementNotSigned) as refused:
                await network.execute_many(joining(BRAVO, "Bravo", sign=False, day=2))
            roster = await network.roster(GROUP)
            index = refused.value.details["batch_index"]
            assert isinstance(index, int)
            return len(recorded), index, [seat.company for seat in roster.members]

    assert (5, 2, ["Acme"]) == asyncio.run(main())
