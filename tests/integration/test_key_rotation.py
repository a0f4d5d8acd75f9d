"""Rotating the master key: every data key is wrapped under the new key in one
transaction, no event is touched; a process killed in the middle leaves a store that opens
with the old key, and rotating again finishes. On every backend."""

import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from peernet import (
    ForgetCompany,
    MasterKeyRotated,
    Network,
    NotEncrypted,
    RegisterCompany,
    SameMasterKey,
    WrongKey,
)
from peernet.adapters.keys import TOMBSTONE, new_key
from peernet.testing import profile, some_id

AT = datetime(2009, 1, 5, tzinfo=UTC)
NAMES = [f"Rotor {i} Networks" for i in range(5)]


def filled(network: Network) -> list[str]:
    """Five companies registered (five data keys), the first one forgotten."""
    for i, name in enumerate(NAMES):
        network.execute(
            RegisterCompany(
                company_id=some_id(name),
                profile=profile(name, region=f"r{i}"),
                actor="office",
                at=AT,
            )
        )
    network.execute(ForgetCompany(company_id=some_id(NAMES[0]), actor="office", at=AT))
    return [c.name for c in network.companies()]


def test_after_rotation_the_store_opens_with_the_new_key_only(
    durable_url: str, open_network: Callable[..., Network]
) -> None:
    """Names read the same under the new key, the old key is WrongKey, the chain and every
    stored byte of every event are unchanged, the tombstone stays a tombstone."""
    old, new = new_key(), new_key()
    network = open_network(durable_url, key=old)
    names = filled(network)
    head = network.verify().head
    states = [n.state for n in network.notifications()]

    rewrapped = network.rotate_key(new)

    reopened = open_network(durable_url, key=new)
    assert 6 == rewrapped  # the check row, four keys and one tombstone
    assert names == [c.name for c in reopened.companies()]
    assert states == [n.state for n in reopened.notifications()]
    assert reopened.verify(expect_head=head).ok
    keys = reopened.codec.keys
    assert keys is not None
    assert TOMBSTONE == keys.table.get(some_id(NAMES[0]))
    with pytest.raises(WrongKey):
        open_network(durable_url, key=old)


def test_the_rotating_network_keeps_working_with_the_new_key(
    store_url: str, open_network: Callable[..., Network]
) -> None:
    """The process that rotated registers a company afterwards; its name reads back."""
    network = open_network(store_url, key=new_key())
    filled(network)
    network.rotate_key(new_key())

    network.execute(
        RegisterCompany(profile=profile("After Rotation", region="x"), actor="office", at=AT)
    )

    assert "After Rotation" in [c.name for c in network.companies()]


def test_a_process_opened_before_the_rotation_cannot_add_a_key_under_the_old_one(
    durable_url: str, open_network: Callable[..., Network]
) -> None:
    """It would wrap a new data key under a master key the store no longer opens with:
    MasterKeyRotated, and nothing is recorded."""
    old = new_key()
    early = open_network(durable_url, key=old)
    filled(early)
    open_network(durable_url, key=old).rotate_key(new_key())
    head = early.recorder.max_notification_id()

    with pytest.raises(MasterKeyRotated):
        early.execute(RegisterCompany(profile=profile("Too Late", region="y"), actor="o", at=AT))
    assert head == early.recorder.max_notification_id()


def test_rotating_to_the_same_key_or_without_encryption_is_refused(
    store_url: str, open_network: Callable[..., Network], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SameMasterKey; NotEncrypted on a store kept in the clear."""
    monkeypatch.delenv("PEERNET_KEY", raising=False)
    key = new_key()
    encrypted = open_network(store_url, key=key)

    with pytest.raises(SameMasterKey):
        encrypted.rotate_key(key)
    with pytest.raises(NotEncrypted):
        open_network("memory://").rotate_key(new_key())


CRASHING = textwrap.dedent(
    """
    import os, sys
    from peernet import Network

    url, old, new = sys.argv[1:4]
    network = Network(url, key=old)
    table = network.codec.keys.table
    rewrap = table.rewrap
    seen = []

    def crashing(change, check):
        def dying(company_id, row):
            seen.append(company_id)
            if len(seen) == 3:  # half way through the rows: the process dies
                os._exit(9)
            return change(company_id, row)
        return rewrap(dying, check)

    table.rewrap = crashing
    network.rotate_key(new)
    """
)


def test_a_rotation_killed_half_way_leaves_the_old_key_and_a_rerun_finishes(
    durable_url: str, open_network: Callable[..., Network], tmp_path: Path
) -> None:
    """The process dies inside the transaction: the store opens with the old key, not the
    new; rotating again succeeds and then only the new key opens it."""
    old, new = new_key(), new_key()
    network = open_network(durable_url, key=old)
    names = filled(network)
    network.close()
    script = tmp_path / "crash.py"
    script.write_text(CRASHING)

    died = subprocess.run(
        [sys.executable, str(script), durable_url, old, new], check=False, timeout=120
    )

    assert 9 == died.returncode
    with pytest.raises(WrongKey):
        open_network(durable_url, key=new)
    assert names == [c.name for c in open_network(durable_url, key=old).companies()]
    open_network(durable_url, key=old).rotate_key(new)
    assert names == [c.name for c in open_network(durable_url, key=new).companies()]
    with pytest.raises(WrongKey):
        open_network(durable_url, key=old)
