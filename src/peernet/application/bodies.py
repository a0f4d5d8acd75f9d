"""Queries on the network's own bodies: who acts for it and its committee, the
resolutions, the vendor partners and their figures, a company's people."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from uuid import UUID

from peernet.application.reading import Reading, uuid_of
from peernet.domain.charters import GroupFormat
from peernet.domain.common import months_after
from peernet.domain.companies import Company, Person
from peernet.domain.groups import Group
from peernet.domain.meetings import Gathering, Meeting
from peernet.domain.network_errors import UnknownVendor
from peernet.domain.vendors import Vendor
from peernet.projections.bodies import (
    Ceremony,
    CohortMember,
    CommitteeView,
    GroupCadence,
    PersonView,
    ProgrammeGroup,
    ResolutionView,
    Step,
    VendorsView,
    VendorView,
    cadence_of,
)


def _moment(on: date | datetime | None, default: datetime) -> datetime:
    if on is None:
        return default
    if isinstance(on, datetime):
        return on
    return datetime.combine(on, time.max, UTC)


class Bodies(Reading):
    def network_day(self) -> date | None:
        """The business day of the network's last recorded act (its charter, committee,
        resolutions, vendors), None when it has none: what a reader of a past network
        asks about by default."""
        with self._current():
            network = self._network()
            found = [network.last_at] if network else []
            found += [
                v.last_at
                for v in (self._get(Vendor, i) for i in self._replica.directory.vendors)
                if v
            ]
            return max(found).date() if found else None

    def committee(self, *, on: date | datetime | None = None) -> CommitteeView:
        """Who acts for the network on a day (today by default) and the committee's seats."""
        with self._current():
            network = self._network()
            companies: dict[UUID, Company] = {}
            for seat in network.seats if network else ():
                found = self._get(Company, seat.company_id)
                if found is not None:
                    companies[seat.company_id] = found
            return CommitteeView.of(network, _moment(on, self._now()), companies)

    def resolutions(self) -> tuple[ResolutionView, ...]:
        """Every resolution put to the committee, passed or failed, in order."""
        with self._current():
            network = self._network()
            return tuple(ResolutionView.of(r) for r in (network.resolutions if network else ()))

    def vendor(self, vendor_id: UUID, *, on: date | None = None) -> VendorView:
        """A vendor partner: tier, term, sponsorship by year, talks, cost offsets."""
        with self._current():
            vendor = self._get(Vendor, uuid_of("vendor_id", vendor_id))
            if vendor is None:
                raise UnknownVendor(vendor_id=vendor_id)
            return self._vendor_view(vendor, on or self._now().date())

    def vendors(self, *, on: date | None = None) -> VendorsView:
        """The programme on a day (today by default): every vendor, in it or not, and
        the target the network charter sets."""
        with self._current():
            day = on or self._now().date()
            found = (self._get(Vendor, v) for v in self._replica.directory.vendors)
            rules = self._network_charter(_moment(day, self._now()))
            views = tuple(self._vendor_view(v, day) for v in found if v is not None)
            return VendorsView(on=day, vendors=views, target=rules.vendor_target)

    def _vendor_view(self, vendor: Vendor, on: date) -> VendorView:
        held: list[Meeting | Gathering] = []
        for kind, stream_id in self._replica.directory.vendor_streams.get(vendor.id, ()):
            state = (
                self._get(Meeting, stream_id)
                if kind == "meeting_id"
                else self._get(Gathering, stream_id)
            )
            if state is not None:
                held.append(state)
        return VendorView.of(vendor, on, held)

    def programme(self) -> tuple[ProgrammeGroup, ...]:
        """Every virtual group's programme: its cohort with the day each completes, the
        graduation ceremonies, and the graduates who stepped up from it."""
        with self._current():
            every = [self._get(Group, g) for g in self._replica.directory.groups]
            groups = [g for g in every if g is not None]
            return tuple(
                self._programme(g, groups) for g in groups if g.format is GroupFormat.VIRTUAL
            )

    def _programme(self, group: Group, groups: list[Group]) -> ProgrammeGroup:
        months = group.charter.programme_months
        names = self._names(m.company_id for m in group.memberships.values())
        cohort = tuple(
            CohortMember(
                membership_id=m.id,
                company_id=m.company_id,
                company=names.get(m.company_id, ""),
                joined_on=m.joined_at.date(),
                completes_on=months_after(m.joined_at, months).date(),
                status=m.status.value,
            )
            for m in sorted(group.memberships.values(), key=lambda m: (m.applied_at, str(m.id)))
            if m.joined_at is not None
        )
        ceremonies = []
        for held in group.ceremonies:
            gathering = self._get(Gathering, held.gathering_id)
            ceremonies.append(
                Ceremony(
                    on=held.at.date(),
                    gathering_id=held.gathering_id,
                    gathering=gathering.scheduled.name if gathering else "",
                    graduates=len(held.graduates),
                )
            )
        steps = [
            Step(
                company_id=step.company_id,
                company=names.get(step.company_id, ""),
                on=step.at.date(),
                to_group_id=target.id,
                to_group=target.name,
                second_year=target.format is GroupFormat.VIRTUAL,
                status=target.memberships[step.membership_id].status.value,
            )
            for target in groups
            for step in target.stepped_up
            if step.from_group_id == group.id
        ]
        wanted = group.eligibility.certifications if group.eligibility else frozenset()
        return ProgrammeGroup(
            group_id=group.id,
            name=group.name,
            months=months,
            certifications=tuple(sorted(wanted)),
            cohort=cohort,
            ceremonies=tuple(ceremonies),
            steps=tuple(sorted(steps, key=lambda s: (s.on, str(s.company_id)))),
        )

    def cadence(self, *, until: date | None = None) -> tuple[GroupCadence, ...]:
        """Every group's rhythm under the network charter's cadence (quarterly by
        default): its complete periods up to `until` (today by default), those it did not
        meet in, and its members flagged for missing prep."""
        with self._current():
            day = until or self._now().date()
            rules = self._network_charter(_moment(day, self._now()))
            found = []
            for group_id in self._replica.directory.groups:
                group = self._get(Group, group_id)
                if group is None:
                    continue
                held = (
                    self._get(Meeting, m) for m in self._replica.directory.meetings_of(group_id)
                )
                found.append(cadence_of(group, [m for m in held if m], rules, day))
            return tuple(found)

    def people(self, company_id: UUID, *, current: bool = False) -> tuple[PersonView, ...]:
        """The people a company named, in order (only those attending for it now, with
        `current`); names read `forgotten` once the company is forgotten."""
        with self._current():
            company = self._known_company(company_id)
            chosen: Iterable[Person] = company.representatives if current else company.people
            return tuple(PersonView.of(p) for p in chosen)
