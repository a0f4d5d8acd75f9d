"""The demo's stored record, pinned: a change to the code around the core must not change
one byte of what peernet stores for the same story.

The digest covers every stored event in log order (command ledger included): its topic,
stream, version and state, leaving out only what depends on the clock (the recording
time) and what is computed over it (the chain). A change that is meant to change the
record (a new event in the story, a schema change) updates `DEMO_DIGEST` in the same
commit, and says why in CHANGELOG.md.
"""

import hashlib

import orjson

from peernet import Network
from peernet.demo import build_demo

#: sha256 of the demo's record (seed 2001, 2001-2009), as described above
DEMO_DIGEST = "be05e3ae5cbb77d965a24d0f3daff9e8f4a076a9a0e0d85beac6bbadc73868af"
#: what the digest leaves out of each event's state: set by the clock, or computed over it
CLOCK_DEPENDENT = ("recorded_at", "chain")


def record_digest(network: Network) -> tuple[str, int]:
    """The digest of every stored event, and how many there are."""
    digest = hashlib.sha256()
    count = 0
    after = 0
    while True:
        page = network.recorder.select_notifications(
            start=after, limit=1000, inclusive_of_start=False
        )
        for stored in page:
            state = orjson.loads(network.codec.plain(stored))
            for key in CLOCK_DEPENDENT:
                state.pop(key, None)
            digest.update(
                orjson.dumps(
                    [stored.topic, str(stored.originator_id), stored.originator_version, state],
                    option=orjson.OPT_SORT_KEYS,
                )
            )
            count += 1
        if len(page) < 1000:
            return digest.hexdigest(), count
        after = page[-1].id


def test_the_demo_records_exactly_what_it_always_has() -> None:
    """Same seed, same code path: the same topics, streams, versions and states."""
    network = Network("memory://")
    build_demo(network)

    assert DEMO_DIGEST == record_digest(network)[0]
