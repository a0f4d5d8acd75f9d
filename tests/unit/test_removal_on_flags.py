"""A removal motion the charter raises itself: only when `removal_after_flags` says so."""

from datetime import timedelta

import orjson

from peernet import (
    Charter,
    MemberFlagged,
    MotionCause,
    MotionKind,
    MotionRaised,
    NoRemovalOnFlags,
    NotFlaggedEnough,
    RaiseMotion,
    parse,
)
from peernet.adapters.codec import converter
from peernet.testing import T0, group_with, history, membership_ids, refused, some_id, when

GROUP = some_id("group")
COMPANIES = [some_id(f"company {i}") for i in range(3)]
SUBJECT = membership_ids(GROUP, COMPANIES[0])
MOTION = some_id("motion")


def flagged(times: int) -> list[MemberFlagged]:
    return [MemberFlagged(reason=f"flag {i}", at=T0, **SUBJECT) for i in range(times)]


def by_the_charter(**changes: object) -> RaiseMotion:
    fields: dict[str, object] = {
        "group_id": GROUP,
        "raised_by": None,
        "kind": MotionKind.REMOVAL,
        "subject_id": SUBJECT["membership_id"],
        "cause": MotionCause.FLAGGED,
        "deadline": T0 + timedelta(days=14),
        "motion_id": MOTION,
        "actor": "peernet.removals",
        "at": T0,
    }
    return RaiseMotion(**{**fields, **changes})  # type: ignore[arg-type]


def test_the_charter_raises_a_removal_of_a_member_flagged_as_often_as_it_says() -> None:
    """Flagged twice under removal_after_flags=2: MotionRaised, moved by no member."""
    situation = history(*group_with(GROUP, *COMPANIES, removal_after_flags=2), *flagged(2))

    events = when(situation, by_the_charter())

    assert 1 == len(events)
    raised = events[0]
    assert isinstance(raised, MotionRaised)
    assert (None, MotionCause.FLAGGED, SUBJECT["membership_id"]) == (
        raised.raised_by,
        raised.cause,
        raised.subject_id,
    )


def test_a_charter_without_the_rule_raises_nothing_by_itself() -> None:
    """removal_after_flags off (the default): NoRemovalOnFlags, whatever the flags."""
    situation = history(*group_with(GROUP, *COMPANIES), *flagged(5))

    assert isinstance(refused(situation, by_the_charter()), NoRemovalOnFlags)


def test_a_member_flagged_fewer_times_than_the_rule_is_not_put_to_a_vote() -> None:
    """One flag under removal_after_flags=2: NotFlaggedEnough naming the counts."""
    situation = history(*group_with(GROUP, *COMPANIES, removal_after_flags=2), *flagged(1))

    error = refused(situation, by_the_charter())

    assert isinstance(error, NotFlaggedEnough)
    assert (1, 2) == (error.details["flags"], error.details["limit"])


def test_the_charter_raises_only_removals() -> None:
    """A charter motion with no mover is bad input, not a rule."""
    situation = history(*group_with(GROUP, *COMPANIES, removal_after_flags=2), *flagged(2))

    error = refused(situation, by_the_charter(kind=MotionKind.CHARTER, charter=Charter()))

    assert "removal of a flagged member" in str(error)


def test_a_charter_that_leaves_the_new_rules_alone_keeps_its_bytes() -> None:
    """New parameters at their defaults are not written: old charters read back equal."""
    stored = orjson.loads(converter.dumps(Charter()))

    assert ("removal_after_flags" in stored, "removal_vote_days" in stored) == (False, False)
    assert Charter() == parse(Charter, stored)
    assert Charter(removal_after_flags=2) == parse(
        Charter, orjson.loads(converter.dumps(Charter(removal_after_flags=2)))
    )


def test_a_motion_stored_before_reads_as_it_did() -> None:
    """Old bytes of MotionRaised (a member's UUID in raised_by, a charter without the new
    parameters) read back unchanged, the company whose key seals the reason (schema 2)
    left empty."""
    mover, subject = some_id("mover"), SUBJECT["membership_id"]
    stored = {
        "at": "2001-01-01T00:00:00+00:00",
        "motion_id": str(MOTION),
        "group_id": str(GROUP),
        "raised_by": str(mover),
        "kind": "charter",
        "deadline": "2001-01-15T00:00:00+00:00",
        "electorate": [str(subject)],
        "quorum": "2/3",
        "threshold": "2/3",
        "subject_id": None,
        "cause": None,
        "charter": orjson.loads(converter.dumps(Charter(capacity=10))),
        "reason": "",
    }

    motion = parse(MotionRaised, stored)

    assert (mover, Charter(capacity=10)) == (motion.raised_by, motion.charter)
    assert {**stored, "company_id": None} == orjson.loads(converter.dumps(motion))
