"""Accountability on the command line: `peernet goals GROUP` (open goals by category,
decided goals latest first, each member's record), `motions GROUP` and `motion ID`.

Goals and ballots are confidential to their group. The command line reads them as
``auditor:operator`` unless ``--as`` names another reader: whoever holds the store file
can read every event in it anyway, and ``--as`` shows what another reader would see.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from uuid import UUID

import click
from rich.table import Table
from rich.text import Text

from peernet import (
    AccessDenied,
    Direction,
    GoalRecord,
    GoalStatus,
    GoalView,
    GroupSummary,
    MembershipStatus,
    MotionKind,
    MotionView,
    Network,
    Reader,
    Role,
)
from peernet.adapters.codec import converter
from peernet.cli.options import (
    SHORT_ID,
    as_option,
    by_prefix,
    company_names,
    day_of,
    db_option,
    echo_json,
    json_option,
    leave_out_first,
    make_console,
    member_names,
    open_group,
    plural,
    read_network,
    reader_label,
    resolve_reader,
)


def _in_group_words(error: AccessDenied, group: GroupSummary) -> AccessDenied:
    """The refusal, naming the group rather than its id."""
    error.message = error.message.replace(str(group.group_id), group.name)
    return error


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,}"


def _target(goal: GoalView) -> str:
    target = goal.target
    way = "<=" if target.direction is Direction.AT_MOST else ">="
    return f"{way} {_amount(target.value)} {target.unit}"


def _ordered(goals: Iterable[GoalView], categories: tuple[str, ...]) -> list[GoalView]:
    """Open goals by category (the charter's order), then decided goals, latest first."""
    rank = {c: i for i, c in enumerate(categories)}
    open_goals = sorted(
        (g for g in goals if g.status is GoalStatus.OPEN),
        key=lambda g: (rank.get(g.target.category, len(rank)), g.target.category, g.set_at),
    )
    decided = sorted(
        (g for g in goals if g.status is not GoalStatus.OPEN),
        key=lambda g: (rank.get(g.target.category, len(rank)), g.target.category, g.set_at),
    )
    # by the day decided, latest first, in category order within a day (the sort is stable)
    return open_goals + sorted(decided, key=lambda g: day_of(g.decided_at), reverse=True)


def _records(goals: Iterable[GoalView]) -> list[GoalRecord]:
    by_member: dict[UUID, list[GoalView]] = {}
    for goal in sorted(goals, key=lambda g: (g.set_at, str(g.goal_id))):
        by_member.setdefault(goal.membership_id, []).append(goal)
    return [GoalRecord(membership_id=m, goals=tuple(gs)) for m, gs in by_member.items()]


@click.command()
@click.argument("group")
@as_option
@db_option
@json_option
def goals(group: str, reader: tuple[Role, str], url: str | None, as_json: bool) -> None:
    """Show a group's goals: open ones by category, then those decided, latest first;
    and each member's record (set, met, missed, completion rate).

    GROUP is the group's id or its name. Goals are confidential to the group: its
    active members, its facilitator and auditors read them; anyone else is refused
    (exit 1).

    Examples (on the demo's store):

    \b
        peernet goals "HTG 3"
        peernet goals "HTG 3" --as member:"Landmark Systems"
    """
    network, summary, who = open_group(url, group, reader)
    try:
        found = network.group_goals(summary.group_id, reader=who)
    except AccessDenied as error:
        raise _in_group_words(error, summary) from None
    categories = network.roster(summary.group_id).charter.goal_categories
    ordered = _ordered(found, categories)
    names = company_names(network, (g.company_id for g in found))
    records = _records(found)
    statuses = {m: network.membership(m).status for m in (r.membership_id for r in records)}
    if as_json:
        echo_json(
            {
                "group_id": str(summary.group_id),
                "group": summary.name,
                "reader": converter.unstructure(who),
                "goals": [
                    {**converter.unstructure(g), "company": names[g.company_id]} for g in ordered
                ],
                "records": [_record_json(r, names, statuses) for r in records],
            }
        )
        return
    console = make_console()
    open_count = sum(1 for g in found if g.status is GoalStatus.OPEN)
    console.print(Text(summary.name, style="bold"))
    console.print(
        f"{plural(len(found), 'goal')}, {open_count} open; read as {reader_label(who)}",
    )
    if not found:
        return
    for title, part in (
        ("open goals, by category", ordered[:open_count]),
        ("decided goals, latest first", ordered[open_count:]),
    ):
        if part:
            console.print(_goal_table(title, part, names))
    console.print(_record_table(records, names, statuses))


def _goal_table(title: str, goals: list[GoalView], names: dict[UUID, str]) -> Table:
    """Open goals under a heading per category; decided goals under one per day decided."""
    decided = goals[0].status is not GoalStatus.OPEN
    table = Table(title=title, title_justify="left")
    table.add_column("company", max_width=28)
    table.add_column("goal")
    table.add_column("target", no_wrap=True)
    table.add_column("progress", justify="right")
    table.add_column("status" if decided else "due", no_wrap=True)
    table.add_column("challenges", justify="right")
    heading = ""
    for g in goals:
        section = f"decided {day_of(g.decided_at)}" if decided else g.target.category
        if section != heading:
            heading = section
            table.add_row(Text(section, style="bold"), end_section=False)
        revised = len(g.versions) - 1
        statement = f"{g.target.category}: {g.target.statement}" if decided else g.target.statement
        table.add_row(
            names[g.company_id],
            statement + (f" (revised {plural(revised, 'time')})" if revised else ""),
            _target(g),
            _amount(g.progress),
            g.status.value if decided else g.target.due.isoformat(),
            str(len(g.challenges)) if g.challenges else "",
        )
    return table


def _record_counts(record: GoalRecord) -> dict[str, int]:
    return {
        "set": len(record.goals),
        **{status.value: record.count(status) for status in GoalStatus},
    }


def _record_json(
    record: GoalRecord, names: dict[UUID, str], statuses: dict[UUID, MembershipStatus]
) -> dict[str, Any]:
    rate = record.completion_rate
    company_id = record.goals[0].company_id
    return {
        "membership_id": str(record.membership_id),
        "company_id": str(company_id),
        "company": names[company_id],
        "membership": statuses[record.membership_id].value,
        **_record_counts(record),
        "completion_rate": None if rate is None else round(float(rate), 4),
    }


def _record_table(
    records: list[GoalRecord], names: dict[UUID, str], statuses: dict[UUID, MembershipStatus]
) -> Table:
    table = Table(title="each member's record", title_justify="left")
    table.add_column("company")
    for header in ("set", "met", "missed", "withdrawn", "open", "completion"):
        table.add_column(header, justify="right")
    for record in sorted(records, key=lambda r: names[r.goals[0].company_id].casefold()):
        counts = _record_counts(record)
        status = statuses[record.membership_id]
        rate = record.completion_rate
        table.add_row(
            names[record.goals[0].company_id]
            + ("" if status is MembershipStatus.ACTIVE else f" ({status.value})"),
            *(str(counts[k]) for k in ("set", "met", "missed", "withdrawn", "open")),
            "" if rate is None else f"{float(rate):.0%}",
        )
    return table


def _motion_id(network: Network, text: str) -> UUID:
    return by_prefix(
        text,
        "motion",
        "`peernet motions GROUP` lists them",
        lambda: (m.motion_id for g in network.groups() for m in network.group_motions(g.group_id)),
    )


def _motion_json(view: MotionView, group: str, names: dict[UUID, str]) -> dict[str, Any]:
    data: dict[str, Any] = converter.unstructure(view)
    data["group"] = group
    data["raised_by_company"] = names[view.raised_by] if view.raised_by else None
    data["subject_company"] = names[view.subject_id] if view.subject_id else None
    if view.ballots is None:
        data["ballots"] = None
    else:
        data["ballots"] = [
            {"membership_id": str(voter), "company": names[voter], "in_favour": in_favour}
            for voter, in_favour in view.ballots
        ]
    return data


def _motion_names(network: Network, views: Iterable[MotionView]) -> dict[UUID, str]:
    ids: set[UUID] = set()
    for view in views:
        ids.update(i for i in (view.raised_by,) if i is not None)
        ids.update(i for i in (view.subject_id,) if i is not None)
        ids.update(voter for voter, _ in view.ballots or ())
    return member_names(network, ids)


def _what(view: MotionView, names: dict[UUID, str]) -> str:
    subject = names[view.subject_id] if view.subject_id else ""
    match view.kind:
        case MotionKind.REMOVAL:
            return f"removal of {subject}"
        case MotionKind.ADMISSION:
            return f"admission of {subject}"
    return "charter amendment"


def _hidden_note(who: Reader, group: str) -> Text:
    return Text(
        f"counts only: {reader_label(who)} may not see who voted how in {group} "
        "(its active members, its facilitator and auditors may)",
        style="dim",
    )


@click.command()
@click.argument("motion_id", metavar="ID")
@as_option
@db_option
@json_option
def motion(motion_id: str, reader: tuple[Role, str], url: str | None, as_json: bool) -> None:
    """Show a motion: what it proposes, the tally and the outcome, and who voted how.

    ID is the motion's id, or its first characters (`peernet motions GROUP` lists
    them). Individual ballots are shown only to readers who may see inside the group;
    others get the counts.
    """
    network = read_network(url)
    wanted = _motion_id(network, motion_id)
    group_id = network.motion(wanted).group_id
    who = resolve_reader(network, reader, group_id)
    view = network.motion(wanted, reader=who)
    group = network.roster(group_id).name
    names = _motion_names(network, [view])
    if as_json:
        echo_json({**_motion_json(view, group, names), "reader": converter.unstructure(who)})
        return
    console = make_console()
    console.print(
        Text.assemble((f"Motion {view.motion_id}", "bold"), f"  {_what(view, names)} in {group}")
    )
    tally = view.tally
    lines = [
        f"cause: {view.cause.value}" if view.cause else "",
        f"raised by {names[view.raised_by] if view.raised_by else 'the charter'} "
        f"on {day_of(view.raised_at)}; "
        f"ballots until {view.deadline:%Y-%m-%d %H:%M} UTC",
        f"tally: {tally.in_favour} for, {tally.against} against, "
        f"{tally.in_favour + tally.against} of {tally.electorate} voted; "
        f"quorum {tally.quorum_needed} ballots ({view.quorum} of the voters), "
        f"threshold {view.threshold} of the ballots in favour",
        f"outcome: {view.outcome}; read as {reader_label(who)}",
    ]
    for line in filter(None, lines):
        console.print(line)
    if view.ballots is None:
        console.print(_hidden_note(who, group))
        return
    table = Table(title="ballots", title_justify="left")
    table.add_column("voter")
    table.add_column("vote")
    for voter, in_favour in view.ballots:
        table.add_row(names[voter], "for" if in_favour else "against")
    console.print(table)


@click.command()
@click.argument("group")
@as_option
@db_option
@json_option
def motions(group: str, reader: tuple[Role, str], url: str | None, as_json: bool) -> None:
    """List a group's motions: kind, subject, cause, dates, tally and outcome.

    GROUP is the group's id or its name. Who voted how is shown only to readers who
    may see inside the group; others get the counts.

    Examples (on the demo's store):

    \b
        peernet motions "HTG 3"
    """
    network, summary, who = open_group(url, group, reader)
    views = network.group_motions(summary.group_id, reader=who)
    names = _motion_names(network, views)
    if as_json:
        echo_json(
            {
                "group_id": str(summary.group_id),
                "group": summary.name,
                "reader": converter.unstructure(who),
                "motions": [_motion_json(v, summary.name, names) for v in views],
            }
        )
        return
    console = make_console()
    if not views:
        console.print(f"No motions in {summary.name} yet.")
        return
    table = Table(title=f"{plural(len(views), 'motion')} in {summary.name}", title_justify="left")
    for header in ("motion", "proposal", "cause", "raised\ndeadline"):
        table.add_column(header, no_wrap=header != "proposal")
    for header in ("for", "against", "voters", "quorum"):
        table.add_column(header, justify="right")
    table.add_column("outcome")
    leave_out_first(table, "quorum", "voters", "cause", "raised deadline", "against", "for")
    for v in views:
        table.add_row(
            str(v.motion_id)[:SHORT_ID],
            _what(v, names),
            v.cause.value if v.cause else "",
            f"{day_of(v.raised_at)}\n{day_of(v.deadline)}",
            str(v.tally.in_favour),
            str(v.tally.against),
            str(v.tally.electorate),
            str(v.tally.quorum_needed),
            v.outcome,
        )
    console.print(table)
    console.print(
        Text("`peernet motion ID` shows one motion; the first characters of its id do", "dim")
    )
    if any(v.ballots is None for v in views):
        console.print(_hidden_note(who, summary.name))
        return
    console.print(Text(f"ballots, as {reader_label(who)} may see", style="bold"))
    for v in views:
        voted: dict[bool, list[str]] = {True: [], False: []}
        for voter, in_favour in v.ballots or ():
            voted[in_favour].append(names[voter])
        console.print(
            f"{str(v.motion_id)[:SHORT_ID]}  for: {', '.join(voted[True]) or 'nobody'}; "
            f"against: {', '.join(voted[False]) or 'nobody'}"
        )
