"""Laws of the network, as Hypothesis properties.

The first two run random command sequences through a real `Network` (the
`NetworkMachine` of `peernet.testing`) and check the whole log at the end; the last
two drive the pure core alone.
"""

from datetime import timedelta
from uuid import UUID

from hypothesis import given, settings, strategies as st

from peernet import (
    AmendCharter,
    ApplyForMembership,
    Command,
    DeclineSeat,
    Event,
    PeerNetError,
    Resign,
    SeatOffered,
    SignAgreement,
    TakeSeat,
    WithdrawApplication,
)
from peernet.domain.memberships import MembershipStatus
from peernet.domain.situation import Situation
from peernet.testing import (
    T0,
    NetworkMachine,
    charters,
    formed,
    history,
    profiles,
    registered,
    some_id,
    some_ids,
    when,
)
from peernet.views import Roster

MACHINE_SETTINGS = settings(max_examples=20, stateful_step_count=30, deadline=None)


class ReplayMachine(NetworkMachine):
    """At the end of each run, folds the facade's whole log with the pure `replay`."""

    def teardown(self) -> None:
        try:
            situation = history(*(r.event for r in self.network.recorded()))
            names = {c: company.profile.name for c, company in situation.companies.items()}
            for group_id in self.model.groups:
                meetings = (m for m in situation.meetings.values() if m.group_id == group_id)
                replayed = Roster.of(situation.groups[group_id], names, meetings)
                assert self.network.roster(group_id) == replayed, f"roster of {group_id}"
        finally:
            super().teardown()


TestReplayingTheLogGivesTheFacadesRosters = ReplayMachine.TestCase
TestReplayingTheLogGivesTheFacadesRosters.settings = MACHINE_SETTINGS


class CodecMachine(NetworkMachine):
    """At the end of each run, reads the log back and round-trips every record."""

    def teardown(self) -> None:
        try:
            stored = list(self.network.recorded())
            returned = [r for _, records in self.accepted for r in records]
            assert returned == stored, "execute returned other records than the log holds"
            codec = self.network.codec
            for r in stored:
                assert r == codec.decode(codec.encode(r)), f"{r.topic} at {r.position}"
        finally:
            super().teardown()


TestEveryRecordedEventRoundTripsThroughTheCodec = CodecMachine.TestCase
TestEveryRecordedEventRoundTripsThroughTheCodec.settings = MACHINE_SETTINGS


# --- the pure core: a random walk of membership commands through `decide` -------------

GROUP = some_id("group")
Walk = tuple[Situation, list[Command]]


def _memberships(situation: Situation, *statuses: MembershipStatus) -> list[UUID]:
    group = situation.groups[GROUP]
    return sorted((m.id for m in group.memberships.values() if m.status in statuses), key=str)


def _decided(situation: Situation, command: Command) -> list[Event]:
    try:
        return when(situation, command)
    except PeerNetError:
        return []


def _step(situation: Situation, command: Command) -> Situation:
    return history(*_decided(situation, command), situation=situation)


@st.composite
def walks(draw: st.DrawFn) -> Walk:
    """A group under a non-compete charter with a few registered companies (the start),
    and a walk of membership commands, each drawn against the situation the earlier ones
    left (refused ones stay in the walk)."""
    charter = draw(charters(non_compete=True))
    drawn = draw(st.lists(profiles(), min_size=2, max_size=8))
    companies = some_ids("company", len(drawn))
    start = history(
        formed(GROUP, name="Forum", charter=charter),
        *(registered(c, profile=p) for c, p in zip(companies, drawn, strict=True)),
    )
    situation, at, commands = start, T0, []
    for n in range(draw(st.integers(1, 30))):
        at += timedelta(days=draw(st.integers(0, 30)))
        kind = draw(st.sampled_from(["apply", "apply", "join", "leave", "decline", "amend"]))
        steps: list[Command] = []
        if kind == "apply":
            company_id = draw(st.sampled_from(companies))
            membership_id = some_id(f"membership {n}")
            steps = [
                ApplyForMembership(
                    company_id=company_id,
                    group_id=GROUP,
                    membership_id=membership_id,
                    actor="staff",
                    at=at,
                )
            ]
        elif kind == "amend":
            charter = draw(charters(non_compete=True))
            steps = [AmendCharter(group_id=GROUP, charter=charter, actor="staff", at=at)]
        elif kind in ("join", "decline"):
            offered = _memberships(situation, MembershipStatus.OFFERED)
            if offered:
                m = draw(st.sampled_from(offered))
                steps = (
                    [
                        SignAgreement(membership_id=m, actor="staff", at=at),
                        TakeSeat(membership_id=m, actor="staff", at=at),
                    ]
                    if kind == "join"
                    else [DeclineSeat(membership_id=m, actor="staff", at=at)]
                )
        else:
            active = _memberships(situation, MembershipStatus.ACTIVE)
            waiting = _memberships(situation, MembershipStatus.WAITLISTED)
            if active or waiting:
                m = draw(st.sampled_from(active + waiting))
                steps = [
                    Resign(membership_id=m, actor="staff", at=at)
                    if m in active
                    else WithdrawApplication(membership_id=m, actor="staff", at=at)
                ]
        for command in steps:
            commands.append(command)
            situation = _step(situation, command)
    return start, commands


def _competitors_seated(situation: Situation, offer: SeatOffered) -> list[UUID]:
    profile = situation.companies[offer.company_id].profile
    return [
        m.company_id
        for m in situation.groups[GROUP].seated
        if m.company_id != offer.company_id
        and profile.competes_with(situation.companies[m.company_id].profile)
    ]


@given(walks())
def test_a_waitlisted_applicant_is_never_offered_a_seat_beside_a_competitor(walk: Walk) -> None:
    """Under non-compete charters, no seat is ever offered beside a seated competitor."""
    situation, commands = walk
    offered_beside_competitors: list[UUID] = []
    for command in commands:
        for event in _decided(situation, command):
            if isinstance(event, SeatOffered) and _competitors_seated(situation, event):
                offered_beside_competitors.append(event.membership_id)
            situation = history(event, situation=situation)

    assert [] == offered_beside_competitors


def _outcome(situation: Situation, command: Command) -> list[Event] | str:
    try:
        return when(situation, command)
    except PeerNetError as error:
        return f"{type(error).__name__}: {error}"


@given(walks())
def test_decide_gives_the_same_events_for_the_same_situation_and_command(walk: Walk) -> None:
    """`decide` is a function: twice on one situation, or on a replayed copy, it agrees."""
    start, commands = walk
    situation, past = start, list[Event]()
    for command in commands:
        first = _outcome(situation, command)
        again = _outcome(situation, command)
        replayed = _outcome(history(*past, situation=start), command)
        assert (first, first) == (again, replayed)
        events = _decided(situation, command)
        past += events
        situation = history(*events, situation=situation)


def test_the_walks_reach_wait_lists_and_offers() -> None:
    """The walks are not vacuous: some wait-list an applicant, some offer a freed seat."""
    seen: set[str] = set()

    @given(walks())
    @settings(max_examples=60, database=None)
    def collect(walk: Walk) -> None:
        situation, commands = walk
        for command in commands:
            for event in _decided(situation, command):
                waited = (
                    event.membership_id in situation.groups[GROUP].waitlist
                    if isinstance(event, SeatOffered)
                    else False
                )
                seen.add("offered after waiting" if waited else type(event).__name__)
                situation = history(event, situation=situation)

    collect()

    assert {"ApplicantWaitlisted", "offered after waiting"} <= seen
