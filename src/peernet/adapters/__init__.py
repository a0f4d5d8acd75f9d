"""Everything that touches the outside: wire format, storage, command line."""

# The upcasters of peernet's events register themselves with the codec on import, so
# every reader of a store (the facade, the audit, the view recorders) knows them.
from peernet.adapters import upcasters as upcasters
