"""A command id names one command: executed again, it records nothing and answers the same.

On every storage backend, and also after the store is reopened by another Network.
"""

from collections.abc import Callable
from decimal import Decimal

import attrs
import pytest

from peernet import (
    ApplyForMembership,
    CommandIdReused,
    FormGroup,
    Network,
    RecordPayment,
    RegisterCompany,
    SignAgreement,
)
from peernet.domain.money import Money
from peernet.testing import T0, membership_of, profile, some_id

OpenNetwork = Callable[..., Network]

GROUP, ACME = some_id("group"), some_id("acme")
COMMAND_ID = some_id("the application")
APPLY = ApplyForMembership(
    company_id=ACME,
    group_id=GROUP,
    membership_id=membership_of(GROUP, ACME),
    actor="staff",
    at=T0,
    command_id=COMMAND_ID,
)


def prepared(open_network: OpenNetwork, url: str) -> Network:
    network = open_network(url)
    network.execute(FormGroup(name="HTG 1", group_id=GROUP, actor="staff", at=T0))
    network.execute(RegisterCompany(profile=profile("Acme"), company_id=ACME, actor="s", at=T0))
    return network


def test_a_repeated_command_id_returns_the_first_records_and_records_nothing(
    store_url: str, open_network: OpenNetwork
) -> None:
    """The second execution returns equal records and the log does not move."""
    network = prepared(open_network, store_url)
    first = network.execute(APPLY)
    after_first = network.recorder.max_notification_id()

    second = network.execute(APPLY)

    assert ["peernet.MembershipApplied", "peernet.SeatOffered"] == [r.topic for r in first]
    assert first == second
    assert after_first == network.recorder.max_notification_id()


def test_a_repeated_command_id_is_recognised_by_another_network_on_the_store(
    durable_url: str, open_network: OpenNetwork
) -> None:
    """The ledger is in the store, not in the process: a fresh Network answers the same."""
    first = prepared(open_network, durable_url).execute(APPLY)
    other = open_network(durable_url)
    before = other.recorder.max_notification_id()

    assert first == other.execute(APPLY)
    assert before == other.recorder.max_notification_id()


def test_a_repeat_the_rules_would_allow_again_records_nothing_after_a_reopening(
    durable_url: str, open_network: OpenNetwork
) -> None:
    """A payment decided again would be recorded again: a fresh Network, which does not
    read the ledger before deciding, is stopped by the first execution's ledger entry
    when it writes, records nothing and answers the first records."""
    pay = RecordPayment(
        company_id=ACME, amount=Money(Decimal("50.00"), "USD"), actor="billing", at=T0,
        command_id=some_id("the payment"),
    )  # fmt: skip
    first = prepared(open_network, durable_url).execute(pay)
    other = open_network(durable_url)
    before = other.recorder.max_notification_id()

    assert first == other.execute(pay)
    assert before == other.recorder.max_notification_id()


def test_a_command_id_used_by_another_command_type_is_refused(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Reusing an id for a different command raises CommandIdReused naming both types."""
    network = prepared(open_network, store_url)
    network.execute(APPLY)
    before = network.recorder.max_notification_id()
    sign = SignAgreement(
        membership_id=membership_of(GROUP, ACME), actor="acme", at=T0, command_id=COMMAND_ID
    )

    with pytest.raises(CommandIdReused) as refused:
        network.execute(sign)

    message = str(refused.value)
    assert "\n" not in message
    assert [True, True, True] == [
        part in message for part in (str(COMMAND_ID), "ApplyForMembership", "SignAgreement")
    ]
    assert before == network.recorder.max_notification_id()


def test_a_command_id_used_by_the_same_command_type_saying_otherwise_is_refused(
    store_url: str, open_network: OpenNetwork
) -> None:
    """A retry repeats the command exactly; other fields under the same id are refused."""
    network = prepared(open_network, store_url)
    network.execute(APPLY)
    before = network.recorder.max_notification_id()

    with pytest.raises(CommandIdReused):
        network.execute(attrs.evolve(APPLY, actor="someone else"))

    assert before == network.recorder.max_notification_id()
