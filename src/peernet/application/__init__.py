"""The application layer: `Network`, the one facade an embedding app uses, composed of
the store, the command side and the queries (see `peernet.application.network`)."""

from peernet.adapters.errors import CommandIdReused, ConcurrencyConflict
from peernet.application.ledger import digest, ledger_id
from peernet.application.network import Network

__all__ = ["CommandIdReused", "ConcurrencyConflict", "Network", "digest", "ledger_id"]
