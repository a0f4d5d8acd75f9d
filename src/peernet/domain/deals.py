"""Deal: a member brings other members of the network into a customer project (a P2P
deal), each for a line of business, and the revenue is shared among them.

Each deal is a stream of its own. The proposing member leads it for a line of its own;
it invites partners from any group, each for one line; a partner accepts or declines;
the deal is won or lost; a won deal is closed with its value shared among the parties
(the proposer and every partner who accepted) to the cent. An invitation still open when
the deal is won or lost, or when its member leaves its group, lapses.

Every event of a deal carries the proposing company's `company_id`: the customer's name
and every free-text field are confidential, sealed under that company's key, and read
as `FORGOTTEN` once it is forgotten; amounts, lines and ids stay in the clear, so every
total stays as it was. The decisions are in `peernet.domain.decisions.partnering`.

Pure: the standard library, attrs and sibling domain modules.
"""

import enum
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid4

import attrs

from peernet.domain.common import CONFIDENTIAL, Command, Event, check_forward, non_empty
from peernet.domain.companies import Profile
from peernet.domain.money import Money
from peernet.domain.partner_errors import DealNotOpen, UnknownDeal


class DealStatus(enum.Enum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"
    CLOSED = "closed"


class InvitationStatus(enum.Enum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LAPSED = "lapsed"

    @property
    def live(self) -> bool:
        """Still on the deal: invited and not yet answered, or accepted."""
        return self in (InvitationStatus.INVITED, InvitationStatus.ACCEPTED)


def normal_line(value: str) -> str:
    """attrs converter: a business line as companies list it (trimmed, case-folded)."""
    return value.strip().casefold() if isinstance(value, str) else value


# --- commands -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ProposeDeal(Command):
    """An active member proposes a deal for a customer, leading it for `line`; with a
    `referral_id`, it converts a referral it accepted into this deal."""

    membership_id: UUID
    customer: str = attrs.field(validator=non_empty)
    line: str = attrs.field(converter=normal_line, validator=non_empty)
    summary: str = ""
    referral_id: UUID | None = None
    deal_id: UUID = attrs.field(factory=uuid4)


@attrs.frozen(kw_only=True)
class DealStep(Command):
    """A command about one deal."""

    deal_id: UUID


@attrs.frozen(kw_only=True)
class InviteToDeal(DealStep):
    """Bring the member `membership_id` (any group) into the deal for `line`."""

    membership_id: UUID
    line: str = attrs.field(converter=normal_line, validator=non_empty)


@attrs.frozen(kw_only=True)
class AcceptInvitation(DealStep):
    membership_id: UUID


@attrs.frozen(kw_only=True)
class DeclineInvitation(DealStep):
    membership_id: UUID
    reason: str = ""


@attrs.frozen(kw_only=True)
class WinDeal(DealStep):
    """The customer signed: open invitations lapse."""


@attrs.frozen(kw_only=True)
class LoseDeal(DealStep):
    reason: str = ""


def _weights(value: object) -> tuple[tuple[UUID, int], ...]:
    pairs = value.items() if isinstance(value, dict) else value
    return tuple((company, weight) for company, weight in pairs)  # type: ignore[attr-defined]


@attrs.frozen(kw_only=True)
class CloseDeal(DealStep):
    """The won deal's revenue, shared among its parties in proportion to `weights`
    (company id → whole number; none given: equal shares)."""

    value: Money
    weights: tuple[tuple[UUID, int], ...] = attrs.field(default=(), converter=_weights)


# --- events (each in the deal's own stream) ---------------------------------------------


@attrs.frozen(kw_only=True)
class DealEvent(Event):
    """An event of a deal's stream; `company_id` is the proposing company's, whose key
    seals the deal's confidential fields."""

    home = "deal_id"
    deal_id: UUID
    company_id: UUID


@attrs.frozen(kw_only=True)
class DealProposed(DealEvent):
    membership_id: UUID
    group_id: UUID
    line: str
    customer: str = attrs.field(metadata={CONFIDENTIAL: True})
    summary: str = attrs.field(default="", metadata={CONFIDENTIAL: True})
    referral_id: UUID | None = None


@attrs.frozen(kw_only=True)
class PartnerEvent(DealEvent):
    """An event about one partner of the deal: its company, and the membership (and so
    the group) it takes part through."""

    partner_id: UUID
    membership_id: UUID
    group_id: UUID


@attrs.frozen(kw_only=True)
class PartnerInvited(PartnerEvent):
    line: str


@attrs.frozen(kw_only=True)
class InvitationAccepted(PartnerEvent):
    pass


@attrs.frozen(kw_only=True)
class InvitationDeclined(PartnerEvent):
    reason: str = attrs.field(default="", metadata={CONFIDENTIAL: True})


@attrs.frozen(kw_only=True)
class InvitationLapsed(PartnerEvent):
    """Not answered when the deal was won or lost, or its member left its group."""

    reason: str


@attrs.frozen(kw_only=True)
class DealWon(DealEvent):
    pass


@attrs.frozen(kw_only=True)
class DealLost(DealEvent):
    reason: str = attrs.field(default="", metadata={CONFIDENTIAL: True})


@attrs.frozen(kw_only=True)
class DealShare:
    """One party's share of a closed deal's revenue."""

    company_id: UUID
    membership_id: UUID
    group_id: UUID
    amount: Money


@attrs.frozen(kw_only=True)
class DealClosed(DealEvent):
    value: Money
    #: the proposer's share first, then each accepted partner's in the order invited
    shares: tuple[DealShare, ...]


# --- state ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Party:
    """A company on a deal, through one of its memberships, for one line."""

    company_id: UUID
    membership_id: UUID
    group_id: UUID
    line: str


@attrs.frozen(kw_only=True)
class Invitation:
    party: Party
    status: InvitationStatus
    invited_at: datetime
    answered_at: datetime | None = None


@attrs.frozen(kw_only=True)
class Deal:
    id: UUID
    proposer: Party
    customer: str
    summary: str
    referral_id: UUID | None
    proposed_at: datetime
    last_at: datetime
    status: DealStatus = DealStatus.OPEN
    #: every invitation, in the order made (a company re-invited after it declined
    #: appears again)
    invitations: tuple[Invitation, ...] = ()
    decided_at: datetime | None = None
    closed: DealClosed | None = None

    @property
    def ids(self) -> dict[str, UUID]:
        """The ids every event of this deal carries."""
        return {"deal_id": self.id, "company_id": self.proposer.company_id}

    def live(self) -> list[Party]:
        """The parties on the deal now: the proposer, and every partner invited and not
        yet answered, or accepted."""
        return [self.proposer, *(i.party for i in self.invitations if i.status.live)]

    def with_status(self, *statuses: InvitationStatus) -> list[Invitation]:
        return [i for i in self.invitations if i.status in statuses]

    def parties(self) -> list[Party]:
        """Who shares the revenue: the proposer, then every partner who accepted."""
        accepted = self.with_status(InvitationStatus.ACCEPTED)
        return [self.proposer, *(i.party for i in accepted)]

    def open_invitation(self, membership_id: UUID) -> Invitation | None:
        for invitation in self.invitations:
            if (
                invitation.party.membership_id == membership_id
                and invitation.status is InvitationStatus.INVITED
            ):
                return invitation
        return None

    def involves(self, company_id: UUID) -> bool:
        """Whether the company proposed the deal or is a partner on it now."""
        return any(p.company_id == company_id for p in self.live())


def require_open(state: Deal | None, deal_id: UUID, at: datetime) -> Deal:
    if state is None:
        raise UnknownDeal(deal_id=deal_id)
    if state.status is not DealStatus.OPEN:
        raise DealNotOpen(deal_id=deal_id, status=state.status)
    check_forward(state, at)
    return state


def compete_on(a: Party, profile_a: Profile, b: Party, profile_b: Profile) -> bool:
    """Whether two parties of a deal compete on it: their territories overlap and one
    sells the line the other is on the deal for (or both are on it for the same line)."""
    if not profile_a.territory.overlaps(profile_b.territory):
        return False
    return (
        a.line == b.line
        or a.line in profile_b.business_lines
        or (b.line in profile_a.business_lines)
    )


def lapsed(
    deal: Deal, invitations: Sequence[Invitation], at: datetime, reason: str
) -> list[InvitationLapsed]:
    """The `invitations` of `deal`, lapsed at `at` for `reason`."""
    return [
        InvitationLapsed(
            partner_id=i.party.company_id,
            membership_id=i.party.membership_id,
            group_id=i.party.group_id,
            reason=reason,
            at=at,
            **deal.ids,
        )
        for i in invitations
    ]


def _answered(deal: Deal, event: PartnerEvent, status: InvitationStatus) -> Deal:
    invitations = list(deal.invitations)
    for n, invitation in enumerate(invitations):
        if (
            invitation.party.membership_id == event.membership_id
            and invitation.status is InvitationStatus.INVITED
        ):
            invitations[n] = attrs.evolve(invitation, status=status, answered_at=event.at)
            break
    return attrs.evolve(deal, invitations=tuple(invitations))


def evolve(state: Deal | None, event: DealEvent) -> Deal:
    if isinstance(event, DealProposed):
        proposer = Party(
            company_id=event.company_id,
            membership_id=event.membership_id,
            group_id=event.group_id,
            line=event.line,
        )
        return Deal(
            id=event.deal_id,
            proposer=proposer,
            customer=event.customer,
            summary=event.summary,
            referral_id=event.referral_id,
            proposed_at=event.at,
            last_at=event.at,
        )
    assert state is not None, f"{type(event).__name__} before DealProposed"
    state = attrs.evolve(state, last_at=event.at)
    match event:
        case PartnerInvited():
            party = Party(
                company_id=event.partner_id,
                membership_id=event.membership_id,
                group_id=event.group_id,
                line=event.line,
            )
            invitation = Invitation(
                party=party, status=InvitationStatus.INVITED, invited_at=event.at
            )
            return attrs.evolve(state, invitations=(*state.invitations, invitation))
        case InvitationAccepted():
            return _answered(state, event, InvitationStatus.ACCEPTED)
        case InvitationDeclined():
            return _answered(state, event, InvitationStatus.DECLINED)
        case InvitationLapsed():
            return _answered(state, event, InvitationStatus.LAPSED)
        case DealWon():
            return attrs.evolve(state, status=DealStatus.WON, decided_at=event.at)
        case DealLost():
            return attrs.evolve(state, status=DealStatus.LOST, decided_at=event.at)
        case DealClosed():
            return attrs.evolve(state, status=DealStatus.CLOSED, closed=event)
    raise AssertionError(f"not a deal event: {event!r}")
