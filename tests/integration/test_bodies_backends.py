"""The network's own bodies through the facade, on every backend: the staff charter the
network, the members elect a committee that takes over, its resolutions write what they
change, vendors sponsor and speak, and a company's people are forgotten with it."""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from peernet import (
    AddSession,
    AdmitVendor,
    ApplyForMembership,
    CallElection,
    CastElectionBallot,
    CharterNetwork,
    CountElection,
    ForgetCompany,
    FormGroup,
    GroupFormed,
    NameRepresentative,
    Network,
    NetworkCharter,
    Nominee,
    PassResolution,
    PersonRole,
    RecordSponsorship,
    RegisterCompany,
    ReservedToCommittee,
    Resign,
    ResolutionPassed,
    ScheduleGathering,
    SignAgreement,
    Speaker,
    SpeakerKind,
    TakeSeat,
)
from peernet.domain.money import Money
from peernet.testing import T0, nothing_recorded, profile, some_id

OpenNetwork = Callable[..., Network]
GROUP = some_id("htg 1")
COMPANIES = [some_id(f"member {n}") for n in range(3)]
STAFF = "arlin"
VOTED = T0 + timedelta(days=30)


def founded(network: Network) -> list[Nominee]:
    """A chartered network, a group of three members each naming an executive."""
    network.execute(CharterNetwork(charter=NetworkCharter(staff={STAFF}), actor=STAFF, at=T0))
    network.execute(FormGroup(name="HTG 1", group_id=GROUP, actor=STAFF, at=T0))
    nominees = []
    for n, company in enumerate(COMPANIES):
        network.execute(
            RegisterCompany(
                profile=profile(f"Co {n}", region=f"r{n}"), company_id=company, actor=STAFF, at=T0
            )
        )
        seat = network.execute(
            ApplyForMembership(company_id=company, group_id=GROUP, actor=STAFF, at=T0)
        )[0].event.membership_id  # type: ignore[attr-defined]
        network.execute(SignAgreement(membership_id=seat, actor=STAFF, at=T0))
        network.execute(TakeSeat(membership_id=seat, actor=STAFF, at=T0))
        person = network.execute(
            NameRepresentative(
                company_id=company,
                name=f"Exec {n}",
                role=PersonRole.EXECUTIVE,
                actor=STAFF,
                at=T0,
            )
        )[0].event.person_id  # type: ignore[attr-defined]
        nominees.append(Nominee(person_id=person, company_id=company))
    return nominees


def elected(network: Network) -> list[Nominee]:
    nominees = founded(network)
    election = some_id("election")
    network.execute(
        CallElection(
            nominees=tuple(nominees), deadline=VOTED, election_id=election, actor=STAFF, at=T0
        )
    )
    for company in COMPANIES:
        network.execute(
            CastElectionBallot(
                election_id=election, company_id=company, in_favour=True, actor="m", at=T0
            )
        )
    network.execute(CountElection(election_id=election, actor=STAFF, at=VOTED))
    return nominees


def test_an_elected_committee_takes_over_from_the_staff(
    store_url: str, open_network: OpenNetwork
) -> None:
    """After the count the committee sits; the staff's FormGroup is refused, recording nothing."""
    network = open_network(store_url)
    elected(network)

    committee = network.committee(on=VOTED)
    with nothing_recorded(network), pytest.raises(ReservedToCommittee):
        network.execute(FormGroup(name="HTG 2", actor=STAFF, at=VOTED))

    assert ("committee", 3, VOTED.date()) == (
        committee.acting,
        len(committee.seated),
        committee.since,
    )


def test_a_resolution_and_the_group_it_forms_are_one_write(
    store_url: str, open_network: OpenNetwork
) -> None:
    """One command, one correlation: ResolutionPassed and GroupFormed together."""
    network = open_network(store_url)
    voters = [n.person_id for n in elected(network)]

    recorded = network.execute(
        PassResolution(
            proposed_by=voters[0],
            in_favour=voters,
            act=FormGroup(name="HTG 2", actor="committee", at=VOTED),
            actor="committee",
            at=VOTED,
        )
    )

    assert ([ResolutionPassed, GroupFormed], 1) == (
        [type(r.event) for r in recorded],
        len({r.command_id for r in recorded}),
    )
    assert ["HTG 1", "HTG 2"] == [g.name for g in network.groups()]


def test_a_vendors_sponsorships_and_talks_are_its_figures(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Sponsorship per year, talks and the cost offset of what it sponsored."""
    network = open_network(store_url)
    founded(network)
    vendor = network.execute(AdmitVendor(name="Contoso", tier="gold", actor=STAFF, at=T0))[
        0
    ].event.vendor_id  # type: ignore[attr-defined]
    gathering = network.execute(
        ScheduleGathering(
            name="Summit",
            venue="Dallas",
            starts=date(2001, 3, 1),
            ends=date(2001, 3, 2),
            actor=STAFF,
            at=T0,
        )
    )[0].event.gathering_id  # type: ignore[attr-defined]
    network.execute(
        RecordSponsorship(
            vendor_id=vendor,
            amount=Money("1500", "USD"),
            gathering_id=gathering,
            actor=STAFF,
            at=T0,
        )
    )
    network.execute(
        AddSession(
            title="Cloud",
            speaker=Speaker(name="Pat", kind=SpeakerKind.VENDOR, vendor_id=vendor),
            gathering_id=gathering,
            actor=STAFF,
            at=T0,
        )
    )

    view = network.vendor(vendor, on=date(2001, 3, 1))

    assert (((2001, Decimal("1500")),), 1, True) == (view.by_year, view.talks, view.in_programme)


def test_people_are_forgotten_with_their_company(store_url: str, open_network: OpenNetwork) -> None:
    """With a key, a forgotten company's people read `forgotten`, their roles kept."""
    pytest.importorskip("cryptography")
    from peernet.adapters.keys import new_key  # noqa: PLC0415 - needs the encryption extra

    network = open_network(store_url, key=new_key())
    founded(network)
    company = COMPANIES[0]
    membership = network.company(company).memberships[0].membership_id
    network.execute(Resign(membership_id=membership, actor=STAFF, at=VOTED))
    network.execute(ForgetCompany(company_id=company, actor=STAFF, at=VOTED))

    people = network.people(company)

    assert [("forgotten", PersonRole.EXECUTIVE)] == [(p.name, p.role) for p in people]
