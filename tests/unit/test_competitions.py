"""The best-practices competition: every rule, accepted and refused, on the pure core."""

from datetime import timedelta
from fractions import Fraction
from typing import Any
from uuid import UUID

import pytest

from peernet import AgendaSet, InvalidValue, NotAnActiveMember, NotExpected, TooManyTopics, Topic
from peernet.domain.competitions import (
    AwardGranted,
    AwardPresented,
    CastJuryBallot,
    CompetitionJudged,
    EnterCompetition,
    EntryCounted,
    JudgeCompetition,
    JuryBallotCast,
    OpenCompetition,
    PresentAward,
)
from peernet.domain.meetings import AgendaSet as AgendaEvent
from peernet.domain.partner_errors import (
    AlreadyEntered,
    AlreadyJudged,
    AwardAlreadyPresented,
    CompetitionAlreadyJudged,
    EntriesClosed,
    JudgingNotOpen,
    JudgingNotOver,
    JurorInvolved,
    JuryTooSmall,
    NotAJuror,
    NotAtAGathering,
    NotAwarded,
)
from peernet.domain.situation import Situation
from peernet.testing import (
    T0,
    competition_opened,
    entered,
    group_with,
    history,
    meeting_scheduled,
    membership_of,
    refused,
    resigned,
    some_id,
    some_ids,
    when,
)

GROUP, OTHER = some_ids("group", 2)
A, B, C, D, E, F = some_ids("company", 6)
JURY = [membership_of(GROUP, c) for c in (C, D, E)]
CONTEST = some_id("contest")
ENTRY_A, ENTRY_B = some_id("entry a"), some_id("entry b")
CLOSES = T0 + timedelta(days=30)
JUDGED = CLOSES + timedelta(days=30)
DURING = CLOSES + timedelta(days=1)
AFTER = JUDGED + timedelta(days=1)


def network() -> Situation:
    """Six members: A, B, C, D, E in one group, F in another."""
    return history(*group_with(GROUP, A, B, C, D, E), *group_with(OTHER, F))


def opened() -> Situation:
    return history(competition_opened(CONTEST, JURY), situation=network())


def with_entries() -> Situation:
    """A entered with F as partner; B entered alone."""
    return history(
        entered(CONTEST, ENTRY_A, (GROUP, A), partners=(F,)),
        entered(CONTEST, ENTRY_B, (GROUP, B)),
        situation=opened(),
    )


def ballot(entry: UUID, juror: UUID, yes: bool = True, at: Any = DURING) -> CastJuryBallot:
    return CastJuryBallot(
        competition_id=CONTEST, entry_id=entry, juror_id=juror, in_favour=yes, actor="j", at=at
    )


def cast(entry: UUID, juror: UUID, yes: bool = True) -> JuryBallotCast:
    return JuryBallotCast(
        competition_id=CONTEST, entry_id=entry, juror_id=juror, in_favour=yes, at=DURING
    )


# --- opening -------------------------------------------------------------------------------


def open_(**fields: Any) -> OpenCompetition:
    fields.setdefault("jury", tuple(JURY))
    return OpenCompetition(
        competition_id=CONTEST,
        theme="recurring revenue",
        entries_close=CLOSES,
        judging_closes=JUDGED,
        actor="network office",
        at=T0,
        **fields,
    )


def test_the_network_opens_a_competition_under_its_charters_rules() -> None:
    """CompetitionOpened fixes the jury, the quorum, the threshold and the awards."""
    assert [competition_opened(CONTEST, JURY)] == when(network(), open_())


def test_a_jury_smaller_than_the_charters_minimum_is_refused() -> None:
    """JuryTooSmall: competition_jury_min is 3 by default."""
    assert isinstance(refused(network(), open_(jury=tuple(JURY[:2]))), JuryTooSmall)


def test_jurors_are_active_members_and_sit_once() -> None:
    """A juror who resigned is refused; a juror named twice is InvalidValue."""
    gone = history(resigned(GROUP, C), situation=network())

    assert isinstance(refused(gone, open_()), NotAnActiveMember)
    assert isinstance(refused(network(), open_(jury=(*JURY, JURY[0]))), InvalidValue)


def test_judging_closes_after_entries_close() -> None:
    """InvalidValue for deadlines out of order."""
    command = OpenCompetition(
        competition_id=CONTEST,
        theme="t",
        entries_close=JUDGED,
        judging_closes=CLOSES,
        jury=tuple(JURY),
        actor="o",
        at=T0,
    )

    assert isinstance(refused(network(), command), InvalidValue)


# --- entering -----------------------------------------------------------------------------


def enter(company: UUID = A, at: Any = T0, **fields: Any) -> EnterCompetition:
    fields.setdefault("entry_id", ENTRY_A)
    group = OTHER if company == F else GROUP
    return EnterCompetition(
        competition_id=CONTEST,
        membership_id=membership_of(group, company),
        title="Backup for clinics",
        summary="three partners, one customer",
        actor="a",
        at=at,
        **fields,
    )


def test_an_active_member_enters_a_project_with_its_partners() -> None:
    """CompetitionEntered names the entrant's company and group and the partners."""
    expected = entered(CONTEST, ENTRY_A, (GROUP, A), partners=(F,))

    assert [expected] == when(opened(), enter(partners=(F,)))


def test_entries_close_at_the_deadline() -> None:
    """EntriesClosed names the deadline."""
    assert isinstance(refused(opened(), enter(at=CLOSES)), EntriesClosed)


def test_a_company_enters_once() -> None:
    """AlreadyEntered names its first entry."""
    situation = history(entered(CONTEST, ENTRY_A, (GROUP, A)), situation=opened())

    assert isinstance(refused(situation, enter(entry_id=ENTRY_B)), AlreadyEntered)


def test_an_entry_lists_other_companies_as_partners() -> None:
    """The entrant is not its own partner."""
    assert isinstance(refused(opened(), enter(partners=(A,))), InvalidValue)


# --- judging -----------------------------------------------------------------------------


def test_a_juror_judges_each_entry_once_between_the_deadlines() -> None:
    """JuryBallotCast; before entries close JudgingNotOpen; twice AlreadyJudged."""
    situation = with_entries()
    twice = history(cast(ENTRY_B, JURY[0]), situation=situation)

    assert [cast(ENTRY_B, JURY[0])] == when(situation, ballot(ENTRY_B, JURY[0]))
    assert isinstance(refused(situation, ballot(ENTRY_B, JURY[0], at=T0)), JudgingNotOpen)
    assert isinstance(refused(situation, ballot(ENTRY_B, JURY[0], at=AFTER)), JudgingNotOpen)
    assert isinstance(refused(twice, ballot(ENTRY_B, JURY[0])), AlreadyJudged)


def test_only_the_jury_judges() -> None:
    """NotAJuror: A is a member, not a juror."""
    error = refused(with_entries(), ballot(ENTRY_B, membership_of(GROUP, A)))

    assert isinstance(error, NotAJuror)


def test_a_juror_does_not_judge_an_entry_its_company_is_part_of() -> None:
    """A juror from a partner company of the entry is refused."""
    situation = history(entered(CONTEST, ENTRY_B, (GROUP, B), partners=(C,)), situation=opened())

    error = refused(situation, ballot(ENTRY_B, JURY[0]))

    assert (JurorInvolved, "jurors_do_not_judge_their_own") == (type(error), error.rule)


def judged(*ballots: JuryBallotCast) -> list[Any]:
    situation = history(*ballots, situation=with_entries())
    return when(situation, JudgeCompetition(competition_id=CONTEST, actor="o", at=AFTER))


def test_entries_are_counted_as_motions_are_and_the_best_share_wins() -> None:
    """A: 3 of 3 in favour; B: 2 of 3; both carry, A first."""
    events = judged(
        *(cast(ENTRY_A, j) for j in JURY),
        cast(ENTRY_B, JURY[0]),
        cast(ENTRY_B, JURY[1]),
        cast(ENTRY_B, JURY[2], yes=False),
    )
    ids: dict[str, Any] = {"competition_id": CONTEST, "at": AFTER}

    assert [
        EntryCounted(entry_id=ENTRY_A, in_favour=3, against=0, electorate=3, carried=True, **ids),
        EntryCounted(entry_id=ENTRY_B, in_favour=2, against=1, electorate=3, carried=True, **ids),
        AwardGranted(entry_id=ENTRY_A, company_id=A, rank=1, **ids),
        AwardGranted(entry_id=ENTRY_B, company_id=B, rank=2, **ids),
        CompetitionJudged(entries=2, awards=2, **ids),
    ] == events


def test_an_entry_short_of_quorum_wins_nothing() -> None:
    """One ballot of three jurors misses the 2/3 quorum."""
    events = judged(cast(ENTRY_A, JURY[0]))

    counted = [e for e in events if isinstance(e, EntryCounted)]

    assert [(False, "quorum not reached")] * 2 == [(c.carried, c.reason) for c in counted]
    assert [] == [e for e in events if isinstance(e, AwardGranted)]


def test_an_entry_below_the_threshold_wins_nothing() -> None:
    """One in favour, two against: below the default threshold of 1/2."""
    events = judged(
        cast(ENTRY_A, JURY[0]), cast(ENTRY_A, JURY[1], yes=False), cast(ENTRY_A, JURY[2], False)
    )

    assert "threshold not reached" == next(
        e.reason for e in events if isinstance(e, EntryCounted) and e.entry_id == ENTRY_A
    )


def test_the_number_of_awards_is_the_competitions() -> None:
    """awards_per_competition, fixed when it opened: one award here."""
    situation = history(
        competition_opened(CONTEST, JURY, awards=1),
        entered(CONTEST, ENTRY_A, (GROUP, A)),
        entered(CONTEST, ENTRY_B, (GROUP, B)),
        *(cast(e, j) for e in (ENTRY_A, ENTRY_B) for j in JURY),
        situation=network(),
    )

    events = when(situation, JudgeCompetition(competition_id=CONTEST, actor="o", at=AFTER))

    assert [ENTRY_A] == [e.entry_id for e in events if isinstance(e, AwardGranted)]


def test_a_competition_is_judged_after_judging_closes_and_once() -> None:
    """JudgingNotOver before; CompetitionAlreadyJudged once it was judged."""
    early = JudgeCompetition(competition_id=CONTEST, actor="o", at=DURING)
    judge = JudgeCompetition(competition_id=CONTEST, actor="o", at=AFTER)
    done = history(*when(with_entries(), judge), situation=with_entries())

    assert isinstance(refused(with_entries(), early), JudgingNotOver)
    assert isinstance(refused(done, judge), CompetitionAlreadyJudged)


def test_the_eligible_jurors_of_an_entry_leave_out_its_companies() -> None:
    """C is a partner of B's entry: B's electorate is the other two jurors."""
    situation = history(
        entered(CONTEST, ENTRY_B, (GROUP, B), partners=(C,)),
        cast(ENTRY_B, JURY[1]),
        cast(ENTRY_B, JURY[2]),
        situation=opened(),
    )

    events = when(situation, JudgeCompetition(competition_id=CONTEST, actor="o", at=AFTER))

    assert (2, True) == next(
        (e.electorate, e.carried) for e in events if isinstance(e, EntryCounted)
    )


# --- presenting at a gathering ----------------------------------------------------------------

GATHERING = some_id("summit")
MEETING = some_id("summit meeting")


def awarded(**meeting: Any) -> Situation:
    """A's entry won the award; its group meets at the summit (or as `meeting` says)."""
    meeting.setdefault("gathering_id", GATHERING)
    meeting.setdefault("expected", [membership_of(GROUP, c) for c in (A, B, C, D, E)])
    voted = history(*(cast(ENTRY_A, j) for j in JURY), situation=with_entries())
    judge = JudgeCompetition(competition_id=CONTEST, actor="o", at=AFTER)
    return history(
        *when(voted, judge),
        meeting_scheduled(MEETING, GROUP, starts=AFTER.date(), at=AFTER, **meeting),
        situation=voted,
    )


def present(at: Any = AFTER) -> PresentAward:
    return PresentAward(
        competition_id=CONTEST, entry_id=ENTRY_A, meeting_id=MEETING, actor="o", at=at
    )


def test_a_winner_presents_at_a_gathering_as_an_agenda_item() -> None:
    """AwardPresented and the meeting's agenda with the winner's topic, in one write."""
    topic = Topic("Best-practices award: recurring revenue", owner_id=membership_of(GROUP, A))

    assert [
        AwardPresented(
            competition_id=CONTEST,
            entry_id=ENTRY_A,
            company_id=A,
            membership_id=membership_of(GROUP, A),
            gathering_id=GATHERING,
            meeting_id=MEETING,
            at=AFTER,
        ),
        AgendaEvent(meeting_id=MEETING, group_id=GROUP, topics=(topic,), at=AFTER),
    ] == when(awarded(), present())


def test_only_a_winner_presents_and_only_once() -> None:
    """NotAwarded for B's entry; AwardAlreadyPresented the second time."""
    situation = awarded()
    done = history(*when(situation, present()), situation=situation)
    other = PresentAward(
        competition_id=CONTEST, entry_id=ENTRY_B, meeting_id=MEETING, actor="o", at=AFTER
    )

    assert isinstance(refused(situation, other), NotAwarded)
    assert isinstance(refused(done, present()), AwardAlreadyPresented)


def test_a_winner_presents_at_a_gathering_not_an_ordinary_meeting() -> None:
    """NotAtAGathering for a meeting held on its own."""
    assert isinstance(refused(awarded(gathering_id=None), present()), NotAtAGathering)


def test_a_winner_presents_at_its_own_groups_meeting() -> None:
    """NotExpected when the meeting does not expect the winner."""
    assert isinstance(refused(awarded(expected=()), present()), NotExpected)


def test_a_presentation_fits_in_the_charters_agenda() -> None:
    """TooManyTopics when the agenda is already full."""
    full = AgendaSet(
        meeting_id=MEETING,
        group_id=GROUP,
        topics=tuple(Topic(f"topic {n}") for n in range(6)),
        at=AFTER,
    )

    error = refused(history(full, situation=awarded()), present())

    assert isinstance(error, TooManyTopics)


@pytest.mark.parametrize("quorum", [Fraction(1, 3), Fraction(1)])
def test_the_quorum_is_the_one_fixed_when_the_competition_opened(quorum: Fraction) -> None:
    """A quorum of 1/3 carries A on one ballot; a quorum of 1 does not."""
    situation = history(
        competition_opened(CONTEST, JURY, quorum=quorum),
        entered(CONTEST, ENTRY_A, (GROUP, A)),
        cast(ENTRY_A, JURY[0]),
        situation=network(),
    )

    events = when(situation, JudgeCompetition(competition_id=CONTEST, actor="o", at=AFTER))

    assert (quorum < 1) == next(e.carried for e in events if isinstance(e, EntryCounted))


def test_an_entry_of_a_member_of_another_group_is_counted_too() -> None:
    """F, of another group, enters; C, D and E judge it."""
    situation = history(
        entered(CONTEST, ENTRY_B, (OTHER, F)), *(cast(ENTRY_B, j) for j in JURY), situation=opened()
    )

    events = when(situation, JudgeCompetition(competition_id=CONTEST, actor="o", at=AFTER))

    assert [F] == [e.company_id for e in events if isinstance(e, AwardGranted)]
