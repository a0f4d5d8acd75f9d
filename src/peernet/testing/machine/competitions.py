"""The best-practices competition in the state machine: the network opens one with a
jury, members enter, the jury judges, awards are granted; and what its events must keep
(only active members enter, once a company; only jurors judge, never an entry their
company is part of; an entry carries exactly when the motions' rule says so; only
entries that carried win, up to the competition's awards).
"""

from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from peernet.domain import competitions
from peernet.domain.common import Event
from peernet.domain.motions import verdict
from peernet.domain.network_charter import NetworkCharter
from peernet.testing.machine.base import MachineBase
from peernet.testing.machine.model import ACTIVE, Expect
from peernet.testing.machine.partner_model import ModelCompetition

#: the network charter the machine plays under (never amended)
RULES = NetworkCharter()


class CompetitionRules(MachineBase):
    """The network's best-practices competitions."""

    @precondition(lambda self: self._any(ACTIVE) and len(self.model.competitions) < 2)
    @rule(data=st.data())
    def open_competition(self, data: st.DataObject) -> None:
        members = self._memberships(*ACTIVE)
        jury = tuple(
            data.draw(
                st.lists(
                    st.sampled_from(members), min_size=min(2, len(members)), max_size=4, unique=True
                ),
                label="jury",
            )
        )
        stamp = self._stamp(data)
        command = competitions.OpenCompetition(
            theme="recurring revenue",
            entries_close=stamp["at"] + timedelta(days=20),
            judging_closes=stamp["at"] + timedelta(days=40),
            jury=jury,
            competition_id=self._new_id("competition"),
            **stamp,
        )
        fits = len(jury) >= RULES.competition_jury_min and all(
            self.model.is_active(j) for j in jury
        )
        self.execute(command, Expect.ACCEPTED if fits else Expect.REFUSED)

    def _contest(self, data: st.DataObject) -> ModelCompetition | None:
        known = [c for c in self.model.competitions.values() if not c.judged]
        return data.draw(st.sampled_from(known), label="competition") if known else None

    @precondition(lambda self: any(not c.judged for c in self.model.competitions.values()))
    @rule(data=st.data())
    def enter_competition(self, data: st.DataObject) -> None:
        contest = self._contest(data)
        assert contest is not None
        membership_id = self._membership(data, *ACTIVE)
        partners = data.draw(
            st.lists(st.sampled_from(sorted(self.model.companies)), max_size=2, unique=True),
            label="partners",
        )
        command = competitions.EnterCompetition(
            competition_id=contest.id,
            membership_id=membership_id,
            title="Backup for clinics",
            summary="what we did",
            partners=tuple(partners),
            entry_id=self._new_id("entry"),
            **self._stamp(data, max_days=15),
        )
        company = self._company(membership_id)
        fits = (
            self.model.is_active(membership_id)
            and command.at < contest.entries_close
            and not self._late(command.at, contest.id)
            and company not in partners
            and all(company != involved[0] for involved in contest.entries.values())
        )
        self.execute(command, Expect.ACCEPTED if fits else Expect.REFUSED)

    @precondition(
        lambda self: any(c.entries and not c.judged for c in self.model.competitions.values())
    )
    @rule(data=st.data())
    def judge_entry(self, data: st.DataObject) -> None:
        contest = self._contest(data)
        assert contest is not None
        if not contest.entries:
            return
        entry = data.draw(st.sampled_from(sorted(contest.entries)), label="entry")
        juror = data.draw(st.sampled_from(contest.jury), label="juror")
        stamp = self._stamp(data, max_days=15)
        command = competitions.CastJuryBallot(
            competition_id=contest.id,
            entry_id=entry,
            juror_id=juror,
            in_favour=data.draw(st.booleans(), label="in favour"),
            **stamp,
        )
        fits = (
            contest.entries_close <= command.at < contest.judging_closes
            and not self._late(command.at, contest.id)
            and self.model.is_active(juror)
            and self._company(juror) not in contest.entries[entry]
            and (entry, juror) not in contest.ballots
        )
        self.execute(command, Expect.ACCEPTED if fits else Expect.REFUSED)

    @precondition(lambda self: any(not c.judged for c in self.model.competitions.values()))
    @rule(data=st.data())
    def judge_competition(self, data: st.DataObject) -> None:
        contest = self._contest(data)
        assert contest is not None
        command = competitions.JudgeCompetition(
            competition_id=contest.id, **self._stamp(data, max_days=30)
        )
        fits = command.at >= contest.judging_closes and not self._late(command.at, contest.id)
        self.execute(command, Expect.ACCEPTED if fits else Expect.REFUSED)

    @precondition(lambda self: len(self.model.competitions) < 2 and self._any(ACTIVE))
    @rule(data=st.data())
    def run_a_competition(self, data: st.DataObject) -> None:
        """A competition's whole story: opened with a jury of active members, entered,
        judged by the jury between the deadlines, and awarded."""
        members = [m for m in self._memberships(*ACTIVE) if self.model.is_active(m)]
        if len(members) < RULES.competition_jury_min + 1:
            return
        jury = tuple(data.draw(st.permutations(members), label="jury")[:3])
        stamp = self._then(data, 1)
        contest_id = self._new_id("competition")
        opened = competitions.OpenCompetition(
            theme="best practices",
            entries_close=stamp["at"] + timedelta(days=10),
            judging_closes=stamp["at"] + timedelta(days=20),
            jury=jury,
            competition_id=contest_id,
            **stamp,
        )
        self.execute(opened, Expect.ACCEPTED)
        entrants = data.draw(
            st.lists(st.sampled_from(members), min_size=1, max_size=3, unique=True),
            label="entrants",
        )
        for n, m in enumerate(entrants):
            company = self._company(m)
            entry = competitions.EnterCompetition(
                competition_id=contest_id,
                membership_id=m,
                title="what worked",
                summary="a project",
                entry_id=self._new_id("entry"),
                **{**self._then(data, 0), "at": stamp["at"] + timedelta(days=1 + n)},
            )
            first = all(
                company != e[0] for e in self.model.competitions[contest_id].entries.values()
            )
            self.execute(entry, Expect.ACCEPTED if first else Expect.REFUSED)
        contest = self.model.competitions[contest_id]
        for entry_id, involved in sorted(contest.entries.items()):
            for juror in jury:
                if self._company(juror) in involved:
                    continue
                ballot = competitions.CastJuryBallot(
                    competition_id=contest_id,
                    entry_id=entry_id,
                    juror_id=juror,
                    in_favour=data.draw(st.booleans(), label="in favour"),
                    **{**self._then(data, 0), "at": stamp["at"] + timedelta(days=12)},
                )
                self.execute(ballot, Expect.ACCEPTED)
        judge = competitions.JudgeCompetition(
            competition_id=contest_id,
            **{**self._then(data, 0), "at": stamp["at"] + timedelta(days=21)},
        )
        self.execute(judge, Expect.ACCEPTED)

    # --- the events, folded into the model -------------------------------------------------------

    def _fold(self, event: Event) -> None:
        if isinstance(event, competitions.CompetitionEvent):
            self._competition_event(event)
        else:
            super()._fold(event)

    def _competition_event(self, event: competitions.CompetitionEvent) -> None:
        model = self.model
        match event:
            case competitions.CompetitionOpened():
                model.competitions[event.competition_id] = ModelCompetition(
                    id=event.competition_id,
                    jury=event.jury,
                    entries_close=event.entries_close,
                    judging_closes=event.judging_closes,
                    quorum=event.quorum,
                    threshold=event.threshold,
                    awards=event.awards,
                )
            case competitions.CompetitionEntered():
                contest = model.competitions[event.competition_id]
                assert model.is_active(event.membership_id), f"{event!r} by a non-member"
                contest.entries[event.entry_id] = (event.company_id, *event.partners)
            case competitions.JuryBallotCast():
                contest = model.competitions[event.competition_id]
                assert event.juror_id in contest.jury, f"{event!r} by an outsider"
                assert self._company(event.juror_id) not in contest.entries[event.entry_id]
                contest.ballots[(event.entry_id, event.juror_id)] = event.in_favour
            case competitions.EntryCounted():
                self._counted(model.competitions[event.competition_id], event)
            case competitions.AwardGranted():
                contest = model.competitions[event.competition_id]
                assert event.entry_id in contest.carried, f"{event!r} for an entry that failed"
                assert event.rank <= contest.awards, f"{event!r} past the awards"
                assert contest.entries[event.entry_id][0] == event.company_id
            case competitions.CompetitionJudged():
                model.competitions[event.competition_id].judged = True
            case _:
                raise AssertionError(f"the machine does not expect {event!r}")

    def _counted(self, contest: ModelCompetition, event: competitions.EntryCounted) -> None:
        """The count agrees with the motions' rule over the entry's eligible jurors."""
        involved = contest.entries[event.entry_id]
        eligible = [j for j in contest.jury if self._company(j) not in involved]
        ballots = [
            contest.ballots[(event.entry_id, j)]
            for j in eligible
            if (event.entry_id, j) in contest.ballots
        ]
        yes = sum(ballots)
        why = verdict(yes, len(ballots) - yes, len(eligible), contest.quorum, contest.threshold)
        assert (event.carried, event.electorate) == (why is None, len(eligible)), f"{event!r}"
        if event.carried:
            contest.carried.add(event.entry_id)
