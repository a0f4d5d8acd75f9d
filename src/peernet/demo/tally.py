"""What the story keeps of the recorded events: the running count of the year
(`YearTally`), closed into a `YearStory` at the year's end, and the few facts later
scenes look up (when a seat was offered, what each company owes, the vote-offs and the
applicants who took the seats they freed), all in one `Chronicle`.

The chronicle folds each event before the replica does, so it reads the state as it was
before the event (a goal's category, a group's capacity before an amendment).
"""

import logging
from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import attrs

from peernet import (
    ApplicantWaitlisted,
    ApplicationWithdrawn,
    AttendanceRecorded,
    CharterAmended,
    CompanyRegistered,
    CostsShared,
    DuesCharged,
    Event,
    FacilitatorAssigned,
    GoalChallenged,
    GoalMet,
    GoalMissed,
    GoalRevised,
    GoalSet,
    GoalWithdrawn,
    GroupFormat,
    GroupFormed,
    GroupKind,
    MeetingClosed,
    MemberFlagged,
    MemberGraduated,
    MemberJoined,
    MemberRemoved,
    MemberResigned,
    MembershipApplied,
    MembershipStatus,
    MemberTransferred,
    MemberVotedOff,
    PaymentReceived,
    SeatDeclined,
    SeatOffered,
    SponsorshipRecorded,
)
from peernet.demo.cast import COUNTRIES
from peernet.demo.replica import DEFAULT_GOAL_CATEGORIES, Replica
from peernet.demo.story import Acquisition, GatheringStory, MotionStory, VoteOff, YearStory

log = logging.getLogger(__name__)

# Events a year's story counts, by the name it counts them under (a transfer's arrival is
# counted as the transfer, not as an application or a join).
_COUNTED: dict[type, str] = {
    CompanyRegistered: "registered",
    MembershipApplied: "applications",
    SeatOffered: "offered",
    ApplicantWaitlisted: "waitlisted",
    MemberJoined: "joined",
    SeatDeclined: "declined",
    ApplicationWithdrawn: "withdrawn",
    MemberTransferred: "transfers",
    MemberGraduated: "graduations",
    FacilitatorAssigned: "facilitators",
}


@attrs.define
class YearTally:
    """The running count of one year, folded from recorded events."""

    year: int
    groups_formed: list[str] = attrs.Factory(list)
    counts: Counter[str] = attrs.Factory(Counter)
    departures: Counter[str] = attrs.Factory(Counter)
    refusals: Counter[str] = attrs.Factory(Counter)
    acquisitions: list[Acquisition] = attrs.Factory(list)
    amendments: list[str] = attrs.Factory(list)
    goals_set: Counter[str] = attrs.Factory(Counter)
    goals_met: Counter[str] = attrs.Factory(Counter)
    goals_missed: Counter[str] = attrs.Factory(Counter)
    goals_withdrawn: Counter[str] = attrs.Factory(Counter)
    motions: list[MotionStory] = attrs.Factory(list)
    attendance: Counter[str] = attrs.Factory(Counter)
    money: defaultdict[str, Decimal] = attrs.Factory(lambda: defaultdict(Decimal))
    gatherings: list[GatheringStory] = attrs.Factory(list)


@attrs.define
class VoteOffDraft:
    """A vote-off as the story learns it: the refill joins some days later."""

    year: int
    story: VoteOff
    refill_id: UUID | None


class Chronicle:
    """The years told so far, this year's tally, and what later scenes look up."""

    def __init__(self, year: int) -> None:
        self.tally = YearTally(year)
        self.stories: list[YearStory] = []
        #: when each membership was offered its seat
        self.offered_at: dict[UUID, datetime] = {}
        #: what each company owes: dues and shares of costs, less payments
        self.owed: defaultdict[UUID, Decimal] = defaultdict(Decimal)
        #: memberships offered a seat a vote-off freed, and the vote-offs themselves
        self.refills: set[UUID] = set()
        self.vote_offs: list[VoteOffDraft] = []

    def fold(self, event: Event, replica: Replica) -> None:
        """Count one recorded event; `replica` has not folded it yet."""
        counted = _COUNTED.get(type(event))
        if counted is not None and getattr(event, "transferred_from", None) is None:
            self.tally.counts[counted] += 1
        self._fold_membership(event, replica)
        self._fold_goal(event, replica)
        self._fold_session(event, replica)

    def _fold_membership(self, event: Event, replica: Replica) -> None:
        """Groups formed and amended, seats offered, departures, refills joining."""
        t = self.tally
        match event:
            case GroupFormed():
                notes = [COUNTRIES.get(str(event.territory), str(event.territory))] * (
                    event.territory is not None
                )
                notes += ["online"] * (event.format is GroupFormat.VIRTUAL)
                notes += [event.kind.value] * (event.kind is not GroupKind.CORE)
                t.groups_formed.append(event.name + (f" ({', '.join(notes)})" if notes else ""))
            case SeatOffered():
                self.offered_at[event.membership_id] = event.at
            case MemberResigned():
                t.departures["resigned"] += 1
            case MemberRemoved():
                t.departures[event.cause.value] += 1
            case MemberVotedOff():
                t.departures["voted off"] += 1
            case MemberJoined() if event.membership_id in self.refills:
                for draft in self.vote_offs:
                    if draft.refill_id == event.membership_id:
                        draft.story = attrs.evolve(draft.story, refill_joined=event.at)
            case CharterAmended():
                group = replica.groups[event.group_id]
                before, after = group.charter.capacity, event.charter.capacity
                t.amendments.append(f"{group.name} capacity {before} -> {after}")

    def _fold_goal(self, event: Event, replica: Replica) -> None:
        """Goals set, met, missed and withdrawn by category; challenges and revisions."""
        t = self.tally
        match event:
            case GoalSet():
                t.goals_set[event.target.category] += 1
            case GoalMet():
                t.goals_met[_category(replica, event.goal_id)] += 1
            case GoalMissed():
                t.goals_missed[_category(replica, event.goal_id)] += 1
            case GoalWithdrawn():
                t.goals_withdrawn[_category(replica, event.goal_id)] += 1
            case GoalChallenged():
                t.counts["challenged"] += 1
            case GoalRevised():
                t.counts["revised"] += 1

    def _fold_session(self, event: Event, replica: Replica) -> None:
        """Meetings and money: the year's counts, and what each company owes."""
        t = self.tally
        match event:
            case MemberFlagged():
                t.counts["attendance flags" if "meetings" in event.reason else "flagged"] += 1
            case AttendanceRecorded():
                t.attendance[event.attendance.value] += 1
            case MeetingClosed():
                t.counts["meetings"] += 1
            case SponsorshipRecorded():
                t.money["sponsored"] += event.amount.amount
            case CostsShared():
                t.money["shared"] += event.net.amount
                for share in event.shares:
                    self.owed[share.company_id] += share.amount.amount
                if event.gathering_id is not None:
                    self._gathered(event, replica)
            case DuesCharged():
                t.money["dues"] += event.amount.amount
                self.owed[event.company_id] += event.amount.amount
            case PaymentReceived():
                t.money["paid"] += event.amount.amount
                self.owed[event.company_id] -= event.amount.amount

    def _gathered(self, costs: CostsShared, replica: Replica) -> None:
        assert costs.gathering_id is not None
        gathering = replica.gatherings[costs.gathering_id].scheduled
        self.tally.gatherings.append(
            GatheringStory(
                name=gathering.name,
                venue=gathering.venue,
                starts=gathering.starts,
                groups=len({s.group_id for s in costs.shares}),
                people=len(costs.shares),
                net=costs.net.amount,
            )
        )

    def begin_year(self, year: int) -> None:
        self.tally = YearTally(year)

    def close_year(self, replica: Replica) -> None:
        """Tell the year just ended, as the replica stands at its end."""
        story = _year_story(self.tally, replica, self.vote_offs)
        self.stories.append(story)
        log.info(
            "%d: %d groups formed, %d companies registered, %d joined, %d departed",
            story.year,
            len(story.groups_formed),
            story.registered,
            story.joined,
            story.departed,
        )

    def acquired(self, acquisition: Acquisition) -> None:
        self.tally.acquisitions.append(acquisition)

    def decided(self, motion: MotionStory) -> None:
        self.tally.motions.append(motion)


def _category(replica: Replica, goal_id: UUID) -> str:
    before = replica.goals.get(goal_id)
    return before.target.category if before else ""


def _year_story(t: YearTally, replica: Replica, vote_offs: list[VoteOffDraft]) -> YearStory:
    active = list(replica.memberships(MembershipStatus.ACTIVE))
    groups = [g for g in replica.groups.values() if g.closed_at is None]
    return YearStory(
        year=t.year,
        groups_formed=tuple(t.groups_formed),
        registered=t.counts["registered"],
        applications=t.counts["applications"],
        offered=t.counts["offered"],
        waitlisted=t.counts["waitlisted"],
        joined=t.counts["joined"],
        declined=t.counts["declined"],
        withdrawn=t.counts["withdrawn"],
        departures=dict(sorted(t.departures.items())),
        acquisitions=tuple(t.acquisitions),
        transfers=t.counts["transfers"],
        graduations=t.counts["graduations"],
        amendments=tuple(t.amendments),
        facilitators=t.counts["facilitators"],
        refusals=dict(sorted(t.refusals.items())),
        in_person_groups=sum(
            1 for g in groups if g.kind is GroupKind.CORE and g.format is GroupFormat.IN_PERSON
        ),
        virtual_groups=sum(1 for g in groups if g.format is GroupFormat.VIRTUAL),
        companion_groups=sum(1 for g in groups if g.kind is not GroupKind.CORE),
        active_members=len(active),
        active_companies=len({m.company_id for _, m in active}),
        waiting=sum(len(g.waitlist) for g in groups),
        goals_set=_by_category(t.goals_set),
        goals_met=_by_category(t.goals_met),
        goals_missed=_by_category(t.goals_missed),
        goals_withdrawn=_by_category(t.goals_withdrawn),
        challenged=t.counts["challenged"],
        revised=t.counts["revised"],
        flagged=t.counts["flagged"],
        motions=tuple(t.motions),
        vote_offs=tuple(d.story for d in vote_offs if d.year == t.year),
        meetings=t.counts["meetings"],
        attendance=dict(t.attendance),
        attendance_flags=t.counts["attendance flags"],
        gatherings=tuple(t.gatherings),
        shared=t.money["shared"],
        sponsored=t.money["sponsored"],
        dues=t.money["dues"],
        paid=t.money["paid"],
    )


def _by_category(counts: Counter[str]) -> dict[str, int]:
    """Counts in the order of the default charter's categories, then any other."""
    order = {c: i for i, c in enumerate(DEFAULT_GOAL_CATEGORIES)}
    return dict(sorted(counts.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
