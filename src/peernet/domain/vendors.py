"""Vendor partners: vendors in the network's formal programme, each its own stream.

A vendor is admitted to the programme (by the staff before the committee sits, by a
resolution of the committee after), in a tier, for a term; it is renewed or its
membership of the programme ends. Sponsorships of meetings and gatherings name the
vendor (`RecordSponsorship.vendor_id`), which must be in the programme that day; a
vendor's talk is a session on a meeting's or a gathering's programme
(`peernet.domain.meetings.AddSession`).
"""

from datetime import date, datetime
from uuid import UUID, uuid4

import attrs

from peernet.domain.common import Command, Event, non_empty
from peernet.domain.network_errors import UnknownVendor, VendorHasEnded

# --- commands -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class AdmitVendor(Command):
    """Admit a vendor to the partner programme, in a tier, for a term (months; None: the
    network charter's `vendor_term_months`) beginning on the day of `at`."""

    name: str = attrs.field(validator=non_empty)
    tier: str = attrs.field(validator=non_empty)
    term_months: int | None = None
    vendor_id: UUID = attrs.field(factory=uuid4)


@attrs.frozen(kw_only=True)
class RenewVendor(Command):
    """Extend a vendor's term from its current end (a tier given changes it too)."""

    vendor_id: UUID
    term_months: int | None = None
    tier: str | None = None


@attrs.frozen(kw_only=True)
class EndVendor(Command):
    """The vendor leaves the programme from the day of `at`."""

    vendor_id: UUID
    reason: str = attrs.field(validator=non_empty)


# --- events ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class VendorEvent(Event):
    home = "vendor_id"
    vendor_id: UUID


@attrs.frozen(kw_only=True)
class VendorAdmitted(VendorEvent):
    name: str
    tier: str
    #: the first and the last day of the term
    starts: date
    ends: date


@attrs.frozen(kw_only=True)
class VendorRenewed(VendorEvent):
    tier: str
    #: the new last day of the term
    ends: date


@attrs.frozen(kw_only=True)
class VendorEnded(VendorEvent):
    reason: str


# --- state ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Vendor:
    id: UUID
    name: str
    tier: str
    starts: date
    ends: date
    last_at: datetime
    ended_on: date | None = None
    ended_because: str | None = None
    renewals: int = 0

    def in_programme(self, on: date) -> bool:
        """Whether the vendor is a partner on the day `on`."""
        if on < self.starts or on > self.ends:
            return False
        return self.ended_on is None or on < self.ended_on


def require(state: Vendor | None, vendor_id: UUID) -> Vendor:
    """The vendor, admitted and not ended, or the error that says why not."""
    if state is None:
        raise UnknownVendor(vendor_id=vendor_id)
    if state.ended_on is not None:
        raise VendorHasEnded(vendor_id=vendor_id, on=state.ended_on)
    return state


def evolve(state: Vendor | None, event: VendorEvent) -> Vendor:
    if isinstance(event, VendorAdmitted):
        return Vendor(
            id=event.vendor_id,
            name=event.name,
            tier=event.tier,
            starts=event.starts,
            ends=event.ends,
            last_at=event.at,
        )
    assert state is not None, f"{type(event).__name__} before VendorAdmitted"
    match event:
        case VendorRenewed():
            return attrs.evolve(
                state,
                tier=event.tier,
                ends=event.ends,
                renewals=state.renewals + 1,
                last_at=event.at,
            )
        case VendorEnded():
            return attrs.evolve(
                state, ended_on=event.at.date(), ended_because=event.reason, last_at=event.at
            )
    raise AssertionError(f"not a vendor event: {event!r}")
