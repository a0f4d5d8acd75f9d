"""Paged queries on every backend: companies, meetings and the audit trail a page at a
time, filtered, with cursors that stay right while the network goes on."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar
from uuid import UUID

import pytest

from peernet import (
    CancelMeeting,
    CompanyKind,
    InvalidValue,
    MeetingStatus,
    MembershipApplied,
    Network,
    Page,
    RegisterCompany,
    ScheduleMeeting,
)
from peernet.testing import T0, founding, profile, some_id

OpenNetwork = Callable[..., Network]
T = TypeVar("T")


def register(network: Network, *numbers: int, **details: Any) -> None:
    for i in numbers:
        network.execute(
            RegisterCompany(
                company_id=some_id(f"company {i}"),
                profile=profile(f"Co {i}", region=f"r{i}", **details),
                actor="t",
                at=T0,
            )
        )


def every_page(ask: Callable[[str | None], Page[T]], between: Callable[[int], object]) -> list[T]:
    """Every item, page by page, calling `between(n)` after page n."""
    items: list[T] = []
    cursor: str | None = None
    for n in range(100):
        page = ask(cursor)
        items.extend(page)
        if page.next is None:
            return items
        cursor = page.next
        between(n)
    raise AssertionError("paging did not end")


def test_companies_page_by_registration_and_new_ones_follow(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Pages of 3 over 7 companies, two more registered between pages: each once, in
    order of registration."""
    network = open_network(store_url)
    register(network, *range(7))
    names = every_page(
        lambda cursor: network.companies_page(limit=3, cursor=cursor),
        lambda n: register(network, 100 + n) if n < 2 else None,
    )

    assert [f"Co {i}" for i in [*range(7), 100, 101]] == [c.name for c in names]


def test_companies_are_filtered_by_kind_country_name_and_group(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Each filter narrows the companies to those it names."""
    network = open_network(store_url)
    group = some_id("group")
    for command in founding(group, some_id("member")):
        network.execute(command)
    register(network, 1, kind=CompanyKind.CONSULTANT)
    register(network, 2, country="DE")
    register(network, 3)

    def names(**filters: Any) -> list[str]:
        return [str(c.name) for c in network.companies_page(**filters)]

    assert ["Co 1"] == names(kind=CompanyKind.CONSULTANT)
    assert ["Co 2"] == names(country="de")
    assert ["Co 3"] == names(name="co 3")
    assert [some_id("member")] == [c.company_id for c in network.companies_page(group_id=group)]


def schedule(network: Network, group: UUID, day: date) -> UUID:
    meeting = some_id(f"meeting {group} {day}")
    network.execute(
        ScheduleMeeting(
            meeting_id=meeting, group_id=group, starts=day, ends=day, venue="HQ", actor="t", at=T0
        )
    )
    return meeting


def test_meetings_page_by_first_day_across_groups(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Meetings of every group by their first day, two at a time; one scheduled later
    that falls after the cursor shows, none repeats."""
    network = open_network(store_url)
    one, two = some_id("one"), some_id("two")
    for command in [*founding(one), *founding(two)]:
        network.execute(command)
    first = date(2001, 3, 1)
    days = [first + timedelta(days=30 * i) for i in range(5)]
    for i, day in enumerate(days):
        schedule(network, one if i % 2 else two, day)
    late = first + timedelta(days=400)
    seen = every_page(
        lambda cursor: network.meetings_page(limit=2, cursor=cursor),
        lambda n: schedule(network, one, late) if n == 0 else None,
    )

    assert [*days, late] == [m.starts for m in seen]


def test_meetings_are_filtered_by_group_days_and_status(
    store_url: str, open_network: OpenNetwork
) -> None:
    """group_id, since/until (inclusive) and status narrow the meetings."""
    network = open_network(store_url)
    one, two = some_id("one"), some_id("two")
    for command in [*founding(one), *founding(two)]:
        network.execute(command)
    march, april, may = date(2001, 3, 1), date(2001, 4, 1), date(2001, 5, 1)
    schedule(network, one, march)
    cancelled = schedule(network, one, april)
    schedule(network, two, may)
    network.execute(CancelMeeting(meeting_id=cancelled, reason="snow", actor="t", at=T0))

    def days(**filters: Any) -> list[date]:
        return [m.starts for m in network.meetings_page(**filters)]

    assert [march, april] == days(group_id=one)
    assert [april, may] == days(since=april)
    assert [march, april] == days(until=april)
    assert [april] == days(status=MeetingStatus.CANCELLED)


def test_the_trail_pages_by_log_position_and_filters_by_event_class(
    store_url: str, open_network: OpenNetwork
) -> None:
    """A group's trail three entries at a time equals the whole trail; `events` keeps one
    class of entry."""
    network = open_network(store_url)
    group = some_id("group")
    for command in founding(group, *(some_id(f"c{i}") for i in range(3))):
        network.execute(command)
    paged = every_page(
        lambda cursor: network.trail_page(group, limit=3, cursor=cursor), lambda n: None
    )
    applied = list(network.trail_page(group, events=[MembershipApplied]))

    assert list(network.trail(group)) == paged
    assert 3 == len(applied)
    assert {"MembershipApplied"} == {e.name for e in applied}


def test_a_cursor_of_another_query_is_bad_input(store_url: str, open_network: OpenNetwork) -> None:
    """A companies cursor given to meetings_page: InvalidValue naming `cursor`."""
    network = open_network(store_url)
    register(network, 1, 2)
    cursor = network.companies_page(limit=1).next

    with pytest.raises(InvalidValue) as refused:
        network.meetings_page(cursor=cursor)

    assert "cursor" == refused.value.details["field"]
