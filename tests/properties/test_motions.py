"""Laws of a group's votes, over random electorates, charters and ballots.

The outcome law runs on the pure core (`peernet.testing.history/after`); the others drive the
real facade, `Network("memory://")`, and read back what it recorded.
"""

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

import attrs
import pytest
from hypothesis import example, given, settings, strategies as st

from peernet import (
    ApplyForMembership,
    Charter,
    CompanyKind,
    FormGroup,
    MembershipStatus,
    Network,
    PeerNetError,
    Profile,
    Recorded,
    RegisterCompany,
    Resign,
    RuleViolation,
    SignAgreement,
    TakeSeat,
    Territory,
)
from peernet.domain.access import Reader
from peernet.domain.errors import MotionClosed, SubjectCannotVote
from peernet.domain.goals import ChallengeGoal, ReportProgress, SetGoal, Target
from peernet.domain.motions import (
    BallotCast,
    CastBallot,
    CloseMotion,
    MotionCarried,
    MotionCause,
    MotionFailed,
    MotionKind,
    RaiseMotion,
)
from peernet.domain.situation import Situation
from peernet.testing import T0, after, group_with, history, memberships_of, some_id, some_ids


def event_of(recorded: tuple[Recorded, ...], index: int = 0) -> Any:
    """The event a command recorded at `index` (its ids are read by name)."""
    return recorded[index].event


LAWS = settings(max_examples=200, deadline=None)
FACADE = settings(max_examples=100, deadline=None)
DEADLINE = timedelta(days=14)
DUE = date(2008, 4, 2)


@st.composite
def shares(draw: st.DrawFn) -> Fraction:
    """A quorum or threshold: a fraction in (0, 1], unanimity (1) among the likely ones."""
    denominator = draw(st.integers(min_value=1, max_value=12))
    numerator = draw(st.integers(min_value=1, max_value=denominator))
    return draw(st.sampled_from([Fraction(numerator, denominator)] * 3 + [Fraction(1)]))


@st.composite
def charters(draw: st.DrawFn) -> Charter:
    return Charter(vote_quorum=draw(shares()), vote_threshold=draw(shares()))


@st.composite
def ballots(draw: st.DrawFn, voters: int) -> list[tuple[int, bool]]:
    """Who votes, in which order, and how: a random subset of the voters 0..voters-1."""
    order = draw(st.permutations(range(voters)))
    cast = draw(st.integers(min_value=0, max_value=voters))
    return [(voter, draw(st.booleans())) for voter in order[:cast]]


def reference_carried(electorate: int, yes: int, no: int, charter: Charter) -> bool:
    """The rule as the charter states it, computed plainly."""
    cast = yes + no
    quorum = math.ceil(charter.vote_quorum * electorate)
    return cast > 0 and cast >= quorum and Fraction(yes, cast) >= charter.vote_threshold


def target(value: int = 10) -> Target:
    return Target(
        statement="grow recurring revenue",
        category="sales",
        value=Decimal(value),
        unit="k$",
        due=DUE,
    )


# --- (a) the outcome, on the pure core -------------------------------------------------

GROUP = some_id("group")


def core_group(members: int, charter: Charter) -> tuple[Situation, list[UUID]]:
    companies = some_ids("company", members)
    events = group_with(
        GROUP, *companies, vote_quorum=charter.vote_quorum, vote_threshold=charter.vote_threshold
    )
    return history(*events), memberships_of(GROUP, companies)


def near(draw: st.DrawFn, edge: int, top: int) -> int:
    """A count in 0..top, three times in four at `edge` or just below it (where outcomes
    flip)."""
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        return draw(st.integers(min_value=0, max_value=top))
    return max(0, min(top, edge - draw(st.integers(min_value=0, max_value=1))))


@st.composite
def votes(draw: st.DrawFn) -> tuple[int, Charter, MotionKind, list[tuple[int, bool]]]:
    """An electorate, a charter and ballots, with ballot counts often at the quorum's edge
    and yes counts often at the threshold's edge."""
    electorate = draw(st.integers(min_value=1, max_value=11))
    charter = draw(charters())
    cast = near(draw, math.ceil(charter.vote_quorum * electorate), electorate)
    yes = near(draw, math.ceil(charter.vote_threshold * cast), cast)
    voters = draw(st.permutations(range(electorate)))[:cast]
    in_favour = draw(st.permutations([True] * yes + [False] * (cast - yes)))
    return (
        electorate,
        charter,
        draw(st.sampled_from([MotionKind.REMOVAL, MotionKind.CHARTER])),
        list(zip(voters, in_favour, strict=True)),
    )


@LAWS
@given(votes())
@example((4, Charter(), MotionKind.CHARTER, [(0, True), (1, True)]))  # 2 of 4 < ceil(8/3)
@example((3, Charter(vote_threshold=Fraction(1)), MotionKind.REMOVAL, [(0, True), (1, False)]))
def test_a_motion_is_carried_exactly_when_quorum_and_threshold_are_met(
    vote: tuple[int, Charter, MotionKind, list[tuple[int, bool]]],
) -> None:
    """Carried iff cast >= ceil(quorum x electorate) and yes/cast >= threshold; else failed."""
    electorate, charter, kind, cast = vote
    removal = kind is MotionKind.REMOVAL
    situation, members = core_group(electorate + (1 if removal else 0), charter)
    voters = members[1:] if removal else members
    motion_id = some_id("motion")
    raise_motion = RaiseMotion(
        group_id=GROUP,
        raised_by=voters[0],
        kind=kind,
        subject_id=members[0] if removal else None,
        cause=MotionCause.ATTENDANCE if removal else None,
        charter=None if removal else Charter(capacity=11),
        deadline=T0 + DEADLINE,
        motion_id=motion_id,
        actor="member",
        at=T0,
    )
    situation = after(situation, raise_motion)
    for voter, in_favour in cast:
        ballot = CastBallot(
            motion_id=motion_id, voter_id=voters[voter], in_favour=in_favour, actor="m", at=T0
        )
        situation = after(situation, ballot)
    if not situation.motions[motion_id].closed:
        close = CloseMotion(motion_id=motion_id, actor="facilitator", at=T0 + DEADLINE)
        situation = after(situation, close)
    outcome = situation.motions[motion_id].outcome
    yes = sum(1 for _, in_favour in cast if in_favour)

    assert reference_carried(electorate, yes, len(cast) - yes, charter) == isinstance(
        outcome, MotionCarried
    )
    assert isinstance(outcome, MotionCarried | MotionFailed)
    assert (yes, len(cast) - yes, electorate) == (
        outcome.in_favour,
        outcome.against,
        outcome.electorate,
    )


# --- the facade ------------------------------------------------------------------------

START = datetime(2008, 1, 10, 9, 0, tzinfo=UTC)


def company(name: str, region: str, line: str = "managed services") -> Profile:
    return Profile(
        name=name,
        kind=CompanyKind.MSP,
        territory=Territory("US", region),
        business_lines=frozenset({line}),
        head_count=20,
        revenue_band="1-5M",
    )


@attrs.frozen
class Circle:
    """A group recorded through the facade: its id, members and their companies' names."""

    network: Network
    group_id: UUID
    members: list[UUID]


def apply(net: Network, group_id: UUID, profile: Profile) -> UUID:
    company_id = event_of(
        net.execute(RegisterCompany(profile=profile, actor="staff", at=START))
    ).company_id
    recorded = net.execute(
        ApplyForMembership(company_id=company_id, group_id=group_id, actor="staff", at=START)
    )
    membership_id: UUID = event_of(recorded, 1).membership_id
    return membership_id


def circle(members: int, charter: Charter) -> Circle:
    """A group of `members` active, mutually non-competing members (one region each)."""
    net = Network("memory://")
    group_id = event_of(
        net.execute(FormGroup(name="Circle", charter=charter, actor="staff", at=START))
    ).group_id
    joined_ids = []
    for i in range(members):
        membership_id = apply(net, group_id, company(f"Member {i}", f"member region {i}"))
        net.execute(SignAgreement(membership_id=membership_id, actor="m", at=START))
        net.execute(TakeSeat(membership_id=membership_id, actor="m", at=START))
        joined_ids.append(membership_id)
    return Circle(net, group_id, joined_ids)


def raise_removal(c: Circle, subject: UUID, at: datetime) -> UUID:
    raised_by = next(m for m in c.members if m != subject)
    motion_id: UUID = event_of(
        c.network.execute(
            RaiseMotion(
                group_id=c.group_id,
                raised_by=raised_by,
                kind=MotionKind.REMOVAL,
                subject_id=subject,
                cause=MotionCause.MISSED_GOALS,
                deadline=at + DEADLINE,
                actor="member",
                at=at,
            )
        )
    ).motion_id
    return motion_id


def log_length(net: Network) -> int:
    return len(list(net.recorded()))


def carry_removal(c: Circle, subject: UUID, at: datetime) -> UUID:
    """Raise a removal of `subject`; every other member votes in favour, which carries it."""
    motion_id = raise_removal(c, subject, at)
    for voter in c.members:
        if voter != subject:
            c.network.execute(
                CastBallot(motion_id=motion_id, voter_id=voter, in_favour=True, actor="m", at=at)
            )
    assert "carried" == c.network.motion(motion_id).outcome
    return motion_id


# --- (b) the subject never votes -------------------------------------------------------


@st.composite
def subject_attempts(
    draw: st.DrawFn,
) -> tuple[int, Charter, list[tuple[int, bool]], list[int], bool]:
    voters = draw(st.integers(min_value=1, max_value=11))
    cast = draw(ballots(voters))
    attempts = draw(st.lists(st.integers(min_value=0, max_value=len(cast)), min_size=1))
    return voters, draw(charters()), cast, attempts, draw(st.booleans())


@FACADE
@given(subject_attempts())
def test_the_subjects_ballot_never_exists_in_the_record(
    case: tuple[int, Charter, list[tuple[int, bool]], list[int], bool],
) -> None:
    """Every ballot of the subject is refused, with SubjectCannotVote while the motion is
    open, and records nothing; no BallotCast of the subject is ever stored."""
    voters, charter, cast, attempts, close_at_deadline = case
    c = circle(voters + 1, charter)
    subject, others = c.members[0], c.members[1:]
    motion_id = raise_removal(c, subject, START)
    net = c.network
    for step in range(len(cast) + 1):
        for _ in range(attempts.count(step)):
            before = log_length(net)
            refusal = SubjectCannotVote if "open" == net.motion(motion_id).outcome else MotionClosed
            with pytest.raises(refusal):
                net.execute(
                    CastBallot(
                        motion_id=motion_id, voter_id=subject, in_favour=False, actor="s", at=START
                    )
                )
            assert before == log_length(net)
        if step < len(cast):
            voter, in_favour = cast[step]
            net.execute(
                CastBallot(
                    motion_id=motion_id,
                    voter_id=others[voter],
                    in_favour=in_favour,
                    actor="m",
                    at=START,
                )
            )
    if close_at_deadline and "open" == net.motion(motion_id).outcome:
        net.execute(CloseMotion(motion_id=motion_id, actor="f", at=START + DEADLINE))

    stored_voters = [r.event.voter_id for r in net.recorded() if isinstance(r.event, BallotCast)]
    revealed = net.motion(motion_id, reader=Reader.auditor("audit")).ballots or ()
    assert subject not in stored_voters
    assert [others[v] for v, _ in cast] == stored_voters
    assert [(others[v], yes) for v, yes in cast] == list(revealed)


# --- (c) a member voted off can do nothing ---------------------------------------------


@st.composite
def departures(draw: st.DrawFn) -> tuple[int, Charter, int, int]:
    """Members (2..12), a charter, the subject's open goals, and the goal a peer set."""
    return (
        draw(st.integers(min_value=2, max_value=12)),
        draw(charters()),
        draw(st.integers(min_value=0, max_value=3)),
        draw(st.integers(min_value=0, max_value=1)),
    )


@FACADE
@given(departures())
def test_a_member_voted_off_can_do_nothing_afterwards(
    case: tuple[int, Charter, int, int],
) -> None:
    """SetGoal, a ballot on another open motion, progress on its goals, a challenge, a
    motion and Resign: each refused by a rule (a PeerNetError), and nothing recorded."""
    members, charter, own_goals, peer_goals = case
    c = circle(members, charter)
    net = c.network
    subject, peer = c.members[0], c.members[1]
    goals = [
        event_of(
            net.execute(SetGoal(membership_id=subject, target=target(), actor="s", at=START))
        ).goal_id
        for _ in range(own_goals)
    ]
    peer_goal_ids = [
        event_of(
            net.execute(SetGoal(membership_id=peer, target=target(), actor="p", at=START))
        ).goal_id
        for _ in range(peer_goals)
    ]
    other_motion = event_of(
        net.execute(
            RaiseMotion(
                group_id=c.group_id,
                raised_by=peer,
                kind=MotionKind.CHARTER,
                charter=Charter(capacity=members),
                deadline=START + 10 * DEADLINE,
                actor="p",
                at=START,
            )
        )
    ).motion_id
    carry_removal(c, subject, START + timedelta(days=1))
    later = START + timedelta(days=2)
    commands = [
        SetGoal(membership_id=subject, target=target(), actor="s", at=later),
        CastBallot(motion_id=other_motion, voter_id=subject, in_favour=True, actor="s", at=later),
        *(ReportProgress(goal_id=g, value=Decimal(99), actor="s", at=later) for g in goals),
        *(
            ChallengeGoal(goal_id=g, challenger_id=subject, reason="soft", actor="s", at=later)
            for g in peer_goal_ids
        ),
        RaiseMotion(
            group_id=c.group_id,
            raised_by=subject,
            kind=MotionKind.CHARTER,
            charter=Charter(),
            deadline=later + DEADLINE,
            actor="s",
            at=later,
        ),
        Resign(membership_id=subject, actor="s", at=later),
    ]
    before = log_length(net)

    outcomes = []
    for command in commands:
        try:
            net.execute(command)
            outcomes.append(f"{type(command).__name__} accepted")
        except RuleViolation:
            pass  # refused by a rule, as it must be
        except PeerNetError as error:
            outcomes.append(f"{type(command).__name__}: {type(error).__name__}, not a rule")

    assert [] == outcomes
    assert before == log_length(net)
    assert MembershipStatus.VOTED_OFF == net.membership(subject).status


# --- (d) the refilled seat -------------------------------------------------------------

REGIONS = ["member region 0", "member region 1", "member region 2", "elsewhere", "far away"]
LINES = ["managed services", "cabling"]


@st.composite
def waitlists(draw: st.DrawFn) -> tuple[int, Charter, list[tuple[str, str]], int]:
    """A full group (capacity = members), applicants (region, line) who wait, a subject."""
    members = draw(st.integers(min_value=2, max_value=8))
    applicants = draw(
        st.lists(st.tuples(st.sampled_from(REGIONS), st.sampled_from(LINES)), max_size=5)
    )
    subject = draw(st.integers(min_value=0, max_value=members - 1))
    return members, draw(charters()), applicants, subject


def competes(a: Profile, b: Profile) -> bool:
    """The non-compete rule stated plainly: same country and region (or none), a shared line."""
    same_place = a.territory.country == b.territory.country and (
        a.territory.region is None
        or b.territory.region is None
        or a.territory.region == b.territory.region
    )
    return same_place and bool(a.business_lines & b.business_lines)


def profiles_of(net: Network, memberships: Sequence[UUID]) -> list[Profile]:
    return [net.company(net.membership(m).company_id).profile for m in memberships]


@FACADE
@given(waitlists())
def test_a_carried_removal_refills_the_seat_within_capacity_and_non_compete(
    case: tuple[int, Charter, list[tuple[str, str]], int],
) -> None:
    """The freed seat goes to the first wait-listed applicant who competes with nobody
    seated; capacity holds and no two seated companies compete."""
    members, charter, applicants, subject_at = case
    c = circle(members, attrs.evolve(charter, capacity=members))
    net = c.network
    waiting = [
        apply(net, c.group_id, company(f"Applicant {i}", region, line))
        for i, (region, line) in enumerate(applicants)
    ]
    assert waiting == [s.membership_id for s in net.roster(c.group_id).waitlist]
    subject = c.members[subject_at]
    stay = [m for m in c.members if m != subject]
    stay_profiles = profiles_of(net, stay)
    expected = next(
        (
            w
            for w, p in zip(waiting, profiles_of(net, waiting), strict=True)
            if not any(competes(p, s) for s in stay_profiles)
        ),
        None,
    )

    carry_removal(c, subject, START + timedelta(days=1))

    roster = net.roster(c.group_id)
    seated = [s.membership_id for s in (*roster.members, *roster.offers)]
    seated_profiles = profiles_of(net, seated)
    assert ([expected] if expected else []) == [s.membership_id for s in roster.offers]
    assert len(seated) <= roster.capacity
    assert [] == [
        (a.name, b.name)
        for i, a in enumerate(seated_profiles)
        for b in seated_profiles[i + 1 :]
        if competes(a, b)
    ]
    assert [w for w in waiting if w != expected] == [s.membership_id for s in roster.waitlist]
