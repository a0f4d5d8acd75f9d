"""The partner economy's figures and scorecards against hand-worked examples, folded from
events written with the builders (numbered as the store would number them)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

import orjson

from peernet import (
    Attendance,
    AttendanceRecorded,
    FinancialsSubmitted,
    GoalMet,
    MeetingClosed,
    MemberFlagged,
    Money,
    PrepSubmitted,
)
from peernet.adapters.codec import converter
from peernet.domain.common import Event
from peernet.domain.deals import DealClosed, DealShare, DealWon
from peernet.domain.network_charter import AMBER, GREEN, RED, Band, NetworkCharter
from peernet.domain.referrals import ReferralConverted
from peernet.projections import (
    DealEntries,
    Fact,
    GoalEntries,
    GroupHistories,
    MeetingRolls,
    MemberMarks,
    Period,
    ReferralEntries,
    fold,
)
from peernet.projections.financials import FinancialBooks
from peernet.projections.p2p import (
    cross_group_density,
    density,
    income_share,
    members_by_group,
    network_revenue,
    p2p_revenue,
    partner_graph,
    referral_count,
)
from peernet.projections.scorecards import Scorecards
from peernet.testing import (
    deal_with,
    goal_event,
    goal_set,
    group_with,
    meeting_scheduled,
    membership_event,
    membership_of,
    referral_made,
    some_id,
    some_ids,
)

G1, G2 = some_ids("group", 2)
COMPANIES = some_ids("company", 8)
A, B, C, D = COMPANIES[:4]
DAY = datetime(2009, 2, 2, tzinfo=UTC)
Q1 = Period(date(2009, 1, 1), date(2009, 3, 31))


def facts(*events: Event) -> list[Fact]:
    """The events as the store keeps them, at positions 1, 2, 3..."""
    return [
        Fact(
            position=n,
            kind=type(e),
            data=orjson.loads(orjson.dumps(converter.unstructure(e, type(e)))),
        )
        for n, e in enumerate(events, start=1)
    ]


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def closed(
    deal: UUID, value: str, *parties: tuple[UUID, UUID, str], at: datetime = DAY
) -> list[Event]:
    """A deal won and closed, shared among `parties` = (group, company, amount)."""
    proposer = parties[0][1]
    shares = tuple(
        DealShare(company_id=c, membership_id=membership_of(g, c), group_id=g, amount=usd(amount))
        for g, c, amount in parties
    )
    return [
        DealWon(deal_id=deal, company_id=proposer, at=at),
        DealClosed(deal_id=deal, company_id=proposer, value=usd(value), shares=shares, at=at),
    ]


def two_deals() -> list[Event]:
    """Group 1 holds A and B, group 2 holds C and D. A and C share deal 1 (600 + 400);
    B and C share deal 2 (300 + 200) in Q1; A and D share deal 3 in Q2."""
    one, two, three = some_ids("deal", 3)
    return [
        *group_with(G1, A, B),
        *group_with(G2, C, D),
        *deal_with(one, (G1, A), (G2, C), at=DAY),
        *closed(one, "1000.00", (G1, A, "600.00"), (G2, C, "400.00")),
        *deal_with(two, (G1, B), (G2, C), at=DAY),
        *closed(two, "500.00", (G1, B, "300.00"), (G2, C, "200.00")),
        *deal_with(three, (G1, A), (G2, D), at=DAY + timedelta(days=90)),
        *closed(three, "50.00", (G1, A, "25.00"), (G2, D, "25.00"), at=DAY + timedelta(days=90)),
    ]


def deals_of(log: list[Fact]) -> list[Any]:
    return list(fold(DealEntries(), log).values())


def test_a_companys_p2p_revenue_is_its_shares_of_the_deals_closed_in_the_period() -> None:
    """C: 400 + 200 in Q1, each line naming the DealClosed it comes from."""
    log = facts(*two_deals())

    found = p2p_revenue(deals_of(log), Q1, str(C), company_id=str(C))

    closes = [f.position for f in log if f.kind is DealClosed][:2]
    assert {"USD": Decimal("600.00")} == found.totals
    assert tuple(closes) == found.positions
    assert 2 == found.deals


def test_a_groups_p2p_revenue_is_its_members_shares() -> None:
    """Group 1: A's 600 and B's 300 in Q1."""
    found = p2p_revenue(deals_of(facts(*two_deals())), Q1, str(G1), group_id=str(G1))

    assert {"USD": Decimal("900.00")} == found.totals


def test_network_revenue_is_withheld_below_five_companies() -> None:
    """Three companies share Q1's revenue: fewer than the network charter's five."""
    found = network_revenue(p2p_revenue(deals_of(facts(*two_deals())), Q1), 5, Fraction(1, 4))

    assert (None, "only 3 companies contribute (at least 5 needed)") == (
        found.value,
        found.withheld,
    )


def test_network_revenue_is_withheld_when_one_company_dominates() -> None:
    """With a threshold of one company, C holds 600 of 1,500: 40% > 25%."""
    found = network_revenue(p2p_revenue(deals_of(facts(*two_deals())), Q1), 1, Fraction(1, 4))

    assert found.withheld is not None
    assert "one company holds 40% of the P2P revenue behind it" in found.withheld


def test_network_revenue_is_shown_when_enough_companies_share_it_evenly() -> None:
    """Eight companies, 100 each: 800, no one above 25%."""
    deal = some_id("big deal")
    parties = [(G1, c, "100.00") for c in COMPANIES]
    events = [
        *group_with(G1, *COMPANIES),
        *deal_with(deal, (G1, A), *((G1, c) for c in COMPANIES[1:])),
    ]
    log = facts(*events, *closed(deal, "800.00", *parties))

    found = network_revenue(p2p_revenue(deals_of(log), Q1), 5, Fraction(1, 4))

    assert (Decimal("800.00"), 8) == (found.value, found.contributors)


def test_a_p2p_share_of_income_is_deal_revenue_over_the_revenue_of_its_financials() -> None:
    """C earned 600 from deals in Q1 on revenue of 1,276.60: 47%, IDC's average."""
    financials = FinancialsSubmitted(
        financials_id=some_id("c books"),
        company_id=C,
        membership_id=membership_of(G2, C),
        group_id=G2,
        quarter="2009Q1",
        revision=1,
        revenue=usd("1276.60"),
        gross_profit=usd("500.00"),
        ebitda=usd("100.00"),
        recurring_revenue=usd("300.00"),
        service_wages=usd("200.00"),
        head_count=10,
        at=datetime(2009, 4, 10, tzinfo=UTC),
    )
    log = facts(*two_deals(), financials)
    book = fold(FinancialBooks(), log)[str(C)]

    found = income_share(
        p2p_revenue(deals_of(log), Q1, str(C), company_id=str(C)), book, Fraction(47, 100)
    )

    assert (Decimal("600.00"), Decimal("1276.60"), ("2009Q1",)) == (
        found.p2p,
        found.revenue,
        found.quarters,
    )
    assert "47%" == f"{float(found.rate or 0):.0%}"
    assert log[-1].position in found.positions


def test_a_p2p_share_of_income_without_financials_is_undefined() -> None:
    """No revenue submitted: no rate, whatever the deals."""
    found = income_share(
        p2p_revenue(deals_of(facts(*two_deals())), Q1, str(C), company_id=str(C)),
        None,
        Fraction(47, 100),
    )

    assert None is found.rate


def test_referrals_given_received_and_converted() -> None:
    """A refers twice to C; one becomes a deal: conversion 1/2; C received two."""
    first, second = some_ids("referral", 2)
    events = [
        *group_with(G1, A),
        *group_with(G2, C),
        referral_made(first, (G1, A), (G2, C), at=DAY),
        referral_made(second, (G1, A), (G2, C), at=DAY),
        ReferralConverted(referral_id=first, company_id=A, deal_id=some_id("d"), at=DAY),
    ]
    entries = fold(ReferralEntries(), facts(*events)).values()

    given = referral_count(entries, Q1, str(A), company_id=str(A))
    received = referral_count(entries, Q1, str(C), company_id=str(C))

    assert (2, 1, Fraction(1, 2)) == (len(given.given), given.converted, given.conversion_rate)
    assert (0, 2) == (len(received.given), len(received.received))


def test_the_partner_graph_counts_deals_and_their_value_for_each_pair() -> None:
    """In Q1: A-C (1 deal, 1,000) and B-C (1 deal, 500)."""
    graph = partner_graph(deals_of(facts(*two_deals())), Q1)

    found = {e.companies: (e.deals, e.amounts["USD"]) for e in graph.edges}

    assert {
        tuple(sorted((str(A), str(C)))): (1, Decimal("1000.00")),
        tuple(sorted((str(B), str(C)))): (1, Decimal("500.00")),
    } == found


def test_density_within_a_group_and_across_groups() -> None:
    """No pair inside a group worked together; 2 of the 4 cross-group pairs did."""
    log = facts(*two_deals())
    graph = partner_graph(deals_of(log), Q1)
    groups = members_by_group(fold(GroupHistories(), log).values(), Q1)

    inside = density(graph, groups[str(G1)], str(G1))
    across = cross_group_density(graph, groups)

    assert (0, 1) == (inside.linked, inside.pairs)
    assert (2, 4, Fraction(1, 2)) == (across.linked, across.pairs, across.rate)


# --- management scorecards -------------------------------------------------------------------


def scorecard_events() -> list[Event]:
    """A and B in group 1: a meeting in Q1 A attends (late), with prep sent late; A set
    a goal and met another; A was flagged; A shared a deal with C."""
    meeting, goal, other = some_id("meeting"), some_id("goal"), some_id("goal 2")
    members = [membership_of(G1, A), membership_of(G1, B)]
    ids = {"meeting_id": meeting, "group_id": G1}
    return [
        *two_deals(),
        goal_set(goal, G1, A, at=DAY),
        goal_set(other, G1, A, at=DAY - timedelta(days=60)),
        goal_event(GoalMet, other, G1, A, value=Decimal(10), at=DAY),
        meeting_scheduled(meeting, G1, expected=members, starts=date(2009, 3, 2), at=DAY),
        PrepSubmitted(membership_id=members[0], summary="numbers", late=True, at=DAY, **ids),
        AttendanceRecorded(membership_id=members[0], attendance=Attendance.LATE, at=DAY, **ids),
        MeetingClosed(expected=tuple(members), at=DAY + timedelta(days=30), **ids),
        membership_event(MemberFlagged, G1, A, reason="missed 2 goals in a row", at=DAY),
    ]


def cards(charter: NetworkCharter | None = None) -> Scorecards:
    log = facts(*scorecard_events())
    return Scorecards(
        "2009Q1",
        histories=fold(GroupHistories(), log).values(),
        goals=fold(GoalEntries(), log).values(),
        rolls=fold(MeetingRolls(), log).values(),
        marks=fold(MemberMarks(), log),
        deals=deals_of(log),
        referrals=fold(ReferralEntries(), log).values(),
        books={},
        charter=charter or NetworkCharter(),
    )


def test_a_scorecard_counts_the_quarters_goals_attendance_prep_deals_and_flags() -> None:
    """A: one goal set and one met; half a meeting attended; its prep late; one deal
    given, none received, one closed; one flag."""
    card = cards().of(str(A))

    assert (1, 1, 0) == (card.goals.set, card.goals.met, card.goals.missed)
    assert (1, Fraction(1, 2)) == (card.attendance.expected, card.attendance.attended)
    assert (1, 0, 1) == (card.prep.expected, card.prep.on_time, card.prep.late)
    assert (1, 0, 1) == (card.p2p.given, card.p2p.received, card.p2p.closed)
    assert ("missed 2 goals in a row",) == card.flags.reasons


def test_a_scorecards_lines_are_marked_by_the_network_charters_bands() -> None:
    """Goals 1/1 green, attendance 1/2 red, prep 0 red, one flag amber; no financials,
    no mark for the ratios or the P2P share."""
    assert {
        "goals": GREEN,
        "attendance": RED,
        "prep": RED,
        "p2p": None,
        "flags": AMBER,
    } == cards().of(str(A)).colours


def test_a_scorecard_keeps_the_positions_of_the_events_it_is_made_of() -> None:
    """Every line names the events behind it: the flag's position is among them."""
    log = facts(*scorecard_events())
    flag = next(f.position for f in log if f.kind is MemberFlagged)

    assert flag in cards().of(str(A)).positions


def test_a_company_without_a_membership_in_the_quarter_has_an_empty_scorecard() -> None:
    """Nothing counted, nothing marked but the flags line (none raised: green)."""
    card = cards().of(str(some_id("stranger")))

    assert ((), 0, GREEN) == (card.memberships, card.goals.set, card.flags.colour)


def test_a_scorecards_thresholds_are_network_charter_parameters() -> None:
    """A network that asks half its meetings marks A's attendance green."""
    lenient = NetworkCharter(scorecard_attendance=Band(green=Fraction(1, 2), amber=Fraction(1, 4)))

    assert GREEN == cards(lenient).of(str(A)).attendance.colour
