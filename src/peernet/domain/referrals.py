"""Referral: a member passes an opportunity outside its own lines to another member.

Each referral is a stream of its own. It is made to a member of any group, for one line;
the receiver accepts or declines it; an accepted referral is converted into a deal the
receiver proposes (`ProposeDeal(referral_id=...)`, which records `ReferralConverted`
here in the same write); one neither converted nor declined lapses once the network
charter's `referral_days` have passed (`LapseReferral`), or at once when its receiver
leaves its group.

Every event carries the referring company's `company_id`: the customer and the free
text are sealed under its key. The decisions are in `peernet.domain.decisions.partnering`.

Pure: the standard library, attrs and sibling domain modules.
"""

import enum
from datetime import datetime
from uuid import UUID, uuid4

import attrs

from peernet.domain.common import CONFIDENTIAL, Command, Event, check_forward, non_empty
from peernet.domain.deals import normal_line
from peernet.domain.partner_errors import ReferralNotOpen, UnknownReferral


class ReferralStatus(enum.Enum):
    MADE = "made"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CONVERTED = "converted"
    LAPSED = "lapsed"

    @property
    def open(self) -> bool:
        """Neither converted, declined nor lapsed."""
        return self in (ReferralStatus.MADE, ReferralStatus.ACCEPTED)


# --- commands -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class MakeReferral(Command):
    """The member `membership_id` passes an opportunity for `line` to the member
    `to_membership_id` (any group)."""

    membership_id: UUID
    to_membership_id: UUID
    line: str = attrs.field(converter=normal_line, validator=non_empty)
    customer: str = attrs.field(validator=non_empty)
    summary: str = ""
    referral_id: UUID = attrs.field(factory=uuid4)


@attrs.frozen(kw_only=True)
class ReferralStep(Command):
    """A command about one referral."""

    referral_id: UUID


@attrs.frozen(kw_only=True)
class AcceptReferral(ReferralStep):
    pass


@attrs.frozen(kw_only=True)
class DeclineReferral(ReferralStep):
    reason: str = ""


@attrs.frozen(kw_only=True)
class LapseReferral(ReferralStep):
    """Record that a referral lapsed: its charter period is over and it was neither
    converted nor declined."""


# --- events (each in the referral's own stream) -------------------------------------------


@attrs.frozen(kw_only=True)
class ReferralEvent(Event):
    """An event of a referral's stream; `company_id` is the referring company's."""

    home = "referral_id"
    referral_id: UUID
    company_id: UUID


@attrs.frozen(kw_only=True)
class ReferralMade(ReferralEvent):
    membership_id: UUID
    group_id: UUID
    to_company_id: UUID
    to_membership_id: UUID
    to_group_id: UUID
    line: str
    customer: str = attrs.field(metadata={CONFIDENTIAL: True})
    summary: str = attrs.field(default="", metadata={CONFIDENTIAL: True})
    #: when it lapses unless converted or declined (the network charter's referral_days)
    lapses_at: datetime


@attrs.frozen(kw_only=True)
class ReferralAccepted(ReferralEvent):
    pass


@attrs.frozen(kw_only=True)
class ReferralDeclined(ReferralEvent):
    reason: str = attrs.field(default="", metadata={CONFIDENTIAL: True})


@attrs.frozen(kw_only=True)
class ReferralConverted(ReferralEvent):
    """The receiver proposed `deal_id` for it (recorded with `DealProposed`)."""

    deal_id: UUID


@attrs.frozen(kw_only=True)
class ReferralLapsed(ReferralEvent):
    reason: str


# --- state ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Referral:
    id: UUID
    made: ReferralMade
    last_at: datetime
    status: ReferralStatus = ReferralStatus.MADE
    decided_at: datetime | None = None
    deal_id: UUID | None = None

    @property
    def ids(self) -> dict[str, UUID]:
        """The ids every event of this referral carries."""
        return {"referral_id": self.id, "company_id": self.made.company_id}


def require_open(state: Referral | None, referral_id: UUID, at: datetime) -> Referral:
    if state is None:
        raise UnknownReferral(referral_id=referral_id)
    if not state.status.open:
        raise ReferralNotOpen(referral_id=referral_id, status=state.status)
    check_forward(state, at)
    return state


def evolve(state: Referral | None, event: ReferralEvent) -> Referral:
    if isinstance(event, ReferralMade):
        return Referral(id=event.referral_id, made=event, last_at=event.at)
    assert state is not None, f"{type(event).__name__} before ReferralMade"
    state = attrs.evolve(state, last_at=event.at)
    match event:
        case ReferralAccepted():
            return attrs.evolve(state, status=ReferralStatus.ACCEPTED)
        case ReferralDeclined():
            return attrs.evolve(state, status=ReferralStatus.DECLINED, decided_at=event.at)
        case ReferralConverted():
            return attrs.evolve(
                state, status=ReferralStatus.CONVERTED, decided_at=event.at, deal_id=event.deal_id
            )
        case ReferralLapsed():
            return attrs.evolve(state, status=ReferralStatus.LAPSED, decided_at=event.at)
    raise AssertionError(f"not a referral event: {event!r}")
