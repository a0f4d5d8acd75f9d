"""Money: an exact amount in one currency, and a split that never loses or invents a cent.

Amounts are `Decimal` with at most two decimal places (cents); adding or comparing two
currencies is refused (`MixedCurrencies`). `split` shares an amount by weights with the
largest-remainder method over whole cents, so the shares always add up to the amount.
"""

import re
from collections.abc import Hashable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from peernet.domain.errors import InvalidValue, MixedCurrencies

CENT = Decimal("0.01")
_CURRENCY = re.compile(r"^[A-Z]{3}$")

K = TypeVar("K", bound=Hashable)


def _amount(instance: object, attribute: "attrs.Attribute[Decimal]", value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidValue(f"an amount must be a finite Decimal, got {value!r}", field="amount")
    if value != value.quantize(CENT):
        raise InvalidValue(f"an amount has at most two decimal places, got {value}")


def _currency(instance: object, attribute: "attrs.Attribute[str]", value: str) -> None:
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise InvalidValue(f"a currency is a three-letter code such as USD, got {value!r}")


def _decimal(value: Any) -> Any:
    """Amounts may be given as text or whole numbers; floats are refused (inexact)."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        try:
            return Decimal(value)
        except ArithmeticError:
            raise InvalidValue(f"{value!r} is not an amount") from None
    return value


@attrs.frozen(order=False)
class Money:
    amount: Decimal = attrs.field(converter=_decimal, validator=_amount)
    currency: str = attrs.field(validator=_currency)

    @classmethod
    def zero(cls, currency: str) -> "Money":
        return cls(Decimal("0.00"), currency)

    def _same(self, other: "Money") -> None:
        if other.currency != self.currency:
            raise MixedCurrencies(expected=self.currency, got=other.currency)

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)

    @property
    def positive(self) -> bool:
        return self.amount > 0

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"


def total(amounts: Sequence[Money], currency: str) -> Money:
    """The sum of `amounts`, all in `currency` (zero when there are none)."""
    result = Money.zero(currency)
    for amount in amounts:
        result += amount
    return result


def split(amount: Money, weights: Sequence[tuple[K, int]]) -> list[tuple[K, Money]]:
    """`amount` shared in proportion to the weights, in whole cents, adding up exactly.

    Each key gets the floor of its exact share; the cents left over go one each to the
    keys with the largest remainders, earlier keys first on a tie. Equal weights give
    shares that differ by at most one cent, and who gets the odd cents depends only on
    the order of the keys.
    """
    whole = sum(w for _, w in weights)
    if not weights or whole <= 0 or any(w < 0 for _, w in weights):
        raise InvalidValue("a split needs positive weights")
    cents = int(amount.amount / CENT)
    floors = [(key, cents * w // whole, cents * w % whole) for key, w in weights]
    left = cents - sum(f for _, f, _ in floors)
    by_remainder = sorted(range(len(floors)), key=lambda i: -floors[i][2])
    extra = set(by_remainder[:left])
    return [
        (key, Money((f + (1 if i in extra else 0)) * CENT, amount.currency))
        for i, (key, f, _) in enumerate(floors)
    ]
