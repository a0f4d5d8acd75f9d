"""The demo's replica of the network's state, and every use the demo makes of the pure
domain's internals, in this one module.

The simulation reads the state it acts on (who is wait-listed, which goals are open,
when the next meeting is) from a replica it folds from the events the store records,
rather than querying the store for each of its ten thousand commands. A second build on
the same store decides each command on the replica first, with the pure core's `decide`,
to refuse again what was refused the first time (see `Replica.decides_nothing`).

This module is the demo's one seam with `peernet.domain`: the fold (`evolve`), the
decision (`decide`), the replica's state types (`Group`, `Membership`, `Goal`, `Motion`)
and a few rules the story reads (`first_competitor`, `months_after`, `missed_in_a_row`,
`quorum_needed`, quarters). Every other module of `peernet.demo` imports public names
from `peernet` and the rest from here, so a change to the domain's layout is adapted
here alone.
"""

from collections.abc import Iterator, Mapping
from typing import Any
from uuid import UUID

import attrs

from peernet import (
    Command,
    Event,
    GoalSet,
    GoalStatus,
    GroupFormat,
    GroupKind,
    MembershipStatus,
    Profile,
)
from peernet.domain import goals as goal_rules, network as pure
from peernet.domain.charters import DEFAULT_GOAL_CATEGORIES
from peernet.domain.common import months_after
from peernet.domain.companies import Company
from peernet.domain.competitions import Competition
from peernet.domain.deals import Deal, Party, compete_on
from peernet.domain.decisions.seats import first_competitor
from peernet.domain.financials import quarter_after, quarter_of
from peernet.domain.goals import Goal, GoalEvent
from peernet.domain.governance import NetworkState
from peernet.domain.groups import Group
from peernet.domain.meetings import Gathering, Meeting
from peernet.domain.memberships import Membership
from peernet.domain.motions import Motion, quorum_needed
from peernet.domain.network_charter import NETWORK_ID
from peernet.domain.referrals import Referral
from peernet.domain.situation import Ref, Replayed, Situation

__all__ = [
    "DEFAULT_GOAL_CATEGORIES",
    "Deal",
    "Gathering",
    "Goal",
    "Group",
    "Meeting",
    "Membership",
    "Motion",
    "Referral",
    "Replica",
    "months_after",
    "quarter_after",
    "quarter_of",
    "quorum_needed",
]


class Replica:
    """The network's state as the recorded events left it: groups and their memberships,
    companies, goals, motions, meetings and gatherings, read by the demo's scenes."""

    def __init__(self) -> None:
        # Goals are many (thousands by 2009) and each goal event touches one: the replica
        # keeps them in this one dict, updated in place, rather than copy it per event.
        self.goals: dict[UUID, Goal] = {}
        self.group_goals: dict[UUID, list[UUID]] = {}
        self._situation: Situation = attrs.evolve(pure.INITIAL, goals=self.goals)

    # --- folding and deciding -------------------------------------------------------------

    def apply(self, event: Event) -> None:
        """Fold one recorded event into the replica."""
        if isinstance(event, GoalEvent):
            if isinstance(event, GoalSet):
                self.group_goals.setdefault(event.group_id, []).append(event.goal_id)
                links = self._situation.links
                assert isinstance(links, Replayed)
                self._situation = attrs.evolve(self._situation, links=links.after(event))
            self.goals[event.goal_id] = goal_rules.evolve(self.goals.get(event.goal_id), event)
            return
        self._situation = pure.evolve(self._situation, event)

    def decides_nothing(self, command: Command) -> bool:
        """Whether the pure core, deciding `command` on what its needs read of the
        replica, records nothing (a review with no goals due); a refusal raises the
        rule's error, as the store would."""
        situation = pure.situate(command, self._load, self._situation.links)
        return not pure.decide(situation, command)

    def _load(self, ref: Ref) -> object:
        return getattr(self._situation, pure.FOLDS[ref.kind].part).get(ref.id)

    # --- reading --------------------------------------------------------------------------

    @property
    def groups(self) -> Mapping[UUID, Group]:
        """Every group by id, in the order formed."""
        return self._situation.groups

    @property
    def meetings(self) -> Mapping[UUID, Meeting]:
        return self._situation.meetings

    @property
    def gatherings(self) -> Mapping[UUID, Gathering]:
        return self._situation.gatherings

    @property
    def motions(self) -> Mapping[UUID, Motion]:
        return self._situation.motions

    def profile(self, company_id: UUID) -> Profile:
        return self._situation.profile(company_id)

    # the network's own bodies (peernet.demo.bodies)

    @property
    def companies(self) -> Mapping[UUID, Company]:
        return self._situation.companies

    @property
    def network(self) -> NetworkState | None:
        return self._situation.networks.get(NETWORK_ID)

    def company_gone(self, company_id: UUID) -> bool:
        """Whether the company was acquired."""
        return self._situation.companies[company_id].acquired

    def group_of(self, membership_id: UUID) -> UUID:
        """The group a membership belongs to."""
        group_id = self._situation.links.group_of(membership_id)
        assert group_id is not None, f"no membership {membership_id}"
        return group_id

    def open_groups(
        self, kind: GroupKind = GroupKind.CORE, fmt: GroupFormat | None = None
    ) -> list[Group]:
        """Open groups of a kind, of a format if `fmt` names one, in the order formed."""
        return [
            g
            for g in self._situation.groups.values()
            if g.kind is kind and g.closed_at is None and (fmt is None or g.format is fmt)
        ]

    def memberships(self, *statuses: MembershipStatus) -> Iterator[tuple[Group, Membership]]:
        """Every membership in one of `statuses`, with its group, group by group."""
        for group in self._situation.groups.values():
            for m in group.memberships.values():
                if m.status in statuses:
                    yield group, m

    def current(self, m: Membership) -> Membership:
        """The membership as it is now (a snapshot taken before other acts may be stale)."""
        return self._situation.groups[m.group_id].memberships[m.id]

    def fits(self, group: Group, company_id: UUID) -> bool:
        """A free seat, no competitor seated, and the group's territory covers the company."""
        profile = self.profile(company_id)
        if group.territory is not None and not group.territory.overlaps(profile.territory):
            return False
        if len(group.seated) >= group.charter.capacity:
            return False
        return first_competitor(self._situation, group, company_id, group.seated) is None

    def active(self, group: Group, membership_id: UUID) -> bool:
        """Whether the membership holds an active seat in `group`."""
        m = group.memberships.get(membership_id)
        return m is not None and m.status is MembershipStatus.ACTIVE

    def name_of(self, group: Group, membership_id: UUID) -> str:
        """The name of the company holding a membership of `group`."""
        return self.profile(group.memberships[membership_id].company_id).name

    def by(self, company_id: UUID, role: str = "") -> dict[str, Any]:
        """Who acts, for a command a company's person gives: the company's name (or one
        of its roles, "cfo of ..."), acting for it, so the name is sealed with its key."""
        name = self.profile(company_id).name
        return {"actor": f"{role} of {name}" if role else name, "acting_for": company_id}

    def by_member(self, group: Group, membership_id: UUID) -> dict[str, Any]:
        """Who acts for the company holding a membership of `group`."""
        return self.by(group.memberships[membership_id].company_id)

    def open_goals(self, group_id: UUID) -> list[Goal]:
        found = (self.goals[g] for g in self.group_goals.get(group_id, ()))
        return [g for g in found if g.status is GoalStatus.OPEN]

    # --- the partner economy ----------------------------------------------------------------

    @property
    def deals(self) -> Mapping[UUID, Deal]:
        return self._situation.deals

    @property
    def referrals(self) -> Mapping[UUID, Referral]:
        return self._situation.referrals

    @property
    def competitions(self) -> Mapping[UUID, Competition]:
        return self._situation.competitions

    def compete_on_deal(self, deal: Deal, company_id: UUID, line: str) -> bool:
        """Whether the company, on the deal for `line`, would compete with a party on it
        (the network charter's deal_non_compete, as the rule reads it)."""
        party = Party(
            company_id=company_id, membership_id=company_id, group_id=company_id, line=line
        )
        profile = self.profile(company_id)
        return any(
            compete_on(party, profile, other, self.profile(other.company_id))
            for other in deal.live()
        )

    def missed_in_a_row(self, membership_id: UUID) -> int:
        """Goals the member missed in a row, counting back from its latest."""
        return goal_rules.missed_in_a_row(self._situation.goals_of(membership_id))
