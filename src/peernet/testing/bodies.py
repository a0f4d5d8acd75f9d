"""Builders of the network's own bodies: its charter, people of member companies, the
leadership committee and vendor partners, dated `T0` unless given `at=`::

    seats = committee(3)                      # three companies, a person each, all seated
    events = history(chartered(staff={"office"}), *seats.events)
    refused(events, PassResolution(proposed_by=seats.people[0], ...))
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

from peernet.domain.common import Event, months_after
from peernet.domain.companies import PersonRole, RepresentativeNamed
from peernet.domain.governance import CommitteeMemberSeated, NetworkChartered
from peernet.domain.network_charter import CommitteeRole, NetworkCharter
from peernet.domain.vendors import VendorAdmitted
from peernet.testing.builders import T0, registered, some_id

#: the staff the builders charter a network with unless told otherwise
STAFF = "office"


def chartered(*, at: datetime = T0, **rules: Any) -> NetworkChartered:
    """The network chartered with `rules` (staff: {"office"} unless given)."""
    rules.setdefault("staff", {STAFF})
    return NetworkChartered(charter=NetworkCharter(**rules), at=at)


def person_of(company_id: UUID, n: int = 0) -> UUID:
    """The id the builders give a company's `n`th person."""
    return some_id(f"person {n} of {company_id}")


def named(
    company_id: UUID,
    n: int = 0,
    *,
    name: str | None = None,
    role: PersonRole = PersonRole.EXECUTIVE,
    at: datetime = T0,
) -> RepresentativeNamed:
    """The company names its `n`th person (an executive unless told otherwise)."""
    return RepresentativeNamed(
        company_id=company_id,
        person_id=person_of(company_id, n),
        name=name or f"person {n}",
        role=role,
        at=at,
    )


def seated(
    company_id: UUID,
    *,
    role: CommitteeRole = CommitteeRole.MEMBER,
    at: datetime = T0,
    term_months: int = 24,
) -> CommitteeMemberSeated:
    """The company's first person takes a committee seat for a term of `term_months`."""
    return CommitteeMemberSeated(
        person_id=person_of(company_id),
        company_id=company_id,
        role=role,
        term_ends=months_after(at, term_months).date(),
        at=at,
    )


@attrs.frozen
class Committee:
    """What `committee(n)` builds: the events, and the people seated, chair first."""

    events: list[Event]
    people: list[UUID]
    companies: list[UUID]


def committee(size: int, *, at: datetime = T0, label: str = "committee") -> Committee:
    """`size` companies, each naming a person, all seated on the committee (the first as
    chair) at `at`; the companies are registered and their people named just before."""
    before = at - timedelta(days=1)
    companies = [some_id(f"{label} {n}") for n in range(size)]
    events: list[Event] = []
    for company_id in companies:
        events += [registered(company_id, at=before), named(company_id, at=before)]
    for n, company_id in enumerate(companies):
        role = CommitteeRole.CHAIR if n == 0 else CommitteeRole.MEMBER
        events.append(seated(company_id, role=role, at=at))
    return Committee(events, [person_of(c) for c in companies], companies)


def vendor_admitted(
    vendor_id: UUID,
    name: str = "Contoso",
    *,
    tier: str = "gold",
    at: datetime = T0,
    months: int = 12,
) -> VendorAdmitted:
    """A vendor in the programme from the day of `at` for `months`."""
    return VendorAdmitted(
        vendor_id=vendor_id,
        name=name,
        tier=tier,
        starts=at.date(),
        ends=(months_after(at, months) - timedelta(days=1)).date(),
        at=at,
    )


def people_of(company_ids: Sequence[UUID]) -> list[UUID]:
    """The first person of each company, in order."""
    return [person_of(c) for c in company_ids]
