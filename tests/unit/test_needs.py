"""Each decision says what it reads: the table of deciders, the loop that loads what
`needs` name, and the guard that turns a read of anything else into a loud bug."""

from collections import Counter
from typing import Any

import pytest

import peernet
from peernet import ApplyForMembership, Command, Resign
from peernet.domain import decisions, network as pure
from peernet.domain.decisions import Decider
from peernet.domain.situation import NotLoaded, Ref, Situation
from peernet.testing import T0, given, group_with, membership_of, registered, some_id

GROUP = some_id("group")
ACME, GLOBEX, INITECH = some_id("acme"), some_id("globex"), some_id("initech")


def commands() -> list[type[Command]]:
    return [
        cls
        for cls in (getattr(peernet, name) for name in peernet.__all__)
        if isinstance(cls, type) and issubclass(cls, Command) and cls is not Command
    ]


@pytest.mark.parametrize("command", commands(), ids=lambda c: c.__name__)
def test_every_public_command_has_a_decider(command: type[Command]) -> None:
    """No command reaches the facade without a rule that names what it reads."""
    assert isinstance(pure.DECIDERS.get(command), Decider)


def test_the_table_of_deciders_holds_only_commands() -> None:
    """Every key of the table is a command class (the table cannot drift into anything else)."""
    assert [] == [k for k in pure.DECIDERS if not issubclass(k, Command)]


def test_no_command_is_decided_by_two_decision_modules() -> None:
    """The joined table would keep one silently: each command has one rule's module."""
    tables = [vars(m)["DECIDERS"] for m in vars(decisions).values() if hasattr(m, "DECIDERS")]
    twice = Counter(command for table in tables for command in table)

    assert [] == [command.__name__ for command, n in twice.items() if n > 1]
    assert len(pure.DECIDERS) == len(twice)


def test_needs_are_asked_again_until_they_name_nothing_new() -> None:
    """An application reads its group first, then the companies seated in it."""
    everything = given(*group_with(GROUP, ACME, GLOBEX), registered(INITECH))
    command = ApplyForMembership(company_id=INITECH, group_id=GROUP, actor="a", at=T0)
    loaded: list[Ref] = []

    def load(ref: Ref) -> Any:
        loaded.append(ref)
        return getattr(everything, pure.FOLDS[ref.kind].part).get(ref.id)

    situation = pure.situate(command, load, everything.links)

    assert [Ref.group(GROUP), Ref.company(INITECH)] == loaded[:2]
    assert {Ref.company(ACME), Ref.company(GLOBEX)} <= set(loaded[2:])
    assert pure.decide(situation, command) == pure.decide(everything, command)


def test_a_decision_reading_what_its_needs_did_not_name_is_a_bug_not_a_refusal() -> None:
    """With needs that name nothing, the rule's first read raises NotLoaded."""
    everything = given(*group_with(GROUP, ACME))
    command = Resign(membership_id=membership_of(GROUP, ACME), actor="a", at=T0)
    blind = Decider(needs=lambda command, situation: (), decide=pure.decide)
    situation = Situation(links=everything.links, asked=frozenset())

    with pytest.raises(NotLoaded, match="needs did not name"):
        blind.decide(situation, command)


def test_a_stream_asked_for_and_absent_reads_as_unknown() -> None:
    """Asked for and not found is a refusal in the domain's words, not a bug."""
    command = ApplyForMembership(company_id=ACME, group_id=GROUP, actor="a", at=T0)
    situation = pure.situate(command, lambda ref: None, given().links)

    with pytest.raises(peernet.UnknownGroup):
        pure.decide(situation, command)
