"""What an app around peernet relies on, on every backend: one Network shared by threads
loses and duplicates nothing; AsyncNetwork gives asyncio callers the same answers and
errors without blocking the loop; commands and queries log structured fields and, when
instrumented, make OpenTelemetry spans."""

import asyncio
import logging
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from peernet import (
    ApplyForMembership,
    AsyncNetwork,
    CompanyAlreadyRegistered,
    CompanyRegistered,
    FormGroup,
    Network,
    RegisterCompany,
    instrument,
    uninstrument,
)
from peernet.adapters.readmodels import ReadModels
from peernet.testing import T0, profile, some_id

OpenNetwork = Callable[..., Network]
THREADS = 6
EACH = 15


def registration(i: int) -> RegisterCompany:
    return RegisterCompany(
        company_id=some_id(f"company {i}"),
        profile=profile(f"Co {i}", region=f"r{i}"),
        actor="web",
        at=T0,
        command_id=some_id(f"command {i}"),
    )


def test_one_network_shared_by_threads_loses_and_duplicates_nothing(
    store_url: str, open_network: OpenNetwork
) -> None:
    """Writers (each command sent twice, as a retrying web client does) and readers
    hammer one Network; afterwards the log holds each command's events exactly once,
    every stream's versions run 1, 2, 3... and every chain verifies."""
    network = open_network(store_url)
    group = some_id("group")
    network.execute(FormGroup(group_id=group, name="G", actor="web", at=T0))
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS * 2)

    def write(t: int) -> None:
        start.wait()
        for i in range(t * EACH, (t + 1) * EACH):
            for _ in range(2):
                network.execute(registration(i))
            network.execute(
                ApplyForMembership(
                    company_id=some_id(f"company {i}"), group_id=group, actor="web", at=T0
                )
            )

    def read(t: int) -> None:
        start.wait()
        for _ in range(EACH):
            network.companies()
            network.roster(group)
            network.companies_page(limit=5)

    def guarded(work: Callable[[int], None], t: int) -> None:
        try:
            work(t)
        except BaseException as error:  # reported by the test below
            errors.append(error)

    threads = [
        threading.Thread(target=guarded, args=(work, t))
        for t in range(THREADS)
        for work in (write, read)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = list(network.recorded())
    registered = Counter(
        r.event.company_id for r in records if isinstance(r.event, CompanyRegistered)
    )
    versions: dict[object, list[int]] = {}
    for r in records:
        versions.setdefault(r.stream_id, []).append(r.version)

    assert [] == errors
    assert {some_id(f"company {i}"): 1 for i in range(THREADS * EACH)} == dict(registered)
    assert all(v == list(range(1, len(v) + 1)) for v in versions.values())
    assert THREADS * EACH == len(network.roster(group).waitlist) + len(network.roster(group).offers)
    assert network.verify().ok


def test_async_callers_get_the_same_answers_and_errors(store_url: str) -> None:
    """Awaited commands and queries answer as Network does; a refusal is the same error."""

    async def main() -> tuple[object, ...]:
        async with await AsyncNetwork.open(store_url) as network:
            recorded = await network.execute(registration(1))
            company = await network.company(some_id("company 1"))
            streamed = [r async for r in network.recorded()]
            page = await network.companies_page(limit=1)
            with pytest.raises(CompanyAlreadyRegistered) as refused:
                await network.execute(registered_again())
            return recorded, company, streamed, page, refused.value.rule

    recorded, company, streamed, page, rule = asyncio.run(main())

    assert list(recorded) == streamed  # type: ignore[call-overload]
    assert some_id("company 1") == company.company_id  # type: ignore[attr-defined]
    assert [company] == list(page)  # type: ignore[call-overload]
    assert "unique_company_id" == rule


def test_the_event_loop_runs_while_a_command_works(store_url: str) -> None:
    """A command's work (here, its clock) waits for a coroutine on the loop to run: on the
    loop's own thread it would wait forever; offloaded, the coroutine runs and it ends."""
    ran_on_the_loop = threading.Event()

    def clock() -> datetime:
        if not ran_on_the_loop.wait(timeout=10):
            raise TimeoutError("the event loop was blocked while the command worked")
        return datetime.now(UTC)

    async def tick() -> None:
        await asyncio.sleep(0.01)
        ran_on_the_loop.set()

    async def main() -> int:
        network = AsyncNetwork(Network(store_url, clock=clock))
        try:
            recorded, _ = await asyncio.gather(network.execute(registration(1)), tick())
        finally:
            await network.aclose()
        return len(recorded)

    assert 1 == asyncio.run(main())


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrument(tracer_provider=provider)
    yield exporter
    uninstrument()


def registered_again() -> RegisterCompany:
    """Company 1 registered a second time, under a new command: refused."""
    return RegisterCompany(
        company_id=some_id("company 1"), profile=profile("Co 1", region="r1"), actor="web", at=T0
    )


def test_commands_queries_catch_ups_and_rebuilds_make_spans(
    store_url: str, open_network: OpenNetwork, spans: InMemorySpanExporter
) -> None:
    """Each gets a span named for it, with the command, its ids and the events written; a
    refusal's span carries the rule and an error status."""
    network = open_network(store_url)
    network.execute(registration(1))
    network.company(some_id("company 1"))
    with pytest.raises(CompanyAlreadyRegistered):
        network.execute(registered_again())
    models = ReadModels(network)
    models.rebuild()
    models.catch_up()
    done = spans.get_finished_spans()
    names = [s.name for s in done]
    written, refused = [s.attributes or {} for s in done if s.name.endswith("RegisterCompany")]

    assert (str(some_id("company 1")), 1) == (
        written["peernet.company_id"],
        written["peernet.events"],
    )
    assert ("unique_company_id", "ERROR") == (
        refused["peernet.rule"],
        [s for s in done if s.name.endswith("RegisterCompany")][1].status.status_code.name,
    )
    assert {"peernet.query company", "peernet.catch_up read models"} <= set(names)
    assert any(n.startswith("peernet.rebuild ") for n in names)


def test_catching_up_on_another_writer_makes_a_span(
    durable_url: str, open_network: OpenNetwork, spans: InMemorySpanExporter
) -> None:
    """A query that first reads what another process wrote shows the catch-up."""
    network = open_network(durable_url)
    network.companies()
    open_network(durable_url).execute(registration(2))

    network.company(some_id("company 2"))

    caught = [s for s in spans.get_finished_spans() if s.name == "peernet.catch_up replica"]
    assert 1 == len(caught)


def test_a_command_logs_one_line_with_structured_fields(
    store_url: str, open_network: OpenNetwork, caplog: pytest.LogCaptureFixture
) -> None:
    """INFO on peernet.application.commands: command, ids, events written, duration."""
    network = open_network(store_url)
    with caplog.at_level(logging.INFO, logger="peernet.application.commands"):
        network.execute(registration(1))
    line = next(r for r in caplog.records if getattr(r, "command", None) == "RegisterCompany")

    assert (str(some_id("company 1")), 1, "web") == (
        line.company_id,  # type: ignore[attr-defined]
        line.events,  # type: ignore[attr-defined]
        line.actor,  # type: ignore[attr-defined]
    )
    assert line.duration_ms >= 0  # type: ignore[attr-defined]


def test_opentelemetry_is_not_imported_unless_asked_for() -> None:
    """Telemetry off is free: a process that runs commands never imports opentelemetry."""
    code = (
        "import sys, peernet\n"
        "from peernet.testing import T0, profile\n"
        "n = peernet.Network('memory://')\n"
        "n.execute(peernet.RegisterCompany(profile=profile('A'), actor='a', at=T0))\n"
        "n.companies()\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    said = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert "[]" == said.stdout.strip()
