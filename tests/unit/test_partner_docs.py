"""docs/partners.md names every network charter parameter with its default, as
docs/rules.md does for a group's charter."""

import re
from fractions import Fraction
from pathlib import Path

import attrs

from peernet import Band, NetworkCharter

PAGE = Path(__file__).resolve().parents[2] / "docs" / "partners.md"


def shown(value: object) -> str:
    """How the page writes a default: a fraction as n/d, a band by its thresholds."""
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}" if value.denominator != 1 else str(value)
    if isinstance(value, Band):
        return f"green {shown(value.green)}, amber {shown(value.amber)}"
    return str(value)


def test_every_network_charter_parameter_is_in_the_partners_page_with_its_default() -> None:
    """Each field has a table row starting with its name in backticks, and its default."""
    text = PAGE.read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\w+)` \|.*$", text, re.MULTILINE)}
    charter = NetworkCharter()

    wrong = [
        f.name
        for f in attrs.fields(NetworkCharter)
        if shown(getattr(charter, f.name)) not in rows.get(f.name, "")
    ]

    assert [] == wrong
