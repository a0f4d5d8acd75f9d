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
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs

from peernet.domain.common import (
    Command,
    Event,
    InvalidValue,
    RuleViolation,
    check_forward,
)
from peernet.domain.groups import QuarterClosed
from peernet.domain.memberships import MemberFlagged, require_active
from peernet.domain.money import MixedCurrencies, Money

if TYPE_CHECKING:  # seats' Situation holds Financials: imported for annotations only
    from peernet.domain.seats import Situation

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_FINANCIALS = uuid5(NAMESPACE_URL, "https://peernet.invalid/financials")

#: marks a field the storage layer may encrypt per company
CONFIDENTIAL: Mapping[str, Any] = MappingProxyType({"confidential": True})


def confidential_fields(cls: type) -> tuple[str, ...]:
    """The names of the fields of an attrs class marked confidential."""
    return tuple(f.name for f in attrs.fields(cls) if f.metadata.get("confidential"))


# --- quarters --------------------------------------------------------------------------


class MalformedQuarter(InvalidValue):
    rule = "quarter_is_yyyyqn"

    def __init__(self, value: object) -> None:
        super().__init__(f"a quarter is written like 2009Q4, got {value!r}", field="quarter")


def parse_quarter(value: object) -> tuple[int, int]:
    """(year, quarter 1-4) of text like "2009Q4", or MalformedQuarter."""
    match = _QUARTER.match(value.strip().upper()) if isinstance(value, str) else None
    if match is None:
        raise MalformedQuarter(value)
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
        raise NegativeHeadCount(value)


@attrs.frozen(kw_only=True)
class SubmitFinancials(Command):
    """An active member's figures for a quarter that is over. Submitting the same quarter
    again records a correction that supersedes the earlier figures."""

    membership_id: UUID
    quarter: str = attrs.field(converter=normal_quarter)
    revenue: Money
    gross_profit: Money
    ebitda: Money
    recurring_revenue: Money
    service_wages: Money
    head_count: int = attrs.field(validator=_head_count)


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


class NegativeHeadCount(InvalidValue):
    rule = "head_count_not_negative"

    def __init__(self, head_count: int) -> None:
        super().__init__(f"head count cannot be negative, got {head_count}", field="head_count")


class QuarterNotOver(RuleViolation):
    rule = "quarter_over_first"

    def __init__(self, quarter: str, at: datetime) -> None:
        super().__init__(
            f"quarter {quarter} is not over on {at.date().isoformat()}; "
            f"its figures come from {quarter_end(quarter).isoformat()} on",
        )


class FiguresInconsistent(RuleViolation):
    rule = "consistent_figures"

    def __init__(self, why: str, **ids: object) -> None:
        super().__init__(f"the figures do not hold together: {why}", **ids)


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


INITIAL: Financials | None = None


def financials_id_of(company_id: UUID) -> UUID:
    """The id of the stream holding a company's financials."""
    return uuid5(_FINANCIALS, str(company_id))


def evolve(state: Financials | None, event: FinancialsSubmitted) -> Financials:
    if state is None:
        state = Financials(id=event.financials_id, company_id=event.company_id, last_at=event.at)
    latest = MappingProxyType({**state.latest, event.quarter: event})
    return attrs.evolve(state, latest=latest, last_at=event.at)


# --- decisions -------------------------------------------------------------------------


def _over(quarter: str, at: datetime) -> None:
    if at.date() < quarter_end(quarter):
        raise QuarterNotOver(quarter, at)


def _check_figures(command: SubmitFinancials, currency: str, **ids: object) -> None:
    amounts = {
        "revenue": command.revenue,
        "gross profit": command.gross_profit,
        "EBITDA": command.ebitda,
        "recurring revenue": command.recurring_revenue,
        "service wages": command.service_wages,
    }
    for amount in amounts.values():
        if amount.currency != currency:
            raise MixedCurrencies(currency, amount.currency, **ids)
    for what in ("revenue", "recurring revenue", "service wages"):
        if amounts[what].amount < 0:
            raise FiguresInconsistent(f"{what} is negative ({amounts[what]})", **ids)
    if command.recurring_revenue.amount > command.revenue.amount:
        raise FiguresInconsistent("recurring revenue exceeds revenue", **ids)
    if command.gross_profit.amount > command.revenue.amount:
        raise FiguresInconsistent("gross profit exceeds revenue", **ids)
    if command.ebitda.amount > command.gross_profit.amount:
        raise FiguresInconsistent("EBITDA exceeds gross profit", **ids)


def _submit(situation: "Situation", command: SubmitFinancials) -> list[Event]:
    group, m = situation.membership(command.membership_id)
    require_active(m)
    _over(command.quarter, command.at)
    charter = group.charter_at(command.at).charter
    ids = {"membership_id": m.id, "group_id": group.id, "company_id": m.company_id}
    _check_figures(command, charter.currency, **ids)
    financials_id = financials_id_of(m.company_id)
    books = situation.financials.get(financials_id)
    if books is not None:
        check_forward("financials", financials_id, command.at, books.last_at)
    return [
        FinancialsSubmitted(
            financials_id=financials_id,
            quarter=command.quarter,
            revision=(books.revision(command.quarter) if books else 0) + 1,
            revenue=command.revenue,
            gross_profit=command.gross_profit,
            ebitda=command.ebitda,
            recurring_revenue=command.recurring_revenue,
            service_wages=command.service_wages,
            head_count=command.head_count,
            at=command.at,
            **ids,
        )
    ]


def _close_quarter(situation: "Situation", command: CloseQuarter) -> list[Event]:
    group = situation.group(command.group_id)
    if command.quarter in group.closed_quarters:
        return []
    _over(command.quarter, command.at)
    check_forward("group", group.id, command.at, group.last_at)
    end = quarter_end(command.quarter)
    charter = group.charter_at(datetime(end.year, end.month, end.day, tzinfo=UTC)).charter
    missing = []
    for m in sorted(group.active, key=lambda m: str(m.id)):
        if m.joined_at is None or m.joined_at.date() >= end:
            continue  # joined after the quarter: nothing was expected of it
        books = situation.financials.get(financials_id_of(m.company_id))
        if books is None or command.quarter not in books.latest:
            missing.append(m)
    flags: list[Event] = []
    if charter.financials_mandatory:
        flags = [
            MemberFlagged(
                membership_id=m.id,
                group_id=group.id,
                company_id=m.company_id,
                reason=(
                    f"no financials submitted for {command.quarter} "
                    "(charter: quarterly financials are mandatory)"
                ),
                at=command.at,
            )
            for m in missing
        ]
    closed = QuarterClosed(
        group_id=group.id,
        quarter=command.quarter,
        missing=tuple(m.id for m in missing),
        at=command.at,
    )
    return [*flags, closed]


def decide(situation: "Situation", command: FinancialsCommand) -> list[Event]:
    match command:
        case SubmitFinancials():
            return _submit(situation, command)
        case CloseQuarter():
            return _close_quarter(situation, command)
    raise AssertionError(f"not a financials command: {command!r}")
