"""The network's best-practices competition: opened with a jury of members, entered by
active members, judged by the jury's ballots (each entry counted as a group's motion is,
`motions.verdict`, under the quorum and threshold the network charter set when it
opened), awarded, and presented by the winners at a gathering, as an agenda item of their
group's meeting there, in one write with the award's record.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from peernet.domain import competitions, meetings
from peernet.domain.common import Command, Event, carry, check_forward
from peernet.domain.competitions import Competition
from peernet.domain.decisions import Decider
from peernet.domain.decisions.partnering import active_member, member_and_company
from peernet.domain.errors import (
    InvalidValue,
    NotExpected,
    TooManyTopics,
)
from peernet.domain.memberships import MembershipStatus
from peernet.domain.motions import verdict
from peernet.domain.partner_errors import (
    AlreadyEntered,
    AlreadyJudged,
    AwardAlreadyPresented,
    CompetitionAlreadyJudged,
    CompetitionAlreadyOpened,
    EntriesClosed,
    JudgingNotOpen,
    JudgingNotOver,
    JurorInvolved,
    JuryTooSmall,
    NotAJuror,
    NotAtAGathering,
    NotAwarded,
    UnknownCompetition,
    UnknownEntry,
)
from peernet.domain.situation import Ref, Situation, membership_group

#: the agenda item a winner presents under, before the competition's theme
AWARD_TOPIC = "Best-practices award: "


def _competition(situation: Situation, competition_id: UUID, at: datetime) -> Competition:
    """The competition, not yet judged, or the error that says why not."""
    found = situation.competition(competition_id)
    if found is None:
        raise UnknownCompetition(competition_id=competition_id)
    if found.judged_at is not None:
        raise CompetitionAlreadyJudged(competition_id=competition_id, judged=found.judged_at)
    check_forward(found, at)
    return found


def _jury_needs(jury: tuple[UUID, ...], situation: Situation) -> Iterator[Ref]:
    for juror in jury:
        yield from membership_group(situation, juror)


def _company_of(situation: Situation, membership_id: UUID) -> UUID | None:
    """The company holding a membership (whatever its group became since)."""
    group_id = situation.links.group_of(membership_id)
    group = situation.find(situation.groups, group_id, "group") if group_id else None
    held = group.memberships.get(membership_id) if group else None
    return held.company_id if held else None


# --- opening and entering ----------------------------------------------------------------


def open_needs(command: competitions.OpenCompetition, situation: Situation) -> Iterator[Ref]:
    yield Ref.network()
    yield Ref.competition(command.competition_id)
    yield from _jury_needs(command.jury, situation)


def open_competition(situation: Situation, command: competitions.OpenCompetition) -> list[Event]:
    if situation.competition(command.competition_id) is not None:
        raise CompetitionAlreadyOpened(competition_id=command.competition_id)
    if not command.at < command.entries_close < command.judging_closes:
        raise InvalidValue(
            "a competition takes entries after it opens and is judged after entries close"
        )
    if len(set(command.jury)) != len(command.jury):
        raise InvalidValue("a juror sits on a jury once", field="jury")
    charter = situation.network_charter(command.at)
    if len(command.jury) < charter.competition_jury_min:
        raise JuryTooSmall(size=len(command.jury), least=charter.competition_jury_min)
    for juror in command.jury:
        active_member(situation, juror)
    return [
        carry(
            competitions.CompetitionOpened,
            command,
            quorum=charter.award_quorum,
            threshold=charter.award_threshold,
            awards=charter.awards_per_competition,
        )
    ]


def _enter_needs(command: competitions.EnterCompetition, situation: Situation) -> Iterator[Ref]:
    yield Ref.competition(command.competition_id)
    yield from member_and_company(situation, command.membership_id)
    for partner in command.partners:
        yield Ref.company(partner)


def _enter(situation: Situation, command: competitions.EnterCompetition) -> list[Event]:
    competition = _competition(situation, command.competition_id, command.at)
    deadline = competition.opened.entries_close
    if command.at >= deadline:
        raise EntriesClosed(competition_id=competition.id, deadline=deadline)
    group, m = active_member(situation, command.membership_id)
    company = situation.company(m.company_id)
    if competition.entry(command.entry_id) is not None:
        raise InvalidValue(f"entry id {command.entry_id} is already in use")
    if (held := competition.entry_of(company.id)) is not None:
        raise AlreadyEntered(
            company_id=company.id, competition_id=competition.id, entry_id=held.entered.entry_id
        )
    partners = tuple(dict.fromkeys(command.partners))
    if company.id in partners:
        raise InvalidValue("an entry's partners are the other companies involved")
    for partner in partners:
        situation.company(partner)
    return [
        carry(
            competitions.CompetitionEntered,
            command,
            company_id=company.id,
            group_id=group.id,
            partners=partners,
        )
    ]


# --- judging -------------------------------------------------------------------------------


def _ballot_needs(command: competitions.CastJuryBallot, situation: Situation) -> Iterator[Ref]:
    yield Ref.competition(command.competition_id)
    yield from membership_group(situation, command.juror_id)


def _ballot(situation: Situation, command: competitions.CastJuryBallot) -> list[Event]:
    competition = _competition(situation, command.competition_id, command.at)
    opened = competition.opened
    if not opened.entries_close <= command.at < opened.judging_closes:
        raise JudgingNotOpen(
            competition_id=competition.id, opens=opened.entries_close, closes=opened.judging_closes
        )
    entry = competition.entry(command.entry_id)
    if entry is None:
        raise UnknownEntry(competition_id=competition.id, entry_id=command.entry_id)
    juror = command.juror_id
    if juror not in opened.jury:
        raise NotAJuror(competition_id=competition.id, juror_id=juror)
    _, m = active_member(situation, juror)
    if m.company_id in entry.involved:
        raise JurorInvolved(juror_id=juror, company_id=m.company_id, entry_id=command.entry_id)
    if entry.judged_by(juror):
        raise AlreadyJudged(juror_id=juror, entry_id=command.entry_id)
    return [carry(competitions.JuryBallotCast, command)]


def _judge_needs(command: competitions.JudgeCompetition, situation: Situation) -> Iterator[Ref]:
    yield Ref.competition(command.competition_id)
    competition = situation.competitions.get(command.competition_id)
    if competition is not None:
        yield from _jury_needs(competition.opened.jury, situation)


def _judge(situation: Situation, command: competitions.JudgeCompetition) -> list[Event]:
    competition = _competition(situation, command.competition_id, command.at)
    opened = competition.opened
    if command.at < opened.judging_closes:
        raise JudgingNotOver(competition_id=competition.id, closes=opened.judging_closes)
    jurors = {juror: _company_of(situation, juror) for juror in opened.jury}
    ids = {"competition_id": competition.id}
    counted = []
    for entry_id, entry in competition.entries:
        eligible = [j for j, company in jurors.items() if company not in entry.involved]
        yes, no = entry.in_favour, entry.against
        why = verdict(yes, no, len(eligible), opened.quorum, opened.threshold)
        counted.append(
            competitions.EntryCounted(
                entry_id=entry_id,
                in_favour=yes,
                against=no,
                electorate=len(eligible),
                carried=why is None,
                reason=why or "",
                at=command.at,
                **ids,
            )
        )
    winners = competitions.ranked(competition, counted)[: opened.awards]
    entrants = {i: e.entered.company_id for i, e in competition.entries}
    awards = [
        competitions.AwardGranted(
            entry_id=won.entry_id,
            company_id=entrants[won.entry_id],
            rank=rank,
            at=command.at,
            **ids,
        )
        for rank, won in enumerate(winners, start=1)
    ]
    judged = competitions.CompetitionJudged(
        entries=len(counted), awards=len(awards), at=command.at, **ids
    )
    return [*counted, *awards, judged]


# --- presenting at a gathering ---------------------------------------------------------------


def _present_needs(command: competitions.PresentAward, situation: Situation) -> Iterator[Ref]:
    yield Ref.competition(command.competition_id)
    yield Ref.meeting(command.meeting_id)
    if (meeting := situation.meetings.get(command.meeting_id)) is not None:
        yield Ref.group(meeting.group_id)


def _present(situation: Situation, command: competitions.PresentAward) -> list[Event]:
    competition = situation.competition(command.competition_id)
    if competition is None:
        raise UnknownCompetition(competition_id=command.competition_id)
    entry = competition.entry(command.entry_id)
    if entry is None:
        raise UnknownEntry(competition_id=competition.id, entry_id=command.entry_id)
    if entry.award is None:
        raise NotAwarded(competition_id=competition.id, entry_id=command.entry_id)
    if entry.presented is not None:
        raise AwardAlreadyPresented(
            entry_id=command.entry_id, meeting_id=entry.presented.meeting_id
        )
    check_forward(competition, command.at)
    meeting = meetings.require_open(
        situation.meeting(command.meeting_id), command.meeting_id, command.at
    )
    gathering_id = meeting.scheduled.gathering_id
    if gathering_id is None:
        raise NotAtAGathering(meeting_id=meeting.id)
    group = situation.group(meeting.group_id)
    member = group.open_membership_of(entry.entered.company_id)
    if (
        member is None
        or member.status is not MembershipStatus.ACTIVE
        or member.id not in meeting.scheduled.expected
    ):
        presenter = member.id if member else entry.entered.membership_id
        raise NotExpected(meeting_id=meeting.id, membership_id=presenter)
    topic = meetings.Topic(AWARD_TOPIC + competition.opened.theme, owner_id=member.id)
    topics = (*meeting.topics, topic)
    allowed = group.charter_at(command.at).charter.agenda_topics
    if len(topics) > allowed:
        raise TooManyTopics(meeting_id=meeting.id, topics=len(topics), allowed=allowed)
    return [
        competitions.AwardPresented(
            entry_id=command.entry_id,
            company_id=entry.entered.company_id,
            membership_id=member.id,
            gathering_id=gathering_id,
            meeting_id=meeting.id,
            competition_id=competition.id,
            at=command.at,
        ),
        meetings.AgendaSet(topics=topics, at=command.at, **meeting.ids),
    ]


#: opening a competition is an act of the network (`decisions.governance.ACTS`): its staff
#: open one, or the committee by resolution once it sits
DECIDERS: dict[type[Command], Decider[Any]] = {
    competitions.EnterCompetition: Decider(_enter_needs, _enter),
    competitions.CastJuryBallot: Decider(_ballot_needs, _ballot),
    competitions.JudgeCompetition: Decider(_judge_needs, _judge),
    competitions.PresentAward: Decider(_present_needs, _present),
}
