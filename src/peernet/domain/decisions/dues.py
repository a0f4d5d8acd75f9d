"""Money owed to the network: a month's dues charged once to every membership active in
that month (a member who left during the month pays for it too), and payments."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from peernet.domain.charters import GroupFormat
from peernet.domain.common import Command, Event, carry, check_forward, months_after
from peernet.domain.companies import ChargeDues, DuesCharged, PaymentReceived, RecordPayment
from peernet.domain.decisions import Decider
from peernet.domain.errors import AmountNotPositive, InvalidValue
from peernet.domain.memberships import Membership
from peernet.domain.money import Money
from peernet.domain.situation import Ref, Situation


def _month(command: ChargeDues) -> tuple[date, date]:
    """The first day of the month charged, and of the month after."""
    start = command.month
    return start, months_after(datetime(start.year, start.month, 1), 1).date()


def _active_in(m: Membership, start: date, end: date) -> bool:
    """Whether the membership was active at some time in [start, end)."""
    if m.joined_at is None or m.joined_at.date() >= end:
        return False
    return m.left_at is None or m.left_at.date() >= start


def _charge_needs(command: ChargeDues, situation: Situation) -> Iterator[Ref]:
    """The group, and the company of every membership active in the month: a member who
    left during the month pays for it too."""
    yield Ref.group(command.group_id)
    yield Ref.network()
    group = situation.groups.get(command.group_id)
    start, end = _month(command)
    for m in group.memberships.values() if group else ():
        if _active_in(m, start, end):
            yield Ref.company(m.company_id)


def _charge(situation: Situation, command: ChargeDues) -> list[Event]:
    group = situation.group(command.group_id)
    start, end = _month(command)
    if command.at.date() < start:
        raise InvalidValue(
            f"dues for {start:%B %Y} cannot be charged before the month begins",
            group_id=group.id,
        )
    charter = group.charter_at(datetime(start.year, start.month, 1, tzinfo=UTC)).charter
    rate = Money(charter.dues_for(group.format), charter.currency)
    network = situation.network()
    if network is not None and network.dues:
        # the network sets every group's dues from a month on, and charges none before
        dues = network.dues_for(start)
        if dues is None:
            return []
        amount = dues.in_person if group.format is GroupFormat.IN_PERSON else dues.virtual
        rate = Money(amount, dues.currency)
    charges: list[Event] = []
    for m in sorted(group.memberships.values(), key=lambda m: str(m.id)):
        if not _active_in(m, start, end):
            continue
        company = situation.find(situation.companies, m.company_id, "company")
        assert company is not None
        if company.charged(m.id, start) or not rate.positive:
            continue
        check_forward(company, command.at)
        charges.append(DuesCharged(month=start, amount=rate, at=command.at, **m.ids))
    return charges


def _payment_needs(command: RecordPayment, situation: Situation) -> Iterator[Ref]:
    yield Ref.company(command.company_id)


def _payment(situation: Situation, command: RecordPayment) -> list[Event]:
    """A payment is taken from any company the network knows, even one that left it."""
    company = situation.find(situation.companies, command.company_id, "company")
    if company is None:
        situation.company(command.company_id)  # raises UnknownCompany
    assert company is not None
    check_forward(company, command.at)
    if not command.amount.positive:
        raise AmountNotPositive(what="a payment", amount=command.amount, company_id=company.id)
    return [carry(PaymentReceived, command)]


DECIDERS: dict[type[Command], Decider[Any]] = {
    ChargeDues: Decider(_charge_needs, _charge),
    RecordPayment: Decider(_payment_needs, _payment),
}
