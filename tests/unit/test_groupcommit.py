"""`GroupCommit`: callers that queue while a group runs are run together in the next one,
each answered on its own; a lone caller runs at once."""

import signal
import threading
import time
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given, settings, strategies as st

from peernet.application.groupcommit import GroupCommit

WAIT = 120  # seconds: a generous bound for slow machines, never reached when all is well


class Refused(Exception):
    """The answer meant for one caller only."""


class Work:
    """A group's work that remembers its groups; the first group it runs waits until it
    is let go, so that the callers after it queue up."""

    def __init__(self, answer: Callable[[int], int | Exception] = lambda n: n * 10) -> None:
        self.answer = answer
        self.groups: list[list[int]] = []
        self.go = threading.Event()

    def __call__(self, items: list[int]) -> Sequence[int | Exception]:
        self.groups.append(items)
        if len(self.groups) == 1:
            assert self.go.wait(timeout=WAIT)
        if any(item < 0 for item in items):
            raise OSError("the disk is full")
        return [self.answer(item) for item in items]


def callers(commit: GroupCommit[int, int], items: Sequence[int]) -> list[int | BaseException]:
    """Submit `items[0]`, then, while its group runs, the rest, each from a thread of its
    own, one after the other in the queue; what each got."""
    got: list[int | BaseException | None] = [None] * len(items)

    def submit(i: int) -> None:
        try:
            got[i] = commit.submit(items[i])
        except Exception as error:  # each caller's own answer, checked by the test
            got[i] = error

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(items))]
    threads[0].start()
    for queued, thread in enumerate(threads[1:], start=1):
        thread.start()
        until(lambda q=queued: commit.waiting == q)  # type: ignore[misc]
    assert isinstance(commit.work, Work)
    commit.work.go.set()
    for thread in threads:
        thread.join(timeout=WAIT)
    return [g for g in got if g is not None]


def until(condition: Callable[[], bool]) -> None:
    """Wait for `condition`, polling (never timed: WAIT only stops a hung test)."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.001)


def test_a_lone_caller_runs_at_once_in_a_group_of_its_own() -> None:
    """Nobody else is queued: the caller leads a group of one and gets its answer."""
    work = Work()
    work.go.set()
    commit = GroupCommit(work, limit=8)

    assert (70, [[7]]) == (commit.submit(7), work.groups)


def test_callers_queued_while_a_group_runs_share_the_next_group_in_their_order() -> None:
    """Four callers queue behind a running group: the next group holds all four."""
    work = Work()
    commit = GroupCommit(work, limit=8)

    got = callers(commit, [1, 2, 3, 4, 5])

    assert ([10, 20, 30, 40, 50], [[1], [2, 3, 4, 5]]) == (got, work.groups)


def test_a_group_carries_at_most_its_limit() -> None:
    """Seven callers behind a running group, a limit of three: groups of 3, 3 and 1."""
    work = Work()
    commit = GroupCommit(work, limit=3)

    got = callers(commit, list(range(1, 9)))

    assert [n * 10 for n in range(1, 9)] == got
    assert [[1], [2, 3, 4], [5, 6, 7], [8]] == work.groups


def test_an_answer_meant_for_one_caller_reaches_that_caller_only() -> None:
    """The work refuses one item of a group: its caller raises, the others get theirs."""
    work = Work(answer=lambda n: Refused(n) if n == 3 else n)
    commit = GroupCommit(work, limit=8)

    got = callers(commit, [1, 2, 3, 4])

    assert [1, 2, "Refused", 4] == [
        type(g).__name__ if isinstance(g, Exception) else g for g in got
    ]


def test_work_that_fails_reaches_every_caller_of_its_group_and_no_other() -> None:
    """The group holding a failing item fails whole; the groups before and after run."""
    work = Work()
    commit = GroupCommit(work, limit=2)

    got = callers(commit, [1, 2, -3, 4, 5])

    assert [[1], [2, -3], [4, 5]] == work.groups
    assert [10, "OSError", "OSError", 40, 50] == [
        type(g).__name__ if isinstance(g, Exception) else g for g in got
    ]


def test_a_limit_below_one_is_refused() -> None:
    """A group carries at least one item."""
    with pytest.raises(ValueError, match="at least one"):
        GroupCommit(Work(), limit=0)


@settings(max_examples=25, deadline=None)
@given(
    items=st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=12),
    limit=st.integers(min_value=1, max_value=6),
)
def test_every_caller_gets_its_own_answer_from_exactly_one_group(
    items: list[int], limit: int
) -> None:
    """Whatever the callers and the limit: each item runs in exactly one group, in the
    order the callers queued, no group past the limit, and each caller gets its answer."""
    work = Work()
    commit = GroupCommit(work, limit=limit)

    got = callers(commit, items)

    assert [n * 10 for n in items] == got
    assert items == [item for group in work.groups for item in group]
    assert all(1 <= len(group) <= limit for group in work.groups)


class Interrupted(Exception):
    """What a signal raises in the main thread, as Ctrl-C raises KeyboardInterrupt."""


def test_a_caller_interrupted_while_it_waits_leaves_its_item_unrun_and_nobody_stuck() -> None:
    """The main thread queues behind a running group and is interrupted while it waits:
    it raises, its item never runs, and the next caller is not left waiting for it."""
    work = Work()
    commit = GroupCommit(work, limit=8)
    leader = threading.Thread(target=commit.submit, args=(1,))

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGUSR1, interrupt)
    try:
        leader.start()
        until(lambda: work.groups == [[1]])
        main = threading.get_ident()

        def poke_main() -> None:
            until(lambda: commit.waiting == 1)
            signal.pthread_kill(main, signal.SIGUSR1)

        poke = threading.Thread(target=poke_main)
        poke.start()
        with pytest.raises(Interrupted):
            commit.submit(2)
        poke.join(timeout=WAIT)
    finally:
        signal.signal(signal.SIGUSR1, previous)
    work.go.set()
    leader.join(timeout=WAIT)

    after: list[int] = []
    later = threading.Thread(target=lambda: after.append(commit.submit(3)), daemon=True)
    later.start()
    later.join(timeout=WAIT)
    assert ([30], [[1], [3]]) == (after, work.groups)
