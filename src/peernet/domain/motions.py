"""Motion: a proposal a group votes on, above all removing a member ("voted off the island").

Each motion is a stream of its own. The electorate is fixed when the motion is raised:
the other active members of the group at that moment; the subject of a removal never
votes. Quorum and threshold come from the charter in force when it was raised. A motion
closes when every eligible voter has voted, or at its deadline.
"""

import enum
import math
from datetime import datetime
from fractions import Fraction
from typing import ClassVar
from uuid import UUID, uuid4

import attrs

from peernet.domain.charters import Charter
from peernet.domain.common import CONFIDENTIAL, Command, Event, check_forward
from peernet.domain.errors import MotionClosed, UnknownMotion


class MotionKind(enum.Enum):
    REMOVAL = "removal"
    ADMISSION = "admission"
    CHARTER = "charter"


class MotionCause(enum.Enum):
    """Why a removal is proposed."""

    MISSED_GOALS = "missed goals"
    ATTENDANCE = "attendance"
    BREACH_OF_CONFIDENTIALITY = "breach of confidentiality"
    NON_PAYMENT = "non-payment"
    #: flagged for review as often as the charter's `removal_after_flags` says
    FLAGGED = "flagged for review"
    OTHER = "other"


# --- commands -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class RaiseMotion(Command):
    """An active member proposes: to remove a member (`subject_id` and `cause`), to admit
    an applicant (`subject_id`), or to amend the charter (`charter`). With `raised_by`
    None, the group's charter raises a removal itself: only when its
    `removal_after_flags` is set and the member was flagged that many times (the
    process manager `peernet.application.processes.removals` does it)."""

    group_id: UUID
    raised_by: UUID | None
    kind: MotionKind
    deadline: datetime
    subject_id: UUID | None = None
    cause: MotionCause | None = None
    charter: Charter | None = None
    reason: str = attrs.field(default="", metadata={CONFIDENTIAL: True})
    motion_id: UUID = attrs.field(factory=uuid4)


@attrs.frozen(kw_only=True)
class CastBallot(Command):
    motion_id: UUID
    voter_id: UUID
    in_favour: bool


@attrs.frozen(kw_only=True)
class CloseMotion(Command):
    """Count the ballots at or after the deadline."""

    motion_id: UUID


# --- events ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class MotionEvent(Event):
    home = "motion_id"
    motion_id: UUID
    group_id: UUID


@attrs.frozen(kw_only=True)
class MotionRaised(MotionEvent):
    """Schema 2: `reason` is sealed under the key of `company_id`: the subject's company
    (a removal or an admission), else the raiser's (None in events stored before)."""

    schema: ClassVar[int] = 2
    #: the member who moved it; None when the charter's `removal_after_flags` raised it
    raised_by: UUID | None
    kind: MotionKind
    deadline: datetime
    electorate: tuple[UUID, ...]
    quorum: Fraction
    threshold: Fraction
    subject_id: UUID | None = None
    cause: MotionCause | None = None
    charter: Charter | None = None
    reason: str = attrs.field(default="", metadata={CONFIDENTIAL: True})
    company_id: UUID | None = None


@attrs.frozen(kw_only=True)
class BallotCast(MotionEvent):
    voter_id: UUID
    in_favour: bool


@attrs.frozen(kw_only=True)
class MotionCounted(MotionEvent):
    """The tally a motion closed with: ballots in favour and against, out of how many."""

    in_favour: int
    against: int
    electorate: int


@attrs.frozen(kw_only=True)
class MotionCarried(MotionCounted):
    """Quorum and threshold were met; what the motion does is recorded in the same write."""


@attrs.frozen(kw_only=True)
class MotionFailed(MotionCounted):
    reason: str


# --- state ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Motion:
    id: UUID
    group_id: UUID
    raised: MotionRaised
    last_at: datetime
    ballots: tuple[BallotCast, ...] = ()
    outcome: MotionCarried | MotionFailed | None = None

    @property
    def ids(self) -> dict[str, UUID]:
        """The ids every event of this motion carries."""
        return {"motion_id": self.id, "group_id": self.group_id}

    @property
    def closed(self) -> bool:
        return self.outcome is not None

    @property
    def in_favour(self) -> int:
        return sum(1 for b in self.ballots if b.in_favour)

    @property
    def against(self) -> int:
        return len(self.ballots) - self.in_favour

    def voted(self, voter_id: UUID) -> bool:
        return any(b.voter_id == voter_id for b in self.ballots)


def quorum_needed(electorate: int, quorum: Fraction) -> int:
    """Ballots needed for a quorum: the share of the electorate, rounded up."""
    return math.ceil(quorum * electorate)


def verdict(
    in_favour: int, against: int, electorate: int, quorum: Fraction, threshold: Fraction
) -> str | None:
    """Why a vote fails ("quorum not reached", "threshold not reached"), or None when it
    carries: quorum and threshold met. The one count every vote of the network keeps: a
    group's motions, the network's elections, the committee's resolutions and the
    competition's juries."""
    cast = in_favour + against
    if cast == 0 or cast < quorum_needed(electorate, quorum):
        return "quorum not reached"
    if Fraction(in_favour, cast) < threshold:
        return "threshold not reached"
    return None


def tally(motion: Motion, at: datetime) -> MotionCarried | MotionFailed:
    """The outcome of the ballots cast: carried exactly when quorum and threshold are met."""
    raised = motion.raised
    yes, no = motion.in_favour, motion.against
    size = len(raised.electorate)
    carried = MotionCarried(in_favour=yes, against=no, electorate=size, at=at, **motion.ids)
    why = verdict(yes, no, size, raised.quorum, raised.threshold)
    return carried if why is None else failed(carried, why)


def failed(tally: MotionCounted, reason: str) -> MotionFailed:
    """The tally of a motion that did not carry, and why."""
    return MotionFailed(reason=reason, **attrs.asdict(tally, recurse=False))


def require_open(state: Motion | None, motion_id: UUID, at: datetime) -> Motion:
    if state is None:
        raise UnknownMotion(motion_id=motion_id)
    if state.closed:
        raise MotionClosed(motion_id=motion_id)
    check_forward(state, at)
    return state


def evolve(state: Motion | None, event: MotionEvent) -> Motion:
    if isinstance(event, MotionRaised):
        return Motion(id=event.motion_id, group_id=event.group_id, raised=event, last_at=event.at)
    assert state is not None, f"{type(event).__name__} before MotionRaised"
    match event:
        case BallotCast():
            return attrs.evolve(state, ballots=(*state.ballots, event), last_at=event.at)
        case MotionCarried() | MotionFailed():
            return attrs.evolve(state, outcome=event, last_at=event.at)
    raise AssertionError(f"not a motion event: {event!r}")
