"""A store URL may trade the last commits before a power loss for speed: every
connection then commits at the level named, and what it records reads as any other."""

from typing import Any

from peernet import FormGroup, Network
from peernet.testing import T0


def _with(url: str, option: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{option}"


def _level(network: Network) -> str:
    """How the store's sessions commit, as the server says."""
    recorder: Any = network.recorder
    sqlite = network.url.startswith("sqlite")
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute("PRAGMA synchronous" if sqlite else "SHOW synchronous_commit")
        row = cursor.fetchone()
    if sqlite:
        return {0: "off", 1: "normal", 2: "full", 3: "extra"}[row[0]]
    return str(row["synchronous_commit"])


def test_a_durability_chosen_in_the_url_holds_for_every_connection(durable_url: str) -> None:
    """synchronous=normal (SQLite) or synchronous_commit=off (PostgreSQL) is what each
    connection commits at, and the default is left as the server has it (FULL, on)."""
    sqlite = durable_url.startswith("sqlite")
    relaxed = _with(durable_url, "synchronous=normal" if sqlite else "synchronous_commit=off")
    formed = FormGroup(name="HTG 1", actor="office", at=T0)

    with Network(relaxed) as network:
        network.execute(formed)
        relaxed_level = _level(network)
    with Network(durable_url) as network:
        default_level = _level(network)
        names = [g.name for g in network.groups()]

    expected = ("normal", "full") if sqlite else ("off", "on")
    assert (expected, ["HTG 1"]) == ((relaxed_level, default_level), names)
