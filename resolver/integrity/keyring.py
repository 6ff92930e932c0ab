"""The node's signing keys: one active Ed25519 key and the retired ones, with their validity.

A keyring lives in a directory: ``keys.json`` lists every key (name, public Multikey, valid
from, retired at), and ``<name>.key`` holds the active private key (PKCS#8 PEM, mode 0600).
Rotation adds a key and retires the old one; retired keys stay listed so old proofs verify.
A key may instead be read from a configured file (no rotation then: the operator owns it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from resolver.integrity.errors import UnusableKey
from resolver.integrity.multikey import (
    private_key_from_multibase,
    public_key_from_multibase,
    public_key_multibase,
)
from resolver.integrity.proofs import VerificationKey

__all__ = ["Clock", "KeyEntry", "Keyring", "load_private_key", "time_text", "utc_now"]

Clock = Callable[[], datetime]
_INDEX = "keys.json"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"


def time_text(when: datetime) -> str:
    """An xsd:dateTime in UTC to the second, as proofs and key documents write it."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclasses.dataclass(frozen=True, slots=True)
class KeyEntry:
    """One key of the ring; ``retired`` is None for the active key."""

    name: str
    public_key_multibase: str
    valid_from: datetime
    retired: datetime | None = None

    def verification_key(self) -> VerificationKey:
        return VerificationKey(
            public_key_from_multibase(self.public_key_multibase),
            valid_from=self.valid_from,
            valid_until=self.retired,
        )

    def multikey(self, method_url: str, controller: str) -> dict[str, str]:
        """The Multikey document served at ``method_url`` (the proofs' verificationMethod)."""
        doc: dict[str, str] = {
            "@context": MULTIKEY_CONTEXT,
            "id": method_url,
            "type": "Multikey",
            "controller": controller,
            "publicKeyMultibase": self.public_key_multibase,
            "validFrom": time_text(self.valid_from),
        }
        if self.retired is not None:
            # Multikey's "revoked": proofs made after this time are invalid; earlier ones stand.
            doc["revoked"] = time_text(self.retired)
        return doc

    def to_json(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "publicKeyMultibase": self.public_key_multibase,
            "validFrom": time_text(self.valid_from),
            "retired": None if self.retired is None else time_text(self.retired),
        }

    @classmethod
    def from_json(cls, data: object) -> KeyEntry:
        if not isinstance(data, dict):
            raise UnusableKey("a key entry of the keyring is malformed: not a JSON object")
        try:
            retired = data.get("retired")
            entry = cls(
                name=str(data["name"]),
                public_key_multibase=str(data["publicKeyMultibase"]),
                valid_from=datetime.fromisoformat(data["validFrom"]),
                retired=None if retired is None else datetime.fromisoformat(retired),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as err:
            raise UnusableKey(f"a key entry of the keyring is malformed: {err}") from err
        public_key_from_multibase(entry.public_key_multibase)
        return entry


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PKCS#8 PEM file or a JSON file with ``privateKeyMultibase``
    (or ``secretKeyMultibase``), the form of the W3C test vectors' key pair."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise UnusableKey(f"{path}: cannot read the key: {err.strerror}") from err
    if data.lstrip().startswith(b"{"):
        try:
            doc = orjson.loads(data)
            text = doc.get("privateKeyMultibase") or doc.get("secretKeyMultibase")
        except (orjson.JSONDecodeError, AttributeError) as err:
            raise UnusableKey(f"{path}: not a JSON key file") from err
        if not isinstance(text, str):
            raise UnusableKey(f"{path}: no privateKeyMultibase in the JSON key file")
        return private_key_from_multibase(text)
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as err:
        raise UnusableKey(f"{path}: not an unencrypted PEM private key") from err
    if not isinstance(key, Ed25519PrivateKey):
        raise UnusableKey(f"{path}: the key is not an Ed25519 key")
    return key


def _write_private(path: Path, key: Ed25519PrivateKey) -> None:
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


class Keyring:
    """The node's keys: :attr:`active` signs, every entry verifies proofs of its period."""

    def __init__(
        self, entries: list[KeyEntry], active_key: Ed25519PrivateKey, directory: Path | None
    ) -> None:
        self.entries = entries
        self.active_key = active_key
        self._directory = directory
        self._stamp = (0, 0)

    @property
    def active(self) -> KeyEntry:
        return self.entries[-1]

    def find(self, name: str) -> KeyEntry | None:
        return next((entry for entry in self.entries if entry.name == name), None)

    @classmethod
    def open(cls, directory: Path, *, clock: Clock = utc_now) -> Keyring:
        """The keyring in ``directory``, made with a first key (mode 0600) if it has none.

        Processes of one node share the directory: making the first key, rotating and reading
        take a lock on it, so that they all end up with the same keys.
        """
        directory.mkdir(parents=True, exist_ok=True)
        with _locked(directory):
            if not (directory / _INDEX).exists():
                key = Ed25519PrivateKey.generate()
                entry = _new_entry(key, clock())
                _write_private(directory / f"{entry.name}.key", key)
                _write_index(directory, [entry])
            entries, key, stamp = _load(directory)
        ring = cls(entries, key, directory)
        ring._stamp = stamp
        return ring

    def refresh(self) -> None:
        """Take up a rotation another process made (one stat when there was none)."""
        if self._directory is None or _stamp_of(self._directory) == self._stamp:
            return
        with _locked(self._directory):
            self.entries, self.active_key, self._stamp = _load(self._directory)

    @classmethod
    def from_key_file(cls, path: Path, *, valid_from: datetime) -> Keyring:
        """A keyring of the one key in ``path``, which the operator manages."""
        key = load_private_key(path)
        multibase = public_key_multibase(key.public_key())
        return cls([KeyEntry(_name_of(multibase), multibase, valid_from)], key, None)

    def rotate(self, *, clock: Clock = utc_now) -> KeyEntry:
        """Add a key and retire the active one now; the old private key file is removed."""
        if self._directory is None:
            raise UnusableKey("this key is read from a configured file: rotate it by replacing the file")
        with _locked(self._directory):
            entries, _, _ = _load(self._directory)  # as on disk: another process may have rotated
            now = clock()
            old = entries[-1]
            key = Ed25519PrivateKey.generate()
            entry = _new_entry(key, now)
            _write_private(self._directory / f"{entry.name}.key", key)
            _write_index(self._directory, [*entries[:-1], dataclasses.replace(old, retired=now), entry])
            (self._directory / f"{old.name}.key").unlink(missing_ok=True)
            self.entries, self.active_key, self._stamp = _load(self._directory)
        return entry


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _stamp_of(directory: Path) -> tuple[int, int]:
    try:
        info = (directory / _INDEX).stat()
    except OSError:
        return (0, 0)
    return (info.st_mtime_ns, info.st_ino)


def _load(directory: Path) -> tuple[list[KeyEntry], Ed25519PrivateKey, tuple[int, int]]:
    stamp = _stamp_of(directory)
    entries = _read_index(directory / _INDEX)
    active = entries[-1]
    key = load_private_key(directory / f"{active.name}.key")
    if public_key_multibase(key.public_key()) != active.public_key_multibase:
        raise UnusableKey(f"{directory}: the active private key does not match the keyring's {active.name}")
    return entries, key, stamp


def _name_of(multibase: str) -> str:
    return "key-" + multibase[-12:]


def _new_entry(key: Ed25519PrivateKey, now: datetime) -> KeyEntry:
    multibase = public_key_multibase(key.public_key())
    return KeyEntry(f"{_name_of(multibase)}-{secrets.token_hex(2)}", multibase, now.replace(microsecond=0))


def _read_index(index: Path) -> list[KeyEntry]:
    try:
        data = orjson.loads(index.read_bytes())
    except (OSError, orjson.JSONDecodeError) as err:
        raise UnusableKey(f"{index}: the keyring cannot be read: {err}") from err
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, list) or not keys:
        raise UnusableKey(f"{index}: the keyring lists no keys")
    entries = [KeyEntry.from_json(item) for item in keys]
    if entries[-1].retired is not None or any(entry.retired is None for entry in entries[:-1]):
        raise UnusableKey(f"{index}: exactly the last key must be active")
    return entries


def _write_index(directory: Path, entries: list[KeyEntry]) -> None:
    temporary = directory / (_INDEX + ".tmp")
    temporary.write_bytes(
        orjson.dumps({"keys": [entry.to_json() for entry in entries]}, option=orjson.OPT_INDENT_2)
    )
    os.replace(temporary, directory / _INDEX)
