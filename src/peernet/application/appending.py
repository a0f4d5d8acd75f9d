"""One write of the command side: the records that commands decided, encoded, chained
and appended in one transaction with their ledger entries and the links they add, then
folded into the replica as decided (nothing is decoded back)."""

import attrs
from eventsourcing.persistence import StoredEvent, Tracking

from peernet.adapters import subscriptions
from peernet.adapters.recorders import Indexed
from peernet.application.ledger import Stamped
from peernet.application.replica import Replica
from peernet.application.store import Store
from peernet.domain.links import links_of
from peernet.records import Recorded


def append(
    store: Store,
    replica: Replica,
    stamped: list[Stamped],
    tracking: Tracking | None = None,
    after: int | None = None,
) -> tuple[tuple[Recorded, ...], ...]:
    """Encode and chain the records of one write, and append them, each command's
    events before its ledger entry, in one transaction; the replica folds what was
    decided (with the chain and position it was stored with), nothing decoded back."""
    codec = store.codec
    new = [r for one in stamped if not one.done for r in one.records]
    linked = iter(codec.encode_links(new, replica.chain_before))
    stored: list[StoredEvent] = []
    links: list[Indexed] = []  # written with the events (`peernet.adapters.links`)
    chains: list[list[str]] = []  # the chain of each new record, by command
    for one in stamped:
        if one.done:
            continue
        mine = [next(linked) for _ in one.records]
        links.extend(
            (len(stored) + i, k) for i, r in enumerate(one.records) for k in links_of(r.event)
        )
        stored.extend(sealed for sealed, _ in mine)
        chains.append([chain for _, chain in mine])
        if one.ledger is not None:
            stored.append(codec.encode(one.ledger))
    if not stored and tracking is None:
        return tuple(tuple(one.records) for one in stamped)  # all handled before
    where = {} if after is None else {"after": after}
    positions = list(
        store.recorder.insert_events(stored, tracking=tracking, links=links, **where) or ()
    )
    subscriptions.wrote(store.recorder)
    at, by_command = iter(positions), iter(chains)
    written: list[tuple[Recorded, ...]] = []
    for one in stamped:
        if one.done:
            written.append(tuple(one.records))
            continue
        written.append(
            tuple(
                attrs.evolve(r, chain=chain, position=next(at, None))
                for r, chain in zip(one.records, next(by_command), strict=True)
            )
        )
        if one.ledger is not None:
            next(at, None)
    replica.remember(
        [r for one, mine in zip(stamped, written, strict=True) if not one.done for r in mine]
    )
    replica.wrote(positions)
    return tuple(written)
