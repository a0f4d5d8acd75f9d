"""The story the demo tells, as frozen records: each year's counts (`YearStory`), the
acquisitions, motions, vote-offs and gatherings in it, and the whole run (`DemoSummary`).
They are counted from the recorded events (`peernet.demo.tally`) and printed by
`peernet.demo.printing`; `peernet demo --json` prints them as they are.
"""

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import attrs


@attrs.frozen(kw_only=True)
class Acquisition:
    company: str
    acquirer: str
    #: the acquirer is itself a member company of the network
    by_member: bool
    #: groups (and wait-lists) the company left in the acquisition's one write
    groups_left: int
    at: datetime


@attrs.frozen(kw_only=True)
class MotionStory:
    """A motion the year decided: what was proposed, the count and the outcome."""

    group: str
    kind: str
    #: the company whose removal (or admission) was proposed
    subject: str | None
    cause: str | None
    raised_at: datetime
    decided_at: datetime
    #: "carried", or "failed: " and why (quorum or threshold not reached)
    outcome: str
    in_favour: int
    against: int
    electorate: int
    quorum_needed: int


@attrs.frozen(kw_only=True)
class VoteOff:
    """A member voted off the island, and who took its seat."""

    company: str
    group: str
    at: datetime
    cause: str
    #: times the review flagged it, and the goals it missed in a row when voted off
    flags: int
    missed_in_a_row: int
    attendance: str
    #: its open goals, withdrawn in the same write
    goals_withdrawn: int
    #: the wait-listed company offered the seat in the same write, if any
    refill: str | None
    #: wait-listed applicants ahead of it, passed over because they compete with a member
    passed_over: int
    #: when the refill signed and took its seat (None: not yet, at the year's end)
    refill_joined: datetime | None


@attrs.frozen(kw_only=True)
class GatheringStory:
    name: str
    venue: str
    starts: date
    groups: int
    people: int
    net: Decimal


@attrs.frozen(kw_only=True)
class YearStory:
    """What happened in one year of the network, counted from the recorded events."""

    year: int
    groups_formed: tuple[str, ...]
    registered: int
    applications: int
    offered: int
    waitlisted: int
    joined: int
    declined: int
    withdrawn: int
    #: departures that count for turnover, by reason: resigned, non-payment, acquisition...
    departures: dict[str, int]
    acquisitions: tuple[Acquisition, ...]
    transfers: int
    graduations: int
    amendments: tuple[str, ...]
    facilitators: int
    #: refused commands by the error that refused them (nothing was recorded for them)
    refusals: dict[str, int]
    #: groups open at the year's end: in person (any kind), online, and not core groups
    in_person_groups: int
    virtual_groups: int
    companion_groups: int
    #: memberships active at the year's end, and the companies holding them
    active_members: int
    active_companies: int
    waiting: int
    #: the year's turnover (None: nobody was active in the year)
    turnover: float | None = None
    #: goals by category: set and withdrawn in the year; due in the year, and of those met
    #: and not met (missed, or still open after their due date)
    goals_set: dict[str, int] = attrs.field(factory=dict)
    goals_due: dict[str, int] = attrs.field(factory=dict)
    goals_met: dict[str, int] = attrs.field(factory=dict)
    goals_missed: dict[str, int] = attrs.field(factory=dict)
    goals_withdrawn: dict[str, int] = attrs.field(factory=dict)
    challenged: int = 0
    revised: int = 0
    #: members flagged by a review for goals missed in a row
    flagged: int = 0
    motions: tuple[MotionStory, ...] = ()
    vote_offs: tuple[VoteOff, ...] = ()
    #: meetings held (closed); the marks of the members each expected, and the rate
    #: (late or left early earning 1 - the charter's `partial_miss`)
    meetings: int = 0
    attendance: dict[str, int] = attrs.field(factory=dict)
    attendance_rate: float | None = None
    #: members flagged at a meeting's close for missed meetings
    attendance_flags: int = 0
    gatherings: tuple[GatheringStory, ...] = ()
    #: money: meeting costs shared, dues charged, payments received, sponsorship given
    shared: Decimal = Decimal(0)
    sponsored: Decimal = Decimal(0)
    dues: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)

    @property
    def completion(self) -> float | None:
        """Goals met over goals due in the year (withdrawn goals are not due)."""
        met, due = sum(self.goals_met.values()), sum(self.goals_due.values())
        return met / due if due else None

    @property
    def departed(self) -> int:
        return sum(self.departures.values())


@attrs.frozen(kw_only=True)
class DemoSummary:
    seed: int
    first_year: int
    last_year: int
    years: tuple[YearStory, ...]
    #: commands the simulation issued, and how many of them a rule refused
    commands: int
    refused: int
    #: events the story consists of, and how many of them this run recorded anew
    events: int
    new_events: int
    #: the store's command-ledger entries beside the events (one for each command that
    #: recorded events): `peernet audit verify` checks both, events + ledger in all
    ledger: int = 0
    #: groups worth showing a roster of: the first, the Canadian and the first online group
    featured: tuple[UUID, ...]
