"""The partner economy, from 2006: members bring each other into customer projects
across groups and refer opportunities outside their own lines; in 2009 the network runs
its first best-practices competition, and the winners present at the May summit.

A handful of hub members (the most active, replaced when one leaves) propose a deal most
months, each sized so that their P2P revenue comes near the seed's 47 percent of the
revenue their financials state; other members propose smaller deals now and then. Each
deal invites one or two members of other groups who sell a line the proposer does not
and compete with nobody on the deal; they answer within the month; the deal is won or
lost the next month and a won deal is closed the month after, the proposer weighted
two to each partner's one. A few referrals a month go to members of other groups; most
are accepted, many become deals, the rest lapse after the network charter's 90 days.

The scene draws from a generator of its own, so the rest of the story's draws are the
ones the seed has always made.
"""

import random
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from peernet import (
    AcceptInvitation,
    AcceptReferral,
    CastJuryBallot,
    CloseDeal,
    DeclineInvitation,
    DeclineReferral,
    EnterCompetition,
    InviteToDeal,
    JudgeCompetition,
    LapseReferral,
    LoseDeal,
    MakeReferral,
    MembershipStatus,
    Money,
    OpenCompetition,
    PresentAward,
    ProposeDeal,
    WinDeal,
)
from peernet.demo.financials import FinancialScenes
from peernet.demo.replica import Deal, Group, Membership
from peernet.demo.scene import Scene
from peernet.demo.world import OFFICE, World

#: the first year of the partner economy, and of the first best-practices competition
P2P_FROM = 2006
COMPETITION_YEAR = 2009
HUBS = 10
#: the share of their revenue the hubs' P2P deals aim at (seed 000: IDC's 47 percent)
TARGET_SHARE = Decimal("0.47")
#: a company's quarterly revenue before its first financials (2008): the least the story draws
_REVENUE_GUESS = Decimal(250_000)
_CUSTOMERS = (
    "First National Bank of Harlan",
    "Shelby County Hospital",
    "Prairie Grain Cooperative",
    "Riverside School District",
    "Midwest Dental Partners",
    "Lakeside Manufacturing",
    "Cedar Valley Credit Union",
    "Hometown Insurance Agency",
    "Tri-County Law Offices",
    "Northfield City Hall",
    "Great Plains Logistics",
    "St. Mary's Clinic",
)
_PROJECTS = (
    "network and phones for three branches",
    "backup and recovery for a regulated office",
    "an ERP roll-out with the hardware under it",
    "security assessment and managed firewalls",
    "a hosted CRM with custom integration",
    "document management for a records office",
)
_ENTRIES = (
    ("Three partners, one hospital", "networking, voip and backup delivered as one project"),
    ("Recurring revenue from a one-off sale", "a hardware refresh turned into managed services"),
    ("The bank that stayed", "a partner brought in for security kept the customer"),
    ("From referral to contract", "a referral across groups became a three-year contract"),
    ("ERP without the drama", "software, hardware and training from three members"),
    ("Backup that was tested", "recovery drills sold as a service with a partner"),
)


class PartnerScenes(Scene):
    """Deals, referrals and the best-practices competition."""

    def __init__(self, world: World, financials: FinancialScenes) -> None:
        super().__init__(world)
        self.rng = random.Random(f"{world.seed} partners")  # noqa: S311 (a story)
        self.financials = financials
        self.hubs: list[UUID] = []
        #: the value each deal proposed is meant to close at, and the deals by stage
        self.values: dict[UUID, Decimal] = {}
        self.proposed: list[UUID] = []
        self.won: list[UUID] = []
        self.accepted_referrals: list[UUID] = []
        self.competition: UUID | None = None
        self.entries: list[UUID] = []
        self.world.at_gathering.append(self.present_awards)

    # --- who takes part -----------------------------------------------------------------------

    def _active(self) -> dict[UUID, tuple[Group, Membership]]:
        """Each company with an active membership, through its first (core first)."""
        found: dict[UUID, tuple[Group, Membership]] = {}
        held = sorted(
            self.replica.memberships(MembershipStatus.ACTIVE),
            key=lambda gm: (gm[0].kind.value != "core", str(gm[1].id)),
        )
        for group, m in held:
            if group.closed_at is None:
                found.setdefault(m.company_id, (group, m))
        return found

    def _keep_hubs(self, active: dict[UUID, tuple[Group, Membership]]) -> None:
        self.hubs = [h for h in self.hubs if h in active]
        others = sorted((c for c in active if c not in self.hubs), key=str)
        while len(self.hubs) < HUBS and others:
            self.hubs.append(others.pop(self.rng.randrange(len(others))))

    def _quarter_revenue(self, company_id: UUID) -> Decimal:
        books = self.financials.books.get(company_id)
        return _REVENUE_GUESS if books is None else books[0]

    # --- deals --------------------------------------------------------------------------------

    def propose(self) -> None:
        """Each hub proposes a deal sized for its share of income; two other members
        propose smaller ones; members who accepted a referral last month convert it."""
        active = self._active()
        self._keep_hubs(active)
        for hub in list(self.hubs):
            partners = self.rng.choice((1, 1, 2))
            fraction = Decimal(2) / Decimal(2 + partners)
            monthly = self._quarter_revenue(hub) * TARGET_SHARE / 3
            value = monthly / fraction * Decimal(str(round(self.rng.uniform(1.2, 1.5), 3)))
            self._deal(active, hub, partners, value.quantize(Decimal(100)))
        others = sorted((c for c in active if c not in self.hubs), key=str)
        for company in self.rng.sample(others, k=min(2, len(others))):
            value = Decimal(self.rng.randrange(20_000, 120_000, 500))
            self._deal(active, company, 1, value)
        for referral_id in self.accepted_referrals:
            self._convert(active, referral_id)
        self.accepted_referrals = []

    def _deal(
        self,
        active: dict[UUID, tuple[Group, Membership]],
        company: UUID,
        partners: int,
        value: Decimal,
        *,
        referral_id: UUID | None = None,
        line: str | None = None,
    ) -> None:
        group, m = active[company]
        lines = sorted(self.replica.profile(company).business_lines)
        deal_id = self.world.new_id("deal")
        recorded = self.world.do(
            ProposeDeal,
            membership_id=m.id,
            customer=self.rng.choice(_CUSTOMERS),
            summary=self.rng.choice(_PROJECTS),
            line=line or self.rng.choice(lines),
            referral_id=referral_id,
            deal_id=deal_id,
            actor=self.replica.profile(company).name,
        )
        if not recorded:
            return
        self.values[deal_id] = value
        self.proposed.append(deal_id)
        for _ in range(partners):
            self._invite(active, deal_id, group)

    def _invite(
        self, active: dict[UUID, tuple[Group, Membership]], deal_id: UUID, group: Group
    ) -> None:
        """A member of another group who sells a line nobody on the deal sells and
        competes with nobody on it (cross-pollination is the point)."""
        deal = self.replica.deals[deal_id]
        on_it = {p.company_id for p in deal.live()}
        candidates = []
        for company, (other_group, m) in active.items():
            if company in on_it or other_group.id == group.id:
                continue
            for line in sorted(self.replica.profile(company).business_lines):
                if not self.replica.compete_on_deal(deal, company, line):
                    candidates.append((m.id, line, company))
        if not candidates:
            return
        membership_id, line, company = self.rng.choice(sorted(candidates, key=str))
        self.world.do(
            InviteToDeal,
            deal_id=deal_id,
            membership_id=membership_id,
            line=line,
            actor=self.replica.profile(deal.proposer.company_id).name,
        )

    def answer(self) -> None:
        """Invited partners answer: most accept, some are booked."""
        for deal_id in self.proposed:
            deal = self.replica.deals[deal_id]
            for invitation in deal.invitations:
                if invitation.status.value != "invited":
                    continue
                party = invitation.party
                who = self.replica.profile(party.company_id).name
                if self.rng.random() < 0.85:
                    self.world.do(
                        AcceptInvitation,
                        deal_id=deal_id,
                        membership_id=party.membership_id,
                        actor=who,
                    )
                else:
                    self.world.do(
                        DeclineInvitation,
                        deal_id=deal_id,
                        membership_id=party.membership_id,
                        reason="booked through the quarter",
                        actor=who,
                    )

    def decide(self) -> None:
        """Last month's deals are won (with a partner on board) or lost."""
        for deal_id in self.proposed:
            deal = self.replica.deals[deal_id]
            if deal.status.value != "open":
                continue
            who = self.replica.profile(deal.proposer.company_id).name
            if deal.parties()[1:] and self.rng.random() < 0.85:
                if self.world.do(WinDeal, deal_id=deal_id, actor=who):
                    self.won.append(deal_id)
            else:
                self.world.do(
                    LoseDeal, deal_id=deal_id, reason="the customer chose another bid", actor=who
                )
        self.proposed = []

    def close(self) -> None:
        """Deals won last month are closed: the proposer weighs two, each partner one."""
        for deal_id in self.won:
            deal: Deal = self.replica.deals[deal_id]
            parties = deal.parties()
            weights = {p.company_id: 2 if n == 0 else 1 for n, p in enumerate(parties)}
            self.world.do(
                CloseDeal,
                deal_id=deal_id,
                value=Money(self.values.pop(deal_id), "USD"),
                weights=weights,
                actor=self.replica.profile(deal.proposer.company_id).name,
            )
        self.won = []

    # --- referrals --------------------------------------------------------------------------------

    def refer(self) -> None:
        """Three members pass on an opportunity outside their lines to a member of
        another group who sells it."""
        active = self._active()
        companies = sorted(active, key=str)
        for giver in self.rng.sample(companies, k=min(3, len(companies))):
            group, m = active[giver]
            own = self.replica.profile(giver).business_lines
            takers = [
                (line, c)
                for c in companies
                if c != giver and active[c][0].id != group.id
                for line in sorted(self.replica.profile(c).business_lines - own)
            ]
            if not takers:
                continue
            line, taker = self.rng.choice(takers)
            self.world.do(
                MakeReferral,
                membership_id=m.id,
                to_membership_id=active[taker][1].id,
                line=line,
                customer=self.rng.choice(_CUSTOMERS),
                summary=f"asked us for {line}",
                referral_id=self.world.new_id("referral"),
                actor=self.replica.profile(giver).name,
            )

    def answer_referrals(self) -> None:
        """Referrals made this month are answered: three in four accepted."""
        for referral in list(self.replica.referrals.values()):
            if referral.status.value != "made" or referral.made.at < self.world.month_start:
                continue
            who = self.replica.profile(referral.made.to_company_id).name
            if self.rng.random() < 0.75:
                accepted = self.world.do(AcceptReferral, referral_id=referral.id, actor=who)
                if accepted and self.rng.random() < 0.7:
                    self.accepted_referrals.append(referral.id)
            else:
                self.world.do(
                    DeclineReferral,
                    referral_id=referral.id,
                    reason="not our kind of customer",
                    actor=who,
                )

    def _convert(self, active: dict[UUID, tuple[Group, Membership]], referral_id: UUID) -> None:
        referral = self.replica.referrals[referral_id]
        taker = referral.made.to_company_id
        if referral.status.value != "accepted" or taker not in active:
            return
        value = Decimal(self.rng.randrange(30_000, 150_000, 500))
        self._deal(active, taker, 1, value, referral_id=referral_id, line=referral.made.line)

    def lapse_referrals(self) -> None:
        """Referrals neither converted nor declined lapse once their days are over."""
        now = self.world.peek()
        for referral in list(self.replica.referrals.values()):
            if referral.status.open and referral.made.lapses_at <= now:
                self.world.do(LapseReferral, referral_id=referral.id)

    # --- the best-practices competition -----------------------------------------------------

    def open_competition(self) -> None:
        """January 2009: the network's first competition, judged by five members of five
        in-person groups, none of them a hub."""
        active = self._active()
        jurors: dict[UUID, UUID] = {}
        for company in sorted(active, key=str):
            group, m = active[company]
            if company in self.hubs or group.id in jurors or group.format.value != "in-person":
                continue
            jurors[group.id] = m.id
        jury = tuple(self.rng.sample(sorted(jurors.values(), key=str), k=min(5, len(jurors))))
        year = self.world.month_start.year
        self.competition = self.world.new_id("competition")
        self.world.for_network(
            OpenCompetition,
            theme="Growing together: the best partner-to-partner project",
            entries_close=datetime(year, 4, 1, tzinfo=UTC),
            judging_closes=datetime(year, 5, 1, tzinfo=UTC),
            jury=jury,
            competition_id=self.competition,
        )

    def enter(self) -> None:
        """Four members enter a project they did with partners (the hubs first)."""
        if self.competition is None:
            return
        active = self._active()
        entered = set(self.entries)
        closed = [
            d
            for d in self.replica.deals.values()
            if d.closed is not None and d.proposer.company_id in active
        ]
        by_company: dict[UUID, Deal] = {}
        for deal in sorted(closed, key=lambda d: (d.proposed_at, str(d.id))):
            by_company[deal.proposer.company_id] = deal
        candidates = [c for c in [*self.hubs, *sorted(by_company, key=str)] if c in by_company]
        for company in list(dict.fromkeys(candidates))[len(entered) : len(entered) + 4]:
            deal = by_company[company]
            title, results = self.rng.choice(_ENTRIES)
            entry_id = self.world.new_id("entry")
            if self.world.do(
                EnterCompetition,
                competition_id=self.competition,
                membership_id=active[company][1].id,
                title=title,
                summary=deal.summary or title,
                results=results,
                partners=tuple(p.company_id for p in deal.parties()[1:]),
                entry_id=entry_id,
                actor=self.replica.profile(company).name,
            ):
                self.entries.append(entry_id)

    def judge_entries(self) -> None:
        """April: each juror judges each entry it is free to judge."""
        if self.competition is None:
            return
        contest = self.replica.competitions[self.competition]
        quality = {entry_id: self.rng.uniform(0.3, 0.95) for entry_id, _ in contest.entries}
        for juror in contest.opened.jury:
            for entry_id, entry in contest.entries:
                group = self.replica.groups[self.replica.group_of(juror)]
                if group.memberships[juror].company_id in entry.involved:
                    continue
                self.world.do(
                    CastJuryBallot,
                    competition_id=self.competition,
                    entry_id=entry_id,
                    juror_id=juror,
                    in_favour=self.rng.random() < quality[entry_id],
                    actor=self.replica.name_of(group, juror),
                )

    def judge(self) -> None:
        """May, before the summit: the entries are counted and the awards granted."""
        if self.competition is not None:
            self.world.do(JudgeCompetition, competition_id=self.competition)

    def present_awards(self, gathering_id: UUID) -> None:
        """At the summit, each winner whose group meets there presents its project."""
        if self.competition is None or self.competition not in self.replica.competitions:
            return
        contest = self.replica.competitions[self.competition]
        here = [
            m for m in self.replica.meetings.values() if m.scheduled.gathering_id == gathering_id
        ]
        for entry_id, entry in contest.entries:
            if entry.award is None or entry.presented is not None:
                continue
            company = entry.entered.company_id
            for meeting in here:
                group = self.replica.groups[meeting.group_id]
                held = group.open_membership_of(company)
                if held is not None and held.id in meeting.scheduled.expected:
                    self.world.do(
                        PresentAward,
                        competition_id=self.competition,
                        entry_id=entry_id,
                        meeting_id=meeting.id,
                        actor=OFFICE,
                    )
                    break
