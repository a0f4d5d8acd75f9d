"""The partner economy's projections: `DealEntries` (one view per deal), `ReferralEntries`
(one view per referral) and `MemberMarks` (one view per membership: the goals it set, the
prep it sent, the flags it was given), the views P2P figures, the partner graph and
management scorecards are read from (`peernet.projections.p2p`,
`peernet.projections.scorecards`).

The views hold ids, lines, statuses, times, amounts and the log position of every event
behind them, never a customer's name or any free text: a read model is stored in the
clear, and those fields are sealed in their events. Amounts are stored in the clear in
the events too (so totals survive a forgotten company), and they are here.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import attrs

from peernet.domain.common import Event
from peernet.domain.deals import (
    DealClosed,
    DealLost,
    DealProposed,
    DealWon,
    InvitationAccepted,
    InvitationDeclined,
    InvitationLapsed,
    PartnerInvited,
)
from peernet.domain.goals import GoalSet
from peernet.domain.meetings import PrepSubmitted
from peernet.domain.memberships import MemberFlagged
from peernet.domain.referrals import (
    ReferralAccepted,
    ReferralConverted,
    ReferralDeclined,
    ReferralLapsed,
    ReferralMade,
)
from peernet.projections.core import Fact, KeyedBy

OPEN = "open"
WON = "won"
LOST = "lost"
CLOSED = "closed"
INVITED = "invited"
ACCEPTED = "accepted"


def _at(fact: Fact) -> datetime:
    return datetime.fromisoformat(fact.data["at"])


# --- deals ----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class PartnerEntry:
    """One invitation to a deal: the partner, the membership it takes part through, its
    line and what became of the invitation."""

    company_id: str
    membership_id: str
    group_id: str
    line: str
    status: str
    invited_at: datetime
    invited_position: int
    answered_position: int | None = None


@attrs.frozen(kw_only=True)
class ShareEntry:
    company_id: str
    membership_id: str
    group_id: str
    amount: Decimal


@attrs.frozen(kw_only=True)
class DealEntry:
    deal_id: str
    #: the proposing company, and the membership (and group) it proposed through
    company_id: str
    membership_id: str
    group_id: str
    line: str
    referral_id: str | None
    proposed_at: datetime
    proposed_position: int
    status: str = OPEN
    partners: tuple[PartnerEntry, ...] = ()
    decided_at: datetime | None = None
    decided_position: int | None = None
    closed_at: datetime | None = None
    closed_position: int | None = None
    currency: str | None = None
    value: Decimal | None = None
    #: the proposer's share first, then each accepted partner's
    shares: tuple[ShareEntry, ...] = ()

    @property
    def positions(self) -> tuple[int, ...]:
        """The log positions of every event the view is made of."""
        found = {self.proposed_position}
        for p in self.partners:
            found.add(p.invited_position)
            if p.answered_position is not None:
                found.add(p.answered_position)
        for known in (self.decided_position, self.closed_position):
            if known is not None:
                found.add(known)
        return tuple(sorted(found))

    @property
    def parties(self) -> tuple[str, ...]:
        """The companies a closed deal's revenue was shared among."""
        return tuple(s.company_id for s in self.shares)


def _answer(view: DealEntry, fact: Fact, status: str) -> DealEntry:
    membership = fact.data["membership_id"]
    partners = list(view.partners)
    for n, p in enumerate(partners):
        if p.membership_id == membership and p.status == INVITED:
            partners[n] = attrs.evolve(p, status=status, answered_position=fact.position)
            break
    return attrs.evolve(view, partners=tuple(partners))


_ANSWERS: dict[type[Event], str] = {
    InvitationAccepted: ACCEPTED,
    InvitationDeclined: "declined",
    InvitationLapsed: "lapsed",
}
_OUTCOMES: dict[type[Event], str] = {DealWon: WON, DealLost: LOST}


class DealEntries(KeyedBy):
    """The `DealEntry` of every deal, keyed by deal id."""

    name: ClassVar[str] = "deal_entries"
    key_field: ClassVar[str] = "deal_id"
    version: ClassVar[int] = 1
    events: ClassVar[frozenset[type[Event]]] = frozenset(
        {DealProposed, PartnerInvited, DealClosed, *_ANSWERS, *_OUTCOMES}
    )
    view_type: ClassVar[type[DealEntry]] = DealEntry

    def project(self, view: DealEntry | None, fact: Fact) -> DealEntry | None:
        data = fact.data
        if fact.kind is DealProposed:
            return DealEntry(
                **fact.as_stored("deal_id", "company_id", "membership_id", "group_id", "line"),
                referral_id=data.get("referral_id"),
                proposed_at=_at(fact),
                proposed_position=fact.position,
            )
        if view is None:
            return None
        if fact.kind is PartnerInvited:
            partner = PartnerEntry(
                company_id=data["partner_id"],
                **fact.as_stored("membership_id", "group_id", "line"),
                status=INVITED,
                invited_at=_at(fact),
                invited_position=fact.position,
            )
            return attrs.evolve(view, partners=(*view.partners, partner))
        if (answer := _ANSWERS.get(fact.kind)) is not None:
            return _answer(view, fact, answer)
        if (outcome := _OUTCOMES.get(fact.kind)) is not None:
            return attrs.evolve(
                view, status=outcome, decided_at=_at(fact), decided_position=fact.position
            )
        value = data["value"]  # DealClosed
        shares = tuple(
            ShareEntry(
                company_id=s["company_id"],
                membership_id=s["membership_id"],
                group_id=s["group_id"],
                amount=Decimal(str(s["amount"]["amount"])),
            )
            for s in data["shares"]
        )
        return attrs.evolve(
            view,
            status=CLOSED,
            closed_at=_at(fact),
            closed_position=fact.position,
            currency=value["currency"],
            value=Decimal(str(value["amount"])),
            shares=shares,
        )


# --- referrals ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ReferralEntry:
    referral_id: str
    #: who referred (company, membership, group) and to whom
    company_id: str
    membership_id: str
    group_id: str
    to_company_id: str
    to_membership_id: str
    to_group_id: str
    line: str
    made_at: datetime
    made_position: int
    status: str = "made"
    decided_at: datetime | None = None
    decided_position: int | None = None
    deal_id: str | None = None

    @property
    def converted(self) -> bool:
        return self.deal_id is not None


_REFERRAL_STEPS: dict[type[Event], str] = {
    ReferralAccepted: "accepted",
    ReferralDeclined: "declined",
    ReferralConverted: "converted",
    ReferralLapsed: "lapsed",
}


class ReferralEntries(KeyedBy):
    """The `ReferralEntry` of every referral, keyed by referral id."""

    name: ClassVar[str] = "referral_entries"
    key_field: ClassVar[str] = "referral_id"
    version: ClassVar[int] = 1
    events: ClassVar[frozenset[type[Event]]] = frozenset({ReferralMade, *_REFERRAL_STEPS})
    view_type: ClassVar[type[ReferralEntry]] = ReferralEntry

    def project(self, view: ReferralEntry | None, fact: Fact) -> ReferralEntry | None:
        if fact.kind is ReferralMade:
            names = (
                "referral_id",
                "company_id",
                "membership_id",
                "group_id",
                "to_company_id",
                "to_membership_id",
                "to_group_id",
                "line",
            )
            return ReferralEntry(
                **fact.as_stored(*names), made_at=_at(fact), made_position=fact.position
            )
        if view is None:
            return None
        status = _REFERRAL_STEPS[fact.kind]
        if status == "accepted":
            return attrs.evolve(view, status=status)
        return attrs.evolve(
            view,
            status=status,
            decided_at=_at(fact),
            decided_position=fact.position,
            deal_id=fact.data.get("deal_id"),
        )


# --- what a scorecard reads of each membership ---------------------------------------------------


@attrs.frozen(kw_only=True)
class Mark:
    """Something a member did or was given, when, and the event behind it: a goal set
    (`what` is the goal's id), prep sent for a meeting (the meeting's id; `late`), a flag
    (its reason)."""

    what: str
    at: datetime
    position: int
    late: bool = False


@attrs.frozen(kw_only=True)
class Marks:
    membership_id: str
    group_id: str
    goals_set: tuple[Mark, ...] = ()
    #: the latest prep sent for each meeting, in the order first sent
    preps: tuple[Mark, ...] = ()
    flags: tuple[Mark, ...] = ()


class MemberMarks(KeyedBy):
    """The `Marks` of every membership that set a goal, sent prep or was flagged."""

    name: ClassVar[str] = "member_marks"
    key_field: ClassVar[str] = "membership_id"
    version: ClassVar[int] = 1
    events: ClassVar[frozenset[type[Event]]] = frozenset({GoalSet, PrepSubmitted, MemberFlagged})
    view_type: ClassVar[type[Marks]] = Marks

    def project(self, view: Marks | None, fact: Fact) -> Marks | None:
        data: dict[str, Any] = dict(fact.data)
        marks = view or Marks(**fact.as_stored("membership_id", "group_id"))
        if fact.kind is GoalSet:
            mark = Mark(what=data["goal_id"], at=_at(fact), position=fact.position)
            return attrs.evolve(marks, goals_set=(*marks.goals_set, mark))
        if fact.kind is PrepSubmitted:
            mark = Mark(
                what=data["meeting_id"], at=_at(fact), position=fact.position, late=data["late"]
            )
            kept = tuple(p for p in marks.preps if p.what != mark.what)
            return attrs.evolve(marks, preps=(*kept, mark))
        flag = Mark(what=str(data["reason"]), at=_at(fact), position=fact.position)
        return attrs.evolve(marks, flags=(*marks.flags, flag))
