"""Everything that touches the outside: wire format, storage, command line."""
