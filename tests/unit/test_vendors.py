"""Vendor partners: admitted in a tier for a term, renewed or ended; sponsorships that
name them; talks and sessions on a meeting's or a gathering's programme."""

from datetime import date, timedelta
from typing import Any

import pytest

from peernet.domain.common import Event
from peernet.domain.errors import InvalidValue
from peernet.domain.meetings import (
    AddSession,
    RecordSponsorship,
    SessionAdded,
    Speaker,
    SpeakerKind,
    SponsorshipRecorded,
)
from peernet.domain.money import Money
from peernet.domain.network_errors import (
    UnknownVendor,
    VendorAlreadyAdmitted,
    VendorHasEnded,
    VendorNotInProgramme,
)
from peernet.domain.situation import Situation
from peernet.domain.vendors import (
    AdmitVendor,
    EndVendor,
    RenewVendor,
    VendorAdmitted,
    VendorEnded,
    VendorRenewed,
)
from peernet.testing import T0, group_with, history, meeting_scheduled, refused, some_id, when
from peernet.testing.bodies import STAFF, chartered, vendor_admitted

VENDOR = some_id("contoso")
GROUP = some_id("htg 1")
MEETING = some_id("q1 meeting")
LATER = T0 + timedelta(days=10)


def test_a_vendor_is_admitted_for_the_charters_term() -> None:
    """Without a term of its own, the admission runs the charter's 12 months."""
    command = AdmitVendor(name="Contoso", tier="gold", vendor_id=VENDOR, actor=STAFF, at=T0)

    events: list[Any] = when(history(chartered()), command)

    assert [
        VendorAdmitted(
            vendor_id=VENDOR,
            name="Contoso",
            tier="gold",
            starts=date(2001, 1, 1),
            ends=date(2001, 12, 31),
            at=T0,
        )
    ] == events


def test_a_tier_outside_the_programme_is_refused() -> None:
    """Tiers are the charter's: a 'diamond' vendor is bad input."""
    command = AdmitVendor(name="Contoso", tier="diamond", actor=STAFF, at=T0)

    assert InvalidValue is type(refused(history(chartered()), command))


def test_a_vendor_is_admitted_once() -> None:
    """The same vendor id twice is refused."""
    command = AdmitVendor(name="Contoso", tier="gold", vendor_id=VENDOR, actor=STAFF, at=LATER)

    assert VendorAlreadyAdmitted is type(refused(history(vendor_admitted(VENDOR)), command))


def test_a_renewal_extends_the_term_from_its_end() -> None:
    """Renewed for 12 months, a term ending 31 December 2001 ends 31 December 2002."""
    command = RenewVendor(vendor_id=VENDOR, term_months=12, tier="platinum", actor=STAFF, at=LATER)

    events: list[Any] = when(history(vendor_admitted(VENDOR)), command)

    assert [
        VendorRenewed(vendor_id=VENDOR, tier="platinum", ends=date(2002, 12, 31), at=LATER)
    ] == events


def test_an_ended_vendor_cannot_be_renewed() -> None:
    """After EndVendor the vendor is out of the programme for good."""
    ended = VendorEnded(vendor_id=VENDOR, reason="merged", at=LATER)

    error = refused(
        history(vendor_admitted(VENDOR), ended),
        RenewVendor(vendor_id=VENDOR, actor=STAFF, at=LATER),
    )

    assert VendorHasEnded is type(error)


def test_ending_an_unknown_vendor_is_refused() -> None:
    """EndVendor of an id never admitted is bad input."""
    assert UnknownVendor is type(
        refused(history(), EndVendor(vendor_id=VENDOR, reason="x", actor=STAFF, at=T0))
    )


def meeting_history(*extra: Event) -> Situation:
    return history(
        *group_with(GROUP, some_id("acme")),
        meeting_scheduled(MEETING, GROUP, expected=[], starts=date(2001, 3, 1), at=T0),
        *extra,
    )


def sponsor(**fields: Any) -> RecordSponsorship:
    fields.setdefault("amount", Money("500", "USD"))
    return RecordSponsorship(meeting_id=MEETING, actor=STAFF, at=LATER, **fields)


def test_a_sponsorship_names_the_vendor_and_reads_its_name() -> None:
    """The vendor's name is the sponsor's; the event keeps the vendor's id."""
    events: list[Any] = when(meeting_history(vendor_admitted(VENDOR)), sponsor(vendor_id=VENDOR))

    assert [("Contoso", VENDOR)] == [
        (e.sponsor, e.vendor_id) for e in events if isinstance(e, SponsorshipRecorded)
    ]


def test_a_sponsor_outside_the_programme_stays_free_text() -> None:
    """A sponsor named in words alone is recorded with no vendor."""
    events: list[Any] = when(meeting_history(), sponsor(sponsor="Local Bank"))

    assert [("Local Bank", None)] == [(e.sponsor, e.vendor_id) for e in events]


def test_a_vendor_out_of_its_term_cannot_sponsor() -> None:
    """A sponsorship dated after the vendor's term ended is refused, naming the day."""
    admitted = vendor_admitted(VENDOR, at=T0 - timedelta(days=400))

    error = refused(meeting_history(admitted), sponsor(vendor_id=VENDOR))

    assert (VendorNotInProgramme, LATER.date()) == (type(error), error.details["on"])


def test_a_sponsorship_names_someone() -> None:
    """Neither vendor nor sponsor: the command itself is bad input."""
    with pytest.raises(InvalidValue) as raised:
        sponsor()

    assert "sponsor" == raised.value.details["field"]


def talk(**speaker: Any) -> AddSession:
    return AddSession(
        title="The cloud and you",
        theme="cloud computing",
        speaker=Speaker(**speaker),
        meeting_id=MEETING,
        actor=STAFF,
        at=LATER,
    )


def test_a_vendors_talk_is_on_the_meetings_programme() -> None:
    """A vendor partner's speaker, in the programme, gives a session."""
    events: list[Any] = when(
        meeting_history(vendor_admitted(VENDOR)),
        talk(name="Pat", kind=SpeakerKind.VENDOR, vendor_id=VENDOR),
    )

    assert [("The cloud and you", "cloud computing", VENDOR)] == [
        (e.title, e.theme, e.speaker.vendor_id) for e in events if isinstance(e, SessionAdded)
    ]


def test_a_microsoft_speaker_needs_no_vendor() -> None:
    """A speaker for Microsoft, not a member, is on the programme."""
    events: list[Any] = when(meeting_history(), talk(name="Sam", kind=SpeakerKind.MICROSOFT))

    assert [SpeakerKind.MICROSOFT] == [e.speaker.kind for e in events]


def test_a_vendor_speaker_names_the_vendor() -> None:
    """A vendor partner's speaker with no vendor is bad input."""
    assert InvalidValue is type(
        refused(meeting_history(), talk(name="Pat", kind=SpeakerKind.VENDOR))
    )
