"""The refusals of the store and of what runs on it: events that cannot be read back,
encryption keys, where a store is and whether it opens, read models, the command side's
races and ids, followers, the demo's store. Declared as the domain's refusals are
(`peernet.domain.errors`): the rule each keeps and what it says."""

from peernet.domain.errors import InvalidInput, PeerNetError, RuleViolation

# --- the store: events that cannot be read back ---------------------------------------


class UnreadableEvent(InvalidInput):
    """A stored event that peernet cannot read back: unknown topic, bad bytes, wrong key."""

    rule = "readable_store"
    says = "cannot read event {version} of stream {stream_id} ({topic}): {why}"


# --- the store: encryption keys -------------------------------------------------------


class EncryptionKeyError(InvalidInput):
    """A problem with the encryption keys of a store."""

    rule = "encryption_keys"


class InvalidKey(EncryptionKeyError):
    rule = "valid_key"
    says = (
        "the key in {source} is not usable: {why}; "
        "a key is 32 random bytes in base64 (`peernet key new` makes one)"
    )


class WrongKey(EncryptionKeyError):
    rule = "matching_key"
    says = "the key given does not open store {store}: it was encrypted with another"


class KeyRequired(EncryptionKeyError):
    rule = "key_for_encrypted_store"
    says = (
        "store {store} holds encrypted fields: set PEERNET_KEY or name a key file "
        "with ?key_file=PATH in the store URL"
    )


class SealBroken(EncryptionKeyError):
    rule = "sealed_values_intact"
    says = "a sealed value of company {company_id} does not open: it was changed or moved"


class MasterKeyRotated(EncryptionKeyError):
    rule = "current_master_key"
    says = (
        "the master key of store {store} was rotated since this process opened it; "
        "open the store again with the new key"
    )


class NotEncrypted(EncryptionKeyError):
    rule = "rotation_needs_encryption"
    says = "store {store} is not encrypted: it has no master key to rotate"


class SameMasterKey(EncryptionKeyError):
    rule = "new_master_key"
    says = "the new master key is the one store {store} is already sealed with"


class EncryptionOff(EncryptionKeyError):
    rule = "forgetting_needs_encryption"
    says = (
        "cannot forget company {company_id}: this store is not encrypted, so its fields "
        "are stored in the clear and no key can make them unreadable; set PEERNET_KEY "
        "before companies are registered (see docs/confidentiality.md)"
    )


class EncryptionUnavailable(EncryptionKeyError):
    rule = "encryption_installed"
    says = "a key is set but encryption is not installed: pip install 'peernet[encryption]'"


# --- the store: where it is and whether it opens --------------------------------------


class InvalidStoreURL(InvalidInput):
    rule = "store_url"
    says = "bad store URL {url!r}: {why}"


class StoreUnavailable(InvalidInput):
    rule = "store_reachable"
    says = "cannot open store {url}: {why}"


class ReadOnlyStore(InvalidInput):
    """A write asked of a store opened to read or verify (`Network(url, access=...)`)."""

    rule = "writable_store"
    says = "cannot {doing}: store {url} was opened to {access}, not to write"


# --- read models ----------------------------------------------------------------------


class UnknownProjection(InvalidInput):
    rule = "known_projection"
    says = "no projection {projection!r} (known: {known})"


# --- the command side -----------------------------------------------------------------


class ConcurrencyConflict(RuleViolation):
    """Other writers kept changing what the command reads; it was decided `attempts` times."""

    rule = "bounded_retries"
    says = (
        "{command} lost {attempts} races with concurrent writers; nothing was recorded, try again"
    )


class CommandIdReused(RuleViolation):
    rule = "command_id_names_one_command"
    says = (
        "command id {command_id} was already used for another command ({first}); "
        "a retry must repeat the same {second}"
    )


# --- followers ------------------------------------------------------------------------


class FollowerStopped(PeerNetError):
    """A follower's handler raised: the follower stopped at that event, recorded nothing
    for it, and resumes there when it runs again (see docs/embedding.md)."""

    rule = "follower_handles_every_event"
    says = "follower {follower!r} stopped at event {position} ({topic}): {error}"


# --- the demo -------------------------------------------------------------------------


class NotTheDemoStore(InvalidInput):
    """The demo tells its story only in an empty store or one holding that same story."""

    rule = "demo_in_a_store_of_its_own"
    says = (
        "store {url} holds records the demo (seed {seed}) did not make, the first at "
        "position {position} ({topic}); the demo never mixes its story with other records: "
        "name another store with --db, or start this one afresh with --fresh"
    )
