"""The partner economy's projections: `DealEntries` (one view per deal), `ReferralEntries`
(one view per referral) and `MemberMarks` (one view per membership and quarter: the goals
it set, the flags it was given), the views P2P figures, the partner graph and
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
from peernet.domain.deals import DealClosed, DealProposed, PartnerInvited
from peernet.domain.financials import quarter_of
from peernet.domain.goals import GoalSet
from peernet.domain.memberships import MemberFlagged
from peernet.domain.referrals import (
    ReferralAccepted,
    ReferralConverted,
    ReferralDeclined,
    ReferralLapsed,
    ReferralMade,
)
from peernet.projections.core import Fact, KeyedBy, changed


def _at(fact: Fact) -> datetime:
    return datetime.fromisoformat(fact.data["at"])


# --- deals ----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class PartnerEntry:
    """One invitation to a deal: the partner, the membership it takes part through, its
    line, and when it was invited."""

    company_id: str
    membership_id: str
    group_id: str
    line: str
    invited_at: datetime
    invited_position: int


@attrs.frozen(kw_only=True)
class ShareEntry:
    company_id: str
    membership_id: str
    group_id: str
    amount: Decimal


@attrs.frozen(kw_only=True)
class DealEntry:
    """What the figures read of a deal: who proposed it, whom it invited, and once it
    closed, when, for how much and each party's share. (Answers, wins and losses are the
    deal's own state, read by `Network.deal`; no figure counts them, so this view does
    not fold them.)"""

    deal_id: str
    #: the proposing company, and the membership (and group) it proposed through
    company_id: str
    membership_id: str
    group_id: str
    line: str
    referral_id: str | None
    proposed_at: datetime
    proposed_position: int
    partners: tuple[PartnerEntry, ...] = ()
    closed_at: datetime | None = None
    closed_position: int | None = None
    currency: str | None = None
    value: Decimal | None = None
    #: the proposer's share first, then each accepted partner's
    shares: tuple[ShareEntry, ...] = ()

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def positions(self) -> tuple[int, ...]:
        """The log positions of every event the view is made of."""
        found = {self.proposed_position, *(p.invited_position for p in self.partners)}
        if self.closed_position is not None:
            found.add(self.closed_position)
        return tuple(sorted(found))

    @property
    def parties(self) -> tuple[str, ...]:
        """The companies a closed deal's revenue was shared among."""
        return tuple(s.company_id for s in self.shares)


class DealEntries(KeyedBy):
    """The `DealEntry` of every deal, keyed by deal id."""

    name: ClassVar[str] = "deal_entries"
    key_field: ClassVar[str] = "deal_id"
    version: ClassVar[int] = 1
    events: ClassVar[frozenset[type[Event]]] = frozenset({DealProposed, PartnerInvited, DealClosed})
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
                membership_id=data["membership_id"],
                group_id=data["group_id"],
                line=data["line"],
                invited_at=_at(fact),
                invited_position=fact.position,
            )
            return _deal(view, partners=(*view.partners, partner))
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
        return _deal(
            view,
            partners=view.partners,
            closed_at=_at(fact),
            closed_position=fact.position,
            currency=value["currency"],
            value=Decimal(str(value["amount"])),
            shares=shares,
        )


def _deal(view: DealEntry, **later: Any) -> DealEntry:
    """`view` with what came after its proposal: a direct call, twice as fast as
    `attrs.evolve` on the path every deal's events take in a rebuild."""
    return DealEntry(
        deal_id=view.deal_id,
        company_id=view.company_id,
        membership_id=view.membership_id,
        group_id=view.group_id,
        line=view.line,
        referral_id=view.referral_id,
        proposed_at=view.proposed_at,
        proposed_position=view.proposed_position,
        **later,
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
            return changed(view, status=status)
        return changed(
            view,
            status=status,
            decided_at=_at(fact),
            decided_position=fact.position,
            deal_id=fact.data.get("deal_id"),
        )


# --- what a scorecard reads of each membership, quarter by quarter ------------------------


@attrs.frozen(kw_only=True)
class Mark:
    """Something a member did or was given, when, and the event behind it: a goal set
    (`what` is the goal's id) or a flag (its reason)."""

    what: str
    at: datetime
    position: int


@attrs.frozen(kw_only=True)
class Marks:
    """One membership's goals set and flags raised in one quarter."""

    membership_id: str
    group_id: str
    quarter: str
    goals_set: tuple[Mark, ...] = ()
    flags: tuple[Mark, ...] = ()


def marks_key(membership_id: str, quarter: str) -> str:
    """The key of a membership's `Marks` of a quarter."""
    return f"{membership_id}@{quarter}"


class MemberMarks:
    """The `Marks` of every membership and quarter in which it set a goal or was
    flagged, keyed by `marks_key` (one view a quarter, so a view never grows with the
    years and a fold never copies more than a quarter)."""

    name: ClassVar[str] = "member_marks"
    version: ClassVar[int] = 1
    events: ClassVar[frozenset[type[Event]]] = frozenset({GoalSet, MemberFlagged})
    view_type: ClassVar[type[Marks]] = Marks

    def key(self, fact: Fact) -> str | None:
        return marks_key(fact.data["membership_id"], quarter_of(_at(fact).date()))

    def project(self, view: Marks | None, fact: Fact) -> Marks | None:
        data = fact.data
        at = _at(fact)
        marks = view or Marks(
            **fact.as_stored("membership_id", "group_id"), quarter=quarter_of(at.date())
        )
        if fact.kind is GoalSet:
            mark = Mark(what=data["goal_id"], at=at, position=fact.position)
            return changed(marks, goals_set=(*marks.goals_set, mark))
        flag = Mark(what=str(data["reason"]), at=at, position=fact.position)
        return changed(marks, flags=(*marks.flags, flag))
