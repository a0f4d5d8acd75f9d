"""The demo simulation itself, on in-memory stores: deterministic, idempotent, counted."""

from collections import Counter

import pytest

from peernet import InvalidValue, Network
from peernet.demo import ACCOUNTABILITY_FROM, DemoSummary, build_demo
from peernet.domain.charters import DEFAULT_GOAL_CATEGORIES


def topics_and_versions(network: Network) -> list[tuple[str, int]]:
    return [(r.topic, r.version) for r in network.recorded()]


def test_the_same_seed_records_the_same_events() -> None:
    """Two builds with one seed on two stores record the same events in the same order."""
    first, second = Network("memory://"), Network("memory://")

    build_demo(first, seed=7, years=3)
    build_demo(second, seed=7, years=3)

    assert topics_and_versions(first) == topics_and_versions(second)


def test_another_seed_tells_another_story() -> None:
    """The seed is what varies the story."""
    first, second = Network("memory://"), Network("memory://")

    build_demo(first, seed=7, years=3)
    build_demo(second, seed=8, years=3)

    assert topics_and_versions(first) != topics_and_versions(second)


def test_building_again_on_the_same_store_records_nothing_and_tells_the_same_story() -> None:
    """The second build finds every command already handled, and every refusal refused."""
    network = Network("memory://")
    first = build_demo(network, years=3)
    recorded = topics_and_versions(network)

    again = build_demo(network, years=3)

    assert recorded == topics_and_versions(network)
    assert 0 == again.new_events
    assert first.years == again.years


@pytest.fixture(scope="module")
def whole() -> tuple[Network, DemoSummary]:
    """The whole story, 2001-2009, on an in-memory store."""
    network = Network("memory://")
    return network, build_demo(network)


def test_refusals_are_counted_in_the_story_not_raised(whole: tuple[Network, DemoSummary]) -> None:
    """Rule refusals met on the way (one core group at a time...) are counted per year."""
    _, summary = whole

    per_year = sum(sum(year.refusals.values()) for year in summary.years)
    assert summary.refused == per_year
    assert 0 < summary.refused


def test_the_story_counts_what_was_recorded() -> None:
    """A summary's event count is the number of events the store holds."""
    network = Network("memory://")

    summary = build_demo(network, years=2)

    assert len(topics_and_versions(network)) == summary.events == summary.new_events


def test_a_demo_of_no_years_is_refused_as_bad_input() -> None:
    """A demo runs for at least one year."""
    with pytest.raises(InvalidValue):
        build_demo(Network("memory://"), years=0)


def test_a_shorter_story_is_the_beginning_of_the_longer_one() -> None:
    """Building three years, then five, on one store records what five years record."""
    continued, whole = Network("memory://"), Network("memory://")
    build_demo(continued, years=3)

    build_demo(continued, years=5)
    build_demo(whole, years=5)

    assert topics_and_versions(whole) == topics_and_versions(continued)


def test_from_2008_members_set_goals_in_every_category_of_the_charter(
    whole: tuple[Network, DemoSummary],
) -> None:
    """Goals start with the quarterly reviews of 2008 and cover every category each year."""
    _, summary = whole

    categories = {y.year: tuple(y.goals_set) for y in summary.years if y.goals_set}

    expected = dict.fromkeys(range(ACCOUNTABILITY_FROM, 2010), DEFAULT_GOAL_CATEGORIES)
    assert expected == categories


def test_some_goals_are_met_some_missed_challenged_revised_and_withdrawn(
    whole: tuple[Network, DemoSummary],
) -> None:
    """Every year of reviews has goals of each outcome, peers' challenges and flags."""
    _, summary = whole

    for year in (y for y in summary.years if y.goals_set):
        assert year.completion is not None
        assert 0.5 < year.completion < 0.95
        assert 0 < min(year.challenged, year.revised, year.flagged)
        assert 0 < sum(year.goals_withdrawn.values())


def test_the_story_counts_the_goal_events_the_store_recorded(
    whole: tuple[Network, DemoSummary],
) -> None:
    """Goals set and met in the story are the GoalSet and GoalMet events (every goal met
    was due by the end of 2009); goals not met are at least the GoalMissed events."""
    network, summary = whole
    topics = Counter(r.topic for r in network.recorded())

    counted = {
        "peernet.GoalSet": sum(sum(y.goals_set.values()) for y in summary.years),
        "peernet.GoalMet": sum(sum(y.goals_met.values()) for y in summary.years),
        "peernet.MemberVotedOff": sum(len(y.vote_offs) for y in summary.years),
    }

    assert {topic: topics[topic] for topic in counted} == counted
    assert topics["peernet.GoalMissed"] <= sum(sum(y.goals_missed.values()) for y in summary.years)


def test_a_member_missing_goals_is_voted_off_and_a_waiting_applicant_takes_the_seat(
    whole: tuple[Network, DemoSummary],
) -> None:
    """One member misses goals in a row, is flagged, voted off; the seat is refilled."""
    _, summary = whole

    [off] = [off for year in summary.years for off in year.vote_offs]

    assert ("missed goals", True, True) == (off.cause, off.flags >= 1, off.missed_in_a_row >= 2)
    assert off.attendance
    assert off.refill is not None
    assert off.refill_joined is not None
    assert off.at < off.refill_joined


def test_one_motion_is_carried_and_another_fails_for_want_of_a_quorum(
    whole: tuple[Network, DemoSummary],
) -> None:
    """The removal for missed goals is carried; a motion on attendance misses its quorum."""
    _, summary = whole

    outcomes = {m.cause: m.outcome for year in summary.years for m in year.motions}

    assert {"missed goals": "carried", "attendance": "failed: quorum not reached"} == outcomes
