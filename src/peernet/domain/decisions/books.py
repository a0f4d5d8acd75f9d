"""Open books: an active member's figures for a quarter that is over, consistent with
each other and in its group's currency, each correction a new revision; and the close of
a quarter, which flags members who did not submit when the charter makes it mandatory."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from peernet.domain.common import Command, Event, carry, check_forward
from peernet.domain.decisions import Decider
from peernet.domain.errors import (
    BooksNotOpenHere,
    FiguresInconsistent,
    MixedCurrencies,
    QuarterNotOver,
)
from peernet.domain.financials import (
    CloseQuarter,
    FinancialsSubmitted,
    SubmitFinancials,
    financials_id_of,
    quarter_end,
)
from peernet.domain.groups import QuarterClosed
from peernet.domain.memberships import MemberFlagged, require_active
from peernet.domain.situation import Ref, Situation, membership_group


def _over(quarter: str, at: datetime) -> None:
    if at.date() < quarter_end(quarter):
        raise QuarterNotOver(quarter=quarter, on=at.date(), opens=quarter_end(quarter))


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
            raise MixedCurrencies(expected=currency, got=amount.currency, **ids)
    for what in ("revenue", "recurring revenue", "service wages"):
        if amounts[what].amount < 0:
            raise FiguresInconsistent(why=f"{what} is negative ({amounts[what]})", **ids)
    if command.recurring_revenue.amount > command.revenue.amount:
        raise FiguresInconsistent(why="recurring revenue exceeds revenue", **ids)
    if command.gross_profit.amount > command.revenue.amount:
        raise FiguresInconsistent(why="gross profit exceeds revenue", **ids)
    if command.ebitda.amount > command.gross_profit.amount:
        raise FiguresInconsistent(why="EBITDA exceeds gross profit", **ids)


def _submit_needs(command: SubmitFinancials, situation: Situation) -> Iterator[Ref]:
    yield from membership_group(situation, command.membership_id)
    if (group_id := situation.links.group_of(command.membership_id)) is not None:
        group = situation.groups.get(group_id)
        if group is not None and (m := group.memberships.get(command.membership_id)):
            yield Ref.financials(m.company_id)


def _submit(situation: Situation, command: SubmitFinancials) -> list[Event]:
    group, m = situation.membership(command.membership_id)
    require_active(m)
    _over(command.quarter, command.at)
    charter = group.charter_at(command.at).charter
    if not charter.books_open(group.kind):
        raise BooksNotOpenHere(membership_id=m.id, group_id=group.id, kind=group.kind)
    _check_figures(command, charter.currency, **m.ids)
    books = situation.books(m.company_id)
    if books is not None:
        check_forward(books, command.at)
    revision = (books.revision(command.quarter) if books else 0) + 1
    financials_id = financials_id_of(m.company_id)
    return [
        carry(FinancialsSubmitted, command, financials_id=financials_id, revision=revision, **m.ids)
    ]


def _close_needs(command: CloseQuarter, situation: Situation) -> Iterator[Ref]:
    """The group and the books of each of its active members."""
    yield Ref.group(command.group_id)
    group = situation.groups.get(command.group_id)
    for m in group.active if group else ():
        yield Ref.financials(m.company_id)


def _close(situation: Situation, command: CloseQuarter) -> list[Event]:
    group = situation.group(command.group_id)
    if command.quarter in group.closed_quarters:
        return []
    _over(command.quarter, command.at)
    check_forward(group, command.at)
    end = quarter_end(command.quarter)
    charter = group.charter_at(datetime(end.year, end.month, end.day, tzinfo=UTC)).charter
    missing = []
    for m in sorted(group.active, key=lambda m: str(m.id)):
        if m.joined_at is None or m.joined_at.date() >= end:
            continue  # joined after the quarter: nothing was expected of it
        books = situation.books(m.company_id)
        if books is None or command.quarter not in books.latest:
            missing.append(m)
    flags: list[Event] = []
    if charter.financials_mandatory:
        reason = (
            f"no financials submitted for {command.quarter} "
            "(charter: quarterly financials are mandatory)"
        )
        flags = [MemberFlagged(reason=reason, at=command.at, **m.ids) for m in missing]
    return [*flags, carry(QuarterClosed, command, missing=tuple(m.id for m in missing))]


DECIDERS: dict[type[Command], Decider[Any]] = {
    SubmitFinancials: Decider(_submit_needs, _submit),
    CloseQuarter: Decider(_close_needs, _close),
}
