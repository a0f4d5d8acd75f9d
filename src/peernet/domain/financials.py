"""Financials: a member's quarterly figures, opened to its group, never edited.

An active member submits a quarter's figures (`SubmitFinancials`); a correction is a new
`FinancialsSubmitted` for the same quarter with the next `revision`, which supersedes the
earlier one (both stay in the record). A charter may make quarterly submission mandatory
(`financials_mandatory`): `CloseQuarter` then flags every active member that did not
submit the quarter, once.

Stream: one per company (`financials_id`, derived from the company id by
`financials_id_of`), not the company stream. The company stream is read by almost every
seat decision (every member's company, for a group command), so years of figures stay
out of it; the confidential figures sit in one stream of their own per company, which is
what the access check reads and what a company's forgetting touches; and a submission
never races with a dues charge on the company stream.

Every confidential field is marked ``metadata={"confidential": True}`` and every event
holding one carries `company_id`, so the storage layer can encrypt them per company.
Pure: the standard library, attrs and sibling domain modules.
"""

import re
from collections.abc import Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs

from peernet.domain.common import Command, Event
from peernet.domain.errors import InvalidValue, MalformedQuarter, NegativeHeadCount
from peernet.domain.money import Money

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_FINANCIALS = uuid5(NAMESPACE_URL, "https://peernet.invalid/financials")

#: marks a field the storage layer may encrypt per company
CONFIDENTIAL: Mapping[str, Any] = MappingProxyType({"confidential": True})


def confidential_fields(cls: type) -> tuple[str, ...]:
    """The names of the fields of an attrs class marked confidential."""
    return tuple(f.name for f in attrs.fields(cls) if f.metadata.get("confidential"))


# --- quarters --------------------------------------------------------------------------


def parse_quarter(value: object) -> tuple[int, int]:
    """(year, quarter 1-4) of text like "2009Q4", or MalformedQuarter."""
    match = _QUARTER.match(value.strip().upper()) if isinstance(value, str) else None
    if match is None:
        raise MalformedQuarter(value=value, field="quarter")
    return int(match.group(1)), int(match.group(2))


def normal_quarter(value: object) -> str:
    """attrs converter: a quarter as "YYYYQn"."""
    year, q = parse_quarter(value)
    return f"{year}Q{q}"


def quarter_start(quarter: str) -> date:
    year, q = parse_quarter(quarter)
    return date(year, 3 * q - 2, 1)


def quarter_after(quarter: str, quarters: int = 1) -> str:
    """The quarter `quarters` later (earlier when negative)."""
    year, q = parse_quarter(quarter)
    index = year * 4 + (q - 1) + quarters
    return f"{index // 4}Q{index % 4 + 1}"


def quarter_end(quarter: str) -> date:
    """The first day after the quarter (it is over from then on)."""
    return quarter_start(quarter_after(quarter))


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


# --- commands --------------------------------------------------------------------------


def _head_count(instance: object, attribute: "attrs.Attribute[int]", value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"head count must be a whole number, got {value!r}", field="head_count")
    if value < 0:
        raise NegativeHeadCount(head_count=value, field="head_count")


@attrs.frozen(kw_only=True)
class SubmitFinancials(Command):
    """An active member's figures for a quarter that is over. Submitting the same quarter
    again records a correction that supersedes the earlier figures."""

    membership_id: UUID
    quarter: str = attrs.field(converter=normal_quarter)
    revenue: Money = attrs.field(metadata=CONFIDENTIAL)
    gross_profit: Money = attrs.field(metadata=CONFIDENTIAL)
    ebitda: Money = attrs.field(metadata=CONFIDENTIAL)
    recurring_revenue: Money = attrs.field(metadata=CONFIDENTIAL)
    service_wages: Money = attrs.field(metadata=CONFIDENTIAL)
    head_count: int = attrs.field(validator=_head_count, metadata=CONFIDENTIAL)


@attrs.frozen(kw_only=True)
class CloseQuarter(Command):
    """Close a quarter's financials for a group: when its charter (in force at the
    quarter's end) makes them mandatory, flag every active member that did not submit.
    Closing the same quarter again records nothing."""

    group_id: UUID
    quarter: str = attrs.field(converter=normal_quarter)


FinancialsCommand = SubmitFinancials | CloseQuarter


# --- events ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class FinancialsSubmitted(Event):
    """A company's figures for a quarter, as submitted by its member of `group_id`;
    `revision` 1 is the first, each correction the next and supersedes the ones before."""

    home = "financials_id"
    financials_id: UUID
    company_id: UUID
    group_id: UUID
    membership_id: UUID
    quarter: str
    revision: int
    revenue: Money = attrs.field(metadata=CONFIDENTIAL)
    gross_profit: Money = attrs.field(metadata=CONFIDENTIAL)
    ebitda: Money = attrs.field(metadata=CONFIDENTIAL)
    recurring_revenue: Money = attrs.field(metadata=CONFIDENTIAL)
    service_wages: Money = attrs.field(metadata=CONFIDENTIAL)
    head_count: int = attrs.field(metadata=CONFIDENTIAL)


# --- errors ----------------------------------------------------------------------------


# --- state -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Financials:
    """One company's submissions: the latest revision of each quarter it submitted."""

    id: UUID
    company_id: UUID
    last_at: datetime
    latest: Mapping[str, FinancialsSubmitted] = MappingProxyType({})

    def revision(self, quarter: str) -> int:
        found = self.latest.get(quarter)
        return found.revision if found else 0


def financials_id_of(company_id: UUID) -> UUID:
    """The id of the stream holding a company's financials."""
    return uuid5(_FINANCIALS, str(company_id))


def evolve(state: Financials | None, event: FinancialsSubmitted) -> Financials:
    if state is None:
        state = Financials(id=event.financials_id, company_id=event.company_id, last_at=event.at)
    latest = MappingProxyType({**state.latest, event.quarter: event})
    return attrs.evolve(state, latest=latest, last_at=event.at)
