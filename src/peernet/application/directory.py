"""The directory: which groups, companies, gatherings... exist (in order of
registration), and which streams belong together: the `Links` a decision's needs
follow, and the lists queries read.

Each relation is a view filled from the links events add (`peernet.domain.links`, the
one table of rules). On the memory store a view holds everything. On SQLite and
PostgreSQL it reads through to the store's links table (`peernet.adapters.links`): a
lookup that misses asks the table and remembers the answer; links this process writes
or catches up on are added to what it remembers; after a long absence it forgets all
and asks again. Links are never removed, so an answer remembered stays true.
"""

import logging
from collections.abc import Callable, Collection, Iterator
from typing import Any, Generic, TypeVar
from uuid import UUID

from peernet.adapters.links import LinkTable, Placed
from peernet.domain.common import Event
from peernet.domain.links import (
    COMPANIES,
    COMPANY_COSTS,
    COMPANY_DEALS,
    COMPANY_REFERRALS,
    COMPETITIONS,
    DEALS,
    FORGOTTEN,
    GATHERINGS,
    GROUP_MEETINGS,
    GROUP_MOTIONS,
    GROUPS,
    MEMBER_DEALS,
    MEMBER_GOALS,
    MEMBER_REFERRALS,
    MEMBERSHIP_GROUP,
    NIL,
    REFERRALS,
    RULES,
    STARTED,
    VENDOR_STREAMS,
    VENDORS,
    Link,
    links_of,
)
from peernet.records import topic_of

log = logging.getLogger(__name__)

#: the topics of the events that add links
LINKED_TOPICS = tuple(topic_of(cls) for cls in RULES)

V = TypeVar("V")
M = TypeVar("M")


class Listing:
    """Every member of a relation with no owner (every group...), in log order."""

    def __init__(self, relation: str, table: LinkTable | None) -> None:
        self.relation, self.table = relation, table
        self.found: dict[UUID, None] = {}
        self.whole = table is None

    def _read(self) -> dict[UUID, None]:
        if not self.whole and self.table is not None:
            read = dict.fromkeys(m for m, _ in self.table.members(self.relation, NIL))
            self.found, self.whole = read | self.found, True
        return self.found

    def __iter__(self) -> Iterator[UUID]:
        return iter(list(self._read()))

    def __len__(self) -> int:
        return len(self._read())

    def __contains__(self, member: object) -> bool:
        return member in self._read()

    def add(self, link: Link) -> None:
        if self.whole:
            self.found[link.member] = None

    def drop(self) -> None:
        if self.table is not None:
            self.found, self.whole = {}, False


class Owned(Generic[M]):
    """The members of each owner (the goals of a membership...), in log order, each
    owner's read whole from the table when first asked for."""

    def __init__(
        self, relation: str, table: LinkTable | None, member: Callable[[UUID, str], M]
    ) -> None:
        self.relation, self.table, self.member = relation, table, member
        self.found: dict[UUID, dict[M, None]] = {}

    def get(self, owner: UUID, default: Collection[M] = ()) -> Collection[M]:
        found = self.found.get(owner)
        if found is None and self.table is not None:
            rows = self.table.members(self.relation, owner)
            found = self.found[owner] = {self.member(m, kind): None for m, kind in rows}
        return found or default

    def begun(self, owner: UUID) -> None:
        """`owner`'s stream began here and now: it has no member yet, and every one it
        gets will be added here, so asking the table would tell nothing."""
        if self.table is not None:
            self.found.setdefault(owner, {})

    def add(self, link: Link) -> None:
        known = self.found.get(link.owner)
        if known is not None:
            known[self.member(link.member, link.kind)] = None
        elif self.table is None:
            self.found[link.owner] = {self.member(link.member, link.kind): None}
        # else the table holds it, and the owner is read whole when first asked for

    def drop(self) -> None:
        if self.table is not None:
            self.found.clear()


class Single(Generic[V]):
    """The one value of each owner (the group of a membership, the kind of a stream);
    only answers found are remembered."""

    def __init__(
        self, relation: str, table: LinkTable | None, value: Callable[[UUID, str], V]
    ) -> None:
        self.relation, self.table, self.value = relation, table, value
        self.found: dict[UUID, V] = {}

    def get(self, owner: UUID) -> V | None:
        found = self.found.get(owner)
        if found is None and self.table is not None:
            rows = self.table.members(self.relation, owner)
            if rows:
                found = self.found[owner] = self.value(*rows[0])
        return found

    def __contains__(self, owner: UUID) -> bool:
        return self.get(owner) is not None

    def unknown(self, owner: UUID) -> bool:
        """Whether `owner` may have a value this process has not read (asked of the
        table, it might answer): a directory kept whole in memory knows every one."""
        return self.table is not None and owner not in self.found

    def add(self, link: Link) -> None:
        self.found.setdefault(link.owner, self.value(link.member, link.kind))

    def drop(self) -> None:
        if self.table is not None:
            self.found.clear()


def _member(member: UUID, _: str) -> UUID:
    return member


def _stream(member: UUID, kind: str) -> tuple[str, UUID]:
    return kind, member


def _kind(_: UUID, kind: str) -> str:
    return kind


class Directory:
    """Which streams exist and belong together, kept whole in memory (`table` None) or
    read through to a store's links table. Adding the same event twice changes nothing."""

    def __init__(self, table: LinkTable | None = None) -> None:
        self.table = table
        self.groups = Listing(GROUPS, table)
        self.companies = Listing(COMPANIES, table)
        self.gatherings = Listing(GATHERINGS, table)
        self.vendors = Listing(VENDORS, table)
        self.deals = Listing(DEALS, table)
        self.referrals = Listing(REFERRALS, table)
        self.competitions = Listing(COMPETITIONS, table)
        self.forgotten = Listing(FORGOTTEN, table)
        self.membership_groups = Single(MEMBERSHIP_GROUP, table, _member)
        self.started = Single(STARTED, table, _kind)
        self.member_goals = Owned(MEMBER_GOALS, table, _member)
        self.group_motions = Owned(GROUP_MOTIONS, table, _member)
        self.group_meetings = Owned(GROUP_MEETINGS, table, _member)
        self.company_deals = Owned(COMPANY_DEALS, table, _member)
        self.company_referrals = Owned(COMPANY_REFERRALS, table, _member)
        self.member_deals = Owned(MEMBER_DEALS, table, _member)
        self.member_referrals = Owned(MEMBER_REFERRALS, table, _member)
        self.company_costs = Owned(COMPANY_COSTS, table, _stream)
        self.vendor_streams = Owned(VENDOR_STREAMS, table, _stream)
        #: the views whose owners begin with a link: a stream of a kind (`STARTED`), a
        #: membership (its group); told when one begins, they need not ask the table
        self.begins: dict[str, tuple[Owned[Any], ...]] = {
            MEMBERSHIP_GROUP: (self.member_goals, self.member_deals, self.member_referrals),
            "group_id": (self.group_motions, self.group_meetings),
            "company_id": (self.company_deals, self.company_referrals, self.company_costs),
            "vendor_id": (self.vendor_streams,),
        }
        views = vars(self).values()
        self.views: dict[str, Listing | Owned[object] | Single[object]] = {
            v.relation: v for v in views if isinstance(v, Listing | Owned | Single)
        }

    def group_of(self, membership_id: UUID) -> UUID | None:
        return self.membership_groups.get(membership_id)

    def goals_of(self, membership_id: UUID) -> list[UUID]:
        return list(self.member_goals.get(membership_id))

    def meetings_of(self, group_id: UUID) -> list[UUID]:
        return list(self.group_meetings.get(group_id))

    def every_group(self) -> list[UUID]:
        return list(self.groups)

    def deals_of(self, membership_id: UUID) -> list[UUID]:
        return list(self.member_deals.get(membership_id))

    def referrals_of(self, membership_id: UUID) -> list[UUID]:
        return list(self.member_referrals.get(membership_id))

    def add(self, event: Event) -> None:
        for link in links_of(event):
            began = link.kind if link.relation == STARTED else link.relation
            for view in self.begins.get(began, ()):
                view.begun(link.owner)
            self.views[link.relation].add(link)

    def drop(self) -> None:
        """Forget what was read from the table (it holds everything): nothing of a
        directory kept whole in memory is forgotten."""
        for view in self.views.values():
            view.drop()


#: events read from the log a page of links at a time when filling the table
FILL_SPAN = 50_000


def fill(
    table: LinkTable,
    start: int,
    top: int,
    events: Callable[[int, int], Iterator[tuple[int, Event]]],
) -> None:
    """Add to the table the links of the log from position `start` to `top` (`events`
    gives the events with links between two positions, and their positions), a span at a
    time, each in one transaction: a store recorded before the table (or by a peernet
    without it) is filled once, by the first writer to open it."""
    log.info("filling the links table from log position %d to %d", start, top)
    for after in range(start, top, FILL_SPAN):
        upto = min(after + FILL_SPAN, top)
        placed: list[Placed] = []
        for at, event in events(after, upto):
            placed.extend((at, link) for link in links_of(event))
        table.fill(placed, after, upto)
