"""peernet's pure core: one module per aggregate, each with its commands, events, state,
`INITIAL`, `decide` and `evolve`. Imports the standard library, attrs and itself only;
never a clock, randomness or I/O (a test enforces it), so every replay is exact.
"""
