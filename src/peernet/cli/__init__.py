"""The `peernet` command line: build the demo network, list groups and companies, read a
roster, a group's goals, motions, meetings, accounts, financials and reports, audit the
record, forget a company.

Exit codes: 0 success; 1 a rule refused (`RuleViolation`); 2 bad input (an unknown group
or company, a bad store URL, a store that cannot be read) or a usage error; 3 an
unexpected failure (a bug; set PEERNET_DEBUG=1 to see the traceback). Every error is one
line on stderr, starting with ``peernet: error:``.

The store is `--db URL`, else the PEERNET_DB environment variable, else
``sqlite:///peernet.db`` in the working directory. This package (with the demo's story
printer it calls) is the one part of peernet that prints.

One module per area (`directory`, `accountability`, `meetings`, `financials`, `reports`,
`projections`, `audit`, `privacy`, `demo`), all sharing the public helpers of
`peernet.cli.options`; `peernet.cli.app` assembles the root group from them.
"""

from peernet.cli.app import PeerNetGroup, cli, main

__all__ = ["PeerNetGroup", "cli", "main"]
