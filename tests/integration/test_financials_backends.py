"""Financials give the same benchmarks, reviews and projected books on memory, SQLite and
PostgreSQL; a refused submission records nothing."""

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from uuid import UUID

import attrs
import pytest

from peernet import (
    AmendCharter,
    ApplyForMembership,
    Charter,
    CloseQuarter,
    FiguresInconsistent,
    FormGroup,
    MemberFlagged,
    Money,
    Network,
    RegisterCompany,
    SignAgreement,
    SubmitFinancials,
    TakeSeat,
)
from peernet.adapters.readmodels import ReadModels, fact_of
from peernet.domain.access import Reader
from peernet.domain.financials import Financials, financials_id_of
from peernet.projections import FinancialBooks, benchmarks, fold
from peernet.projections.financials import EBITDA, GROWTH, book_of
from peernet.testing import membership_of, nothing_recorded, registered, some_id

T0 = datetime(2008, 1, 2, tzinfo=UTC)
GROUPS = [some_id("fin group a"), some_id("fin group b")]
COMPANIES = {g: [some_id(f"{g} company {i}") for i in range(4 - n)] for n, g in enumerate(GROUPS)}


def usd(amount: int) -> Money:
    return Money(Decimal(amount), "USD")


def submit(group: UUID, company: UUID, quarter: str, ebitda: int, at: datetime) -> SubmitFinancials:
    return SubmitFinancials(
        membership_id=membership_of(group, company),
        quarter=quarter,
        revenue=usd(1_000_000),
        gross_profit=usd(400_000),
        ebitda=usd(ebitda),
        recurring_revenue=usd(250_000),
        service_wages=usd(200_000),
        head_count=12,
        actor="cfo",
        at=at,
    )


def story(net: Network) -> None:
    """Two groups of 4 and 3 members submit 2008Q4 and 2009Q4; one correction; group a
    makes financials mandatory and closes 2009Q4 with one member missing."""
    for n, group in enumerate(GROUPS):
        net.execute(FormGroup(group_id=group, name=f"Group {n}", actor="s", at=T0))
        for company in COMPANIES[group]:
            profile = registered(company).profile
            net.execute(RegisterCompany(company_id=company, profile=profile, actor="s", at=T0))
            member = membership_of(group, company)
            net.execute(
                ApplyForMembership(
                    membership_id=member, group_id=group, company_id=company, actor="s", at=T0
                )
            )
            net.execute(SignAgreement(membership_id=member, actor="s", at=T0))
            net.execute(TakeSeat(membership_id=member, actor="s", at=T0))
    net.execute(
        AmendCharter(
            group_id=GROUPS[0], charter=Charter(financials_mandatory=True), actor="s", at=T0
        )
    )
    for year, at in (("2008", datetime(2009, 1, 10, tzinfo=UTC)), ("2009", None)):
        for n, (group, companies) in enumerate(COMPANIES.items()):
            for i, company in enumerate(companies):
                if year == "2009" and (n, i) == (0, 3):
                    continue  # misses the mandatory quarter
                when = at or datetime(2010, 1, 10 + i, tzinfo=UTC)
                net.execute(submit(group, company, f"{year}Q4", 20_000 * (i + 1 + n), when))
    corrected = submit(
        GROUPS[1], COMPANIES[GROUPS[1]][0], "2009Q4", 90_000, datetime(2010, 1, 20, tzinfo=UTC)
    )
    net.execute(corrected)


@pytest.fixture
def network(store_url: str) -> Network:
    net = Network(store_url)
    story(net)
    return net


def test_benchmarks_are_the_same_on_every_backend(network: Network) -> None:
    """Seven companies: network medians shown; the correction replaced revision 1."""
    result = network.benchmarks("2009Q4")

    ebitda = result.metric(EBITDA)
    assert 6 == ebitda.network.contributors
    # 2%, 4%, 6% (group a, one missing), 9% (corrected), 6%, 8% (group b): median 6%
    assert Fraction(6, 100) == ebitda.network.value
    assert Fraction(0) == result.metric(GROWTH).network.value


def test_the_projected_books_equal_the_facades_and_give_the_same_benchmarks(
    network: Network,
) -> None:
    """Folding the log, the persisted read model and the facade agree."""
    folded = fold(FinancialBooks(), (fact_of(r) for r in network.recorded()))
    kept = ReadModels(network, [FinancialBooks()]).views(FinancialBooks.name)

    def plain(books: dict[str, object]) -> dict[str, object]:
        return {
            k: {q: attrs.evolve(f, position=0) for q, f in b.quarters.items()}  # type: ignore[attr-defined]
            for k, b in books.items()
        }

    facade = {
        str(c): book_of(f)
        for g in GROUPS
        for c in COMPANIES[g]
        if (f := network._get(Financials, financials_id_of(c))) is not None
    }
    assert plain(folded) == plain(kept) == plain(facade)  # type: ignore[arg-type]
    assert benchmarks(folded.values(), "2009Q4", str(GROUPS[0])) == network.benchmarks(
        "2009Q4", group_id=GROUPS[0], reader=Reader.auditor("Ann")
    )


def test_closing_the_mandatory_quarter_flags_the_member_who_missed_it(network: Network) -> None:
    """Group a's fourth member did not submit 2009Q4 and is flagged, once."""
    close = CloseQuarter(
        group_id=GROUPS[0], quarter="2009Q4", actor="f", at=datetime(2010, 2, 1, tzinfo=UTC)
    )

    flagged = [r.event for r in network.execute(close) if isinstance(r.event, MemberFlagged)]

    assert [membership_of(GROUPS[0], COMPANIES[GROUPS[0]][3])] == [f.membership_id for f in flagged]
    assert () == network.execute(close)


def test_a_refused_submission_records_nothing(network: Network) -> None:
    """EBITDA above gross profit is refused, and the log does not move."""
    at = datetime(2010, 3, 1, tzinfo=UTC)
    bad = submit(GROUPS[0], COMPANIES[GROUPS[0]][0], "2009Q4", 500_000, at)

    with nothing_recorded(network), pytest.raises(FiguresInconsistent):
        network.execute(bad)


def test_a_review_reads_the_same_on_every_backend(network: Network) -> None:
    """The review's last quarter is the corrected one, with the company's quartile."""
    company = COMPANIES[GROUPS[1]][0]
    member = Reader.member(membership_of(GROUPS[1], COMPANIES[GROUPS[1]][1]))

    review = network.financial_review(company, reader=member)

    last = review.quarters[-1]
    assert ("2009Q4", 2) == (last.quarter, last.figures.revision)  # type: ignore[union-attr]
    assert 3 == last.quartiles[EBITDA]  # the best of three: two of three below it
    assert Fraction(9 - 4, 100) == review.trends[EBITDA]
