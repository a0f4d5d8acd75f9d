"""Industry reference figures from a CSV file: one row a metric, with its quartiles,
as an outside benchmarking provider publishes them::

    metric,lower_quartile,median,upper_quartile
    ebitda_pct,0.04,0.09,0.15

The metrics are peernet's (`peernet.projections.financials.METRICS`); a bad row is one
`InvalidValue` naming its line. Python's `csv` reads the file: the format is simple
enough that a library of our own would add nothing.
"""

import csv
import io
from decimal import Decimal, InvalidOperation

from peernet.domain.errors import InvalidValue
from peernet.domain.governance import ReferenceFigure
from peernet.projections.financials import METRICS

COLUMNS = ("metric", "lower_quartile", "median", "upper_quartile")


def read_reference_figures(text: str) -> tuple[ReferenceFigure, ...]:
    """The figures of a CSV text with the header `COLUMNS`."""
    rows = csv.DictReader(io.StringIO(text))
    if rows.fieldnames is None or tuple(f.strip() for f in rows.fieldnames) != COLUMNS:
        raise InvalidValue(f"a reference file's header is {','.join(COLUMNS)}")
    figures = []
    for line, row in enumerate(rows, start=2):
        metric = (row.get("metric") or "").strip().casefold()
        if metric not in METRICS:
            raise InvalidValue(
                f"line {line}: {metric!r} is not one of the metrics: {', '.join(METRICS)}"
            )
        try:
            values = [Decimal((row.get(c) or "").strip()) for c in COLUMNS[1:]]
        except InvalidOperation:
            raise InvalidValue(f"line {line}: quartiles are numbers") from None
        try:
            figures.append(
                ReferenceFigure(metric=metric, **dict(zip(COLUMNS[1:], values, strict=True)))
            )
        except InvalidValue as error:
            raise InvalidValue(f"line {line}: {error}") from None
    return tuple(figures)
