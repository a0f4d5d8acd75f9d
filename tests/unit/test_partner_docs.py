"""Every network charter parameter is named, with its default, in a table of the page
that explains it: docs/governance.md (the network's bodies) or docs/partners.md (the
partner economy), as docs/rules.md does for a group's charter."""

import enum
import re
from fractions import Fraction
from pathlib import Path

import attrs

from peernet import Band, NetworkCharter
from peernet.domain.network_charter import ResolutionKind

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ("governance.md", "partners.md")


def shown(value: object) -> list[str]:
    """The ways a page writes a default: a fraction as n/d, a band by its thresholds,
    nothing as "none", a choice by its value, a list of names joined."""
    if isinstance(value, Fraction):
        return [f"{value.numerator}/{value.denominator}" if value.denominator != 1 else str(value)]
    if isinstance(value, Band):
        return [f"green {shown(value.green)[0]}, amber {shown(value.amber)[0]}"]
    if value is None or value in ("", frozenset()):
        return ["none"]
    if isinstance(value, bool):
        return [f"`{value}`", "on" if value else "off"]
    if isinstance(value, enum.Enum):
        return [str(value.value)]
    if value == tuple(ResolutionKind):
        return ["every `ResolutionKind`"]
    if isinstance(value, tuple):
        return [", ".join(map(str, value))]
    return [str(value)]


def rows() -> dict[str, str]:
    """Each parameter named in the first cell of a table row, with that row."""
    found: dict[str, str] = {}
    for page in PAGES:
        text = (DOCS / page).read_text(encoding="utf-8")
        for row in re.finditer(r"^\| (`\w+`(?:, `\w+`)*) \|.*$", text, re.MULTILINE):
            for name in re.findall(r"`(\w+)`", row.group(1)):
                found[name] = row.group(0)
    return found


def test_every_network_charter_parameter_is_documented_with_its_default() -> None:
    """Each field has a table row naming it, and its default (for a row naming several,
    each of their defaults)."""
    documented, charter = rows(), NetworkCharter()

    wrong = [
        f.name
        for f in attrs.fields(NetworkCharter)
        if not any(s in documented.get(f.name, "") for s in shown(getattr(charter, f.name)))
    ]

    assert [] == wrong
