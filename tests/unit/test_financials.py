"""Financials: every rule of submitting and closing a quarter, on the pure core, and who
may read them, on a network in memory."""

from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

import attrs
import pytest

from peernet import Network
from peernet.domain.access import Reader
from peernet.domain.charters import Charter, GroupKind
from peernet.domain.errors import (
    AccessDenied,
    BooksNotOpenHere,
    FiguresInconsistent,
    GroupKeepsNoBooks,
    InvalidValue,
    MalformedQuarter,
    MixedCurrencies,
    NegativeHeadCount,
    NotAnActiveMember,
    QuarterNotOver,
)
from peernet.domain.financials import (
    CloseQuarter,
    FinancialsSubmitted,
    SubmitFinancials,
    confidential_fields,
    financials_id_of,
    quarter_after,
    quarter_end,
)
from peernet.domain.groups import AmendCharter, AssignFacilitator, FormGroup, QuarterClosed
from peernet.domain.memberships import MemberFlagged, Resign
from peernet.domain.money import Money
from peernet.projections.financials import (
    EBITDA,
    GROWTH,
    PER_HEAD,
    benchmarks,
    book_of,
    quartile,
)
from peernet.testing import (
    T0,
    founding,
    group_with,
    history,
    memberships_of,
    refused,
    resigned,
    some_id,
    some_ids,
    when,
)

GROUP = some_id("group")
COMPANIES = some_ids("company", 3)
MEMBERS = memberships_of(GROUP, COMPANIES)
AFTER_Q4 = datetime(2010, 1, 5, tzinfo=T0.tzinfo)


def usd(amount: str | int) -> Money:
    return Money(Decimal(amount), "USD")


def submit(member: UUID = MEMBERS[0], quarter: str = "2009Q4", **changes: Any) -> SubmitFinancials:
    fields: dict[str, Any] = {
        "membership_id": member,
        "quarter": quarter,
        "revenue": usd(1000),
        "gross_profit": usd(400),
        "ebitda": usd(100),
        "recurring_revenue": usd(300),
        "service_wages": usd(200),
        "head_count": 10,
        "actor": "cfo",
        "at": AFTER_Q4,
    }
    return SubmitFinancials(**(fields | changes))


def group(**rules: Any) -> Any:
    return history(*group_with(GROUP, *COMPANIES, **rules))


def test_an_active_member_submits_a_quarter_as_revision_one() -> None:
    """The first figures for a quarter are revision 1 in the company's financials stream."""
    (event,) = when(group(), submit())

    assert isinstance(event, FinancialsSubmitted)
    assert (1, financials_id_of(COMPANIES[0]), COMPANIES[0]) == (
        event.revision,
        event.financials_id,
        event.company_id,
    )
    assert ("financials_id", financials_id_of(COMPANIES[0])) == event.stream()


def test_a_correction_is_a_new_revision_never_an_edit() -> None:
    """Submitting the same quarter again records revision 2; revision 1 stays recorded."""
    situation = group()
    first = when(situation, submit())
    (second,) = when(history(*first, situation=situation), submit(revenue=usd(1100)))

    assert isinstance(second, FinancialsSubmitted)
    assert 2 == second.revision


def test_every_money_figure_and_the_head_count_are_confidential() -> None:
    """The storage layer encrypts exactly these fields, per company (company_id)."""
    assert (
        "revenue",
        "gross_profit",
        "ebitda",
        "recurring_revenue",
        "service_wages",
        "head_count",
    ) == confidential_fields(FinancialsSubmitted)
    assert "company_id" in attrs.fields_dict(FinancialsSubmitted)


def test_a_member_who_left_cannot_submit() -> None:
    """Only active members submit."""
    situation = history(resigned(GROUP, COMPANIES[0]), situation=group())

    assert isinstance(refused(situation, submit()), NotAnActiveMember)


def test_figures_for_a_quarter_not_yet_over_are_refused() -> None:
    """A quarter's figures come after its end."""
    error = refused(group(), submit(at=datetime(2009, 12, 31, tzinfo=T0.tzinfo)))

    assert isinstance(error, QuarterNotOver)


def test_figures_in_another_currency_than_the_groups_are_refused() -> None:
    """One currency per group: all amounts in the charter's currency."""
    error = refused(group(), submit(ebitda=Money(Decimal(100), "EUR")))

    assert isinstance(error, MixedCurrencies)


@pytest.mark.parametrize(
    "changes",
    [
        {"recurring_revenue": usd(2000)},
        {"gross_profit": usd(2000)},
        {"ebitda": usd(500)},
        {"revenue": usd(-1), "gross_profit": usd(-5), "recurring_revenue": usd(-5)},
    ],
)
def test_figures_that_do_not_hold_together_are_refused(changes: dict[str, Any]) -> None:
    """Recurring revenue and gross profit within revenue, EBITDA within gross profit."""
    assert isinstance(refused(group(), submit(**changes)), FiguresInconsistent)


def test_a_negative_head_count_is_refused() -> None:
    """Head count is zero or more."""
    with pytest.raises(NegativeHeadCount):
        submit(head_count=-1)


@pytest.mark.parametrize("quarter", ["2009Q5", "2009-4", "Q4 2009", ""])
def test_a_malformed_quarter_is_refused(quarter: str) -> None:
    """A quarter is YYYYQn."""
    with pytest.raises(MalformedQuarter):
        submit(quarter=quarter)


def test_quarters_count_across_years() -> None:
    """2009Q4 + 1 = 2010Q1; it is over on 1 January 2010."""
    assert ("2010Q1", "2008Q4") == (quarter_after("2009Q4"), quarter_after("2009Q4", -4))
    assert "2010-01-01" == quarter_end("2009Q4").isoformat()


def test_closing_a_mandatory_quarter_flags_who_did_not_submit() -> None:
    """With financials mandatory, members without the quarter's figures are flagged."""
    situation = group(financials_mandatory=True)
    situation = history(*when(situation, submit()), situation=situation)

    events = when(situation, CloseQuarter(group_id=GROUP, quarter="2009Q4", actor="f", at=AFTER_Q4))

    flagged = [e.membership_id for e in events if isinstance(e, MemberFlagged)]
    assert sorted(MEMBERS[1:], key=str) == flagged
    assert isinstance(events[-1], QuarterClosed)


def test_closing_a_quarter_twice_records_nothing_the_second_time() -> None:
    """CloseQuarter is idempotent."""
    situation = group(financials_mandatory=True)
    close = CloseQuarter(group_id=GROUP, quarter="2009Q4", actor="f", at=AFTER_Q4)
    situation = history(*when(situation, close), situation=situation)

    assert [] == when(situation, close)


def test_closing_a_quarter_flags_nobody_when_financials_are_optional() -> None:
    """The default charter records who is missing but flags no one."""
    events = when(group(), CloseQuarter(group_id=GROUP, quarter="2009Q4", actor="f", at=AFTER_Q4))

    assert [QuarterClosed] == [type(e) for e in events]
    assert 3 == len(events[0].missing)  # type: ignore[attr-defined]


def test_a_quarter_closes_only_once_it_is_over() -> None:
    """Closing 2009Q4 in December is refused."""
    close = CloseQuarter(
        group_id=GROUP, quarter="2009Q4", actor="f", at=datetime(2009, 12, 1, tzinfo=T0.tzinfo)
    )

    assert isinstance(refused(group(), close), QuarterNotOver)


def test_a_charter_field_makes_financials_mandatory_and_is_off_by_default() -> None:
    """financials_mandatory defaults to False."""
    assert Charter().financials_mandatory is False


# --- benchmarks -----------------------------------------------------------------------


def test_quartile_puts_the_best_in_four_and_the_worst_in_one() -> None:
    """Four distinct values fill the four quartiles in order."""
    values = [Fraction(v) for v in (1, 2, 3, 4)]

    assert [1, 2, 3, 4] == [quartile(v, values) for v in values]


# --- on a network ----------------------------------------------------------------------


@pytest.fixture
def network() -> Network:
    net = Network("memory://")
    other = some_id("other group")
    net.execute(FormGroup(group_id=other, name="Other", actor="staff", at=T0))
    return net


def _seed(net: Network, at: datetime = T0) -> None:
    """The group of the three companies, facilitated by Fay."""
    assign = AssignFacilitator(group_id=GROUP, facilitator="Fay", actor="staff", at=at)
    for command in [*founding(GROUP, *COMPANIES, at=at), assign]:
        net.execute(command)


def readers() -> dict[str, tuple[Reader | None, bool]]:
    """Each kind of reader, and whether it may read the group's financials."""
    return {
        "active member": (Reader.member(MEMBERS[1]), True),
        "facilitator": (Reader.facilitator("Fay"), True),
        "another facilitator": (Reader.facilitator("Gus"), False),
        "auditor": (Reader.auditor("Ann"), True),
        "staff": (Reader.staff("Sam"), False),
        "member of another group": (Reader.member(some_id("stranger")), False),
        "nobody": (None, False),
    }


@pytest.mark.parametrize("who", sorted(readers()))
def test_who_may_read_a_companys_financial_review(network: Network, who: str) -> None:
    """Active members, the facilitator and auditors read; everyone else is denied."""
    _seed(network)
    network.execute(submit())
    reader, allowed = readers()[who]

    if reader is None:
        return  # a review always names its reader; see the benchmarks test for None
    if allowed:
        review = network.financial_review(COMPANIES[0], reader=reader)
        assert usd(1000).amount == review.quarters[-1].figures.revenue  # type: ignore[union-attr]
    else:
        with pytest.raises(AccessDenied):
            network.financial_review(COMPANIES[0], reader=reader)


@pytest.mark.parametrize("who", sorted(readers()))
def test_who_may_read_a_groups_benchmarks(network: Network, who: str) -> None:
    """A group's quartiles are for those who see inside it; network medians for all."""
    _seed(network)
    network.execute(submit())
    reader, allowed = readers()[who]

    network_only = network.benchmarks("2009Q4", reader=reader)
    assert network_only.metric(EBITDA).quartiles == {}
    if allowed:
        inside = network.benchmarks("2009Q4", group_id=GROUP, reader=reader)
        assert {str(COMPANIES[0]): 1} == dict(inside.metric(EBITDA).quartiles)
    else:
        with pytest.raises(AccessDenied):
            network.benchmarks("2009Q4", group_id=GROUP, reader=reader)


def test_a_member_who_left_keeps_no_access(network: Network) -> None:
    """After resigning, a former member reads none of the group's financials."""
    _seed(network)
    network.execute(submit())
    network.execute(Resign(membership_id=MEMBERS[1], reason="", actor="s", at=AFTER_Q4))

    with pytest.raises(AccessDenied):
        network.financial_review(COMPANIES[0], reader=Reader.member(MEMBERS[1]))


def test_a_review_shows_eight_quarters_with_trends(network: Network) -> None:
    """Eight quarters ending with the latest, oldest first; the trend is last minus first."""
    _seed(network, at=datetime(2007, 1, 1, tzinfo=T0.tzinfo))
    quarter = "2008Q1"
    for step in range(8):
        at = datetime.combine(quarter_end(quarter), datetime.min.time(), T0.tzinfo)
        network.execute(submit(quarter=quarter, ebitda=usd(100 + 10 * step), at=at))
        quarter = quarter_after(quarter)

    review = network.financial_review(COMPANIES[0], reader=Reader.auditor("Ann"))

    assert ["2008Q1", "2009Q4"] == [review.quarters[0].quarter, review.quarters[-1].quarter]
    assert Fraction(70, 1000) == review.trends[EBITDA]
    assert review.quarters[-1].metrics[GROWTH] == Fraction(0)


def test_mandatory_financials_flag_on_the_network(network: Network) -> None:
    """Amend the charter, close the quarter: the two who did not submit are flagged."""
    _seed(network)
    network.execute(
        AmendCharter(group_id=GROUP, charter=Charter(financials_mandatory=True), actor="s", at=T0)
    )
    network.execute(submit())
    close = CloseQuarter(group_id=GROUP, quarter="2009Q4", actor="f", at=AFTER_Q4)

    first = network.execute(close)
    again = network.execute(close)

    assert 2 == sum(isinstance(r.event, MemberFlagged) for r in first)
    assert () == again


def test_revenue_per_head_is_undefined_with_nobody_on_staff() -> None:
    """A head count of 0 contributes nothing to revenue per head."""
    situation = group()
    events = when(situation, submit(head_count=0))
    books = [
        book_of(history(*events, situation=situation).financials[financials_id_of(COMPANIES[0])])
    ]
    result = benchmarks(books, "2009Q4", str(GROUP), min_companies=1)

    assert {} == dict(result.metric(PER_HEAD).quartiles)


def test_invalid_value_is_the_family_of_input_refusals() -> None:
    """Malformed quarters and negative head counts are bad input (exit code 2)."""
    assert issubclass(MalformedQuarter, InvalidValue)
    assert issubclass(NegativeHeadCount, InvalidValue)


# --- figures are filed with the core group -----------------------------------------------


def test_figures_through_a_companion_groups_membership_are_refused() -> None:
    """A companion group keeps no member's books: BooksNotOpenHere, naming the rule."""
    situation = group(kind=GroupKind.COMPANION)

    refusal = refused(situation, submit())

    assert isinstance(refusal, BooksNotOpenHere)
    assert "figures_filed_with_the_core_group" == refusal.rule


def test_a_companion_group_whose_charter_opens_its_books_takes_figures() -> None:
    """The charter's `opens_books` overrides what the group's kind decides."""
    (event,) = when(group(kind=GroupKind.COMPANION, opens_books=True), submit())

    assert isinstance(event, FinancialsSubmitted)


def test_a_core_group_whose_charter_closes_its_books_refuses_figures() -> None:
    """`opens_books=False` closes even a core group's books."""
    assert isinstance(refused(group(opens_books=False), submit()), BooksNotOpenHere)


@pytest.mark.parametrize(
    ("kind", "opens_books", "expected"),
    [
        (GroupKind.CORE, None, True),
        (GroupKind.COMPANION, None, False),
        (GroupKind.SPECIAL_INTEREST, None, False),
        (GroupKind.COMPANION, True, True),
        (GroupKind.CORE, False, False),
    ],
)
def test_the_books_are_open_by_kind_unless_the_charter_says(
    kind: GroupKind, opens_books: bool | None, expected: bool
) -> None:
    """Default: a core group opens its members' books, the others do not."""
    assert expected == Charter(opens_books=opens_books).books_open(kind)


def test_a_companion_groups_quartiles_are_refused_even_to_an_auditor(network: Network) -> None:
    """A group that keeps no books has none to show: GroupKeepsNoBooks."""
    companion = some_id("companion")
    network.execute(
        FormGroup(group_id=companion, name="Marketing", kind=GroupKind.COMPANION, actor="s", at=T0)
    )

    with pytest.raises(GroupKeepsNoBooks):
        network.benchmarks("2009Q4", group_id=companion, reader=Reader.auditor("Ann"))
