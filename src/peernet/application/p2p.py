"""Queries on the figures of a network: every figure of a period (`figures`, the same
`network_report` as `peernet report` and the demo read), and those of the partner
economy: P2P revenue, share of income, referrals and the partner graph (for the network,
a group or a company), and management scorecards.

They are read from the read models kept in the network's own store
(`peernet.adapters.readmodels`: `DealEntries`, `ReferralEntries`, `MemberMarks`,
`GroupHistories`, `GoalEntries`, `MeetingRolls`), caught up before each query, and from
the companies' financials folded from their events (never kept in a read model: they are
confidential). Network figures are public and withheld below the network charter's
thresholds; a group's are for the group's own eyes; a company's and its scorecard for the
eyes of the groups it belongs or belonged to.
"""

from typing import Any
from uuid import UUID

import attrs

from peernet.adapters.readmodels import ReadModels
from peernet.application.reading import ANONYMOUS, Reading, uuid_of
from peernet.domain.access import Reader
from peernet.domain.companies import Company
from peernet.domain.errors import AccessDenied
from peernet.domain.financials import Financials, financials_id_of, normal_quarter
from peernet.domain.network_charter import NetworkCharter
from peernet.partnerviews import CompanyP2P, GroupP2P, NetworkP2P
from peernet.projections import (
    DealEntries,
    GoalEntries,
    GroupHistories,
    MeetingRolls,
    MemberMarks,
    NetworkReport,
    ReferralEntries,
    network_report,
)
from peernet.projections.figures import Period, Target
from peernet.projections.financials import FinancialBook, book_of
from peernet.projections.p2p import (
    PartnerGraph,
    cross_group_density,
    density,
    income_share,
    members_by_group,
    network_conversion,
    network_density,
    network_income_share,
    network_revenue,
    p2p_revenue,
    partner_graph,
    referral_count,
)
from peernet.projections.scorecards import Scorecard, Scorecards, quarter_period

#: the read models these figures are read from
_READ = (DealEntries, ReferralEntries, MemberMarks, GroupHistories, GoalEntries, MeetingRolls)


class P2PFigures(Reading):
    _read_models: ReadModels | None = None
    #: the views last read, and the log position they are current to
    _views_read: tuple[int, dict[str, dict[str, Any]]] | None = None

    def _views(self) -> dict[str, dict[str, Any]]:
        """Every view of the read models the figures need, caught up with the log (read
        again only when the log moved since they were last read)."""
        head = self._store.top()
        if self._views_read is not None and self._views_read[0] == head:
            return self._views_read[1]
        if self._read_models is None:
            self._read_models = ReadModels(self._store)
        models = self._read_models
        names = [p.name for p in _READ]
        if models.persist:  # on a store opened to read, `views` folds them in memory
            models.catch_up(names)
        views = {name: models.views(name) for name in names}
        self._views_read = (head, views)
        return views

    def _network_rules(self, period: Period) -> NetworkCharter:
        """The network charter in force at the end of the period."""
        return self._network_charter(period.ends)

    def _all_books(self) -> dict[str, FinancialBook]:
        found = (
            self._get(Financials, financials_id_of(c)) for c in self._replica.directory.companies
        )
        return {str(f.company_id): book_of(f) for f in found if f is not None}

    def _check_company(self, reader: Reader | None, company: Company, what: str) -> None:
        """AccessDenied unless `reader` sees inside a group the company applied to."""
        groups = [a.group_id for a in company.applications]
        if groups and not any(self._sees(reader, g) for g in groups):
            who = reader or ANONYMOUS
            raise AccessDenied(role=who.role, reader=who.name, what=what, group_id=groups[-1])

    def figures(
        self, period: Period, *, target: Target | None = None, reader: Reader | None = None
    ) -> NetworkReport:
        """Every figure of the period, for the network and each group open in it, as
        `peernet report` shows them: turnover, retention, fill and wait-list, growth
        against `target`, goal completion and attendance. A group's goals and attendance
        are the group's own: left out (None) for a `reader` who does not see inside it;
        the rest, counts of who is where and network-wide totals, for every reader."""
        with self._current():
            views = self._views()
            found = network_report(
                views[GroupHistories.name],
                views[GoalEntries.name].values(),
                views[MeetingRolls.name].values(),
                period,
                target,
            )
            groups = tuple(
                g
                if self._sees(reader, UUID(g.history.group_id))
                else attrs.evolve(g, goals=None, attendance=None)
                for g in found.groups
            )
            return attrs.evolve(found, groups=groups)

    def p2p_figures(self, period: Period) -> NetworkP2P:
        """The network's P2P figures over `period`: deals closed and their revenue, the
        mean P2P share of income beside the benchmark, referrals and their conversion,
        and how knit the partner graph is, overall and across groups; each withheld
        below the network charter's thresholds. Anyone may read them."""
        with self._current():
            views = self._views()
            rules = self._network_rules(period)
            least, most = rules.min_companies, rules.max_share
            deals = views[DealEntries.name].values()
            revenue = p2p_revenue(deals, period)
            books = self._all_books()
            shares = [
                income_share(
                    p2p_revenue(deals, period, c, company_id=c), books.get(c), rules.p2p_benchmark
                )
                for c in sorted({line.company_id for line in revenue.lines})
            ]
            referrals = referral_count(views[ReferralEntries.name].values(), period)
            graph = partner_graph(deals, period)
            groups = members_by_group(views[GroupHistories.name].values(), period)
            everyone = frozenset().union(*groups.values()) if groups else frozenset()
            overall = density(graph, everyone, "network")
            return NetworkP2P(
                period=period,
                deals=revenue.deals,
                revenue=network_revenue(revenue, least, most),
                income_share=network_income_share(shares, least, most, rules.p2p_benchmark),
                benchmark=rules.p2p_benchmark,
                referrals=len(referrals.given),
                conversion=network_conversion(referrals, least, most),
                density=network_density(graph, overall, least, most),
                cross_group_density=network_density(
                    graph, cross_group_density(graph, groups), least, most
                ),
            )

    def group_p2p(
        self, group_id: UUID, period: Period, *, reader: Reader | None = None
    ) -> GroupP2P:
        """A group's P2P figures over `period`: its members' shares of deals closed,
        referrals given and received through it, and how knit its members are; for the
        group's active members, its facilitator and auditors."""
        with self._current():
            self._check_inside(reader, uuid_of("group_id", group_id), "the P2P figures")
            views = self._views()
            key = str(group_id)
            deals = views[DealEntries.name].values()
            graph = partner_graph(deals, period, key)
            members = members_by_group(views[GroupHistories.name].values(), period).get(
                key, frozenset()
            )
            return GroupP2P(
                group_id=group_id,
                period=period,
                revenue=p2p_revenue(deals, period, key, group_id=key),
                referrals=referral_count(
                    views[ReferralEntries.name].values(), period, key, group_id=key
                ),
                density=density(graph, members, key),
                graph=graph,
            )

    def company_p2p(
        self, company_id: UUID, period: Period, *, reader: Reader | None = None
    ) -> CompanyP2P:
        """A company's P2P figures over `period`: its shares of deals closed, its P2P
        share of income beside the benchmark, its referrals and its partner graph (who
        it worked with, how often, for how much); for the eyes of its groups."""
        with self._current():
            company = self._known_company(company_id)
            self._check_company(reader, company, "the P2P figures")
            views = self._views()
            key = str(company.id)
            deals = views[DealEntries.name].values()
            revenue = p2p_revenue(deals, period, key, company_id=key)
            financials = self._get(Financials, financials_id_of(company.id))
            book = book_of(financials) if financials else None
            graph = partner_graph(deals, period, key)
            return CompanyP2P(
                company_id=company.id,
                period=period,
                revenue=revenue,
                income_share=income_share(revenue, book, self._network_rules(period).p2p_benchmark),
                referrals=referral_count(
                    views[ReferralEntries.name].values(), period, key, company_id=key
                ),
                graph=PartnerGraph(scope=key, period=period, edges=graph.edges_of(key)),
            )

    def scorecard(
        self, company_id: UUID, quarter: str, *, reader: Reader | None = None
    ) -> Scorecard:
        """A company's management scorecard for `quarter` ("2009Q3"): goals, attendance,
        prep, financial ratios beside its group's and the network's quartiles, P2P deals
        and referrals, flags, each marked green, amber or red by the network charter;
        confidential to its groups."""
        with self._current():
            company = self._known_company(company_id)
            self._check_company(reader, company, "the scorecard")
            quarter = normal_quarter(quarter)
            period = quarter_period(quarter)
            views = self._views()
            cards = Scorecards(
                quarter,
                histories=views[GroupHistories.name].values(),
                goals=views[GoalEntries.name].values(),
                rolls=views[MeetingRolls.name].values(),
                marks=views[MemberMarks.name],
                deals=views[DealEntries.name].values(),
                referrals=views[ReferralEntries.name].values(),
                books=self._all_books(),
                charter=self._network_rules(period),
            )
            return cards.of(str(company.id))
