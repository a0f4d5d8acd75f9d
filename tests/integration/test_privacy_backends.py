"""Encryption at rest and forgetting, on every backend: the store holds no company name
or representative in the clear; forgetting a company leaves every view, figure, tally
and the audit chain as they were, and its key gone; a wrong or missing key is one clear
error."""

import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import psycopg
import pytest
from psycopg import sql

from peernet import (
    ApplicantWaitlisted as Waitlisted,
    ApplyForMembership,
    ChangeCompanyProfile,
    CompanyProfileChanged,
    CompanyRegistered,
    CompanyStillMember,
    CompanyView,
    CompanyWasForgotten,
    EncryptionOff,
    ForgetCompany,
    FormGroup,
    GroupFormat,
    GroupKind,
    InvalidKey,
    KeyRequired,
    MembershipApplied,
    Money,
    Network,
    RegisterCompany,
    Resign,
    SignAgreement,
    SubmitFinancials,
    TakeSeat,
    WrongKey,
    is_forgotten,
)
from peernet.adapters.keys import TOMBSTONE, new_key
from peernet.adapters.readmodels import ReadModels
from peernet.demo import build_demo
from peernet.domain.common import forget
from peernet.domain.memberships import MembershipStatus
from peernet.projections import PROJECTIONS, GroupHistories, Period, retention, turnover
from peernet.projections.financials import EBITDA
from peernet.testing import profile

KEY = new_key()
FORGOTTEN_AT = datetime(2010, 1, 15, tzinfo=UTC)
YEARS = 3


def raw_store(url: str) -> bytes:
    """Every byte the store keeps: the SQLite files, or PostgreSQL's events and keys."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    if url.startswith("postgresql://"):
        schema = url.split("schema=")[1]
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test") as connection:
            rows = connection.execute(
                sql.SQL("SELECT state FROM {}.peernet_events").format(sql.Identifier(schema))
            ).fetchall()
            keys = connection.execute(
                sql.SQL("SELECT sealed FROM {}.peernet_keys").format(sql.Identifier(schema))
            ).fetchall()
        return b"".join(bytes(r[0]) for r in rows + keys)
    pytest.skip("a memory store has no bytes to search")


def departed(network: Network) -> UUID:
    """A company of the demo that left every group it was in."""
    for company in network.companies():
        statuses = [m.status for m in company.memberships]
        if statuses and not any(s.open for s in statuses):
            return company.company_id
    raise AssertionError("the demo has no departed company")


def blanked(company: CompanyView) -> CompanyView:
    """A company without what forgetting it takes away: its personal fields, and the
    words it gave for leaving (a status stays)."""
    memberships = tuple(attrs.evolve(m, departure=None) for m in company.memberships)
    return attrs.evolve(company, profile=forget(company.profile), memberships=memberships)


def snapshot(network: Network) -> dict[str, Any]:
    """Everything that is not confidential: groups, rosters, companies with their
    personal fields and words blanked, accounts, motions and their tallies, every read
    model, the turnover and retention of each year."""
    models = ReadModels(network)
    views = {name: models.views(name) for name in PROJECTIONS}
    histories = views[GroupHistories.name].values()
    groups = network.groups()
    companies = network.companies()
    return {
        "groups": groups,
        "rosters": [attrs.evolve(network.roster(g.group_id)) for g in groups],
        "companies": [blanked(c) for c in companies],
        "accounts": [network.account(c.company_id) for c in companies],
        "motions": [network.group_motions(g.group_id) for g in groups],
        "views": views,
        "turnover": [turnover(histories, Period.year(y)) for y in range(2001, 2001 + YEARS)],
        "retention": [retention(histories, Period.year(y)) for y in range(2001, 2001 + YEARS)],
    }


@pytest.fixture
def demo(store_url: str, open_network: Callable[..., Network]) -> Network:
    network = open_network(store_url, key=KEY)
    build_demo(network, years=YEARS)
    return network


def test_the_store_holds_no_company_name_or_representative(demo: Network) -> None:
    """A search of the raw store for every name and representative finds nothing, not
    even as the actor of the acts the demo records on a company's behalf: those actors
    are sealed under the company's key (docs/confidentiality.md)."""
    personal = {c.name for c in demo.companies()}
    personal |= {r for c in demo.companies() for r in c.profile.representatives}
    stored = raw_store(demo.url)

    found = [p for p in sorted(personal) if p.encode() in stored]

    assert len(personal) > 40
    assert [] == found


def test_a_waitlist_reason_does_not_name_the_competitor(demo: Network) -> None:
    """The wait-list reason is written by the rules in the clear: it names the competing
    member by id (`competitor_id`), never by name."""
    reasons = {r.event.reason for r in demo.recorded() if isinstance(r.event, Waitlisted)}
    names = {c.name for c in demo.companies()}

    assert [] == [r for r in reasons if any(n in r for n in names)]


def test_a_store_whose_actors_are_roles_holds_no_personal_text_at_all(
    store_url: str, open_network: Callable[..., Network]
) -> None:
    """Registered and renamed by the office: neither name nor contact is in the store."""
    network = open_network(store_url, key=KEY)
    acme = attrs.evolve(profile("Acme Networks"), representatives=("Pat Pryor",))
    command = RegisterCompany(profile=acme, actor="network office", at=FORGOTTEN_AT)
    network.execute(command)
    network.execute(
        ChangeCompanyProfile(
            company_id=command.company_id,
            profile=attrs.evolve(acme, name="Acme Cloud", representatives=("Lee Wu",)),
            actor="network office",
            at=FORGOTTEN_AT,
        )
    )
    stored = raw_store(network.url)

    assert [] == [p for p in ("Acme", "Pat Pryor", "Lee Wu") if p.encode() in stored]
    assert "Acme Cloud" == network.company(command.company_id).name


def test_forgetting_leaves_every_view_figure_and_the_chain_as_they_were(demo: Network) -> None:
    """After ForgetCompany: the same views, figures, tallies; verify passes through the
    earlier head; only the company's name and representatives read as forgotten."""
    company_id = departed(demo)
    before = snapshot(demo)
    checked = demo.verify()
    profile_before = demo.company(company_id).profile

    demo.execute(ForgetCompany(company_id=company_id, actor="privacy office", at=FORGOTTEN_AT))

    assert before == snapshot(demo)
    after = demo.verify(expect_head=checked.head)
    assert (True, checked.events + 1) == (after.ok, after.events)
    forgotten = demo.company(company_id).profile
    assert forget(profile_before) == forgotten
    assert (True, True) == (is_forgotten(forgotten.name), is_forgotten(forgotten.representatives))


def test_the_forgotten_key_is_gone_and_its_fields_cannot_be_opened(
    demo: Network, open_network: Callable[..., Network]
) -> None:
    """The key row becomes a tombstone, the raw store holds no copy of the sealed key,
    and the master key read afresh from the store opens nothing of the company."""
    company_id = departed(demo)
    keys = demo.codec.keys
    assert keys is not None
    sealed_key = keys.table.get(company_id)
    assert sealed_key is not None
    name = demo.company(company_id).name

    demo.execute(ForgetCompany(company_id=company_id, actor="privacy office", at=FORGOTTEN_AT))

    assert TOMBSTONE == keys.table.get(company_id)
    if not demo.url.startswith("memory"):
        assert sealed_key not in raw_store(demo.url)
        reopened = open_network(demo.url, key=KEY)
        assert is_forgotten(reopened.company(company_id).name)
        assert name not in {c.name for c in reopened.companies()}
    profiles = [
        r.event.profile
        for r in demo.recorded()
        if isinstance(r.event, CompanyRegistered | CompanyProfileChanged)
        and r.event.company_id == company_id
    ]
    assert profiles
    assert [] == [p for p in profiles if not is_forgotten(p.name)]


def test_a_company_is_forgotten_once_and_then_takes_no_part(demo: Network) -> None:
    """A second ForgetCompany is refused, as is a profile change or an application."""
    company_id = departed(demo)
    demo.execute(ForgetCompany(company_id=company_id, actor="privacy office", at=FORGOTTEN_AT))

    with pytest.raises(CompanyWasForgotten):
        demo.execute(ForgetCompany(company_id=company_id, actor="privacy office", at=FORGOTTEN_AT))


def test_a_member_must_leave_its_groups_before_it_is_forgotten(demo: Network) -> None:
    """Forgetting an active member is refused: its peers know it by its name."""
    member = next(
        c
        for c in demo.companies()
        if any(m.status is MembershipStatus.ACTIVE for m in c.memberships)
    )
    head = demo.recorder.max_notification_id()

    with pytest.raises(CompanyStillMember, match="must leave every group"):
        demo.execute(ForgetCompany(company_id=member.company_id, actor="office", at=FORGOTTEN_AT))
    assert head == demo.recorder.max_notification_id()


def test_forgetting_on_a_store_without_encryption_is_refused(
    store_url: str, open_network: Callable[..., Network], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No key: the fields are in the clear, so ForgetCompany says so and records nothing."""
    monkeypatch.delenv("PEERNET_KEY", raising=False)
    network = open_network(store_url)
    acme = RegisterCompany(profile=profile("Acme"), actor="office", at=FORGOTTEN_AT)
    network.execute(acme)

    with pytest.raises(EncryptionOff, match="not encrypted"):
        network.execute(ForgetCompany(company_id=acme.company_id, actor="office", at=FORGOTTEN_AT))
    assert 1 == network.recorder.max_notification_id()


def test_every_backend_tells_the_same_story_after_forgetting(
    store_url: str, open_network: Callable[..., Network]
) -> None:
    """The same demo and the same forgetting give the same views on every backend."""
    network = open_network(store_url, key=KEY)
    build_demo(network, years=YEARS)
    network.execute(
        ForgetCompany(company_id=departed(network), actor="privacy office", at=FORGOTTEN_AT)
    )

    found = snapshot(network)
    names = sorted(c.name for c in network.companies())

    assert 1 == names.count("forgotten")
    assert len(found["companies"]) == len(names)
    assert date(2001, 1, 1) <= found["groups"][0].formed_at.date()


def test_a_wrong_a_missing_or_a_malformed_key_is_one_clear_error(
    durable_url: str, open_network: Callable[..., Network], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another key: WrongKey; none: KeyRequired; not a key: InvalidKey; each one line."""
    monkeypatch.delenv("PEERNET_KEY", raising=False)
    network = open_network(durable_url, key=KEY)
    network.execute(RegisterCompany(profile=profile("Acme"), actor="office", at=FORGOTTEN_AT))
    network.close()

    errors = []
    for key, error in ((new_key(), WrongKey), (None, KeyRequired), ("not a key!", InvalidKey)):
        with pytest.raises(error) as refused:
            open_network(durable_url, key=key)
        errors.append(str(refused.value))

    assert [1, 1, 1] == [len(e.splitlines()) for e in errors]
    assert "does not open store" in errors[0]
    assert "PEERNET_KEY" in errors[1]


def test_the_key_can_come_from_a_file_the_url_names(
    tmp_path: Path, open_network: Callable[..., Network], monkeypatch: pytest.MonkeyPatch
) -> None:
    """?key_file=PATH reads the master key from a file; PEERNET_KEY is the fallback."""
    monkeypatch.delenv("PEERNET_KEY", raising=False)
    key_file = tmp_path / "peernet.key"
    key_file.write_text(KEY + "\n")
    url = f"sqlite:///{tmp_path / 'n.db'}"
    network = open_network(f"{url}?key_file={key_file}")
    network.execute(RegisterCompany(profile=profile("Acme"), actor="office", at=FORGOTTEN_AT))

    monkeypatch.setenv("PEERNET_KEY", KEY)
    assert ["Acme"] == [c.name for c in open_network(url).companies()]
    with sqlite3.connect(tmp_path / "n.db") as db:
        assert 2 == db.execute("SELECT count(*) FROM peernet_keys").fetchone()[0]


def test_financials_are_sealed_and_a_forgotten_company_leaves_the_benchmarks(
    store_url: str, open_network: Callable[..., Network]
) -> None:
    """No revenue figure lies in the raw store; once its company is forgotten, its
    figures no longer count, and the others' benchmarks and the chain still hold."""
    network = open_network(store_url, key=KEY)
    at, later = datetime(2008, 1, 5, tzinfo=UTC), datetime(2008, 4, 5, tzinfo=UTC)
    group = network.execute(
        FormGroup(name="G", format=GroupFormat.IN_PERSON, kind=GroupKind.CORE, actor="s", at=at)
    )[0].stream_id
    members = []
    for i in range(6):
        company = network.execute(
            RegisterCompany(profile=profile(f"Co {i}", region=f"r{i}"), actor="s", at=at)
        )[0].stream_id
        applied = network.execute(
            ApplyForMembership(company_id=company, group_id=group, actor="s", at=at)
        )
        event = applied[0].event
        assert isinstance(event, MembershipApplied)
        membership = event.membership_id
        network.execute(SignAgreement(membership_id=membership, actor="s", at=at))
        network.execute(TakeSeat(membership_id=membership, actor="s", at=at))
        members.append((membership, company))

    def usd(amount: str) -> Money:
        return Money(amount, "USD")

    for i, (membership, _) in enumerate(members):
        network.execute(
            SubmitFinancials(
                membership_id=membership,
                quarter="2008Q1",
                revenue=usd(f"7654321.0{i}"),
                gross_profit=usd("3000000.00"),
                ebitda=usd(f"{600000 + 1000 * i}.00"),
                recurring_revenue=usd("2000000.00"),
                service_wages=usd("1000000.00"),
                head_count=40,
                actor="m",
                at=later,
            )
        )
    if not store_url.startswith("memory"):
        assert b"7654321.0" not in raw_store(store_url)
    before = network.benchmarks("2008Q1")
    membership, company = members[0]
    network.execute(Resign(membership_id=membership, reason="sold", actor="m", at=later))
    network.execute(ForgetCompany(company_id=company, actor="s", at=later))

    after = network.benchmarks("2008Q1")

    assert 6 == before.metric(EBITDA).network.contributors
    assert 5 == after.metric(EBITDA).network.contributors
    # the five left, sorted by margin: the median is the third, 603,000 on 7,654,321.03
    assert Fraction("603000.00") / Fraction("7654321.03") == after.metric(EBITDA).network.value
    assert network.verify().ok


def test_building_the_demo_again_after_a_forgetting_records_nothing_new(demo: Network) -> None:
    """Every command the demo sends again is recognised as the one it sent, although the
    forgotten company's name now reads "forgotten" in the actors it rebuilds."""
    demo.execute(ForgetCompany(company_id=departed(demo), actor="privacy office", at=FORGOTTEN_AT))
    head = demo.recorder.max_notification_id()

    again = build_demo(demo, years=YEARS)

    assert (0, head) == (again.new_events, demo.recorder.max_notification_id())
