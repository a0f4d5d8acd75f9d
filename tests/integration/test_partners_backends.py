"""The partner economy on every storage backend: one scripted story (a deal across two
groups, a referral converted into a deal, a competition judged and awarded) records the
same events on memory, SQLite and PostgreSQL; who may read a deal; its customer sealed at
rest and forgotten with its company while every total stays as it was."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from peernet import (
    AccessDenied,
    AssignFacilitator,
    Command,
    ForgetCompany,
    FormGroup,
    Money,
    Network,
    Reader,
    Recorded,
    RegisterCompany,
    Resign,
    is_forgotten,
)
from peernet.adapters.keys import new_key
from peernet.domain.competitions import (
    CastJuryBallot,
    EnterCompetition,
    JudgeCompetition,
    OpenCompetition,
)
from peernet.domain.deals import (
    AcceptInvitation,
    CloseDeal,
    DeclineInvitation,
    InviteToDeal,
    ProposeDeal,
    WinDeal,
)
from peernet.domain.referrals import AcceptReferral, MakeReferral
from peernet.projections import Period
from peernet.testing import T0, joining, membership_of, profile, some_id

OpenNetwork = Callable[..., Network]
RECORDED_AT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)

HTG1, HTG2 = some_id("HTG 1"), some_id("HTG 2")
ACME, BRAVO, COBALT, DELTA = (some_id(n) for n in ("acme", "bravo", "cobalt", "delta"))
PLACES = {
    ACME: ("Acme", "austin", ("voip",), HTG1),
    BRAVO: ("Bravo", "dallas", ("backup",), HTG2),
    COBALT: ("Cobalt", "houston", ("storage",), HTG2),
    DELTA: ("Delta", "waco", ("security",), HTG1),
}
DEAL, SECOND = some_id("deal"), some_id("second deal")
REFERRAL, CONTEST = some_id("referral"), some_id("contest")
ENTRY_A, ENTRY_B = some_id("entry a"), some_id("entry b")


def member(company: UUID) -> UUID:
    return membership_of(PLACES[company][3], company)


class Script:
    """Executes commands one business day apart, each with a command id of its own."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.step = 0

    def at(self) -> datetime:
        return T0 + timedelta(days=self.step)

    def __call__(self, command_type: type[Command], /, **fields: Any) -> tuple[Recorded, ...]:
        self.step += 1
        fields.setdefault("actor", "staff")
        command = command_type(at=self.at(), command_id=some_id(f"step {self.step}"), **fields)
        return self.network.execute(command)

    def run(self, commands: list[Command]) -> None:
        for command in commands:
            self.step += 1
            self.network.execute(command)


def play(network: Network) -> Script:
    run = Script(network)
    run(FormGroup, name="HTG 1", group_id=HTG1)
    run(FormGroup, name="HTG 2", group_id=HTG2)
    run(AssignFacilitator, group_id=HTG2, facilitator="Fran")
    for company, (name, region, lines, group) in PLACES.items():
        run(RegisterCompany, profile=profile(name, region=region, lines=lines), company_id=company)
        run.run(joining(group, company, at=run.at() + timedelta(days=1)))
    run(ProposeDeal, membership_id=member(ACME), customer="First Bank", line="voip", deal_id=DEAL)
    run(InviteToDeal, deal_id=DEAL, membership_id=member(BRAVO), line="backup")
    run(InviteToDeal, deal_id=DEAL, membership_id=member(COBALT), line="storage")
    run(AcceptInvitation, deal_id=DEAL, membership_id=member(BRAVO))
    run(DeclineInvitation, deal_id=DEAL, membership_id=member(COBALT), reason="booked")
    run(WinDeal, deal_id=DEAL)
    run(CloseDeal, deal_id=DEAL, value=Money(Decimal("90000.01"), "USD"))
    run(
        MakeReferral,
        membership_id=member(BRAVO),
        to_membership_id=member(COBALT),
        line="storage",
        customer="Harlan Clinic",
        referral_id=REFERRAL,
    )
    run(AcceptReferral, referral_id=REFERRAL)
    run(
        ProposeDeal,
        membership_id=member(COBALT),
        customer="Harlan Clinic",
        line="storage",
        referral_id=REFERRAL,
        deal_id=SECOND,
    )
    opens = run.at() + timedelta(days=1)
    run(
        OpenCompetition,
        theme="recurring revenue",
        entries_close=opens + timedelta(days=10),
        judging_closes=opens + timedelta(days=20),
        jury=(member(ACME), member(COBALT), member(DELTA)),
        competition_id=CONTEST,
    )
    for entry, company in ((ENTRY_A, ACME), (ENTRY_B, BRAVO)):
        run(
            EnterCompetition,
            competition_id=CONTEST,
            membership_id=member(company),
            title="Phones and backup for a bank",
            summary="two groups, one customer",
            entry_id=entry,
        )
    run.step += 10
    for juror in (member(COBALT), member(DELTA)):
        run(
            CastJuryBallot, competition_id=CONTEST, entry_id=ENTRY_B, juror_id=juror, in_favour=True
        )
    run.step += 10
    run(JudgeCompetition, competition_id=CONTEST)
    return run


STORY_TOPICS = [
    "peernet.DealProposed",
    "peernet.PartnerInvited",
    "peernet.PartnerInvited",
    "peernet.InvitationAccepted",
    "peernet.InvitationDeclined",
    "peernet.DealWon",
    "peernet.DealClosed",
    "peernet.ReferralMade",
    "peernet.ReferralAccepted",
    "peernet.DealProposed",
    "peernet.ReferralConverted",
    "peernet.CompetitionOpened",
    "peernet.CompetitionEntered",
    "peernet.CompetitionEntered",
    "peernet.JuryBallotCast",
    "peernet.JuryBallotCast",
    "peernet.EntryCounted",
    "peernet.EntryCounted",
    "peernet.AwardGranted",
    "peernet.CompetitionJudged",
]
PARTNER_TOPICS = (
    "Deal",
    "Partner",
    "Invitation",
    "Referral",
    "Competition",
    "Entry",
    "Jury",
    "Award",
)


def partner_records(network: Network) -> list[Recorded]:
    return [r for r in network.recorded() if any(word in r.topic for word in PARTNER_TOPICS)]


def test_the_partner_story_records_the_same_events_on_every_backend(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Memory, SQLite and PostgreSQL record the same events, field for field."""
    network = open_network(store_url, clock=lambda: RECORDED_AT)
    reference = open_network("memory://", clock=lambda: RECORDED_AT)
    play(network)
    play(reference)

    def fields(net: Network) -> list[tuple[Any, ...]]:
        return [(r.topic, r.stream_id, r.version, r.event) for r in partner_records(net)]

    assert STORY_TOPICS == [r.topic for r in partner_records(network)]
    assert fields(reference) == fields(network)


def test_the_deal_is_read_by_its_parties_their_facilitators_and_auditors(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Bravo (a partner) and HTG 2's facilitator read the customer; Cobalt, who declined,
    Delta, and staff may not; a listing hides the customer from them."""
    network = open_network(store_url)
    play(network)
    readers = {
        "partner": Reader.member(member(BRAVO)),
        "facilitator": Reader.facilitator("Fran"),
        "auditor": Reader.auditor("Ann"),
    }
    outsiders = {
        "declined": Reader.member(member(COBALT)),
        "other member": Reader.member(member(DELTA)),
        "staff": Reader.staff("Sam"),
    }

    assert {"First Bank"} == {network.deal(DEAL, reader=r).customer for r in readers.values()}
    for reader in outsiders.values():
        with pytest.raises(AccessDenied):
            network.deal(DEAL, reader=reader)
    listed = network.deals(company_id=ACME, reader=outsiders["staff"])
    assert [(DEAL, None, None)] == [(d.deal_id, d.customer, d.value) for d in listed]


def test_the_network_figures_and_a_companys_figures_agree_on_every_backend(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Acme's share of the closed deal, its partner Bravo, and the award to Bravo."""
    network = open_network(store_url)
    play(network)
    year = Period.year(2001)

    acme = network.company_p2p(ACME, year, reader=Reader.auditor("Ann"))
    awards = network.awards()

    assert {"USD": Decimal("45000.01")} == acme.revenue.totals
    assert [BRAVO] == [UUID(e.other(str(ACME))) for e in acme.graph.edges]
    assert [(BRAVO, 1)] == [(a.company_id, a.rank) for a in awards]
    assert 1 == network.p2p_figures(year).deals


def test_a_companys_p2p_figures_are_refused_outside_its_groups(
    store_url: str, open_network: OpenNetwork
) -> None:
    """A member of another group, or staff, may not read Acme's figures or scorecard."""
    network = open_network(store_url)
    play(network)

    with pytest.raises(AccessDenied):
        network.company_p2p(ACME, Period.year(2001), reader=Reader.member(member(BRAVO)))
    with pytest.raises(AccessDenied):
        network.scorecard(ACME, "2001Q1", reader=Reader.staff("Sam"))


def test_a_deals_customer_is_sealed_at_rest(tmp_path: Any, open_network: OpenNetwork) -> None:
    """With a key, neither the customer nor the summary of a deal or a referral is in
    the store's file; the auditor reads them."""
    url = f"sqlite:///{tmp_path / 'sealed.db'}"
    network = open_network(url, key=new_key())
    play(network)
    customer = network.deal(DEAL, reader=Reader.auditor("Ann")).customer
    network.close()

    stored = (tmp_path / "sealed.db").read_bytes()

    assert "First Bank" == customer
    assert [] == [text for text in (b"First Bank", b"Harlan Clinic") if text in stored]


def test_forgetting_the_proposer_keeps_every_amount(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Acme resigns and is forgotten: the deal's customer reads as forgotten, its value,
    its shares and Bravo's figures are as they were."""
    network = open_network(store_url, key=new_key())
    run = play(network)
    auditor = Reader.auditor("Ann")
    year = Period.year(2001)
    before = (network.deal(DEAL, reader=auditor), network.company_p2p(BRAVO, year, reader=auditor))
    run(Resign, membership_id=member(ACME))
    run(ForgetCompany, company_id=ACME)

    deal = network.deal(DEAL, reader=auditor)
    after = network.company_p2p(BRAVO, year, reader=auditor)

    assert is_forgotten(deal.customer)
    assert (before[0].value, [s.amount for s in before[0].shares]) == (
        deal.value,
        [s.amount for s in deal.shares],
    )
    assert before[1] == after
