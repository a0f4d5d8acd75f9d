"""Outside benchmarking as a reader sees it: who opted in against who must, and an
outside provider's industry quartiles beside the network's and a group's medians."""

from datetime import date
from fractions import Fraction
from uuid import UUID

import attrs

from peernet.domain.governance import ReferenceFiguresImported
from peernet.projections.financials import Benchmarks


@attrs.frozen(kw_only=True)
class BenchmarkingView:
    """The network's opt-ins on a day: `members` active member companies, `opted_in` of
    them opted in; once opting in is mandatory, those who have not are `missing`."""

    on: date
    provider: str
    mandatory_from: date | None
    members: int
    opted_in: int
    missing: tuple[UUID, ...]

    @property
    def mandatory(self) -> bool:
        return self.mandatory_from is not None and self.on >= self.mandatory_from

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.opted_in, self.members) if self.members else None


@attrs.frozen(kw_only=True)
class ReferenceLine:
    """One metric: the outside quartiles, the network's median (None when withheld) and
    the group's (None without a group)."""

    metric: str
    lower_quartile: Fraction
    median: Fraction
    upper_quartile: Fraction
    network_median: Fraction | None
    group_median: Fraction | None


@attrs.frozen(kw_only=True)
class ReferenceComparison:
    source: str
    quarter: str
    group_id: UUID | None
    lines: tuple[ReferenceLine, ...]


def compare(imported: ReferenceFiguresImported, ours: Benchmarks) -> ReferenceComparison:
    """The imported figures beside the network's and the group's medians, metric by metric."""
    lines = []
    for figure in imported.figures:
        found = [m for m in ours.metrics if m.metric == figure.metric]
        lines.append(
            ReferenceLine(
                metric=figure.metric,
                lower_quartile=Fraction(figure.lower_quartile),
                median=Fraction(figure.median),
                upper_quartile=Fraction(figure.upper_quartile),
                network_median=found[0].network.value if found else None,
                group_median=found[0].group_median if found else None,
            )
        )
    return ReferenceComparison(
        source=imported.source,
        quarter=imported.quarter,
        group_id=UUID(ours.group_id) if ours.group_id else None,
        lines=tuple(lines),
    )
