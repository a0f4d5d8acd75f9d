"""The rhythm of a network: every group meets once a period of the network charter's
cadence (quarterly by default), a group with members that misses one is flagged, missing
prep counts as the charter says, and all groups can meet at one gathering instead."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from peernet.domain.charters import GroupFormat, GroupKind
from peernet.domain.common import Event
from peernet.domain.meetings import (
    GatherAllGroups,
    GatheringScheduled,
    MeetingAddedToGathering,
    MeetingClosed,
    MeetingScheduled,
    PrepSubmitted,
    gathered_meeting_id,
)
from peernet.domain.network_charter import NetworkCharter
from peernet.domain.network_errors import NotNetworkStaff
from peernet.domain.situation import Situation
from peernet.projections.bodies import GroupCadence, cadence_of, period_start
from peernet.testing import (
    T0,
    formed,
    group_with,
    history,
    meeting_scheduled,
    membership_of,
    refused,
    some_id,
    when,
)
from peernet.testing.bodies import STAFF, chartered

GROUP = some_id("htg 1")
ACME = some_id("acme")
MEMBER = membership_of(GROUP, ACME)


def met(n: int, starts: date, *, prep: bool = True) -> list[Event]:
    meeting_id = some_id(f"meeting {n}")
    at = datetime.combine(starts, datetime.min.time(), UTC)
    events: list[Event] = [
        meeting_scheduled(meeting_id, GROUP, expected=[MEMBER], starts=starts, at=at)
    ]
    if prep:
        events.append(
            PrepSubmitted(
                meeting_id=meeting_id,
                group_id=GROUP,
                membership_id=MEMBER,
                summary="numbers",
                late=False,
                at=at,
            )
        )
    events.append(MeetingClosed(meeting_id=meeting_id, group_id=GROUP, expected=(MEMBER,), at=at))
    return events


def cadence(situation: Situation, until: date, **rules: Any) -> GroupCadence:
    group = situation.groups[GROUP]
    return cadence_of(group, situation.meetings.values(), NetworkCharter(**rules), until)


def test_periods_are_quarters_from_january() -> None:
    """A day in May falls in the quarter that starts in April."""
    assert (date(2008, 4, 1), date(2008, 1, 1)) == (
        period_start(date(2008, 5, 17), 3),
        period_start(date(2008, 5, 17), 6),
    )


def test_a_group_that_misses_a_quarter_is_flagged() -> None:
    """Met in Q1 and Q3 of 2001, not in Q2: Q2 is missed."""
    situation = history(
        *group_with(GROUP, ACME), *met(1, date(2001, 2, 1)), *met(3, date(2001, 8, 1))
    )

    view = cadence(situation, date(2001, 10, 1))

    assert ((date(2001, 4, 1),), 3) == (view.missed, len(view.periods))


def test_the_cadence_is_the_network_charters() -> None:
    """Meeting every six months, a meeting in each half-year misses nothing."""
    situation = history(
        *group_with(GROUP, ACME), *met(1, date(2001, 2, 1)), *met(2, date(2001, 8, 1))
    )

    view = cadence(situation, date(2002, 1, 1), meeting_every_months=6)

    assert () == view.missed


def test_a_group_without_members_is_not_flagged() -> None:
    """An empty group misses no meeting it could not hold."""
    situation = history(formed(GROUP))

    assert () == cadence(situation, date(2002, 1, 1)).missed


def test_missing_prep_is_counted_and_flagged_past_the_charter() -> None:
    """Two of the last meetings without prep: over the one allowed, the member is flagged."""
    situation = history(
        *group_with(GROUP, ACME),
        *met(1, date(2001, 2, 1), prep=False),
        *met(2, date(2001, 5, 1), prep=False),
        *met(3, date(2001, 8, 1)),
    )

    view = cadence(situation, date(2001, 10, 1))

    assert ((MEMBER,), [1, 1, 0]) == (
        view.prep_flagged,
        [p.missing_prep for p in view.periods],
    )


def test_one_miss_of_prep_is_allowed_by_default() -> None:
    """A single missing prep flags nobody."""
    situation = history(*group_with(GROUP, ACME), *met(1, date(2001, 2, 1), prep=False))

    assert () == cadence(situation, date(2001, 4, 1)).prep_flagged


DALLAS = some_id("dallas")
OTHER = some_id("htg 2")
ONLINE = some_id("online")


def dallas() -> Situation:
    return history(
        chartered(),
        *group_with(GROUP, ACME),
        *group_with(OTHER, some_id("globex")),
        *group_with(ONLINE, some_id("initech"), format=GroupFormat.VIRTUAL),
        formed(some_id("empty"), kind=GroupKind.COMPANION),
        GatheringScheduled(
            gathering_id=DALLAS,
            name="Dallas",
            venue="Dallas, Texas",
            starts=date(2009, 1, 20),
            ends=date(2009, 1, 22),
            currency="USD",
            at=T0,
        ),
    )


def test_all_in_person_groups_meet_at_the_gathering_in_one_write() -> None:
    """Each in-person group with members gets one meeting there; online and empty groups
    do not."""
    events = when(dallas(), GatherAllGroups(gathering_id=DALLAS, actor=STAFF, at=T0))

    scheduled = [e for e in events if isinstance(e, MeetingScheduled)]
    assert [GROUP, OTHER] == [e.group_id for e in scheduled]
    assert [gathered_meeting_id(DALLAS, GROUP), gathered_meeting_id(DALLAS, OTHER)] == [
        e.meeting_id for e in events if isinstance(e, MeetingAddedToGathering)
    ]


def test_a_gathered_meeting_counts_for_the_quarter() -> None:
    """The Dallas meeting is the group's January 2009 meeting: the quarter is not missed."""
    situation = dallas()
    situation = history(
        *when(situation, GatherAllGroups(gathering_id=DALLAS, actor=STAFF, at=T0)),
        situation=situation,
    )

    view = cadence(situation, date(2009, 4, 1))

    assert (1, 1) == (view.periods[-1].meetings, view.periods[-1].at_gathering)


def test_gathering_all_groups_twice_schedules_nothing_more() -> None:
    """Groups already meeting there are left as they are."""
    situation = dallas()
    command = GatherAllGroups(gathering_id=DALLAS, actor=STAFF, at=T0 + timedelta(days=1))
    situation = history(*when(situation, command), situation=situation)

    assert [] == when(situation, command)


def test_only_the_staff_gather_all_groups() -> None:
    """A network-level act: refused to anyone else."""
    command = GatherAllGroups(gathering_id=DALLAS, actor="a member", at=T0)

    assert NotNetworkStaff is type(refused(dallas(), command))
