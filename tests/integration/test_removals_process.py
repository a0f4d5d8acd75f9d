"""The removals process manager on every backend: a member flagged as often as the
charter says is put to a removal vote by the charter itself, once, with its cause."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from peernet import (
    CloseQuarter,
    MemberFlagged,
    MotionCause,
    MotionRaised,
    Network,
    follow_removals,
)
from peernet.application.processes import REMOVALS
from peernet.testing import T0, founding, membership_of, some_id

OpenNetwork = Callable[..., Network]
GROUP = some_id("group")
COMPANIES = [some_id(f"company {i}") for i in range(3)]


def flag_everyone(network: Network, quarters: int, **rules: Any) -> None:
    """A group whose charter makes financials mandatory; nobody submits, so closing each
    quarter flags every member."""
    for command in founding(GROUP, *COMPANIES, financials_mandatory=True, **rules):
        network.execute(command)
    for q in range(1, quarters + 1):
        closed = T0 + timedelta(days=95 * q)
        network.execute(
            CloseQuarter(group_id=GROUP, quarter=f"2001Q{q}", actor="office", at=closed)
        )


def run_removals(network: Network) -> None:
    follow_removals(network).run_once()


def test_members_flagged_twice_are_put_to_a_vote_by_the_charter(
    store_url: str, open_network: OpenNetwork
) -> None:
    """removal_after_flags=2, two flags each: one motion per member, moved by nobody,
    cause FLAGGED, recorded as the process manager in the second flag's correlation."""
    network = open_network(store_url)
    flag_everyone(network, 2, removal_after_flags=2)
    run_removals(network)
    records = list(network.recorded())
    second_flags = {
        r.event.membership_id: r.correlation_id
        for r in records
        if isinstance(r.event, MemberFlagged)
    }
    raised = [r for r in records if isinstance(r.event, MotionRaised)]

    assert {membership_of(GROUP, c) for c in COMPANIES} == {
        r.event.subject_id for r in raised if isinstance(r.event, MotionRaised)
    }
    for r in raised:
        assert isinstance(r.event, MotionRaised)
        assert (None, MotionCause.FLAGGED, REMOVALS) == (r.event.raised_by, r.event.cause, r.actor)
        assert second_flags[r.event.subject_id] == r.correlation_id  # type: ignore[index]
        assert r.event.reason.startswith("flagged 2 times: ")


def test_the_charter_raises_nothing_before_the_second_flag(
    store_url: str, open_network: OpenNetwork
) -> None:
    """One flag each under removal_after_flags=2: no motion."""
    network = open_network(store_url)
    flag_everyone(network, 1, removal_after_flags=2)
    run_removals(network)

    assert () == network.group_motions(GROUP)


def test_the_process_raises_nothing_when_the_charter_leaves_the_rule_off(
    store_url: str, open_network: OpenNetwork
) -> None:
    """The default charter: flags are for review, not a vote."""
    network = open_network(store_url)
    flag_everyone(network, 2)
    run_removals(network)

    assert () == network.group_motions(GROUP)
