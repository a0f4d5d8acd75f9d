"""Competition: the network's best-practices competition (seed 001: HTG's first one).

Each competition is a stream of its own. The network opens it with a theme, a deadline
for entries, a deadline for judging and a jury of members (membership ids, at least the
network charter's `competition_jury_min`). Active members enter a project (a title, a
summary, its results and the partner companies involved), one entry a company. Between
the two deadlines each juror casts one ballot, for or against, on each entry, except the
entries of its own company or of a partner involved. After judging closes, each entry is
counted as a group's motion is (`peernet.domain.motions.verdict`, under the network
charter's `award_quorum` and `award_threshold`, fixed when the competition opened), and
the entries that carry win awards, best share of ballots in favour first, up to
`awards_per_competition`. Winners present their project at a gathering: an agenda item
of their group's meeting there (`PresentAward`).

An entry's title, summary and results are the entrant's own words: sealed under its
company's key. The decisions are in `peernet.domain.decisions.awards`.

Pure: the standard library, attrs and sibling domain modules.
"""

from datetime import datetime
from fractions import Fraction
from uuid import UUID, uuid4

import attrs

from peernet.domain.common import CONFIDENTIAL, Command, Event, non_empty

# --- commands -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class OpenCompetition(Command):
    theme: str = attrs.field(validator=non_empty)
    #: entries are taken until this time; the jury judges from then until `judging_closes`
    entries_close: datetime
    judging_closes: datetime
    #: the jurors' memberships
    jury: tuple[UUID, ...]
    competition_id: UUID = attrs.field(factory=uuid4)


@attrs.frozen(kw_only=True)
class CompetitionStep(Command):
    """A command about one competition."""

    competition_id: UUID


@attrs.frozen(kw_only=True)
class EnterCompetition(CompetitionStep):
    """An active member enters a project: what it did, what came of it, with whom."""

    membership_id: UUID
    title: str = attrs.field(validator=non_empty)
    summary: str = attrs.field(validator=non_empty)
    results: str = ""
    #: the partner companies involved in the project
    partners: tuple[UUID, ...] = ()
    entry_id: UUID = attrs.field(factory=uuid4)


@attrs.frozen(kw_only=True)
class CastJuryBallot(CompetitionStep):
    entry_id: UUID
    juror_id: UUID
    in_favour: bool


@attrs.frozen(kw_only=True)
class JudgeCompetition(CompetitionStep):
    """Count every entry's ballots after judging closes and grant the awards."""


@attrs.frozen(kw_only=True)
class PresentAward(CompetitionStep):
    """The winner of `entry_id` presents its project at `meeting_id`, a meeting of its
    group at a gathering: an agenda item is added to that meeting."""

    entry_id: UUID
    meeting_id: UUID


# --- events (each in the competition's own stream) ------------------------------------------


@attrs.frozen(kw_only=True)
class CompetitionEvent(Event):
    home = "competition_id"
    competition_id: UUID


@attrs.frozen(kw_only=True)
class CompetitionOpened(CompetitionEvent):
    theme: str
    entries_close: datetime
    judging_closes: datetime
    jury: tuple[UUID, ...]
    #: the network charter's rules when it opened: how entries are counted, how many win
    quorum: Fraction
    threshold: Fraction
    awards: int


@attrs.frozen(kw_only=True)
class CompetitionEntered(CompetitionEvent):
    entry_id: UUID
    company_id: UUID
    membership_id: UUID
    group_id: UUID
    title: str = attrs.field(metadata={CONFIDENTIAL: True})
    summary: str = attrs.field(metadata={CONFIDENTIAL: True})
    results: str = attrs.field(default="", metadata={CONFIDENTIAL: True})
    partners: tuple[UUID, ...] = ()


@attrs.frozen(kw_only=True)
class JuryBallotCast(CompetitionEvent):
    entry_id: UUID
    juror_id: UUID
    in_favour: bool


@attrs.frozen(kw_only=True)
class EntryCounted(CompetitionEvent):
    """An entry's tally: ballots for and against, out of its eligible jurors; carried
    exactly when quorum and threshold were met (else `reason` says why not)."""

    entry_id: UUID
    in_favour: int
    against: int
    electorate: int
    carried: bool
    reason: str = ""


@attrs.frozen(kw_only=True)
class AwardGranted(CompetitionEvent):
    """The award stays on the company's record: `rank` 1 is the first prize."""

    entry_id: UUID
    company_id: UUID
    rank: int


@attrs.frozen(kw_only=True)
class CompetitionJudged(CompetitionEvent):
    entries: int
    awards: int


@attrs.frozen(kw_only=True)
class AwardPresented(CompetitionEvent):
    """Recorded with the `AgendaSet` that adds the presentation to the meeting."""

    entry_id: UUID
    company_id: UUID
    membership_id: UUID
    gathering_id: UUID
    meeting_id: UUID


# --- state ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Entry:
    entered: CompetitionEntered
    #: ballots by juror: in favour or not
    ballots: tuple[tuple[UUID, bool], ...] = ()
    counted: EntryCounted | None = None
    award: AwardGranted | None = None
    presented: AwardPresented | None = None

    @property
    def involved(self) -> frozenset[UUID]:
        """The companies whose jurors do not judge the entry: the entrant and its partners."""
        return frozenset({self.entered.company_id, *self.entered.partners})

    def judged_by(self, juror_id: UUID) -> bool:
        return any(juror == juror_id for juror, _ in self.ballots)

    @property
    def in_favour(self) -> int:
        return sum(1 for _, yes in self.ballots if yes)

    @property
    def against(self) -> int:
        return len(self.ballots) - self.in_favour


@attrs.frozen(kw_only=True)
class Competition:
    id: UUID
    opened: CompetitionOpened
    last_at: datetime
    #: entries by id, in the order entered
    entries: tuple[tuple[UUID, Entry], ...] = ()
    judged_at: datetime | None = None

    def entry(self, entry_id: UUID) -> Entry | None:
        return next((e for i, e in self.entries if i == entry_id), None)

    def entry_of(self, company_id: UUID) -> Entry | None:
        return next((e for _, e in self.entries if e.entered.company_id == company_id), None)

    def _with(self, entry_id: UUID, entry: Entry, at: datetime) -> "Competition":
        held = [(i, entry if i == entry_id else e) for i, e in self.entries]
        if all(i != entry_id for i, _ in self.entries):
            held.append((entry_id, entry))
        return attrs.evolve(self, entries=tuple(held), last_at=at)


def ranked(competition: Competition, counted: list[EntryCounted]) -> list[EntryCounted]:
    """The entries that carried, best first: the larger share of ballots in favour, then
    more ballots in favour, then the earlier entry."""
    order = {i: n for n, (i, _) in enumerate(competition.entries)}
    carried = [c for c in counted if c.carried]
    return sorted(
        carried,
        key=lambda c: (
            -Fraction(c.in_favour, c.in_favour + c.against),
            -c.in_favour,
            order[c.entry_id],
        ),
    )


def evolve(state: Competition | None, event: CompetitionEvent) -> Competition:
    if isinstance(event, CompetitionOpened):
        return Competition(id=event.competition_id, opened=event, last_at=event.at)
    assert state is not None, f"{type(event).__name__} before CompetitionOpened"
    match event:
        case CompetitionEntered():
            return state._with(event.entry_id, Entry(entered=event), event.at)
        case CompetitionJudged():
            return attrs.evolve(state, judged_at=event.at, last_at=event.at)
    entry = state.entry(getattr(event, "entry_id"))  # noqa: B009 - every other event names one
    assert entry is not None, f"{event!r} for an entry never made"
    match event:
        case JuryBallotCast():
            ballots = (*entry.ballots, (event.juror_id, event.in_favour))
            return state._with(event.entry_id, attrs.evolve(entry, ballots=ballots), event.at)
        case EntryCounted():
            return state._with(event.entry_id, attrs.evolve(entry, counted=event), event.at)
        case AwardGranted():
            return state._with(event.entry_id, attrs.evolve(entry, award=event), event.at)
        case AwardPresented():
            return state._with(event.entry_id, attrs.evolve(entry, presented=event), event.at)
    raise AssertionError(f"not a competition event: {event!r}")
