"""The demo's story in print: `print_story` writes what `build_demo` returned to a rich
console, as `peernet demo` shows it (the command then prints the featured groups'
rosters and one of their meetings, with the views the rest of the command line uses).
"""

from datetime import datetime

from rich.console import Console
from rich.table import Table
from rich.text import Text

from peernet import Attendance, MotionKind
from peernet.demo.story import DemoSummary, MotionStory, VoteOff, YearStory

_RULES = {
    "AlreadyInCoreGroup": ("application", "to a second core group", "one core group at a time"),
    "CompetitorInGroup": ("transfer", "into a group where a competitor sits", "non-compete"),
    "AgreementNotSigned": ("attempt", "to take a seat before signing", "agreement first"),
    "GroupAtCapacity": ("transfer", "into a full group", "capacity"),
    "ProgrammeNotComplete": ("graduation", "before the programme ended", "programme length"),
    "GoalClosed": ("progress report", "on a goal already reviewed", "open goals only"),
    "SubjectCannotVote": ("ballot", "by the subject of a removal", "the subject does not vote"),
}
#: departures by the reason turnover reads (`peernet.projections.Departure.reason`), a
#: removal by its cause
_DEPARTURES = {
    "resigned": "resigned",
    "non-payment": "removed for non-payment",
    "other": "removed",
    "removed": "removed",
    "acquired": "left on acquisition",
    "voted off": "voted off the island",
}


def print_story(console: Console, summary: DemoSummary, url: str) -> None:
    """The story of a demo run built in the store at `url`: the counts, the network and
    its goals year by year, what happened each year, and where it stands at the end."""
    last = summary.years[-1]
    console.print(
        Text(
            f"An HTG-like network of peer groups, {summary.first_year}-{summary.last_year} "
            f"(seed {summary.seed})",
            style="bold",
        )
    )
    new = (
        "all new"
        if summary.new_events == summary.events
        else f"{summary.new_events:,} new; the store already held the rest"
    )
    console.print(
        f"Store {url}: {summary.commands:,} commands, {summary.events:,} events ({new}); "
        f"{summary.refused} commands refused by the rules, as expected."
    )
    if summary.ledger:
        console.print(
            f"Beside the events, the store keeps {summary.ledger:,} command-ledger entries "
            f"(one for each command that recorded events): `peernet audit verify` checks "
            f"all {summary.events + summary.ledger:,}."
        )
    console.print()
    table = Table(title="The network year by year", title_justify="left")
    headers = (
        "year",
        "groups\nin-person",
        "groups\nonline",
        "companies\nregistered",
        "members\njoined",
        "applicants\nwait-listed",
        "members\ndeparted",
        "annual\nturnover",
        "members\nat year end",
        "waiting\nat year end",
    )
    for header in headers:
        table.add_column(header, justify="right")
    for year in summary.years:
        table.add_row(
            str(year.year),
            str(year.in_person_groups),
            str(year.virtual_groups),
            str(year.registered),
            str(year.joined),
            str(year.waitlisted),
            str(year.departed),
            _pct(year.turnover),
            str(year.active_members),
            str(year.waiting),
        )
    console.print(table)
    console.print(
        Text(
            "members: memberships (a company in two groups counts in each); turnover: "
            "resignations, removals and acquisitions over the year's time-weighted average "
            "of active members; the same figures as `peernet report` for the year",
            style="dim",
        )
    )
    accountable = [y for y in summary.years if y.goals_set]
    if accountable:
        console.print()
        console.print(_goals_table(accountable))
        console.print(
            Text(
                "goals are set at a quarterly meeting and reviewed at the next; due, met, not "
                "met and completion count the goals due in the year (withdrawn goals are not "
                "due); set and withdrawn, the goals set and withdrawn in it",
                style="dim",
            )
        )
    console.print()
    story = Table.grid(padding=(0, 2))
    story.add_column(style="bold")
    story.add_column()
    for year in summary.years:
        for i, line in enumerate(_year_lines(year)):
            story.add_row(str(year.year) if i == 0 else "", line)
    console.print(Text("What happened", style="bold"))
    console.print(story)
    total = sum(y.registered for y in summary.years)
    departed = sum(y.departed for y in summary.years)
    console.print()
    console.print(
        f"By the end of {last.year}: {last.in_person_groups} in-person and "
        f"{last.virtual_groups} online groups, {last.active_companies} member companies, "
        f"{last.waiting} waiting; {total} companies registered since {summary.first_year}, "
        f"{departed} departures in all."
    )


def _rate(met: int, due: int) -> str:
    return f"{met / due:.1%}" if due else ""


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _goals_table(years: list[YearStory]) -> Table:
    table = Table(title="Goals year by year, by category", title_justify="left")
    table.add_column("year")
    table.add_column("category")
    for header in ("set", "due", "met", "not met", "withdrawn", "completion"):
        table.add_column(header, justify="right")
    for year in years:
        categories = list(year.goals_set) + [c for c in year.goals_due if c not in year.goals_set]
        for i, category in enumerate(categories):
            met, due = year.goals_met.get(category, 0), year.goals_due.get(category, 0)
            table.add_row(
                str(year.year) if i == 0 else "",
                category,
                str(year.goals_set.get(category, 0)),
                str(due),
                str(met),
                str(year.goals_missed.get(category, 0)),
                str(year.goals_withdrawn.get(category, 0)),
                _rate(met, due),
            )
        met, due = sum(year.goals_met.values()), sum(year.goals_due.values())
        table.add_row(
            "",
            "all categories",
            str(sum(year.goals_set.values())),
            str(due),
            str(met),
            str(sum(year.goals_missed.values())),
            str(sum(year.goals_withdrawn.values())),
            _rate(met, due),
            style="bold",
            end_section=True,
        )
    return table


def _meeting_lines(year: YearStory) -> list[str]:
    """Meetings held, who came, what they cost, the summit, dues and payments."""
    if not year.meetings:
        return []
    marks = year.attendance
    expected = sum(marks.values())
    came = sum(n for mark, n in marks.items() if Attendance(mark).attended)
    partial = marks.get(Attendance.LATE.value, 0) + marks.get(Attendance.LEFT_EARLY.value, 0)
    away = expected - came
    lines = [
        f"{_plural(year.meetings, 'meeting')} held: {came:,} of {expected:,} expected attendances "
        f"came ({partial} late or left early, {away} absent, "
        f"{marks.get(Attendance.EXCUSED.value, 0)} of them with notice): attendance "
        f"{_pct(year.attendance_rate)} (late or left early as the charter says); "
        f"{_plural(year.attendance_flags, 'member')} flagged at a close for missed meetings."
    ]
    for g in year.gatherings:
        lines.append(
            f"{g.name} at {g.venue} from {g.starts:%d %B}: {g.groups} groups, "
            f"{g.people} members, {g.net:,.2f} USD net after sponsorship, shared by headcount."
        )
    lines.append(
        f"Costs shared {year.shared:,.2f} USD after {year.sponsored:,.2f} USD from sponsors, "
        f"absentees paying their share; dues charged {year.dues:,.2f} USD, "
        f"payments received {year.paid:,.2f} USD."
    )
    return lines


def _accountability_lines(year: YearStory) -> list[str]:
    lines = []
    if year.goals_set:
        met, due = sum(year.goals_met.values()), sum(year.goals_due.values())
        lines.append(
            f"Goals reviewed quarterly: {sum(year.goals_set.values()):,} set across "
            f"{len(year.goals_set)} categories; of {due:,} due in the year {met:,} met, "
            f"{due - met:,} not met (completion {_rate(met, due)}); "
            f"{year.challenged} challenged by a peer, "
            f"{year.revised} revised before they were due, "
            f"{sum(year.goals_withdrawn.values())} withdrawn."
        )
    if year.flagged:
        lines.append(
            f"Reviews flagged members {_plural(year.flagged, 'time')} for goals missed in a row."
        )
    lines += [_motion_line(motion) for motion in year.motions]
    lines += [_vote_off_line(off) for off in year.vote_offs]
    return lines


def _motion_line(motion: MotionStory) -> str:
    what = {
        MotionKind.REMOVAL.value: f"to remove {motion.subject}",
        MotionKind.ADMISSION.value: f"to admit {motion.subject}",
    }.get(motion.kind, "to amend the charter")
    cause = f" ({motion.cause})" if motion.cause else ""
    outcome, _, why = motion.outcome.partition(": ")
    voted = motion.in_favour + motion.against
    return (
        f"Motion in {motion.group} {what}{cause}, raised {_day(motion.raised_at)}: "
        f"{outcome} on {_day(motion.decided_at)}{', ' + why if why else ''}, "
        f"{motion.in_favour} for and {motion.against} against; {voted} of "
        f"{motion.electorate} voted, {motion.quorum_needed} make a quorum."
    )


def _vote_off_line(off: VoteOff) -> str:
    flags = {1: "once", 2: "twice"}.get(off.flags, f"{off.flags} times")
    record = f"missed {off.missed_in_a_row} goals in a row, was flagged {flags}"
    record += f" and {off.attendance}" if off.attendance else ""
    line = (
        f"{off.company} ({off.group}) {record}: voted off the island on {_day(off.at)}, "
        f"{_plural(off.goals_withdrawn, 'open goal')} withdrawn in the same write."
    )
    if off.refill is None:
        return line + " Nobody on the wait-list could take the seat; it stays open."
    passed = (
        f", passing over {_plural(off.passed_over, 'applicant')} ahead of it who "
        f"{'competes' if off.passed_over == 1 else 'compete'} with a member"
        if off.passed_over
        else ""
    )
    line += (
        f" In the same write the seat was offered to {off.refill}, the first on the "
        f"wait-list who competes with nobody inside{passed}"
    )
    if off.refill_joined is None:
        return line + "."
    return line + f"; it signed and took the seat on {_day(off.refill_joined)}."


def _year_lines(year: YearStory) -> list[str]:
    lines = []
    if year.groups_formed:
        lines.append("Formed " + ", ".join(year.groups_formed) + ".")
    lines.append(
        f"{_plural(year.registered, 'company', 'companies')} registered; "
        f"{_plural(year.applications, 'application')}: {year.offered} seats offered, "
        f"{year.waitlisted} wait-listed; {year.joined} joined"
        + (f", {year.declined} declined the seat offered" if year.declined else "")
        + "."
    )
    if year.departures:
        parts = [f"{n} {_DEPARTURES.get(why, why)}" for why, n in year.departures.items()]
        lines.append(f"Departures: {', '.join(parts)} (turnover {_pct(year.turnover)}).")
    for deal in year.acquisitions:
        where = {1: "its group", 2: "both its groups"}.get(
            deal.groups_left, f"all {deal.groups_left} of its groups"
        )
        buyer = f"fellow member {deal.acquirer}" if deal.by_member else deal.acquirer
        lines.append(
            f"{deal.company} was acquired by {buyer} on {_day(deal.at)} "
            f"and left {where} in the same write."
        )
    moves = []
    if year.transfers:
        moves.append(f"{_plural(year.transfers, 'member')} transferred")
    if year.graduations:
        moves.append(f"{_plural(year.graduations, 'online member')} graduated")
    if year.withdrawn:
        why = ", most to take a seat in another group" if year.withdrawn > 1 else ""
        moves.append(f"{_plural(year.withdrawn, 'application')} withdrawn{why}")
    if moves:
        text = "; ".join(moves)
        lines.append(text[0].upper() + text[1:] + ".")
    if year.amendments:
        lines.append("Charter amended: " + "; ".join(year.amendments) + ".")
    lines += _meeting_lines(year)
    lines += _accountability_lines(year)
    refused = []
    for error, n in year.refusals.items():
        what, tried, rule = _RULES.get(error, ("command", "", error))
        refused.append(f"{_plural(n, what)} {tried} ({rule})".replace("  ", " "))
    if refused:
        lines.append("Refused by the rules, nothing recorded: " + "; ".join(refused) + ".")
    return lines


def _plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 member`, `2 members`."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""
