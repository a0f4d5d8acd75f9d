"""The whole network as one pure decision: the table of deciders (which rule decides each
command, and what it reads) beside the table of folds (how each kind of stream evolves).

- `situate(command, load, links)` runs a decider's `needs` until it names nothing new,
  loading each stream it names through `load`: the application loads from its store,
  tests and tools from a replay. `decide(situation, command)` then decides.
- `evolve` folds any event into a full `Situation`; `replay` folds a history, so tests
  and `peernet.testing` can decide any command with no store.
"""

from collections.abc import Callable, Iterable
from functools import reduce
from typing import Any

import attrs

from peernet.domain import (
    companies,
    competitions,
    deals,
    financials,
    goals,
    governance,
    groups,
    meetings,
    motions,
    referrals,
    vendors,
)
from peernet.domain.common import Command, Event
from peernet.domain.decisions import (
    Decider,
    accountability,
    awards,
    benchmarking,
    books,
    cohorts,
    dues,
    governance as network_bodies,
    partnering,
    people,
    programme,
    registry,
    seats,
    sessions,
    votes,
)
from peernet.domain.errors import InvalidValue
from peernet.domain.situation import Links, Ref, Replayed, Situation

#: which decider decides each command
DECIDERS: dict[type[Command], Decider[Any]] = {
    **registry.DECIDERS,
    **seats.DECIDERS,
    **accountability.DECIDERS,
    **votes.DECIDERS,
    **sessions.DECIDERS,
    **dues.DECIDERS,
    **books.DECIDERS,
    # the network's own bodies (docs/governance.md, docs/people.md)
    **people.DECIDERS,
    **network_bodies.DECIDERS,
    **programme.DECIDERS,
    **cohorts.DECIDERS,
    **benchmarking.DECIDERS,
    # the partner economy
    **partnering.DECIDERS,
    **awards.DECIDERS,
}


@attrs.frozen
class Fold:
    """How a kind of stream folds: the part of the `Situation` holding its states, its
    `evolve`, the event every such stream begins with, and the class of its state."""

    part: str
    evolve: Callable[[Any, Any], Any]
    first: type[Event]
    state: type


#: how each kind of stream folds, by the field naming its id (`Event.home`)
FOLDS: dict[str, Fold] = {
    "company_id": Fold(
        "companies", companies.evolve, companies.CompanyRegistered, companies.Company
    ),
    "group_id": Fold("groups", groups.evolve, groups.GroupFormed, groups.Group),
    "goal_id": Fold("goals", goals.evolve, goals.GoalSet, goals.Goal),
    "motion_id": Fold("motions", motions.evolve, motions.MotionRaised, motions.Motion),
    "meeting_id": Fold("meetings", meetings.evolve, meetings.MeetingScheduled, meetings.Meeting),
    "gathering_id": Fold(
        "gatherings", meetings.evolve_gathering, meetings.GatheringScheduled, meetings.Gathering
    ),
    "financials_id": Fold(
        "financials", financials.evolve, financials.FinancialsSubmitted, financials.Financials
    ),
    # the network's own bodies
    "network_id": Fold(
        "networks", governance.evolve, governance.NetworkChartered, governance.NetworkState
    ),
    "vendor_id": Fold("vendors", vendors.evolve, vendors.VendorAdmitted, vendors.Vendor),
    # the partner economy
    "deal_id": Fold("deals", deals.evolve, deals.DealProposed, deals.Deal),
    "referral_id": Fold("referrals", referrals.evolve, referrals.ReferralMade, referrals.Referral),
    "competition_id": Fold(
        "competitions",
        competitions.evolve,
        competitions.CompetitionOpened,
        competitions.Competition,
    ),
}

AnyCommand = tuple(DECIDERS)
INITIAL = Situation()


def decider(command: Command) -> Decider[Any]:
    """The decider of `command`, or InvalidValue for what is not a peernet command."""
    found = DECIDERS.get(type(command))
    if found is None:
        raise InvalidValue(f"{type(command).__name__} is not a peernet command")
    return found


def needs(command: Command, situation: Situation) -> Iterable[Ref]:
    """The streams deciding `command` reads, given what `situation` holds so far."""
    return decider(command).needs(command, situation)


def decide(situation: Situation, command: Command) -> list[Event]:
    """The events `command` records in `situation`, or the error that refuses it."""
    return decider(command).decide(situation, command)


def situate(command: Command, load: Callable[[Ref], Any], links: Links) -> Situation:
    """The situation `command` is decided in: every stream its needs name, loaded with
    `load(ref)` (the stream's state, None when there is no such stream), asked again
    after each round until they name nothing new."""
    rule = decider(command)
    situation = Situation(links=links, asked=frozenset())
    while True:
        asked = situation.asked or frozenset()
        new = list(dict.fromkeys(r for r in rule.needs(command, situation) if r.id not in asked))
        if not new:
            return situation
        changes: dict[str, Any] = {}
        for ref in new:
            state = load(ref)
            if state is not None:
                part = FOLDS[ref.kind].part
                changes.setdefault(part, dict(getattr(situation, part)))[ref.id] = state
        situation = attrs.evolve(situation, asked=asked | {r.id for r in new}, **changes)


def evolve(situation: Situation, event: Event) -> Situation:
    """`situation` after `event`; events of kinds it does not hold pass through."""
    kind, stream_id = event.stream()
    fold = FOLDS.get(kind)
    if fold is None:
        return situation
    states = getattr(situation, fold.part)
    changes: dict[str, Any] = {
        fold.part: {**states, stream_id: fold.evolve(states.get(stream_id), event)}
    }
    if isinstance(situation.links, Replayed):
        changes["links"] = situation.links.after(event)
    return attrs.evolve(situation, **changes)


def replay(*events: Event, situation: Situation = INITIAL) -> Situation:
    """Fold events, in order, into a situation."""
    return reduce(evolve, events, situation)
