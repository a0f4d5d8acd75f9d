"""Text becomes ids and enums at the edge: `peernet.parse` for apps and the command
line; the domain refuses text where it declares an id or an enum."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from peernet import (
    ApplyForMembership,
    InvalidValue,
    Money,
    RecordPayment,
    RemovalCause,
    RemoveMember,
    parse,
)
from peernet.testing import some_id

ACME, GROUP = some_id("acme"), some_id("group")
AT = "2001-03-02T10:00:00+00:00"


def test_parse_turns_text_into_ids_enums_times_and_amounts() -> None:
    """A JSON body's values become the command's typed fields."""
    membership = some_id("membership")

    removal = parse(
        RemoveMember,
        {"membership_id": str(membership), "cause": "non-payment", "actor": "web", "at": AT},
    )
    payment = parse(
        RecordPayment,
        {
            "company_id": str(ACME),
            "amount": {"amount": "100.00", "currency": "USD"},
            "actor": "w",
            "at": AT,
        },
    )

    assert (membership, RemovalCause.NON_PAYMENT, datetime(2001, 3, 2, 10, tzinfo=UTC)) == (
        removal.membership_id,
        removal.cause,
        removal.at,
    )
    assert Money(Decimal("100.00"), "USD") == payment.amount


def test_parse_takes_values_already_of_their_type() -> None:
    """An app's UUIDs and datetimes pass through as they are, beside text."""
    at = datetime(2001, 3, 2, 10, tzinfo=UTC)

    command = parse(
        ApplyForMembership, {"company_id": ACME, "group_id": str(GROUP), "actor": "a", "at": at}
    )

    assert (ACME, GROUP, at) == (command.company_id, command.group_id, command.at)


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        ({"company_id": "not-an-id", "group_id": str(GROUP)}, "company_id", "must be a UUID"),
        ({"company_id": str(ACME)}, "group_id", "group_id is missing"),
        ({"company_id": str(ACME), "group_id": str(GROUP), "at": "tuesday"}, "at", "datetime"),
        ({"company_id": str(ACME), "group_id": str(GROUP), "actor": " "}, "actor", "not be empty"),
    ],
)
def test_parse_refuses_a_bad_value_in_one_line_naming_the_field(
    data: dict[str, str], field: str, says: str
) -> None:
    """Whatever is wrong, one InvalidValue naming the field, never a cattrs traceback."""
    with pytest.raises(InvalidValue) as refused:
        parse(ApplyForMembership, {"actor": "web", "at": AT, **data})

    assert (field, 1, True) == (
        refused.value.ids.get("field"),
        len(str(refused.value).splitlines()),
        says in str(refused.value),
    )


def test_parse_names_the_allowed_values_of_an_enum() -> None:
    """A cause the domain does not know lists the ones it does."""
    with pytest.raises(InvalidValue, match="'acquisition', 'non-payment', 'other'"):
        parse(RemoveMember, {"membership_id": str(ACME), "cause": "bored", "actor": "w", "at": AT})


def test_a_command_refuses_text_where_it_declares_an_id() -> None:
    """The domain parses nothing: text in an id field is an InvalidValue naming it."""
    with pytest.raises(InvalidValue, match="company_id must be a UUID") as refused:
        ApplyForMembership(
            company_id=str(ACME),  # type: ignore[arg-type]
            group_id=GROUP,
            actor="web",
            at=datetime(2001, 3, 2, tzinfo=UTC),
        )

    assert {"field": "company_id"} == refused.value.ids
