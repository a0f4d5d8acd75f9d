"""Laws of meeting costs and dues, over random amounts, groups, rolls and orders."""

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import given, settings, strategies as st

from peernet.domain.companies import ChargeDues, DuesCharged
from peernet.domain.meetings import (
    Attendance,
    CloseMeeting,
    CostsShared,
    ExpenseKind,
    RecordExpense,
    RecordSponsorship,
    ScheduleMeeting,
    TakeRoll,
)
from peernet.domain.money import CENT, Money, split
from peernet.testing import (
    T0,
    after,
    group_with,
    history,
    membership_of,
    some_id,
    some_ids,
    when,
)

GROUP = some_id("group")
MEETING = some_id("meeting")
COMPANIES = some_ids("company", 12)
CLOSE_AT = datetime(2001, 3, 7, tzinfo=T0.tzinfo)

cents = st.integers(1, 10_000_000).map(lambda c: Money(Decimal(c) * CENT, "USD"))


@given(amount=cents, weights=st.lists(st.integers(1, 50), min_size=1, max_size=30))
def test_a_split_adds_up_and_each_part_is_within_a_cent_of_its_exact_share(
    amount: Money, weights: list[int]
) -> None:
    parts = split(amount, list(enumerate(weights)))

    assert amount.amount == sum(p.amount for _, p in parts)
    whole = sum(weights)
    for (i, part), w in zip(parts, weights, strict=True):
        exact = Fraction(amount.amount) * w / whole
        assert abs(Fraction(part.amount) - exact) < Fraction(1, 100), (i, part)


def closed_costs(
    members: int, spent: Money, sponsored: Money | None, marks: dict[int, Attendance]
) -> CostsShared:
    situation = history(*group_with(GROUP, *COMPANIES[:members]))
    commands: list[Any] = [
        ScheduleMeeting(
            group_id=GROUP,
            starts=date(2001, 3, 5),
            ends=date(2001, 3, 6),
            venue="Austin",
            meeting_id=MEETING,
            actor="f",
            at=T0,
        ),
        RecordExpense(meeting_id=MEETING, kind=ExpenseKind.FOOD, amount=spent, actor="f", at=T0),
    ]
    if sponsored is not None:
        commands.append(
            RecordSponsorship(
                meeting_id=MEETING, sponsor="Vendor", amount=sponsored, actor="v", at=T0
            )
        )
    roll = {membership_of(GROUP, COMPANIES[i]): a for i, a in marks.items() if i < members}
    if roll:
        commands.append(TakeRoll(meeting_id=MEETING, attendance=roll, actor="f", at=CLOSE_AT))
    commands.append(CloseMeeting(meeting_id=MEETING, actor="f", at=CLOSE_AT))
    situation = after(situation, *commands[:-1])
    [costs] = [e for e in when(situation, commands[-1]) if isinstance(e, CostsShared)]
    return costs


marks = st.dictionaries(st.integers(0, 11), st.sampled_from(Attendance), max_size=12)


@settings(max_examples=60)
@given(
    members=st.integers(1, 12),
    spent=cents,
    sponsored=st.none() | cents,
    first=marks,
    second=marks,
)
def test_shares_add_up_to_the_net_cost_and_absentees_pay_as_attendees_do(
    members: int,
    spent: Money,
    sponsored: Money | None,
    first: dict[int, Attendance],
    second: dict[int, Attendance],
) -> None:
    """Whoever came, the shares are the same: they add up to the net cost exactly, and
    no two differ by more than a cent."""
    costs = closed_costs(members, spent, sponsored, first)
    other_roll = closed_costs(members, spent, sponsored, second)

    assert costs.net.amount == sum(s.amount.amount for s in costs.shares)
    assert members == len(costs.shares)
    amounts = [s.amount.amount for s in costs.shares]
    assert max(amounts) - min(amounts) <= CENT
    assert costs.shares == other_roll.shares


months = st.sampled_from([date(2001, m, 1) for m in range(1, 13)])


@settings(max_examples=40)
@given(charges=st.lists(months, min_size=1, max_size=12), data=st.data())
def test_dues_for_a_month_are_the_same_whatever_the_order_or_repetition(
    charges: list[date], data: st.DataObject
) -> None:
    situation = history(*group_with(GROUP, *COMPANIES[:3]))
    late = datetime(2002, 1, 1, tzinfo=T0.tzinfo)
    repeated = data.draw(st.permutations(charges + data.draw(st.lists(st.sampled_from(charges)))))

    def charged(order: list[date]) -> set[tuple[Any, ...]]:
        state, found = situation, set()
        for month in order:
            events = when(state, ChargeDues(group_id=GROUP, month=month, actor="s", at=late))
            state = history(*events, situation=state)
            for e in events:
                assert isinstance(e, DuesCharged)
                key = (e.membership_id, e.month, e.amount)
                assert key not in found, f"{key} charged twice"
                found.add(key)
        return found

    assert charged(sorted(set(charges))) == charged(repeated)
