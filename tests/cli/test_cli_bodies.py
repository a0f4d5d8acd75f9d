"""The network's bodies on the command line: committee, resolutions, vendors, vendor,
people and programme, each in words and in JSON, on a SQLite store."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from peernet import (
    AddSession,
    AdmitVendor,
    ApplyForMembership,
    CharterNetwork,
    FormGroup,
    GroupFormat,
    HoldGraduation,
    NameRepresentative,
    Network,
    NetworkCharter,
    Nominee,
    PassResolution,
    PersonRole,
    RecordSponsorship,
    RegisterCompany,
    ScheduleGathering,
    Selection,
    SignAgreement,
    Speaker,
    SpeakerKind,
    TakeSeat,
)
from peernet.cli import cli
from peernet.domain.governance import AppointCommitteeMember
from peernet.domain.money import Money
from peernet.testing import profile

START = datetime(2007, 1, 1, tzinfo=UTC)
STAFF = "arlin"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def seat(network: Network, company_id: object, group_id: object, at: datetime) -> None:
    m = network.execute(
        ApplyForMembership(company_id=company_id, group_id=group_id, actor=STAFF, at=at)  # type: ignore[arg-type]
    )[0].event.membership_id  # type: ignore[attr-defined]
    network.execute(SignAgreement(membership_id=m, actor=STAFF, at=at))
    network.execute(TakeSeat(membership_id=m, actor=STAFF, at=at))


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A network with a staff, an appointed committee of two, a vendor who sponsored and
    spoke at a gathering, and a virtual cohort that graduated there."""
    path: Path = tmp_path_factory.mktemp("bodies") / "network.db"
    store = f"sqlite:///{path}"
    network = Network(store)
    charter = NetworkCharter(staff={STAFF}, selection=Selection.APPOINTED, committee_seats=5)
    network.execute(CharterNetwork(charter=charter, actor=STAFF, at=START))
    core = network.execute(FormGroup(name="HTG 1", actor=STAFF, at=START))[0].event.group_id  # type: ignore[attr-defined]
    online = network.execute(
        FormGroup(name="SBS Online", format=GroupFormat.VIRTUAL, actor=STAFF, at=START)
    )[0].event.group_id  # type: ignore[attr-defined]
    people = []
    for n, name in enumerate(("Acme IT", "Globex")):
        company = network.execute(
            RegisterCompany(profile=profile(name, region=f"r{n}"), actor=STAFF, at=START)
        )[0].event.company_id  # type: ignore[attr-defined]
        seat(network, company, core, START)
        person = network.execute(
            NameRepresentative(
                company_id=company,
                name=f"Exec {n}",
                role=PersonRole.EXECUTIVE,
                actor=STAFF,
                at=START,
            )
        )[0].event.person_id  # type: ignore[attr-defined]
        people.append(Nominee(person_id=person, company_id=company))
    sbs = network.execute(
        RegisterCompany(profile=profile("Initech", region="r9"), actor=STAFF, at=START)
    )[0].event.company_id  # type: ignore[attr-defined]
    seat(network, sbs, online, START)
    vendor = network.execute(
        AdmitVendor(name="Contoso", tier="gold", term_months=36, actor=STAFF, at=START)
    )[0].event.vendor_id  # type: ignore[attr-defined]
    wpc = network.execute(
        ScheduleGathering(
            name="WPC 2008",
            venue="Houston",
            starts=date(2008, 7, 7),
            ends=date(2008, 7, 10),
            actor=STAFF,
            at=START,
        )
    )[0].event.gathering_id  # type: ignore[attr-defined]
    network.execute(
        RecordSponsorship(
            vendor_id=vendor, amount=Money("2000", "USD"), gathering_id=wpc, actor=STAFF, at=START
        )
    )
    network.execute(
        AddSession(
            title="Cloud",
            speaker=Speaker(name="Pat", kind=SpeakerKind.VENDOR, vendor_id=vendor),
            gathering_id=wpc,
            actor=STAFF,
            at=START,
        )
    )
    network.execute(
        HoldGraduation(
            group_id=online, gathering_id=wpc, actor=STAFF, at=datetime(2008, 7, 8, tzinfo=UTC)
        )
    )
    later = datetime(2008, 8, 1, tzinfo=UTC)
    for nominee in people:
        network.execute(AppointCommitteeMember(nominee=nominee, actor=STAFF, at=later))
    ids = [n.person_id for n in people]
    network.execute(
        PassResolution(
            proposed_by=ids[0],
            in_favour=ids,
            act=FormGroup(name="HTG 2", actor="committee", at=later),
            actor="committee",
            at=later + timedelta(days=1),
        )
    )
    network.close()
    return store


def test_committee_shows_who_acts_and_the_seats(url: str) -> None:
    """On the network's last act the committee sits, with both appointed members."""
    result = run("committee", "--db", url)

    assert 0 == result.exit_code, result.output
    assert "run by its committee since 2008-08-01" in result.stdout
    assert "Exec 0" in result.stdout


def test_committee_on_a_day_before_it_sat_shows_the_staff(url: str) -> None:
    """--on a day before the first seat: the staff act, no seat held."""
    data = json.loads(run("committee", "--on", "2008-01-01", "--db", url, "--json").stdout)

    assert ("staff", []) == (data["acting"], data["seated"])


def test_resolutions_lists_the_committees_decisions(url: str) -> None:
    """The resolution that formed HTG 2, passed, in JSON."""
    data = json.loads(run("resolutions", "--db", url, "--json").stdout)

    assert [("form a group", True)] == [(r["kind"], r["passed"]) for r in data]


def test_vendors_counts_the_programme_against_its_target(url: str) -> None:
    """One vendor in the programme of a target of 20."""
    data = json.loads(run("vendors", "--db", url, "--json").stdout)

    assert (1, 20, "Contoso") == (data["in_programme"], data["target"], data["vendors"][0]["name"])


def test_vendor_shows_sponsorship_by_year_and_cost_offset(url: str) -> None:
    """Contoso gave 2,000 in 2008 and spoke once; the gathering cost nothing else."""
    data = json.loads(run("vendor", "contoso", "--db", url, "--json").stdout)

    assert ([[2008, "2000"]], 1) == (data["by_year"], data["talks"])
    assert Decimal("2000") == Decimal(data["sponsored"])


def test_an_unknown_vendor_is_one_line_and_exit_two(url: str) -> None:
    """A vendor nobody admitted: bad input."""
    result = run("vendor", "nobody", "--db", url)

    assert (2, 1) == (result.exit_code, len(result.stderr.splitlines()))


def test_people_lists_a_companys_representatives(url: str) -> None:
    """Acme IT named its executive."""
    data = json.loads(run("people", "Acme IT", "--db", url, "--json").stdout)

    assert [("Exec 0", "executive")] == [(p["name"], p["role"]) for p in data]


def test_programme_shows_the_cohort_and_its_ceremony(url: str) -> None:
    """SBS Online's cohort graduated at WPC 2008."""
    result = run("programme", "--db", url)

    assert 0 == result.exit_code, result.output
    assert "graduation 2008-07-08 at WPC 2008: 1 graduate" in result.stdout


def test_programme_in_json_names_the_graduate(url: str) -> None:
    """The cohort member's status is graduated."""
    data = json.loads(run("programme", "--db", url, "--json").stdout)

    assert [["Initech", "graduated"]] == [[m["company"], m["status"]] for m in data[0]["cohort"]]


def test_every_bodies_listing_takes_json(url: str) -> None:
    """Each command prints valid JSON with --json."""
    for args in (["committee"], ["resolutions"], ["vendors"], ["programme"]):
        assert isinstance(json.loads(run(*args, "--db", url, "--json").stdout), dict | list)
