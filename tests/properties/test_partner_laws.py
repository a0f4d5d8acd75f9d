"""Laws of the partner economy, over random partners, orders, profiles and histories.

- a deal's shares add up to its value to the cent, whatever the partners, their order
  and the weights;
- no deal ever pairs competitors on one line, whatever the profiles and the order in
  which partners are invited;
- a scorecard computed from the read models kept by catch-ups interleaved with the
  commands equals the one computed from the read models rebuilt from the first event.
"""

from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings, strategies as st
from hypothesis.stateful import rule

from peernet import Money, PeerNetError
from peernet.adapters.readmodels import ReadModels
from peernet.domain.companies import Profile
from peernet.domain.deals import (
    CloseDeal,
    DealClosed,
    InviteToDeal,
    WinDeal,
    compete_on,
)
from peernet.domain.financials import quarter_after, quarter_of
from peernet.domain.network_charter import NetworkCharter
from peernet.projections import (
    DealEntries,
    GoalEntries,
    GroupHistories,
    MeetingRolls,
    MemberMarks,
    ReferralEntries,
)
from peernet.projections.scorecards import Scorecards
from peernet.testing import (
    T0,
    NetworkMachine,
    after,
    deal_proposed,
    deal_with,
    formed,
    group_with,
    history,
    joined,
    membership_of,
    profiles,
    registered,
    some_id,
    some_ids,
    when,
)

GROUP = some_id("group")
COMPANIES = some_ids("company", 9)
DEAL = some_id("deal")
LATER = T0 + timedelta(days=30)


@given(
    partners=st.integers(1, 8),
    cents=st.integers(1, 10**10),
    order=st.randoms(use_true_random=False),
    weighted=st.booleans(),
    weights=st.lists(st.integers(1, 100), min_size=9, max_size=9),
)
def test_a_deals_shares_add_up_to_its_value_whatever_the_partners_and_order(
    partners: int, cents: int, order: Any, weighted: bool, weights: list[int]
) -> None:
    """The shares of a closed deal sum to its value to the cent, one per party, in the
    parties' order (the proposer first, then partners as invited)."""
    invited = COMPANIES[1 : partners + 1]
    order.shuffle(invited)
    situation = history(
        *group_with(GROUP, *COMPANIES),
        *deal_with(DEAL, (GROUP, COMPANIES[0]), *((GROUP, c) for c in invited)),
    )
    value = Money(Decimal(cents) / 100, "USD")
    parties = [COMPANIES[0], *invited]
    given_weights = dict(zip(parties, weights, strict=False)) if weighted else {}
    won = after(situation, WinDeal(deal_id=DEAL, actor="a", at=LATER))

    (closed,) = when(
        won, CloseDeal(deal_id=DEAL, value=value, weights=given_weights, actor="a", at=LATER)
    )

    assert isinstance(closed, DealClosed)
    assert value.amount == sum(s.amount.amount for s in closed.shares)
    assert parties == [s.company_id for s in closed.shares]
    if not weighted:
        amounts = [s.amount.amount for s in closed.shares]
        assert max(amounts) - min(amounts) <= Decimal("0.01")


@settings(max_examples=200)
@given(
    drawn=st.lists(profiles(), min_size=2, max_size=7),
    lines=st.lists(
        st.sampled_from(("managed services", "cloud", "security")), min_size=7, max_size=7
    ),
)
def test_no_deal_ever_pairs_competitors_on_one_line(drawn: list[Profile], lines: list[str]) -> None:
    """Invite every company in turn, each for a line it sells (or the drawn one): the
    invitations accepted never compete with the parties already on the deal."""
    companies = COMPANIES[: len(drawn)]
    events: list[Any] = [formed(GROUP)]
    for company, profile in zip(companies, drawn, strict=True):
        events += [registered(company, profile=profile), *joined(GROUP, company)]
    proposer_line = sorted(drawn[0].business_lines)[0]
    situation = history(*events, deal_proposed(DEAL, (GROUP, companies[0]), line=proposer_line))
    for company, profile, line in zip(companies[1:], drawn[1:], lines, strict=False):
        chosen = line if line in profile.business_lines else sorted(profile.business_lines)[0]
        invite = InviteToDeal(
            deal_id=DEAL,
            membership_id=membership_of(GROUP, company),
            line=chosen,
            actor="a",
            at=T0,
        )
        try:
            situation = after(situation, invite)
        except PeerNetError:
            continue
    deal = situation.deals[DEAL]
    live = [deal.proposer, *(i.party for i in deal.invitations if i.status.live)]

    pairs = [
        (a.company_id, b.company_id)
        for n, a in enumerate(live)
        for b in live[n + 1 :]
        if compete_on(a, situation.profile(a.company_id), b, situation.profile(b.company_id))
    ]

    assert [] == pairs


# --- a scorecard rebuilt equals the one kept -------------------------------------------------

READ = (GroupHistories, GoalEntries, MeetingRolls, MemberMarks, DealEntries, ReferralEntries)


class ScorecardMachine(NetworkMachine):
    """Catches the read models up at random points; at the end, every company's
    scorecard of every quarter the story touched is computed from the views kept and
    from the views rebuilt, and the two must be equal."""

    def __init__(self) -> None:
        super().__init__()
        self.models = ReadModels(self.network)

    @rule()
    def catch_up(self) -> None:
        self.models.catch_up()

    def _cards(self) -> dict[tuple[str, str], Any]:
        views = {p.name: self.models.views(p.name) for p in READ}
        last = quarter_of(self.now.astimezone(UTC).date())
        quarters = [quarter_of(T0.date())]
        while quarters[-1] < last:
            quarters.append(quarter_after(quarters[-1]))
        found = {}
        for quarter in quarters:
            cards = Scorecards(
                quarter,
                histories=views[GroupHistories.name].values(),
                goals=views[GoalEntries.name].values(),
                rolls=views[MeetingRolls.name].values(),
                marks=views[MemberMarks.name],
                deals=views[DealEntries.name].values(),
                referrals=views[ReferralEntries.name].values(),
                books={},
                charter=NetworkCharter(),
            )
            for company in sorted(str(c) for c in self.model.companies):
                found[(quarter, company)] = cards.of(company)
        return found

    def teardown(self) -> None:
        try:
            kept = self._cards()
            self.models.rebuild()
            assert kept == self._cards()
        finally:
            super().teardown()


TestScorecardLaws = ScorecardMachine.TestCase
TestScorecardLaws.settings = settings(max_examples=20, stateful_step_count=30, deadline=None)
