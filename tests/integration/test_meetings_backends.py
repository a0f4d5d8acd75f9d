"""Meetings, a gathering, dues and payments give the same events and views on memory,
SQLite and PostgreSQL; a refused close records nothing."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from peernet import (
    Attendance,
    ChargeDues,
    CloseGathering,
    CloseMeeting,
    ExpenseKind,
    MeetingNotOver,
    Money,
    Network,
    RecordExpense,
    RecordPayment,
    RecordSponsorship,
    ScheduleGathering,
    ScheduleMeeting,
    TakeRoll,
)
from peernet.records import Recorded
from peernet.testing import group_with, membership_of, nothing_recorded, some_id

AT = datetime(2008, 1, 10, tzinfo=UTC)
RECORDED_AT = datetime(2026, 1, 1, tzinfo=UTC)
CLOSE = datetime(2008, 6, 7, tzinfo=UTC)
GROUPS = [some_id("group a"), some_id("group b")]
COMPANIES = {g: [some_id(f"{g} company {i}") for i in range(3 - n)] for n, g in enumerate(GROUPS)}
GATHERING = some_id("summit")


def usd(amount: str) -> Money:
    return Money(amount, "USD")


def _seed(network: Network) -> None:
    """The groups and members, written as the events the builders give (through the
    recorder, as a migration would)."""
    for group_id in GROUPS:
        events = group_with(group_id, *COMPANIES[group_id], at=AT)
        versions: dict[Any, int] = {}
        records = []
        for event in events:
            _, stream_id = event.stream()
            versions[stream_id] = versions.get(stream_id, 0) + 1
            records.append(
                Recorded(
                    event=event,
                    stream_id=stream_id,
                    version=versions[stream_id],
                    actor="seed",
                    recorded_at=RECORDED_AT,
                    command_id=some_id("seed"),
                    correlation_id=some_id("seed"),
                )
            )
        network.recorder.insert_events([network.codec.encode(r) for r in records])


def _story(network: Network) -> list[tuple[str, Any, int, Any]]:
    _seed(network)
    run = network.execute
    run(
        ScheduleGathering(
            name="Summit",
            venue="Orlando",
            starts=date(2008, 6, 2),
            ends=date(2008, 6, 6),
            gathering_id=GATHERING,
            actor="staff",
            at=AT,
        )
    )
    for n, group_id in enumerate(GROUPS):
        meeting_id = some_id(f"meeting {n}")
        run(
            ScheduleMeeting(
                group_id=group_id,
                starts=date(2008, 6, 3 + n),
                ends=date(2008, 6, 3 + n),
                gathering_id=GATHERING,
                meeting_id=meeting_id,
                actor="staff",
                at=AT,
            )
        )
        run(
            RecordExpense(
                meeting_id=meeting_id,
                kind=ExpenseKind.FOOD,
                amount=usd("100.00"),
                actor="f",
                at=AT,
            )
        )
        first = membership_of(group_id, COMPANIES[group_id][0])
        run(
            TakeRoll(
                meeting_id=meeting_id, attendance={first: Attendance.LATE}, actor="f", at=CLOSE
            )
        )
        run(CloseMeeting(meeting_id=meeting_id, actor="f", at=CLOSE))
    run(
        RecordExpense(
            gathering_id=GATHERING, kind=ExpenseKind.VENUE, amount=usd("1000.00"), actor="s", at=AT
        )
    )
    run(
        RecordSponsorship(
            gathering_id=GATHERING, sponsor="Vendor", amount=usd("250.00"), actor="s", at=AT
        )
    )
    run(CloseGathering(gathering_id=GATHERING, actor="staff", at=CLOSE))
    for month in (date(2008, 5, 1), date(2008, 6, 1), date(2008, 5, 1)):
        run(ChargeDues(group_id=GROUPS[0], month=month, actor="billing", at=CLOSE))
    run(
        RecordPayment(
            company_id=COMPANIES[GROUPS[0]][0], amount=usd("50.00"), actor="billing", at=CLOSE
        )
    )
    return [(r.topic, r.stream_id, r.version, r.event) for r in network.recorded()]


def test_meetings_and_money_record_the_same_events_on_every_backend(
    store_url: str, open_network: Callable[..., Network]
) -> None:
    expected = _story(open_network("memory://", clock=lambda: RECORDED_AT))
    network = open_network(store_url, clock=lambda: RECORDED_AT)

    actual = _story(network)

    assert expected == actual
    gathering = network.gathering(GATHERING)
    assert usd("750.00") == gathering.costs.net
    # 3 members and 2 members share 750.00 by headcount: 150.00 each
    assert {usd("150.00")} == {s.amount for s in gathering.costs.shares}
    company = COMPANIES[GROUPS[0]][0]
    account = network.account(company)
    kinds = sorted(e.kind for e in account.entries)
    assert ["dues", "dues", "gathering costs", "meeting costs", "payment"] == kinds
    meeting = network.meeting(some_id("meeting 0"))
    [share] = [s.amount for s in meeting.costs.shares if s.company_id == company]
    owed = usd("200.00") + share + usd("150.00") - usd("50.00")
    assert (owed,) == account.balances


def test_closing_a_meeting_before_its_last_day_records_nothing(
    store_url: str, open_network: Callable[..., Network]
) -> None:
    network = open_network(store_url)
    _seed(network)
    meeting_id = some_id("early")
    network.execute(
        ScheduleMeeting(
            group_id=GROUPS[0],
            starts=date(2008, 6, 3),
            ends=date(2008, 6, 4),
            venue="Austin",
            meeting_id=meeting_id,
            actor="f",
            at=AT,
        )
    )

    with nothing_recorded(network), pytest.raises(MeetingNotOver):
        network.execute(
            CloseMeeting(meeting_id=meeting_id, actor="f", at=datetime(2008, 6, 3, tzinfo=UTC))
        )
