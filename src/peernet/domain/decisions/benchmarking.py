"""Outside benchmarking: members opt into the network's provider (free until the
network charter's `benchmarking_mandatory_from`, required after), and the staff import
industry reference figures by source and quarter."""

from collections.abc import Iterator
from typing import Any

from peernet.domain import governance
from peernet.domain.common import Command, Event, carry, check_forward
from peernet.domain.companies import BenchmarkingOptedIn, OptIntoBenchmarking
from peernet.domain.decisions import Decider
from peernet.domain.errors import InvalidValue
from peernet.domain.financials import normal_quarter
from peernet.domain.governance import ImportReferenceFigures, ReferenceFiguresImported
from peernet.domain.situation import Ref, Situation


def _opt_needs(command: OptIntoBenchmarking, _: Situation) -> Iterator[Ref]:
    yield Ref.company(command.company_id)
    yield Ref.network()


def _opt_in(situation: Situation, command: OptIntoBenchmarking) -> list[Event]:
    """A company opts in once, to the provider the network charter names (any, when it
    names none)."""
    company = situation.company(command.company_id)
    check_forward(company, command.at)
    named = situation.network_charter(command.at).benchmarking_provider
    if named and command.provider.strip().casefold() != named.strip().casefold():
        raise InvalidValue(
            f"the network benchmarks with {named}, not {command.provider}", field="provider"
        )
    if company.benchmarking is not None:
        return []
    return [carry(BenchmarkingOptedIn, command, provider=command.provider.strip())]


def _import(situation: Situation, command: ImportReferenceFigures) -> list[Event]:
    network = governance.require(situation.network())
    governance.act_for_network(network, command.actor, command.at)
    check_forward(network, command.at)
    quarter = normal_quarter(command.quarter)
    if not command.figures:
        raise InvalidValue("an import holds at least one figure", field="figures")
    metrics = [f.metric for f in command.figures]
    if len(set(metrics)) < len(metrics):
        raise InvalidValue("an import holds one figure a metric", field="figures")
    return [
        carry(ReferenceFiguresImported, command, source=command.source.strip(), quarter=quarter)
    ]


def _network(command: ImportReferenceFigures, _: Situation) -> Iterator[Ref]:
    yield Ref.network()


DECIDERS: dict[type[Command], Decider[Any]] = {
    OptIntoBenchmarking: Decider(_opt_needs, _opt_in),
    ImportReferenceFigures: Decider(_network, _import),
}
