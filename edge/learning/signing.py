"""Ed25519 signatures for the rewrite table: the hub signs, every speaker verifies.

The envelope is JSON: ``{"format", "key_id", "table", "signature"}`` where
``table`` is the canonical JSON (sorted keys, no spaces) of
``RewriteTable.to_dict()`` as a string, and ``signature`` the base64 Ed25519
signature of its UTF-8 bytes. Verifying the exact signed string avoids any
ambiguity in re-serialising. ``key_id`` (the first 16 hex digits of SHA-256
of the raw public key) only names the key in errors; trust comes from the
signature. A speaker also refuses a table that is not newer than its own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from edge.learning.errors import LearningError, SignatureError, StaleTableError
from edge.learning.table import RewriteTable

__all__ = [
    "ENVELOPE_FORMAT",
    "SignatureError",
    "StaleTableError",
    "generate_keypair",
    "key_id",
    "load_private_key",
    "load_public_key",
    "sign_table",
    "verify_table",
]

ENVELOPE_FORMAT = "edge-rewrite-table/1"
MAX_ENVELOPE_BYTES = 16 * 1024 * 1024


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _write_new(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def generate_keypair(private_path: Path | str, public_path: Path | str) -> Ed25519PublicKey:
    """Create the hub's key pair: private key PEM (PKCS#8, 0600), public key PEM (0644). Never overwrites."""
    private_path, public_path = Path(private_path), Path(public_path)
    for p in (private_path, public_path):
        if p.exists():
            raise LearningError(
                f"{p} already exists; not replacing the hub's key",
                fix=f"keep it (speakers trust it), or delete {private_path} and {public_path} "
                "and copy the new public key to every speaker",
            )
    key = Ed25519PrivateKey.generate()
    try:
        private_path.parent.mkdir(parents=True, exist_ok=True)
        public_path.parent.mkdir(parents=True, exist_ok=True)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        _write_new(private_path, pem, 0o600)
        pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        _write_new(public_path, pub, 0o644)
    except OSError as exc:
        raise LearningError(f"cannot write the hub's keys: {exc}", fix="make the hub's state dir writable") from exc
    return key.public_key()


def load_private_key(path: Path | str) -> Ed25519PrivateKey:
    path = Path(path)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError as exc:
        raise LearningError(f"no signing key at {path}", fix="create it once with: edge hub --keygen") from exc
    except (OSError, ValueError, TypeError) as exc:
        raise LearningError(
            f"cannot read the signing key {path}: {exc}", fix="restore it from backup or run edge hub --keygen"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise LearningError(f"{path} is not an Ed25519 private key", fix="create one with: edge hub --keygen")
    return key


def load_public_key(path: Path | str) -> Ed25519PublicKey:
    path = Path(path)
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError as exc:
        raise LearningError(
            f"no hub public key at {path}", fix="copy the hub's public key (edge hub --keygen prints where) to this path"
        ) from exc
    except (OSError, ValueError, TypeError) as exc:
        raise LearningError(f"cannot read the hub public key {path}: {exc}", fix="copy the hub's public key again") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise LearningError(f"{path} is not an Ed25519 public key", fix="copy the hub's public key (a PEM file) again")
    return key


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sign_table(table: RewriteTable, key: Ed25519PrivateKey) -> bytes:
    """The signed envelope (UTF-8 JSON bytes) for ``table``."""
    payload = canonical_json(table.to_dict())
    signature = key.sign(payload.encode("utf-8"))
    envelope = {
        "format": ENVELOPE_FORMAT,
        "key_id": key_id(key.public_key()),
        "table": payload,
        "signature": base64.b64encode(signature).decode("ascii"),
    }
    return canonical_json(envelope).encode("utf-8")


def verify_table(envelope: bytes | str, public_key: Ed25519PublicKey, *, newer_than: int | None = None) -> RewriteTable:
    """The table inside a signed envelope; SignatureError for anything not signed by ``public_key``.

    newer_than: the version the caller already has; a table not newer raises StaleTableError.
    """
    if isinstance(envelope, str):
        envelope = envelope.encode("utf-8")
    if len(envelope) > MAX_ENVELOPE_BYTES:
        raise SignatureError(f"rewrite table envelope too large ({len(envelope)} bytes)", fix="check the hub")
    try:
        data = json.loads(envelope)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SignatureError(f"rewrite table envelope is not JSON: {exc}", fix="only accept tables the hub signed") from exc
    if not isinstance(data, dict):
        raise SignatureError("rewrite table envelope is not a JSON object", fix="only accept tables the hub signed")
    if data.get("format") != ENVELOPE_FORMAT:
        raise SignatureError(f"unknown rewrite table format {data.get('format')!r}", fix=f"the hub must send {ENVELOPE_FORMAT}")
    payload, signature, kid = data.get("table"), data.get("signature"), data.get("key_id")
    if not isinstance(payload, str) or not isinstance(signature, str) or not isinstance(kid, str):
        raise SignatureError("rewrite table envelope lacks table, signature or key_id", fix="only accept tables the hub signed")
    expected = key_id(public_key)
    if kid != expected:
        raise SignatureError(
            f"rewrite table signed by key {kid}, this speaker trusts {expected}",
            fix="copy the hub's current public key to the speaker",
        )
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError(f"rewrite table signature is not base64: {exc}", fix="only accept tables the hub signed") from exc
    try:
        public_key.verify(raw, payload.encode("utf-8"))
    except InvalidSignature as exc:
        raise SignatureError("rewrite table signature does not match its content (tampered)", fix="ignore it") from exc
    try:
        table = RewriteTable.from_dict(json.loads(payload))
    except (ValueError, KeyError, TypeError) as exc:
        raise SignatureError(f"signed rewrite table is malformed: {exc}", fix="check the hub's version") from exc
    if newer_than is not None and table.version <= newer_than:
        raise StaleTableError(
            f"rewrite table version {table.version} is not newer than the current {newer_than}",
            fix="nothing to do: the speaker keeps its newer table",
        )
    return table
