"""Queries on open books: benchmarks (network figures withheld below their thresholds,
a group's quartiles only for readers inside it) and a company's financial review.

A company's figures are read in the group that keeps its members' books (its core group:
the charter's `opens_books`, by default yes for a core group and no for a companion or
special-interest group), by that group's active members, its facilitator and the
network's auditors; a group that keeps no books has no quartiles to read."""

from datetime import UTC, date, datetime, time
from fractions import Fraction
from uuid import UUID

from peernet.application.reading import ANONYMOUS, Reading, uuid_of
from peernet.domain.access import Reader, Role, sees_inside
from peernet.domain.companies import Company
from peernet.domain.errors import AccessDenied, GroupKeepsNoBooks, InvalidValue
from peernet.domain.financials import Financials, financials_id_of, normal_quarter
from peernet.domain.groups import Group
from peernet.projections.benchmarking import BenchmarkingView, ReferenceComparison, compare
from peernet.projections.financials import (
    Benchmarks,
    FinancialBook,
    FinancialReview,
    benchmarks,
    book_of,
    latest_shown,
    review,
)


class Books(Reading):
    def _books(self) -> dict[str, FinancialBook]:
        """Every company's financials, as the benchmarks read them."""
        found = (
            self._get(Financials, financials_id_of(c)) for c in self._replica.directory.companies
        )
        return {str(f.company_id): book_of(f) for f in found if f is not None}

    def benchmarks(
        self,
        quarter: str,
        *,
        group_id: UUID | None = None,
        reader: Reader | None = None,
        min_companies: int = 5,
        max_share: Fraction = Fraction(1, 4),
    ) -> Benchmarks:
        """Each metric's network median for `quarter`, withheld (with the reason) when
        fewer than `min_companies` contribute or one company holds more than `max_share`
        of the sum behind it; with `group_id`, also the group's median and every
        member's quartile, which only readers who see inside the group may read."""
        with self._current():
            if group_id is not None:
                group = self._check_inside(reader, uuid_of("group_id", group_id), "the benchmarks")
                if not group.charter.books_open(group.kind):
                    raise GroupKeepsNoBooks(group_id=group.id, kind=group.kind)
            return benchmarks(
                self._books().values(),
                quarter,
                None if group_id is None else str(group_id),
                min_companies=min_companies,
                max_share=max_share,
            )

    def benchmarking(self, *, on: date | None = None) -> BenchmarkingView:
        """Who opted into outside benchmarking on a day (today by default), against the
        network's active member companies; from the charter's mandatory date, who has not."""
        with self._current():
            day = on or self._now().date()
            moment = datetime.combine(day, time.max, UTC)
            rules = self._network_charter(moment)
            members: dict[UUID, None] = {}
            for group_id in self._replica.directory.groups:
                group = self._get(Group, group_id)
                for m in group.memberships.values() if group else ():
                    if (
                        m.joined_at
                        and m.joined_at <= moment
                        and (m.left_at is None or m.left_at > moment)
                    ):
                        members[m.company_id] = None
            opted = {
                c
                for c in members
                if (found := self._get(Company, c)) is not None
                and found.benchmarking is not None
                and found.benchmarking.at <= moment
            }
            mandatory = rules.benchmarking_mandatory_from
            missing = (
                []
                if mandatory is None or day < mandatory
                else [c for c in members if c not in opted]
            )
            return BenchmarkingView(
                on=day,
                provider=rules.benchmarking_provider,
                mandatory_from=mandatory,
                members=len(members),
                opted_in=len(opted),
                missing=tuple(sorted(missing, key=str)),
            )

    def reference_comparison(
        self,
        source: str,
        quarter: str,
        *,
        group_id: UUID | None = None,
        reader: Reader | None = None,
    ) -> ReferenceComparison:
        """An outside source's industry quartiles for `quarter` beside the network's
        medians and, with `group_id` (for readers inside the group), the group's."""
        imported = None
        with self._current():
            network = self._network()
            imported = (
                network.references.get((source, normal_quarter(quarter))) if network else None
            )
        if imported is None:
            raise InvalidValue(f"no reference figures of {source} for {quarter} were imported")
        ours = self.benchmarks(imported.quarter, group_id=group_id, reader=reader)
        return compare(imported, ours)

    def financial_review(
        self,
        company_id: UUID,
        *,
        reader: Reader | None = None,
        quarter: str | None = None,
        quarters: int = 8,
    ) -> FinancialReview:
        """A company's financial review: its `quarters` quarters up to `quarter` (its
        latest submitted by default), with metrics, quartiles in its group and trends.
        Figures show for the quarters submitted in a group the reader sees inside;
        a reader who sees inside none of the company's groups gets AccessDenied."""
        with self._current():
            company = self._known_company(company_id)
            books = self._books()
            book = books.get(str(company.id), FinancialBook(company_id=str(company.id)))
            groups = [a.group_id for a in company.applications]
            groups += [UUID(f.group_id) for f in book.quarters.values()]
            visible = [g for g in dict.fromkeys(groups) if self._reads_books(reader, g)]
            if groups and not visible:
                who = reader or ANONYMOUS
                raise AccessDenied(
                    role=who.role, reader=who.name, what="the financials", group_id=groups[-1]
                )
            shown = {str(g) for g in visible}
            last = quarter or latest_shown(book, shown, self._now().date())
            return review(books, str(company.id), last, quarters=quarters, visible=shown)

    def _reads_books(self, reader: Reader | None, group_id: UUID) -> bool:
        """Whether `reader` reads the figures filed in the group: inside a group that
        keeps its members' books, or an auditor (who reads every group's)."""
        group = self._get(Group, group_id)
        if group is None or not sees_inside(reader, group):
            return False
        return group.charter.books_open(group.kind) or (
            reader is not None and reader.role is Role.AUDITOR
        )
