"""The testing kit's own promises: its builders agree with the real core, its old names
still work, and its state machine is made of every area's rules."""

from hypothesis.stateful import RuleBasedStateMachine

import peernet.testing
from peernet import Network, Resign
from peernet.testing import (
    T0,
    MembershipMachine,
    NetworkMachine,
    after,
    formed,
    founding,
    given,
    group_with,
    history,
    joined,
    membership_machine,
    membership_of,
    network_machine,
    registered,
    some_id,
    some_ids,
    then_recorded,
    when,
)
from peernet.testing.machine import (
    AccountabilityRules,
    CompetitionRules,
    DepartureRules,
    Invariants,
    MachineBase,
    PartnerRules,
    ProgrammeRules,
    SeatRules,
    SessionRules,
)

GROUP = some_id("group")
COMPANIES = some_ids("company", 3)

#: every public name `peernet.testing` had as one module, before it became a package
NAMES_OF_0_1 = [
    "BUSINESS_LINES",
    "COMPANY_NAMES",
    "COUNTRIES",
    "REGIONS",
    "T0",
    "TIMEZONES",
    "Expect",
    "MembershipMachine",
    "Model",
    "ModelCompany",
    "ModelGoal",
    "ModelGroup",
    "ModelMeeting",
    "ModelMembership",
    "ModelMotion",
    "actors",
    "applied",
    "charters",
    "form_group_commands",
    "formed",
    "given",
    "group_with",
    "joined",
    "membership_machine",
    "membership_of",
    "nothing_recorded",
    "profile",
    "profiles",
    "refused",
    "register_company_commands",
    "registered",
    "situations",
    "some_id",
    "territories",
    "then_recorded",
    "times",
    "when",
]


def test_every_name_of_the_single_module_is_still_exported() -> None:
    """`from peernet.testing import X` works for every X the 0.1 module had."""
    missing = [name for name in NAMES_OF_0_1 if name not in peernet.testing.__all__]

    assert ([], []) == (missing, [n for n in NAMES_OF_0_1 if not hasattr(peernet.testing, n)])


def test_the_old_names_are_aliases_of_the_new() -> None:
    """`given`, `MembershipMachine` and `membership_machine` do what their new names do."""
    events = group_with(GROUP, *COMPANIES)

    assert (True, True, history(*events)) == (
        MembershipMachine is NetworkMachine,
        membership_machine is network_machine,
        given(*events),
    )


def test_the_commands_of_founding_record_the_events_of_group_with() -> None:
    """`founding` (and the `joining` it uses) are `group_with` (and `joined`) as commands."""
    network = Network("memory://")

    recorded = [
        event
        for command in founding(GROUP, *COMPANIES)
        for event in then_recorded(network.execute(command))
    ]

    assert group_with(GROUP, *COMPANIES) == recorded


def test_after_folds_each_command_the_core_decides() -> None:
    """`after(situation, *commands)` is `when` then `history`, command by command."""
    start = history(formed(GROUP), registered(COMPANIES[0]), *joined(GROUP, COMPANIES[0]))
    resign = Resign(membership_id=membership_of(GROUP, COMPANIES[0]), actor="a", at=T0)

    assert history(*when(start, resign), situation=start) == after(start, resign)


def test_the_network_machine_is_made_of_every_areas_rules() -> None:
    """Hypothesis collects the rules and invariants of every rule set along the MRO."""
    areas = [
        SeatRules,
        DepartureRules,
        AccountabilityRules,
        SessionRules,
        ProgrammeRules,
        PartnerRules,
        CompetitionRules,
        Invariants,
    ]

    def names(machine: type[RuleBasedStateMachine]) -> tuple[set[str], set[str]]:
        state = machine.setup_state()
        return (
            {r.function.__name__ for r in state.rules},
            {i.function.__name__ for i in state.invariants},
        )

    by_area = [names(area) for area in areas]

    assert (
        set().union(*(rules for rules, _ in by_area)),
        set().union(*(invariants for _, invariants in by_area)),
    ) == names(NetworkMachine)
    assert all(rules - names(MachineBase)[0] for rules, _ in by_area[:-1])
