"""Process managers: followers that turn what happened into what the rules say happens
next, recorded as commands with their cause.

`removals(network)` is the handler behind the charter's `removal_after_flags`: when a
member is flagged for the N-th time (2N-th, ...) and the charter in force that day says
N, it raises a removal motion by the charter itself (`raised_by` None, cause
`FLAGGED`, the flags in its reason), as actor ``peernet.removals``, on the flag's day,
in the flag's correlation (so the trail ties the motion to what caused it). Run it as
any follower, `follow_removals(network).start()` being short for::

    network.follow(REMOVALS, removals(network), events=[MemberFlagged]).start()

A member who left, or a group with nobody left to vote, gets no motion. The motion's id
is made from the flag, so the same flag never raises two.
"""

from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, uuid5

from peernet.application.followers import Follower, Handler
from peernet.domain.groups import Group
from peernet.domain.memberships import MemberFlagged, MembershipStatus
from peernet.domain.motions import MotionCause, MotionKind, RaiseMotion
from peernet.domain.network import FOLDS
from peernet.records import Recorded

if TYPE_CHECKING:
    from peernet.application.network import Network

#: the name the removals process follows under, and the actor its motions are raised by
REMOVALS = "peernet.removals"
_MOTION_IDS = uuid5(NAMESPACE_URL, "https://peernet.invalid/removal-motions")


def _group_then(network: "Network", record: Recorded) -> Group | None:
    """The flag's group exactly as it stood once the flag was recorded: its stream
    folded up to the flag's version."""
    state: Group | None = None
    for stored in network.stored(record.stream_id):
        if stored.originator_version > record.version:
            break
        state = FOLDS["group_id"].evolve(state, network.codec.decode(stored).event)
    return state


def removals(network: "Network") -> Handler:
    """The handler that raises a removal motion when the charter's `removal_after_flags`
    says so (see the module's docstring)."""

    def handle(record: Recorded) -> RaiseMotion | None:
        flag = record.event
        if not isinstance(flag, MemberFlagged):
            return None
        then = _group_then(network, record)
        member = then.memberships.get(flag.membership_id) if then else None
        if then is None or member is None:
            return None
        charter = then.charter_at(flag.at).charter
        limit, count = charter.removal_after_flags, len(member.flags)
        if limit is None or count == 0 or count % limit:
            return None
        now = network.membership(flag.membership_id)
        voters = [s for s in network.roster(flag.group_id).members if s.membership_id != member.id]
        if now.status is not MembershipStatus.ACTIVE or not voters:
            return None
        return RaiseMotion(
            group_id=flag.group_id,
            raised_by=None,
            kind=MotionKind.REMOVAL,
            subject_id=flag.membership_id,
            cause=MotionCause.FLAGGED,
            reason=f"flagged {count} times: " + "; ".join(member.flags[-limit:]),
            deadline=flag.at + timedelta(days=charter.removal_vote_days),
            motion_id=uuid5(_MOTION_IDS, f"{record.stream_id}/{record.version}"),
            actor=REMOVALS,
            at=flag.at,
        )

    return handle


def follow_removals(network: "Network") -> Follower:
    """The removals process as a follower of `network`, named `REMOVALS`, fed the flags."""
    return network.follow(REMOVALS, removals(network), events=[MemberFlagged])
