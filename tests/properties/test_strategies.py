"""The public strategies of `peernet.testing`: what they draw and how users reach them."""

import subprocess
import sys

from hypothesis import given, strategies as st

from peernet import Charter, FormGroup, Profile, RegisterCompany, Territory
from peernet.testing import (
    BUSINESS_LINES,
    COUNTRIES,
    charters,
    form_group_commands,
    profiles,
    register_company_commands,
)


@given(st.from_type(Charter))
def test_from_type_draws_charters_from_peernets_strategy(charter: Charter) -> None:
    """The entry-point hook registers `charters()`: small capacities, short programmes."""
    assert (True, True) == (1 <= charter.capacity <= 5, 1 <= charter.programme_months <= 3)


@given(st.from_type(Territory), st.from_type(Profile))
def test_from_type_draws_territories_and_profiles_from_small_vocabularies(
    territory: Territory, profile: Profile
) -> None:
    """Registered for `st.from_type`: countries and business lines from the short lists."""
    assert (True, True) == (
        territory.country in COUNTRIES,
        profile.business_lines <= set(BUSINESS_LINES),
    )


@given(charters(capacity=3, non_compete=False, one_core_group=st.just(True)))
def test_charters_keeps_the_fields_a_user_fixes(charter: Charter) -> None:
    """A keyword fixes a field, to a value or to a strategy."""
    assert (3, False, True) == (charter.capacity, charter.non_compete, charter.one_core_group)


@given(register_company_commands(), form_group_commands(charters=charters(capacity=2)))
def test_drawn_commands_are_dated_in_a_time_zone(
    register: RegisterCompany, form: FormGroup
) -> None:
    """Commands carry aware times (peernet refuses naive ones) and the charters asked for."""
    assert (True, True, 2) == (
        register.at.utcoffset() is not None,
        form.at.utcoffset() is not None,
        form.charter.capacity,
    )


def test_competitors_are_common_among_drawn_profiles() -> None:
    """About one drawn pair in four competes, so non-compete rules are exercised."""
    pairs: list[bool] = []

    @given(profiles(), profiles())
    def draw(a: Profile, b: Profile) -> None:
        pairs.append(a.competes_with(b))

    draw()

    assert True in pairs


def test_importing_peernet_does_not_import_the_testing_kit() -> None:
    """`import peernet` stays free of Hypothesis; only `peernet.testing` needs it."""
    code = (
        "import sys, peernet; print('peernet.testing' in sys.modules, 'hypothesis' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert "False False" == result.stdout.strip()


def test_the_testing_kit_imports_before_hypothesis() -> None:
    """Importing `peernet.testing` first works, although Hypothesis then loads its hook."""
    code = "import peernet.testing, hypothesis; print('ok')"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert "ok" == result.stdout.strip()
