"""The upcasters of peernet's own events: each turns an event's stored data from an
older schema into the next (see docs/events.md, "Schema and upcasters"). Imported by
the codec, so every reader of a store knows them."""

from typing import Any

from peernet.adapters.codec import upcaster


@upcaster("peernet.SponsorshipRecorded", from_schema=1)
def sponsorship_names_its_vendor(event: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 named a sponsor in free text alone; it stays readable, with no vendor."""
    return {**event, "vendor_id": None}


def _profile_of_schema_two(event: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 profiles knew no business model, size band, ownership, vertical, partner
    level or certification: they read as not known."""
    profile = {
        "business_model": "",
        "size_band": "",
        "ownership": "",
        "vertical": "",
        "partner_level": "",
        "certifications": [],
        **event["profile"],
    }
    return {**event, "profile": profile}


upcaster("peernet.CompanyRegistered", from_schema=1)(_profile_of_schema_two)
upcaster("peernet.CompanyProfileChanged", from_schema=1)(_profile_of_schema_two)
