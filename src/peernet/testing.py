"""Test helpers for apps that embed peernet: given/when/then on the pure core,
event builders, Hypothesis strategies and a rule-based state machine.

Given/when/then, with no store at all::

    situation = given(formed(GROUP, capacity=1), registered(A), registered(B), *joined(GROUP, A))
    assert [ApplicantWaitlisted(...)] == when(situation, ApplyForMembership(...))

`refused(situation, command)` returns the error a command raises (and fails the test if
it raises none).
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID, uuid5

from peernet.domain import network
from peernet.domain.charters import Charter, GroupFormat, GroupKind
from peernet.domain.common import Command, Event, PeerNetError, Territory
from peernet.domain.companies import CompanyKind, CompanyRegistered, MembershipApplied, Profile
from peernet.domain.groups import GroupFormed
from peernet.domain.memberships import AgreementSigned, MemberJoined, SeatOffered
from peernet.domain.seats import Situation

#: the business time builders use unless told otherwise
T0 = datetime(2001, 1, 1, tzinfo=UTC)
_IDS = UUID("6f1d1bd2-2d6e-4a35-9d0e-5c1d6f1a0001")


def some_id(label: str) -> UUID:
    """A stable id for a label, so tests read `some_id("acme")` rather than a UUID."""
    return uuid5(_IDS, label)


def given(*events: Event, situation: Situation = network.INITIAL) -> Situation:
    """The situation after `events`, folded in order with the real `evolve` (onto
    `situation`, when a test builds on one)."""
    return network.replay(*events, situation=situation)


def when(situation: Situation, command: Command) -> list[Event]:
    """The events the real `decide` records for `command` in `situation`."""
    return network.decide(situation, command)


def refused(situation: Situation, command: Command) -> PeerNetError:
    """The typed error `command` is refused with; an AssertionError if it is accepted."""
    try:
        events = network.decide(situation, command)
    except PeerNetError as error:
        return error
    raise AssertionError(f"{type(command).__name__} was accepted: {events}")


def profile(
    name: str,
    *,
    country: str = "US",
    region: str | None = "texas",
    lines: Sequence[str] = ("managed services",),
    kind: CompanyKind = CompanyKind.MSP,
    head_count: int = 25,
    revenue_band: str = "1-5M",
) -> Profile:
    return Profile(
        name=name,
        kind=kind,
        territory=Territory(country, region),
        business_lines=frozenset(lines),
        head_count=head_count,
        revenue_band=revenue_band,
    )


def registered(company_id: UUID, *, at: datetime = T0, **details: object) -> CompanyRegistered:
    """`CompanyRegistered` for a company whose profile is `profile(**details)`; by default
    each company gets a region of its own, so none competes with another."""
    details.setdefault("name", f"Company {str(company_id)[:8]}")
    details.setdefault("region", f"region {company_id}")
    return CompanyRegistered(company_id=company_id, profile=profile(**details), at=at)  # type: ignore[arg-type]


def formed(
    group_id: UUID,
    *,
    name: str = "Group",
    at: datetime = T0,
    format: GroupFormat = GroupFormat.IN_PERSON,
    kind: GroupKind = GroupKind.CORE,
    territory: Territory | None = None,
    **rules: object,
) -> GroupFormed:
    """`GroupFormed` with a charter of the defaults, changed by `rules` (capacity=2...)."""
    return GroupFormed(
        group_id=group_id,
        name=name,
        format=format,
        kind=kind,
        territory=territory,
        charter=Charter(**rules),  # type: ignore[arg-type]
        at=at,
    )


def applied(
    group_id: UUID, company_id: UUID, *, core: bool = True, at: datetime = T0
) -> list[Event]:
    """The application and its seat offer, as recorded for a group with room."""
    membership_id = membership_of(group_id, company_id)
    ids = {"membership_id": membership_id, "group_id": group_id, "company_id": company_id}
    return [MembershipApplied(core=core, at=at, **ids), SeatOffered(at=at, **ids)]


def joined(
    group_id: UUID, company_id: UUID, *, core: bool = True, at: datetime = T0
) -> list[Event]:
    """Every event of a company's path into a group: applied, offered, signed, joined."""
    membership_id = membership_of(group_id, company_id)
    ids = {"membership_id": membership_id, "group_id": group_id, "company_id": company_id}
    return [
        *applied(group_id, company_id, core=core, at=at),
        AgreementSigned(at=at, **ids),
        MemberJoined(at=at, **ids),
    ]


def membership_of(group_id: UUID, company_id: UUID) -> UUID:
    """The membership id the builders above give a company in a group."""
    return uuid5(group_id, str(company_id))


def _hypothesis_setup_hook() -> None:
    """Called by Hypothesis through the `hypothesis` entry point in pyproject.toml; the
    place to register peernet's strategies for `st.from_type`."""
