"""What every query shares: the store and the warm replica, read under the lock and
brought up to date first, typed lookups of current states, and the one access check:
"what happens in each group stays in each group" (`peernet.domain.access`)."""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from peernet.application.replica import Replica
from peernet.application.store import Store
from peernet.domain.access import Reader, sees_inside, sees_inside_every_group
from peernet.domain.companies import Company
from peernet.domain.errors import AccessDenied, InvalidValue, UnknownCompany, UnknownGroup
from peernet.domain.governance import NetworkState, charter_at
from peernet.domain.groups import Group
from peernet.domain.network_charter import NETWORK_ID, NetworkCharter

ANONYMOUS = Reader.staff("anonymous")
S = TypeVar("S")


def uuid_of(name: str, value: object) -> UUID:
    """`value` if it is a UUID, else InvalidValue naming the argument."""
    if not isinstance(value, UUID):
        raise InvalidValue(f"{name} must be a UUID, got {value!r}", field=name)
    return value


def _every_group(group_id: UUID) -> bool:
    return True


class Reading:
    """The base of the facade's queries: `Network` composes the query parts on it."""

    _store: Store
    _replica: Replica
    clock: Any

    @contextmanager
    def _current(self) -> Iterator[None]:
        """For a query: hold the lock, read from caches brought up to date, and turn a
        store's failure into one line."""
        with self._store.lock, self._store.errors():
            self._replica.catch_up()
            yield

    def _now(self) -> datetime:
        now: datetime = self.clock()
        return now

    def _get(self, state_type: type[S], stream_id: UUID) -> S | None:
        """The current state of a stream (`Group`, `Company`...), None when there is none."""
        return self._replica.get(state_type, stream_id)

    def _network(self) -> NetworkState | None:
        """The network's own stream, None while it was never chartered."""
        return self._get(NetworkState, NETWORK_ID)

    def _network_charter(self, at: datetime) -> NetworkCharter:
        """The network charter in force at `at` (the defaults while never chartered)."""
        return charter_at(self._network(), at)

    def _known_group(self, group_id: UUID) -> Group:
        group = self._get(Group, uuid_of("group_id", group_id))
        if group is None:
            raise UnknownGroup(group_id=group_id)
        return group

    def _known_company(self, company_id: UUID) -> Company:
        company = self._get(Company, uuid_of("company_id", company_id))
        if company is None:
            raise UnknownCompany(company_id=company_id)
        return company

    def _sees(self, reader: Reader | None, group_id: UUID) -> bool:
        group = self._get(Group, group_id)
        return group is not None and sees_inside(reader, group)

    def _groups_seen_by(self, reader: Reader | None) -> Callable[[UUID], bool]:
        """Whether `reader` sees inside a group, for each group as it is now (an auditor
        sees inside every group: none is read)."""
        if sees_inside_every_group(reader):
            return _every_group
        with self._current():
            groups = self._replica.directory.groups
            inside = frozenset(g for g in groups if self._sees(reader, g))
        return inside.__contains__

    def _check_inside(self, reader: Reader | None, group_id: UUID, what: str) -> Group:
        """The group, when `reader` may read its confidential records; else AccessDenied
        (no reader reads as an anonymous member of staff)."""
        group = self._known_group(group_id)
        if not sees_inside(reader, group):
            who = reader or ANONYMOUS
            raise AccessDenied(role=who.role, reader=who.name, what=what, group_id=group_id)
        return group

    def _names(self, company_ids: Iterable[UUID]) -> dict[UUID, str]:
        """The names of the companies, as their profiles say (`forgotten` once forgotten)."""
        names = {}
        for company_id in set(company_ids):
            found = self._get(Company, company_id)
            if found is not None:
                names[company_id] = found.profile.name
        return names
