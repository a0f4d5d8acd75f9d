"""The report's words: the lines above its table of groups and the table's rows, as
`peernet report` prints them in the terminal and `peernet report --html` on its page.
One module writes them, so the two never say a figure two ways.
"""

from collections.abc import Sequence
from fractions import Fraction

from peernet.projections.figures import AttendanceRate, GoalCompletion
from peernet.projections.summary import GroupFigures, NetworkReport

#: the columns of the table of groups
GROUP_HEADERS = ("group", "fill", "waiting", "turnover", "left", "goals met", "attendance")


def pct(value: Fraction | None) -> str:
    """A rate as the report prints it: `7.8%`, or `n/a` where it has no base."""
    return "n/a" if value is None else f"{float(value):.1%}"


def attendance_rate(seen: AttendanceRate | None) -> Fraction | None:
    """A group's attendance rate; None for a group that expected nobody, or whose
    attendance the reader may not see."""
    return seen.rate if seen is not None and seen.expected else None


def goal_rate(goals: GoalCompletion | None) -> Fraction | None:
    """A group's goal completion; None where the reader may not see its goals."""
    return None if goals is None else goals.rate


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun if count == 1 else noun + 's'}"


def summary_lines(report: NetworkReport) -> list[str]:
    """The network's figures over the period, a line each."""
    grow, t, r, f, g = report.growth, report.turnover, report.retention, report.fill, report.goals
    seen = report.attendance
    last = grow.quarters[-1]
    to_seat = (
        f"median {f.median_days_to_seat:g}" if f.median_days_to_seat is not None else "none seated"
    )
    return [
        f"groups: {last.groups} of a target of {grow.target.groups}; "
        f"companies active: {last.companies} of {grow.target.companies}",
        f"seats: {f.active} of {f.capacity} filled ({pct(f.rate)}); "
        f"{_plural(len(f.waiting), 'applicant')} waiting"
        + (f", the longest for {f.oldest_wait} days" if f.oldest_wait is not None else ""),
        f"days from application to seat: {to_seat} "
        f"({_plural(len(f.seated), 'member')} seated in the period)",
        f"turnover: {pct(t.rate)} ({_plural(len(t.departures), 'departure')} of "
        f"{float(t.average_members):.1f} average members); retention {pct(r.rate)}",
        f"goals: {g.met} met of {len(g.due)} due ({pct(g.rate)})",
        f"attendance: {pct(seen.rate)} of {_plural(len(seen.expected), 'expected attendance')} "
        f"at {_plural(seen.meetings, 'meeting')} (late or left early as the charter says)",
    ]


def group_rows(groups: Sequence[GroupFigures]) -> list[tuple[str, ...]]:
    """The table of groups, a row each (`GROUP_HEADERS`); blank where a group has no
    goal due, expected nobody, or keeps the figure from the reader."""
    return [
        (
            g.history.name,
            f"{g.fill.active}/{g.fill.capacity}",
            str(len(g.fill.waiting)),
            pct(g.turnover.rate),
            str(len(g.turnover.departures)),
            f"{g.goals.met}/{len(g.goals.due)}" if g.goals is not None and g.goals.due else "",
            "" if (rate := attendance_rate(g.attendance)) is None else pct(rate),
        )
        for g in groups
    ]
