"""Auditing a network: views as they were (`replay`), the audit trail (`trail`) and
tamper evidence (`verify`). The facade's `roster(as_of=, known_at=)`, `history`, `trail`
and `verify` are the way in; this package holds their values and exports."""

from peernet.audit.replay import Bound
from peernet.audit.trail import AuditEntry, write_csv, write_jsonl
from peernet.audit.verify import Fault, Tampering, Verification

__all__ = [
    "AuditEntry",
    "Bound",
    "Fault",
    "Tampering",
    "Verification",
    "write_csv",
    "write_jsonl",
]
