"""The demo simulation itself, on in-memory stores: deterministic, idempotent, counted."""

import pytest

from peernet import InvalidValue, Network
from peernet.adapters.demo import build_demo


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


def test_refusals_are_counted_in_the_story_not_raised() -> None:
    """Rule refusals met on the way (one core group at a time...) are counted per year."""
    summary = build_demo(Network("memory://"))

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
