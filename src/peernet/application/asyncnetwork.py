"""`AsyncNetwork`: the facade for apps on asyncio (Starlette, FastAPI, aiohttp), with the
same commands, queries and errors as `Network`, never blocking the event loop.

Every call runs on a worker thread of the network's own (one per store: the facade does
its work under one lock anyway, so more threads would only queue), through
`loop.run_in_executor`; the caller awaits the result, or the very error `Network` would
have raised. Commands are the exception when the network groups commits (its default):
each `execute` waits on a thread of a pool of their own, so that tasks executing at the
same time queue together and share one commit (`peernet.application.groupcommit`).
Queries that stream (`recorded`, `notifications`, `trail`) become async iterators, read
from the worker a chunk at a time. eventsourcing's recorders are synchronous (sqlite3,
psycopg's blocking pool), so a thread is how they stay off the loop.

    network = await AsyncNetwork.open("sqlite:///peernet.db")
    recorded = await network.execute(RegisterCompany(...))
    roster = await network.roster(group_id)
    await network.aclose()

Any public method of `Network` not named here (a query added later) is offloaded the same
way through `__getattr__`.
"""

import functools
import itertools
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from peernet.application.commands import GROUP_LIMIT
from peernet.application.network import Network

if TYPE_CHECKING:
    import asyncio

P = ParamSpec("P")
R = TypeVar("R")
Y = TypeVar("Y")
#: how many items of a stream are read from the worker at a time
CHUNK = 256


class _Offloaded(Generic[P, R]):
    """A method of `Network`, run on the worker thread and awaited. The method is looked
    up on the network at each call (telemetry swaps traced queries in and out)."""

    def __init__(
        self, method: Callable[Concatenate[Network, P], R], *, command: bool = False
    ) -> None:
        self.name = method.__name__
        self.command = command  # run on the pool of committing threads
        functools.update_wrapper(self, method)  # type: ignore[arg-type]

    @overload
    def __get__(self, owner: None, cls: type) -> "_Offloaded[P, R]": ...

    @overload
    def __get__(self, owner: "AsyncNetwork", cls: type) -> Callable[P, Coroutine[Any, Any, R]]: ...

    def __get__(self, owner: "AsyncNetwork | None", cls: type) -> Any:
        if owner is None:
            return self
        name, run = self.name, owner.run_command if self.command else owner.run

        async def offloaded(*args: P.args, **kwargs: P.kwargs) -> R:
            method: Callable[P, R] = getattr(owner.network, name)
            return await run(method, *args, **kwargs)

        return offloaded


class _Streamed(Generic[P, Y]):
    """A streaming method of `Network`, read from the worker thread a chunk at a time."""

    def __init__(self, method: Callable[Concatenate[Network, P], Iterator[Y]]) -> None:
        self.method = method
        functools.update_wrapper(self, method)  # type: ignore[arg-type]

    @overload
    def __get__(self, owner: None, cls: type) -> "_Streamed[P, Y]": ...

    @overload
    def __get__(self, owner: "AsyncNetwork", cls: type) -> Callable[P, AsyncIterator[Y]]: ...

    def __get__(self, owner: "AsyncNetwork | None", cls: type) -> Any:
        if owner is None:
            return self
        method = self.method

        async def streamed(*args: P.args, **kwargs: P.kwargs) -> AsyncIterator[Y]:
            items = await owner.run(lambda: iter(method(owner.network, *args, **kwargs)))
            while chunk := await owner.run(lambda: list(itertools.islice(items, CHUNK))):
                for item in chunk:
                    yield item

        return streamed


def _running_loop() -> "asyncio.AbstractEventLoop":
    """The caller's event loop. asyncio is imported here rather than with peernet: whoever
    awaits an `AsyncNetwork` has imported it already, and an app that never does (and
    `import peernet`) is spared its import."""
    import asyncio  # noqa: PLC0415 - see the docstring

    return asyncio.get_running_loop()


class AsyncNetwork:
    """A `Network` for asyncio callers: `await` every command and query (see the module's
    docstring). Make one with `await AsyncNetwork.open(url, ...)`, or wrap a `Network`
    already open; close it with `await aclose()` or ``async with``."""

    def __init__(self, network: Network) -> None:
        if not isinstance(network, Network):
            raise TypeError(f"AsyncNetwork wraps a Network, not {network!r}")
        self.network = network
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="peernet-store")
        #: where `execute` waits: as many threads as a group commit carries commands
        self._committers = (
            ThreadPoolExecutor(max_workers=GROUP_LIMIT, thread_name_prefix="peernet-commit")
            if network.group_commit
            else self._worker
        )

    @classmethod
    async def open(cls, url: str | None = None, **options: Any) -> "AsyncNetwork":
        """Open the store at `url` (as `Network(url, **options)` does) off the loop."""
        network = await _running_loop().run_in_executor(
            None, functools.partial(Network, url, **options)
        )
        return cls(network)

    async def run(self, work: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Run `work(*args, **kwargs)` on the network's worker thread and await it."""
        return await _running_loop().run_in_executor(
            self._worker, functools.partial(work, *args, **kwargs)
        )

    async def run_command(self, work: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Run `work(*args, **kwargs)` on a thread of the committing pool and await it."""
        return await _running_loop().run_in_executor(
            self._committers, functools.partial(work, *args, **kwargs)
        )

    async def aclose(self) -> None:
        """Close the store and the worker threads."""
        await self.run(self.network.close)
        self._worker.shutdown(wait=False)
        self._committers.shutdown(wait=False)

    async def __aenter__(self) -> "AsyncNetwork":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __getattr__(self, name: str) -> Any:
        """Any other public method of `Network`, offloaded the same way."""
        if name.startswith("_"):
            raise AttributeError(name)
        found = getattr(self.network, name)
        if not callable(found):
            return found

        async def offloaded(*args: Any, **kwargs: Any) -> Any:
            return await self.run(found, *args, **kwargs)

        return offloaded

    def __repr__(self) -> str:
        return f"Async{self.network!r}"

    # the commands
    execute = _Offloaded(Network.execute, command=True)
    execute_many = _Offloaded(Network.execute_many)
    # who is where
    groups = _Offloaded(Network.groups)
    roster = _Offloaded(Network.roster)
    history = _Offloaded(Network.history)
    company = _Offloaded(Network.company)
    companies = _Offloaded(Network.companies)
    membership = _Offloaded(Network.membership)
    # holding members to account
    goal = _Offloaded(Network.goal)
    group_goals = _Offloaded(Network.group_goals)
    goal_record = _Offloaded(Network.goal_record)
    motion = _Offloaded(Network.motion)
    group_motions = _Offloaded(Network.group_motions)
    # meetings and money
    meeting = _Offloaded(Network.meeting)
    group_meetings = _Offloaded(Network.group_meetings)
    gathering = _Offloaded(Network.gathering)
    gatherings = _Offloaded(Network.gatherings)
    account = _Offloaded(Network.account)
    # open books
    benchmarks = _Offloaded(Network.benchmarks)
    financial_review = _Offloaded(Network.financial_review)
    # pages
    companies_page = _Offloaded(Network.companies_page)
    meetings_page = _Offloaded(Network.meetings_page)
    trail_page = _Offloaded(Network.trail_page)
    # audits
    stored = _Offloaded(Network.stored)
    verify = _Offloaded(Network.verify)
    recorded = _Streamed(Network.recorded)
    notifications = _Streamed(Network.notifications)
    trail = _Streamed(Network.trail)
