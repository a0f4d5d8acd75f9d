"""Memberships and groups: companies register and apply, the office places them, full
groups and competitors wait-list them, offers are signed for and seats taken or
declined; members resign, are removed for non-payment, are acquired (leaving every group
in one write), transfer to a group of their territory or graduate from an online one;
groups are formed, facilitated and have their charters amended."""

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid5

import attrs

from peernet import (
    AmendCharter,
    ApplicationWithdrawn,
    ApplyForMembership,
    AssignFacilitator,
    Charter,
    DeclineSeat,
    FormGroup,
    GraduateMember,
    GroupFormat,
    GroupKind,
    MemberRemoved,
    MembershipStatus,
    Profile,
    RecordAcquisition,
    RegisterCompany,
    RemovalCause,
    RemoveMember,
    Resign,
    SignAgreement,
    TakeSeat,
    TransferMember,
    WithdrawApplication,
)
from peernet.demo.cast import (
    ACQUIRERS,
    FOUNDERS,
    RESIGNATIONS,
    GroupPlan,
    new_profile,
    person,
)
from peernet.demo.replica import Group, Membership, months_after
from peernet.demo.scene import Scene
from peernet.demo.story import Acquisition
from peernet.demo.world import OFFICE, Action, World

_THREE_YEARS = timedelta(days=3 * 365)


class MembershipScenes(Scene):
    """The scenes of who joins, waits, moves and leaves, and of the groups themselves."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        #: every company name given so far: a new company's is unlike them all
        self.names: set[str] = set()

    # --- companies arrive -----------------------------------------------------------------

    def _apply(self, company_id: UUID, group: Group) -> bool:
        membership_id = self.world.new_id("membership")
        return bool(
            self.world.do(
                ApplyForMembership,
                company_id=company_id,
                group_id=group.id,
                membership_id=membership_id,
                **self.replica.by(company_id),
            )
        )

    def _register(self, profile: Profile) -> UUID:
        company_id = self.world.new_id("company")
        self.world.do(RegisterCompany, profile=profile, company_id=company_id, actor=OFFICE)
        return company_id

    def newcomer(self) -> None:
        """A company registers and applies where the office places it, online or not."""
        rng = self.world.rng
        profile = new_profile(rng, self.names, self.world.month_start.year)
        company_id = self._register(profile)
        virtual = bool(self.replica.open_groups(fmt=GroupFormat.VIRTUAL))
        # small companies, and those far from any group, take the online programme first
        online = 0.75 if profile.head_count < 25 else 0.25
        fmt = GroupFormat.VIRTUAL if virtual and rng.random() < online else None
        group = self._placement(company_id, fmt or GroupFormat.IN_PERSON)
        if group is not None:
            self._apply(company_id, group)

    def found(self) -> None:
        """August 2001: five companies from Iowa sit down together."""
        group = self.replica.groups[self.world.group_ids["HTG 1"]]
        for kind, lines in FOUNDERS:
            profile = attrs.evolve(
                new_profile(self.world.rng, self.names, self.world.month_start.year, kind, "iowa"),
                business_lines=frozenset(lines),
            )
            company_id = self._register(profile)
            self.world.founders.add(company_id)
            self._apply(company_id, group)

    def _placement(self, company_id: UUID, fmt: GroupFormat) -> Group | None:
        """The group the network office suggests, or the one the company insists on."""
        rng = self.world.rng
        profile = self.replica.profile(company_id)
        candidates = [
            g
            for g in self.replica.open_groups(fmt=fmt)
            if (g.territory is None or g.territory.overlaps(profile.territory))
            and (g.eligibility is None or g.eligibility.refusal(profile) is None)
        ]
        if not candidates:
            return None
        home = [g for g in candidates if g.territory is not None]
        if home and self.replica.fits(home[0], company_id):
            return home[0]
        if rng.random() < 0.3:  # heard of a group from a friend and wants that one
            return rng.choice(candidates)
        fits = [g for g in candidates if self.replica.fits(g, company_id)]
        if fits:
            return fits[-1] if rng.random() < 0.6 else rng.choice(fits)
        return rng.choice(candidates)

    # --- groups -----------------------------------------------------------------------------

    def form(self, plan: GroupPlan) -> None:
        world = self.world
        group_id = uuid5(world.ns, f"group {plan.name}")
        form: dict[str, Any] = {
            "name": plan.name,
            "format": plan.format,
            "kind": plan.kind,
            "territory": plan.territory,
            "charter": Charter(capacity=plan.capacity),
            "group_id": group_id,
        }
        world.for_network(FormGroup, **form)  # the committee forms them, once it sits
        world.group_ids[plan.name] = group_id
        self.facilitate(group_id)
        if plan.territory is not None:
            self._gather_home(group_id)
        if plan.kind is GroupKind.CORE:
            self._invite_waiting(group_id, limit=5)

    def facilitate(self, group_id: UUID) -> None:
        facilitator = person(self.world.rng)
        self.world.do(AssignFacilitator, group_id=group_id, facilitator=facilitator, actor=OFFICE)

    def amend(self, names: tuple[str, ...], capacity: int, *, if_waiting: bool = False) -> None:
        """Amend the charters of the groups named, raising capacity (which offers the new
        seats to the wait-list); with `if_waiting`, only of groups with applicants waiting."""
        for name in names:
            group_id = self.world.group_ids.get(name)
            if group_id is None or (if_waiting and not self.replica.groups[group_id].waitlist):
                continue
            charter = attrs.evolve(self.replica.groups[group_id].charter, capacity=capacity)
            self.world.do(AmendCharter, group_id=group_id, charter=charter, actor=OFFICE)

    def _move(self, membership: Membership, to: Group, why: str) -> None:
        """A wait-listed applicant leaves one wait-list for a seat in another group. Some
        try to apply first and are refused: one core group at a time."""
        company_id = membership.company_id
        by = self.replica.by(company_id)
        if self.world.rng.random() < 0.3:
            self._apply(company_id, to)  # refused while the first application is open
        self.world.do(WithdrawApplication, membership_id=membership.id, reason=why, **by)
        self._apply(company_id, to)

    def _invite_waiting(self, group_id: UUID, limit: int) -> None:
        """The office offers the longest-waiting applicants that fit a group's seats."""
        moved = 0
        waiting = sorted(
            self.replica.memberships(MembershipStatus.WAITLISTED), key=lambda gm: gm[1].applied_at
        )
        for source, stale in waiting:
            target = self.replica.groups[group_id]
            m = self.replica.current(stale)
            if moved >= limit or source.id == group_id or m.status is not stale.status:
                continue
            if source.kind is not target.kind:
                continue
            if self.replica.fits(target, m.company_id):
                self._move(m, target, f"moved to {target.name}")
                moved += 1

    def _gather_home(self, group_id: UUID) -> None:
        """A group with a territory gathers the members from there: they transfer."""
        home = self.replica.groups[group_id]
        assert home.territory is not None
        tried = False
        for source, m in list(self.replica.memberships(MembershipStatus.ACTIVE)):
            if source.id == group_id or source.kind is not GroupKind.CORE:
                continue
            profile = self.replica.profile(m.company_id)
            if not home.territory.overlaps(profile.territory):
                continue
            if not tried:  # the first one applies as a newcomer would, and is refused
                tried = True
                self._apply(m.company_id, self.replica.groups[group_id])
            self.world.do(
                TransferMember,
                membership_id=m.id,
                to_group_id=group_id,
                new_membership_id=self.world.new_id("membership"),
                actor=OFFICE,
            )

    def join_companion(self) -> None:
        """A member company sends its marketing manager to the companion group."""
        companions = self.replica.open_groups(kind=GroupKind.COMPANION)
        if not companions:
            return
        companion = companions[0]
        inside = {m.company_id for m in companion.memberships.values() if m.status.open}
        candidates = sorted(
            {
                m.company_id
                for g, m in self.replica.memberships(MembershipStatus.ACTIVE)
                if g.format is GroupFormat.IN_PERSON and m.company_id not in inside
            }
        )
        if candidates:
            company_id = self.world.rng.choice(candidates)
            self._apply(company_id, companion)

    # --- seats ------------------------------------------------------------------------------

    def answer_offers(self) -> None:
        """Offers at least a week old: most sign and take the seat, a few decline."""
        world = self.world
        due = world.peek() - timedelta(days=7)
        offered = list(self.replica.memberships(MembershipStatus.OFFERED))
        for _group, m in offered:
            if world.chronicle.offered_at.get(m.id, due) > due:
                continue
            by = self.replica.by(m.company_id)
            keen = m.company_id in world.founders or m.id in world.chronicle.refills
            if world.rng.random() < 0.04 and not keen:
                world.do(DeclineSeat, membership_id=m.id, **by)
                continue
            if world.rng.random() < 0.03:  # too eager: the rule wants the agreement first
                world.do(TakeSeat, membership_id=m.id, **by)
            for step in (SignAgreement, TakeSeat):
                world.do(step, membership_id=m.id, **by)

    def rebalance(self) -> None:
        """Each month the office finds a seat elsewhere for a few long-waiting applicants;
        a few who waited over a year give up."""
        world, rng = self.world, self.world.rng
        moved = 0
        for group, stale in sorted(
            self.replica.memberships(MembershipStatus.WAITLISTED), key=lambda gm: gm[1].applied_at
        ):
            m = self.replica.current(stale)
            if m.status is not MembershipStatus.WAITLISTED:
                continue
            waited = (world.peek() - m.applied_at).days
            if waited > 400 and rng.random() < 0.05:
                world.do(
                    WithdrawApplication,
                    membership_id=m.id,
                    reason="tired of waiting",
                    **self.replica.by(m.company_id),
                )
                continue
            if moved >= 2 or waited < 90 or group.kind is not GroupKind.CORE:
                continue
            if rng.random() < 0.5:
                continue
            fits = [
                g
                for g in self.replica.open_groups(fmt=group.format)
                if g.id != group.id and self.replica.fits(g, m.company_id)
            ]
            if fits:
                self._move(m, rng.choice(fits), "offered a seat in another group")
                moved += 1

    def graduate(self) -> None:
        """Online members who completed the programme graduate; most then apply to an
        in-person group."""
        world = self.world
        for group, m in list(self.replica.memberships(MembershipStatus.ACTIVE)):
            if group.format is not GroupFormat.VIRTUAL or m.joined_at is None:
                continue
            if group.id in world.ceremony_groups:
                continue  # graduates at a ceremony (peernet.demo.bodies)
            if months_after(m.joined_at, group.charter.programme_months) > world.peek():
                continue
            graduated = world.do(GraduateMember, membership_id=m.id, actor=OFFICE)
            if graduated and world.rng.random() < 0.7:
                target = self._placement(m.company_id, GroupFormat.IN_PERSON)
                if target is not None:
                    self._apply(m.company_id, target)

    # --- departures -------------------------------------------------------------------------

    def hazards(self, add: Callable[[int, Action], None]) -> None:
        """Each core member may resign, be removed for non-payment or be acquired this
        month: annual rates of about 4.5% (half that after three years in, 8% in online
        groups), 0.6% and 1.3%. The founders stay."""
        world, rng = self.world, self.world.rng
        for group, m in list(self.replica.memberships(MembershipStatus.ACTIVE)):
            if group.kind is not GroupKind.CORE or m.company_id in world.founders:
                continue
            veteran = m.joined_at is not None and world.peek() - m.joined_at > _THREE_YEARS
            resign = 0.08 if group.format is GroupFormat.VIRTUAL else 0.045 / (1 + veteran)
            draw = rng.random() * 12
            if draw < resign:
                add(rng.randint(5, 26), functools.partial(self.depart, m.id, "resign"))
            elif draw < resign + 0.006:
                add(rng.randint(5, 26), functools.partial(self.depart, m.id, "remove"))
            elif draw < resign + 0.006 + 0.013:
                add(rng.randint(5, 26), functools.partial(self.acquire, m.company_id))

    def depart(self, membership_id: UUID, how: str) -> None:
        world = self.world
        group_id = self.replica.group_of(membership_id)
        m = self.replica.groups[group_id].memberships[membership_id]
        if m.status is not MembershipStatus.ACTIVE or m.company_id == world.laggard_company:
            return  # the laggard stays until its group has voted
        if how == "resign":
            reason = world.rng.choice(RESIGNATIONS)
            world.do(Resign, membership_id=m.id, reason=reason, **self.replica.by(m.company_id))
        else:
            world.do(
                RemoveMember,
                membership_id=m.id,
                cause=RemovalCause.NON_PAYMENT,
                note="dues unpaid for two quarters",
                actor=OFFICE,
            )

    def acquire(self, company_id: UUID) -> None:
        world, rng = self.world, self.world.rng
        if self.replica.company_gone(company_id) or company_id == world.laggard_company:
            return
        # a fellow member buys now and then: named by id in the record, never by name
        members = {
            self.replica.profile(m.company_id).name: m.company_id
            for _, m in self.replica.memberships(MembershipStatus.ACTIVE)
            if m.company_id != company_id
        }
        by_member = bool(members) and rng.random() < 0.3
        acquirer = rng.choice(sorted(members)) if by_member else rng.choice(ACQUIRERS)
        buyer = {"acquirer_id": members[acquirer]} if by_member else {"acquirer": acquirer}
        recorded = world.do(RecordAcquisition, company_id=company_id, actor=OFFICE, **buyer)
        if recorded:
            left = sum(isinstance(r.event, MemberRemoved | ApplicationWithdrawn) for r in recorded)
            world.chronicle.acquired(
                Acquisition(
                    company=self.replica.profile(company_id).name,
                    acquirer=acquirer,
                    by_member=by_member,
                    groups_left=left,
                    at=recorded[0].event.at,
                )
            )

    def acquire_companion_member(self) -> None:
        """A company that sits in its core group and in the companion group is bought:
        it leaves both in one write."""
        companions = self.replica.open_groups(kind=GroupKind.COMPANION)
        inside = sorted(
            m.company_id
            for g in companions
            for m in g.memberships.values()
            if m.status is MembershipStatus.ACTIVE
        )
        if inside:
            self.acquire(self.world.rng.choice(inside))
