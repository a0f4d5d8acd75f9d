"""The decisions that keep the network's rules: one module per consistency rule.

Each command has a `Decider`: `needs(command, situation)` names the streams the rule
reads, given what is loaded so far, and `decide(situation, command)` returns the events
to record (across streams, written in one transaction) or raises the refusal. Each
module keeps a table `DECIDERS` of its commands; `peernet.domain.network` joins them.

- `registry`: companies and groups come into being, change, and are forgotten;
- `seats`: who gets a seat (capacity, non-compete, one core group, the wait-list), and
  every departure, acquisition, charter change and graduation that frees one;
- `accountability`: goals set, revised, reported on and decided when due;
- `votes`: motions raised, ballots cast, outcomes and what a carried motion does;
- `sessions`: meetings and gatherings, their rolls and costs, and their close;
- `dues`: monthly dues charged once per member and month, and payments;
- `books`: quarterly financials and the mandatory close of a quarter.

Pure: the standard library, attrs and sibling domain modules.
"""

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

import attrs

from peernet.domain.common import Command, Event
from peernet.domain.situation import Ref, Situation

C = TypeVar("C", bound=Command)


def nothing(command: Any, situation: Situation) -> Iterable[Ref]:
    """The needs of a decision that reads only what its command creates."""
    return ()


@attrs.frozen
class Decider(Generic[C]):
    """One command's rule: what it reads (`needs`) and what it records (`decide`)."""

    needs: Callable[[C, Situation], Iterable[Ref]]
    decide: Callable[[Situation, C], list[Event]]
