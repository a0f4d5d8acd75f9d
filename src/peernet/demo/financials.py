"""Financials, from 2008: in the second month of each quarter every company with an
active seat in a group that keeps its members' books (its core group: a companion group
never does) submits the figures of the quarter just ended, through that membership; its
figures drift from the last ones it sent."""

from decimal import Decimal
from uuid import UUID

from peernet import MembershipStatus, Money, SubmitFinancials
from peernet.demo.replica import quarter_after, quarter_of
from peernet.demo.scene import Scene
from peernet.demo.world import ACCOUNTABILITY_FROM, World

#: a company's books: quarterly revenue, gross margin, EBITDA margin, recurring share and
#: head count
_Books = tuple[Decimal, float, float, float, int]


class FinancialScenes(Scene):
    """The scene of quarterly figures submitted."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.rng = world.financials_rng
        #: each company's books as the story last left them
        self.books: dict[UUID, _Books] = {}

    def submit_financials(self) -> None:
        """Every company with an active core seat submits the quarter just ended."""
        quarter = quarter_after(quarter_of(self.world.month_start.date()), -1)
        if quarter < f"{ACCOUNTABILITY_FROM}Q1":
            return
        done: set[UUID] = set()
        for group, m in sorted(
            self.replica.memberships(MembershipStatus.ACTIVE), key=lambda gm: str(gm[1].id)
        ):
            if m.company_id in done or group.closed_at is not None:
                continue
            if not group.charter.books_open(group.kind):
                continue  # a companion group reads no member's figures
            done.add(m.company_id)
            revenue, gross, ebitda, recurring, heads = self._drift(m.company_id)
            currency = group.charter.currency

            def money(share: float, currency: str = currency, revenue: Decimal = revenue) -> Money:
                return Money(
                    (revenue * Decimal(str(round(share, 4)))).quantize(Decimal(1)), currency
                )

            self.world.do(
                SubmitFinancials,
                membership_id=m.id,
                quarter=quarter,
                revenue=Money(revenue, currency),
                gross_profit=money(gross),
                ebitda=money(ebitda),
                recurring_revenue=money(recurring),
                service_wages=money(0.25),
                head_count=heads,
                **self.replica.by(m.company_id, role="cfo"),
            )

    def _drift(self, company_id: UUID) -> _Books:
        """The company's books this quarter: the last ones, drifted (a first quarter's
        drawn afresh)."""
        rng = self.rng
        revenue, gross, ebitda, recurring, heads = self.books.get(company_id) or (
            Decimal(rng.randrange(250_000, 4_000_000, 1000)),
            rng.uniform(0.30, 0.55),
            rng.uniform(-0.02, 0.18),
            rng.uniform(0.15, 0.60),
            rng.randint(8, 60),
        )
        revenue = (revenue * Decimal(str(round(rng.uniform(0.94, 1.09), 3)))).quantize(Decimal(1))
        gross = min(0.7, max(0.2, gross + rng.uniform(-0.02, 0.02)))
        ebitda = min(gross - 0.05, max(-0.05, ebitda + rng.uniform(-0.02, 0.025)))
        recurring = min(0.9, max(0.05, recurring + rng.uniform(-0.01, 0.03)))
        heads = max(3, heads + rng.randint(-1, 2))
        books = (revenue, gross, ebitda, recurring, heads)
        self.books[company_id] = books
        return books
