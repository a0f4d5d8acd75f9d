"""Companies: registering, changing a profile, acquisition, and who competes with whom."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from peernet import (
    ApplyForMembership,
    ChangeCompanyProfile,
    CompanyAcquired,
    CompanyAlreadyRegistered,
    CompanyKind,
    CompanyProfileChanged,
    CompanyRegistered,
    CompanyWasAcquired,
    DateOutOfOrder,
    InvalidInput,
    InvalidValue,
    Profile,
    RecordAcquisition,
    RegisterCompany,
    RuleViolation,
    Territory,
    UnknownCompany,
)
from peernet.testing import (
    T0,
    acquired,
    formed,
    history,
    profile,
    profile_changed,
    refused,
    registered,
    some_id,
    when,
)

ACME = some_id("acme")
BOLT = some_id("bolt")
GROUP = some_id("group")
T1 = T0 + timedelta(days=1)
T2 = T0 + timedelta(days=2)


# --- registering --------------------------------------------------------------------------


def test_registering_a_company_records_its_profile() -> None:
    """RegisterCompany records CompanyRegistered with the profile, at the command's time."""
    command = RegisterCompany(actor="clerk", at=T0, profile=profile("Acme"), company_id=ACME)

    events = when(history(), command)

    assert [CompanyRegistered(company_id=ACME, profile=profile("Acme"), at=T0)] == events


def test_registering_a_company_twice_is_refused() -> None:
    """A company id is registered once; the second registration names the id."""
    situation = history(registered(ACME))
    command = RegisterCompany(actor="clerk", at=T1, profile=profile("Acme"), company_id=ACME)

    error = refused(situation, command)

    assert (CompanyAlreadyRegistered, "unique_company_id", {"company_id": ACME}) == (
        type(error),
        error.rule,
        error.ids,
    )
    assert isinstance(error, RuleViolation)


def test_register_company_gives_a_fresh_id_when_none_is_given() -> None:
    """Two registrations without an id get two different company ids."""
    first = RegisterCompany(actor="clerk", at=T0, profile=profile("Acme"))
    second = RegisterCompany(actor="clerk", at=T0, profile=profile("Acme"))

    assert first.company_id != second.company_id


# --- changing a profile -------------------------------------------------------------------


def test_changing_a_profile_records_the_new_profile() -> None:
    """ChangeCompanyProfile records CompanyProfileChanged with the whole new profile."""
    situation = history(registered(ACME, name="Acme"))
    new = profile("Acme Holdings", region="ohio", head_count=40)

    events = when(
        situation, ChangeCompanyProfile(actor="clerk", at=T1, company_id=ACME, profile=new)
    )

    assert [CompanyProfileChanged(company_id=ACME, profile=new, at=T1)] == events


def test_changing_a_profile_to_the_same_profile_records_nothing() -> None:
    """A change that changes nothing is accepted and records no event."""
    event = registered(ACME)
    situation = history(event)

    events = when(
        situation,
        ChangeCompanyProfile(actor="clerk", at=T1, company_id=ACME, profile=event.profile),
    )

    assert [] == events


def test_a_changed_profile_is_the_company_profile_after_replay() -> None:
    """After CompanyProfileChanged the company's state holds the new profile."""
    new = profile("Acme Holdings")

    situation = history(registered(ACME), profile_changed(ACME, new, at=T1))

    assert (new, T1) == (situation.companies[ACME].profile, situation.companies[ACME].last_at)


def test_changing_the_profile_of_an_unknown_company_is_refused() -> None:
    """An unknown company id is invalid input that names the id."""
    command = ChangeCompanyProfile(actor="clerk", at=T1, company_id=ACME, profile=profile("A"))

    error = refused(history(), command)

    assert (UnknownCompany, "known_company", {"company_id": ACME}) == (
        type(error),
        error.rule,
        error.ids,
    )
    assert isinstance(error, InvalidInput)


def test_a_profile_change_dated_before_the_last_change_is_refused() -> None:
    """Business time moves forward: a change dated before the company's last event fails."""
    situation = history(registered(ACME), profile_changed(ACME, profile("A"), at=T2))
    command = ChangeCompanyProfile(actor="clerk", at=T1, company_id=ACME, profile=profile("B"))

    error = refused(situation, command)

    assert (DateOutOfOrder, "business_time_moves_forward", {"stream_id": ACME}) == (
        type(error),
        error.rule,
        error.ids,
    )


# --- acquisition --------------------------------------------------------------------------


def test_recording_an_acquisition_records_company_acquired() -> None:
    """A company in no group is acquired with one CompanyAcquired event."""
    events = when(
        history(registered(ACME)),
        RecordAcquisition(actor="clerk", at=T1, company_id=ACME, acquirer="MegaCorp"),
    )

    assert [CompanyAcquired(company_id=ACME, acquirer="MegaCorp", at=T1)] == events


def test_an_acquired_company_cannot_change_its_profile() -> None:
    """After CompanyAcquired a profile change is refused with CompanyWasAcquired."""
    situation = history(registered(ACME), acquired(ACME, at=T1))
    command = ChangeCompanyProfile(actor="clerk", at=T2, company_id=ACME, profile=profile("A"))

    error = refused(situation, command)

    assert (CompanyWasAcquired, "acquired_company_is_gone", {"company_id": ACME}) == (
        type(error),
        error.rule,
        error.ids,
    )


def test_an_acquired_company_cannot_be_acquired_again() -> None:
    """A second acquisition of the same company is refused."""
    situation = history(registered(ACME), acquired(ACME, at=T1))
    command = RecordAcquisition(actor="clerk", at=T2, company_id=ACME, acquirer="Other")

    error = refused(situation, command)

    assert (CompanyWasAcquired, {"company_id": ACME}) == (type(error), error.ids)


def test_an_acquired_company_cannot_apply_to_a_group() -> None:
    """An acquired company takes no further part: its application is refused."""
    situation = history(registered(ACME), formed(GROUP), acquired(ACME, at=T1))
    command = ApplyForMembership(actor="clerk", at=T2, company_id=ACME, group_id=GROUP)

    error = refused(situation, command)

    assert (CompanyWasAcquired, {"company_id": ACME}) == (type(error), error.ids)


def test_an_acquisition_names_its_acquirer() -> None:
    """An acquisition without an acquirer is an invalid value."""
    with pytest.raises(InvalidValue):
        RecordAcquisition(actor="clerk", at=T1, company_id=ACME, acquirer=" ")


# --- territories --------------------------------------------------------------------------


def test_a_territory_is_normalised_country_upper_region_casefolded() -> None:
    """Territory(' us ', ' Texas ') equals Territory('US', 'texas')."""
    assert Territory("US", "texas") == Territory(" us ", " Texas ")


def test_a_blank_region_means_the_whole_country() -> None:
    """A region of only spaces is no region: the territory covers the whole country."""
    assert Territory("US") == Territory("US", "  ")


@pytest.mark.parametrize(
    ("one", "other", "expected"),
    [
        (Territory("US", "texas"), Territory("US", "texas"), True),
        (Territory("US"), Territory("US", "texas"), True),
        (Territory("US", "texas"), Territory("US"), True),
        (Territory("US"), Territory("US"), True),
        (Territory("US", "texas"), Territory("US", "ohio"), False),
        (Territory("US"), Territory("CA"), False),
        (Territory("US", "georgia"), Territory("GE", "georgia"), False),
    ],
    ids=[
        "same region",
        "country-wide overlaps its regions",
        "a region overlaps its country",
        "same country",
        "different regions",
        "different countries",
        "same region name in different countries",
    ],
)
def test_territories_overlap_when_they_share_ground(
    one: Territory, other: Territory, expected: bool
) -> None:
    """Territories overlap in one country when either has no region or the regions match."""
    assert (expected, expected) == (one.overlaps(other), other.overlaps(one))


def test_a_territory_names_its_country() -> None:
    """A territory with an empty country is an invalid value."""
    with pytest.raises(InvalidValue):
        Territory(" ")


# --- competing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other", "expected"),
    [
        (profile("A"), profile("B"), True),
        (profile("A"), profile("B", region=None), True),
        (profile("A"), profile("B", region="ohio"), False),
        (profile("A"), profile("B", lines=("backup",)), False),
        (profile("A", lines=("voip", "backup")), profile("B", lines=("Backup ",)), True),
        (profile("A"), profile("B", country="CA"), False),
    ],
    ids=[
        "same territory and line",
        "country-wide and a region with a shared line",
        "same line, other region",
        "same territory, no shared line",
        "one shared line among several, compared casefolded",
        "same line, other country",
    ],
)
def test_companies_compete_when_territories_overlap_and_a_line_is_shared(
    one: Profile, other: Profile, expected: bool
) -> None:
    """competes_with needs both an overlapping territory and a shared business line."""
    assert (expected, expected) == (one.competes_with(other), other.competes_with(one))


# --- invalid values -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "   "])
def test_a_profile_needs_a_name(name: str) -> None:
    """An empty or blank company name is an invalid value naming the field."""
    with pytest.raises(InvalidValue) as raised:
        profile(name)

    assert ("valid_value", {"field": "name"}) == (raised.value.rule, raised.value.ids)


@pytest.mark.parametrize("lines", [(), ("", "  ")])
def test_a_profile_needs_a_business_line(lines: tuple[str, ...]) -> None:
    """A company with no (non-blank) business line is an invalid value."""
    with pytest.raises(InvalidValue) as raised:
        profile("Acme", lines=lines)

    assert {"field": "business_lines"} == raised.value.ids


def test_business_lines_must_be_a_collection_not_one_string() -> None:
    """A single string is refused rather than read as a set of characters."""
    with pytest.raises(InvalidValue):
        Profile(
            name="Acme",
            kind=CompanyKind.MSP,
            territory=Territory("US"),
            business_lines="managed services",  # type: ignore[arg-type]
            head_count=1,
            revenue_band="1-5M",
        )


def test_a_negative_head_count_is_refused() -> None:
    """Head count is a whole number of at least 0."""
    with pytest.raises(InvalidValue) as raised:
        profile("Acme", head_count=-1)

    assert {"field": "head_count"} == raised.value.ids


def test_a_head_count_of_zero_is_accepted() -> None:
    """A company may have no employees yet."""
    assert 0 == profile("Acme", head_count=0).head_count


def test_a_naive_datetime_on_a_command_is_refused() -> None:
    """Commands carry timezone-aware business time; a naive datetime is an invalid value."""
    with pytest.raises(InvalidValue, match="no timezone"):
        RegisterCompany(actor="clerk", at=datetime(2001, 1, 1), profile=profile("A"))


def test_a_naive_datetime_on_an_event_is_refused() -> None:
    """Events carry timezone-aware business time too."""
    with pytest.raises(InvalidValue):
        CompanyAcquired(company_id=ACME, acquirer="M", at=datetime(2001, 1, 1))


def test_an_aware_datetime_is_kept_in_utc() -> None:
    """A command's time in another zone is converted to the same instant in UTC."""
    local = T0.astimezone(timezone(timedelta(hours=-6)))
    command = RegisterCompany(actor="clerk", at=local, profile=profile("A"))

    assert (T0, UTC) == (command.at, command.at.tzinfo)


def test_a_command_names_its_actor() -> None:
    """Every command says who asks; an empty actor is an invalid value."""
    with pytest.raises(InvalidValue):
        RegisterCompany(actor="", at=T0, profile=profile("A"))
