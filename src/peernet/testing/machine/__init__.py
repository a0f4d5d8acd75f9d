"""`NetworkMachine`: a rule-based state machine that drives a real `peernet.Network`
through random commands, valid and invalid, and checks every rule after every step.

It is composed of one rule set an area, each a `RuleBasedStateMachine` subclass of
`MachineBase`: `SeatRules` (companies, groups, applications, seats), `DepartureRules`
(every way a membership ends), `AccountabilityRules` (goals and motions),
`SessionRules` (meetings and dues), `ProgrammeRules` (virtual programmes and their
graduates), `PartnerRules` (deals and referrals), `CompetitionRules` (the best-practices
competition) and `Invariants`. Hypothesis gathers the rules, initialisers, preconditions
and invariants of a machine from every class of its MRO (`RuleBasedStateMachine.
setup_state` reads `inspect.getmembers(cls)`), so a subclass adds rules of its own the
same way.
"""

from collections.abc import Callable

from hypothesis import strategies as st

from peernet.domain.charters import Charter
from peernet.domain.companies import Profile
from peernet.testing.machine.accountability import AccountabilityRules
from peernet.testing.machine.base import MachineBase
from peernet.testing.machine.bodies import BodiesMachine, BodiesRules, ProgrammeRules
from peernet.testing.machine.competitions import CompetitionRules
from peernet.testing.machine.departures import DepartureRules
from peernet.testing.machine.invariants import Invariants
from peernet.testing.machine.model import (
    Expect,
    Model,
    ModelCompany,
    ModelGoal,
    ModelGroup,
    ModelMeeting,
    ModelMembership,
    ModelMotion,
)
from peernet.testing.machine.partners import PartnerRules
from peernet.testing.machine.seats import SeatRules
from peernet.testing.machine.sessions import SessionRules

__all__ = [
    "AccountabilityRules",
    "BodiesMachine",
    "BodiesRules",
    "CompetitionRules",
    "DepartureRules",
    "Expect",
    "Invariants",
    "MachineBase",
    "MembershipMachine",
    "Model",
    "ModelCompany",
    "ModelGoal",
    "ModelGroup",
    "ModelMeeting",
    "ModelMembership",
    "ModelMotion",
    "NetworkMachine",
    "PartnerRules",
    "ProgrammeRules",
    "SeatRules",
    "SessionRules",
    "membership_machine",
    "network_machine",
]


class NetworkMachine(
    SeatRules,
    DepartureRules,
    AccountabilityRules,
    SessionRules,
    ProgrammeRules,
    PartnerRules,
    CompetitionRules,
    Invariants,
):
    """Random commands, valid and invalid, through a real `peernet.Network`.

    Every rule draws a command, predicts from the machine's own model whether peernet
    must accept or refuse it, executes it and checks: a refusal is a `PeerNetError` and
    records nothing; an accepted command records events that keep every rule, checked
    event by event against the model (a seat is offered only when one is free under the
    charter in force and no competitor is seated; wait-listed applicants are served in
    order of arrival; one open core membership per company; departed memberships never
    come back; each stream's business times move forward). Members set goals, report
    progress, and have them reviewed; they move to vote each other off: only active
    members set goals or vote, the subject never votes, one ballot per voter, a motion
    carries exactly when the charter's quorum and threshold are met, a member who leaves
    (voted off or otherwise) has no open goal, and the seat a vote-off frees is offered
    under the same capacity and non-compete rules. Groups meet, and their costs and dues
    are checked to the cent. Members bring each other into deals and refer
    opportunities: no deal ever pairs competitors on one line, its shares add up to its
    value, and a member who leaves holds no open invitation or referral; competition
    entries are counted by the motions' rule. After every step the facade's read models
    must agree with the model.

    Subclass it, or call `network_machine(...)`, to change the store (`store`: a URL,
    or a callable returning a fresh URL for each run), the charters groups are formed
    with (`charter_strategy`) or the companies' profiles (`profile_strategy`).
    """


#: the name `NetworkMachine` had before it drove more than memberships
MembershipMachine = NetworkMachine


def network_machine(
    *,
    store: "str | Callable[[], str]" = "memory://",
    charters: "st.SearchStrategy[Charter] | None" = None,
    profiles: "st.SearchStrategy[Profile] | None" = None,
) -> type[NetworkMachine]:
    """A `NetworkMachine` forming its groups with `charters` (default `charters()`) on
    `store` ("memory://", or a callable that returns a fresh, empty store's URL for each
    run). Use its `TestCase` as a test class::

        TestOurCharter = network_machine(charters=charters(capacity=3)).TestCase
    """
    namespace: dict[str, object] = {"store": store}
    if charters is not None:
        namespace["charter_strategy"] = charters
    if profiles is not None:
        namespace["profile_strategy"] = profiles
    return type("NetworkMachine", (NetworkMachine,), namespace)


#: the name `network_machine` had before it drove more than memberships
membership_machine = network_machine
