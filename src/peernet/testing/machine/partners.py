"""The partner economy: members propose deals and invite members of any group, who accept
or decline; deals are won, lost and closed; members refer opportunities, which are
accepted, declined, converted or lapse. And what their events must keep: only active
members take part; no deal ever pairs competitors on one line; a deal's shares add up to
its value; a member who leaves has no open invitation or referral left. (The
best-practices competition is in `competitions`.)
"""

from decimal import Decimal
from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from peernet.domain import deals, referrals
from peernet.domain.access import Reader
from peernet.domain.common import Event
from peernet.domain.deals import DealEvent, DealStatus, Party
from peernet.domain.money import Money
from peernet.domain.referrals import ReferralEvent, ReferralStatus
from peernet.testing.machine.base import MachineBase
from peernet.testing.machine.model import ACTIVE, Expect
from peernet.testing.machine.partner_model import (
    ACCEPTED,
    DECLINED,
    INVITED,
    LAPSED,
    ModelDeal,
    ModelInvitation,
    ModelReferral,
)
from peernet.testing.strategies import BUSINESS_LINES


class PartnerRules(MachineBase):
    """Deals, referrals and the best-practices competition across the groups."""

    # --- helpers ------------------------------------------------------------------------

    def _lines(self, membership_id: UUID) -> frozenset[str]:
        m = self.model.memberships.get(membership_id)
        return self.model.companies[m.company_id].profile.business_lines if m else frozenset()

    def _line(self, data: st.DataObject, membership_id: UUID) -> str:
        """Mostly a line the member's company sells; now and then any line."""
        lines = sorted(self._lines(membership_id))
        if lines and data.draw(st.integers(0, 5), label="any line") < 5:
            return data.draw(st.sampled_from(lines), label="line")
        return data.draw(st.sampled_from(BUSINESS_LINES), label="line")

    def _compete(self, a: tuple[UUID, str], b: tuple[UUID, str]) -> bool:
        """Whether two parties compete on a deal (the domain's rule, on the model's profiles)."""
        pa, pb = (self.model.companies[c].profile for c, _ in (a, b))
        party = Party(company_id=a[0], membership_id=a[0], group_id=a[0], line=a[1])
        other = Party(company_id=b[0], membership_id=b[0], group_id=b[0], line=b[1])
        return deals.compete_on(party, pa, other, pb)

    def _deal(self, data: st.DataObject, *, open_only: bool = True) -> UUID:
        known = [d.id for d in self.model.deals.values() if d.open or not open_only]
        return self._pick(data, known or list(self.model.deals), "deal")

    # --- deals ----------------------------------------------------------------------------

    @precondition(lambda self: self._any(ACTIVE))
    @rule(data=st.data())
    def propose_deal(self, data: st.DataObject) -> None:
        membership_id = self._membership(data, *ACTIVE)
        stamp = self._stamp(data)
        open_to_it = [
            r.id
            for r in self.model.referrals.values()
            if r.open and r.to_membership_id == membership_id
        ]
        referral_id: UUID | None = None
        converts = bool(open_to_it) and data.draw(st.booleans(), label="convert a referral")
        if converts:
            referral_id = data.draw(st.sampled_from(open_to_it), label="converts")
        command = deals.ProposeDeal(
            membership_id=membership_id,
            customer="First Bank",
            line=self._line(data, membership_id),
            referral_id=referral_id,
            deal_id=self._new_id("deal"),
            **stamp,
        )
        fits = self.model.is_active(membership_id) and command.line in self._lines(membership_id)
        if referral_id is not None:
            referral = self.model.referrals[referral_id]
            fits = (
                fits and command.at < referral.lapses_at and not self._late(command.at, referral_id)
            )
        self.execute(command, Expect.ACCEPTED if fits else Expect.REFUSED)

    @precondition(lambda self: self.model.deals and self._any(ACTIVE))
    @rule(data=st.data())
    def invite(self, data: st.DataObject) -> None:
        deal_id = self._deal(data)
        membership_id = self._membership(data, *ACTIVE)
        command = deals.InviteToDeal(
            deal_id=deal_id,
            membership_id=membership_id,
            line=self._line(data, membership_id),
            **self._stamp(data),
        )
        self.execute(command, self._expect_invite(command))

    def _expect_invite(self, command: deals.InviteToDeal) -> Expect:
        deal = self.model.deals.get(command.deal_id)
        company = self._company(command.membership_id)
        if deal is None or not deal.open or self._late(command.at, deal.id):
            return Expect.REFUSED
        if not self.model.is_active(deal.membership_id) or company is None:
            return Expect.REFUSED
        if not self.model.is_active(command.membership_id):
            return Expect.REFUSED
        if any(c == company for c, _ in deal.live()):
            return Expect.REFUSED
        if command.line not in self._lines(command.membership_id):
            return Expect.REFUSED
        if any(self._compete((company, command.line), other) for other in deal.live()):
            return Expect.REFUSED
        return Expect.ACCEPTED

    @precondition(
        lambda self: any(
            i.status == INVITED for d in self.model.deals.values() for i in d.invitations
        )
    )
    @rule(data=st.data())
    def answer_invitation(self, data: st.DataObject) -> None:
        waiting = [
            (d.id, i.membership_id)
            for d in self.model.deals.values()
            for i in d.invitations
            if i.status == INVITED
        ]
        deal_id, membership_id = data.draw(st.sampled_from(waiting), label="invitation")
        stamp = self._stamp(data)
        command: deals.AcceptInvitation | deals.DeclineInvitation
        deal = self.model.deals[deal_id]
        refused = not deal.open or self._late(stamp["at"], deal_id)
        if data.draw(st.integers(0, 3), label="declines") == 3:
            command = deals.DeclineInvitation(
                deal_id=deal_id, membership_id=membership_id, reason="booked", **stamp
            )
        else:
            command = deals.AcceptInvitation(deal_id=deal_id, membership_id=membership_id, **stamp)
            refused = refused or not self.model.is_active(membership_id)
        self.execute(command, Expect.REFUSED if refused else Expect.ACCEPTED)

    @precondition(lambda self: self.model.deals)
    @rule(data=st.data())
    def decide_deal(self, data: st.DataObject) -> None:
        """The customer signs (won) or not (lost)."""
        deal_id = self._deal(data)
        stamp = self._stamp(data)
        deal = self.model.deals.get(deal_id)
        refused = deal is None or not deal.open or self._late(stamp["at"], deal_id)
        command: deals.WinDeal | deals.LoseDeal
        if data.draw(st.integers(0, 3), label="lost") == 3:
            command = deals.LoseDeal(deal_id=deal_id, reason="price", **stamp)
        else:
            command = deals.WinDeal(deal_id=deal_id, **stamp)
            refused = refused or deal is None or len(deal.parties()) < 2
        self.execute(command, Expect.REFUSED if refused else Expect.ACCEPTED)

    @precondition(lambda self: any(d.status == "won" for d in self.model.deals.values()))
    @rule(data=st.data())
    def close_deal(self, data: st.DataObject) -> None:
        """The revenue shared: equal shares or drawn weights (now and then wrong ones)."""
        won = [d.id for d in self.model.deals.values() if d.status == "won"]
        deal_id = data.draw(st.sampled_from(won), label="won deal")
        deal = self.model.deals[deal_id]
        cents = data.draw(st.integers(0, 10_000_000), label="cents")
        weights: dict[UUID, int] = {}
        fits = cents > 0
        if data.draw(st.booleans(), label="weighted"):
            weights = {c: data.draw(st.integers(1, 9), label="weight") for c in deal.parties()}
            if data.draw(st.integers(0, 5), label="drop a party") == 5:
                weights.pop(deal.company_id)
                fits = False
        command = deals.CloseDeal(
            deal_id=deal_id,
            value=Money(Decimal(cents) / 100, "USD"),
            weights=weights,
            **self._stamp(data),
        )
        fits = fits and not self._late(command.at, deal_id)
        self.execute(command, Expect.ACCEPTED if fits else Expect.REFUSED)

    def _fitting(self, deal: ModelDeal) -> list[tuple[UUID, str]]:
        """(membership, line) of every active member who could join the deal: on it not
        yet, selling the line, competing with nobody on it."""
        on_it = {c for c, _ in deal.live()}
        found = []
        for m in self.model.memberships.values():
            if not self.model.is_active(m.id) or m.company_id in on_it:
                continue
            for line in sorted(self.model.companies[m.company_id].profile.business_lines):
                if not any(self._compete((m.company_id, line), o) for o in deal.live()):
                    found.append((m.id, line))
        return found

    @precondition(lambda self: self._any(ACTIVE))
    @rule(data=st.data())
    def work_a_deal(self, data: st.DataObject) -> None:
        """A deal's whole story: proposed, partners who fit invited and answering, then
        won and closed (or lost), each step a few days after the last."""
        membership_id = self._membership(data, *ACTIVE)
        lines = sorted(self._lines(membership_id))
        if not self.model.is_active(membership_id) or not lines:
            return
        deal_id = self._new_id("deal")
        line = data.draw(st.sampled_from(lines), label="line")
        proposed = deals.ProposeDeal(
            membership_id=membership_id,
            customer="Harlan Savings",
            line=line,
            deal_id=deal_id,
            **self._then(data, 1),
        )
        if not self.execute(proposed, Expect.ACCEPTED):
            return
        for _ in range(data.draw(st.integers(1, 3), label="partners")):
            fitting = self._fitting(self.model.deals[deal_id])
            if not fitting:
                break
            partner, partner_line = data.draw(st.sampled_from(fitting), label="partner")
            invite = deals.InviteToDeal(
                deal_id=deal_id, membership_id=partner, line=partner_line, **self._then(data, 1)
            )
            self.execute(invite, Expect.ACCEPTED)
            answer = deals.AcceptInvitation(
                deal_id=deal_id, membership_id=partner, **self._then(data, 2)
            )
            self.execute(answer, Expect.ACCEPTED)
        deal = self.model.deals[deal_id]
        if len(deal.parties()) > 1 and data.draw(st.integers(0, 4), label="lost") < 4:
            self.execute(deals.WinDeal(deal_id=deal_id, **self._then(data, 5)), Expect.ACCEPTED)
            value = Money(Decimal(data.draw(st.integers(1, 10**8), label="cents")) / 100, "USD")
            close = deals.CloseDeal(deal_id=deal_id, value=value, **self._then(data, 20))
            self.execute(close, Expect.ACCEPTED)

    # --- referrals --------------------------------------------------------------------------

    @precondition(lambda self: self._any(ACTIVE))
    @rule(data=st.data())
    def refer(self, data: st.DataObject) -> None:
        giver = self._membership(data, *ACTIVE)
        taker = self._membership(data, *ACTIVE)
        command = referrals.MakeReferral(
            membership_id=giver,
            to_membership_id=taker,
            line=self._line(data, taker),
            customer="Harlan Clinic",
            referral_id=self._new_id("referral"),
            **self._stamp(data),
        )
        companies = (self._company(giver), self._company(taker))
        fits = (
            self.model.is_active(giver)
            and self.model.is_active(taker)
            and companies[0] != companies[1]
            and command.line not in self._lines(giver)
            and command.line in self._lines(taker)
        )
        self.execute(command, Expect.ACCEPTED if fits else Expect.REFUSED)

    def _referral(self, data: st.DataObject) -> UUID:
        known = [r.id for r in self.model.referrals.values() if r.open]
        return self._pick(data, known or list(self.model.referrals), "referral")

    @precondition(lambda self: self.model.referrals)
    @rule(data=st.data())
    def answer_referral(self, data: st.DataObject) -> None:
        referral_id = self._referral(data)
        stamp = self._stamp(data, max_days=4 * self.max_days)
        referral = self.model.referrals.get(referral_id)
        command: referrals.AcceptReferral | referrals.DeclineReferral
        refused = (
            referral is None
            or not referral.open
            or stamp["at"] >= referral.lapses_at
            or self._late(stamp["at"], referral_id)
        )
        if data.draw(st.booleans(), label="declines"):
            command = referrals.DeclineReferral(referral_id=referral_id, reason="full", **stamp)
        else:
            command = referrals.AcceptReferral(referral_id=referral_id, **stamp)
            refused = refused or (referral is not None and referral.status != "made")
        self.execute(command, Expect.REFUSED if refused else Expect.ACCEPTED)

    @precondition(lambda self: self.model.referrals)
    @rule(data=st.data())
    def lapse_referral(self, data: st.DataObject) -> None:
        referral_id = self._referral(data)
        command = referrals.LapseReferral(
            referral_id=referral_id, **self._stamp(data, max_days=4 * self.max_days)
        )
        referral = self.model.referrals.get(referral_id)
        refused = (
            referral is None
            or not referral.open
            or command.at < referral.lapses_at
            or self._late(command.at, referral_id)
        )
        self.execute(command, Expect.REFUSED if refused else Expect.ACCEPTED)

    # --- what holds after every step -----------------------------------------------------------

    @invariant()
    def no_member_who_left_holds_an_open_invitation_or_referral(self) -> None:
        for deal in self.model.deals.values():
            for i in deal.invitations:
                if deal.open and i.status == INVITED:
                    assert self.model.is_active(i.membership_id), (
                        f"deal {deal.id} still invites {i.membership_id}, who left"
                    )
        for referral in self.model.referrals.values():
            if referral.open:
                assert self.model.is_active(referral.to_membership_id), (
                    f"referral {referral.id} is open to {referral.to_membership_id}, who left"
                )

    @invariant()
    def no_deal_pairs_competitors_on_one_line(self) -> None:
        for deal in self.model.deals.values():
            live = deal.live()
            for n, a in enumerate(live):
                for b in live[n + 1 :]:
                    assert not self._compete(a, b), f"deal {deal.id} pairs competitors {a} {b}"

    @invariant()
    def deals_agree_with_the_model(self) -> None:
        auditor = Reader.auditor("machine")
        for deal in self.model.deals.values():
            view = self.network.deal(deal.id, reader=auditor)
            statuses = [(p.membership_id, p.status.value) for p in view.partners]
            assert deal.status == view.status.value, f"deal {deal.id}"
            assert [(i.membership_id, i.status) for i in deal.invitations] == statuses
            if view.value is not None:
                total = sum((s.amount.amount for s in view.shares), Decimal(0))
                assert view.value.amount == total, f"the shares of {deal.id} add up to {total}"
        for referral in self.model.referrals.values():
            status = self.network.referral(referral.id, reader=auditor).status
            assert ReferralStatus(referral.status) is status, f"referral {referral.id}"

    # --- the events, folded into the model -------------------------------------------------------

    def _fold(self, event: Event) -> None:
        match event:
            case DealEvent():
                self._deal_event(event)
            case ReferralEvent():
                self._referral_event(event)
            case _:
                super()._fold(event)

    def _deal_event(self, event: DealEvent) -> None:
        model = self.model
        if isinstance(event, deals.DealProposed):
            assert model.is_active(event.membership_id), f"{event!r} by a non-member"
            assert event.line in self._lines(event.membership_id), f"{event!r}: a line not sold"
            model.deals[event.deal_id] = ModelDeal(
                id=event.deal_id,
                membership_id=event.membership_id,
                company_id=event.company_id,
                line=event.line,
            )
            return
        deal = model.deals[event.deal_id]
        match event:
            case deals.PartnerInvited():
                assert deal.open, f"{event!r} on a decided deal"
                assert model.is_active(event.membership_id), f"{event!r} invites a non-member"
                assert all(c != event.partner_id for c, _ in deal.live()), f"{event!r} twice"
                for other in deal.live():
                    assert not self._compete((event.partner_id, event.line), other), (
                        f"{event!r} pairs competitors on deal {deal.id}"
                    )
                deal.invitations.append(
                    ModelInvitation(
                        membership_id=event.membership_id,
                        company_id=event.partner_id,
                        line=event.line,
                    )
                )
            case deals.InvitationAccepted() | deals.InvitationDeclined() | deals.InvitationLapsed():
                invitation = deal.invited(event.membership_id)
                assert invitation is not None, f"{event!r} answers no open invitation"
                if isinstance(event, deals.InvitationLapsed) and event.reason.startswith("member"):
                    assert not model.is_active(event.membership_id), f"{event!r}: still a member"
                invitation.status = {
                    deals.InvitationAccepted: ACCEPTED,
                    deals.InvitationDeclined: DECLINED,
                    deals.InvitationLapsed: LAPSED,
                }[type(event)]
            case deals.DealWon() | deals.DealLost():
                assert deal.open, f"{event!r}: the deal was already decided"
                assert all(i.status != INVITED for i in deal.invitations), f"{event!r} early"
                won = isinstance(event, deals.DealWon)
                assert not won or len(deal.parties()) > 1, f"{event!r} without a partner"
                deal.status = DealStatus.WON.value if won else DealStatus.LOST.value
            case deals.DealClosed():
                assert deal.status == "won", f"{event!r} of a deal not won"
                total = sum((s.amount.amount for s in event.shares), Decimal(0))
                assert event.value.amount == total, f"{event!r}: shares add up to {total}"
                assert deal.parties() == [s.company_id for s in event.shares]
                deal.status = "closed"

    def _referral_event(self, event: ReferralEvent) -> None:
        model = self.model
        if isinstance(event, referrals.ReferralMade):
            assert model.is_active(event.membership_id), f"{event!r} by a non-member"
            assert model.is_active(event.to_membership_id), f"{event!r} to a non-member"
            assert event.company_id != event.to_company_id, f"{event!r} to itself"
            assert event.line not in self._lines(event.membership_id), f"{event!r}: own line"
            model.referrals[event.referral_id] = ModelReferral(
                id=event.referral_id,
                membership_id=event.membership_id,
                company_id=event.company_id,
                to_membership_id=event.to_membership_id,
                to_company_id=event.to_company_id,
                line=event.line,
                lapses_at=event.lapses_at,
            )
            return
        referral = model.referrals[event.referral_id]
        assert referral.open, f"{event!r} on a referral already {referral.status}"
        match event:
            case referrals.ReferralAccepted():
                referral.status = "accepted"
            case referrals.ReferralDeclined():
                referral.status = "declined"
            case referrals.ReferralConverted():
                referral.status = "converted"
            case referrals.ReferralLapsed():
                left = not model.is_active(referral.to_membership_id)
                assert left or event.at >= referral.lapses_at, f"{event!r} before it was due"
                referral.status = "lapsed"
