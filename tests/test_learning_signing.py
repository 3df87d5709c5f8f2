"""Signed rewrite tables: what a speaker accepts and what it refuses."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from edge.learning.errors import LearningError, SignatureError, StaleTableError
from edge.learning.signing import generate_keypair, load_private_key, load_public_key, sign_table, verify_table
from edge.learning.table import Example, Rewrite, RewriteTable


def table(version: int = 3) -> RewriteTable:
    return RewriteTable.of(
        version,
        1_700_000_000.5,
        [Rewrite("switch on lamp", "turn on the lamp", 4, 0.8), Rewrite("lite off", "light off", 2, 0.5)],
        (Example("turn on the lamp", "HassTurnOn", 12, 0.9),),
    )


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    priv, pub = tmp_path / "hub" / "hub.key", tmp_path / "hub" / "hub.pub"
    generate_keypair(priv, pub)
    return priv, pub


def test_round_trip(keys: tuple[Path, Path]) -> None:
    priv, pub = keys
    envelope = sign_table(table(), load_private_key(priv))
    assert verify_table(envelope, load_public_key(pub)) == table()
    assert verify_table(envelope.decode(), load_public_key(pub), newer_than=2) == table()


def test_private_key_is_owner_only_and_never_overwritten(keys: tuple[Path, Path]) -> None:
    priv, pub = keys
    assert stat.S_IMODE(os.stat(priv).st_mode) == 0o600
    before = priv.read_bytes()
    with pytest.raises(LearningError, match="already exists"):
        generate_keypair(priv, pub)
    assert priv.read_bytes() == before


def test_tampered_table_is_refused(keys: tuple[Path, Path]) -> None:
    priv, pub = keys
    data = json.loads(sign_table(table(), load_private_key(priv)))
    data["table"] = data["table"].replace("turn on the lamp", "unlock the front door")
    with pytest.raises(SignatureError, match="tampered"):
        verify_table(json.dumps(data).encode(), load_public_key(pub))


def test_flipped_signature_bit_is_refused(keys: tuple[Path, Path]) -> None:
    priv, pub = keys
    data = json.loads(sign_table(table(), load_private_key(priv)))
    raw = bytearray(base64.b64decode(data["signature"]))
    raw[5] ^= 1
    data["signature"] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(SignatureError):
        verify_table(json.dumps(data).encode(), load_public_key(pub))


def test_wrong_key_is_refused(keys: tuple[Path, Path], tmp_path: Path) -> None:
    priv, _ = keys
    other_pub = tmp_path / "other.pub"
    generate_keypair(tmp_path / "other.key", other_pub)
    envelope = sign_table(table(), load_private_key(priv))
    with pytest.raises(SignatureError, match="trusts"):
        verify_table(envelope, load_public_key(other_pub))
    # Even with the key id forged to match, the signature does not verify.
    data = json.loads(envelope)
    from edge.learning.signing import key_id

    data["key_id"] = key_id(load_public_key(other_pub))
    with pytest.raises(SignatureError, match="tampered"):
        verify_table(json.dumps(data).encode(), load_public_key(other_pub))


@pytest.mark.parametrize(
    "envelope",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'{"format": "edge-rewrite-table/0"}',
        b'{"format": "edge-rewrite-table/1", "table": "{}", "key_id": "x"}',
        json.dumps({"format": "edge-rewrite-table/1", "table": "{}", "key_id": "x", "signature": 5}).encode(),
        b"\xff\xfe",
    ],
)
def test_malformed_envelopes_are_refused(keys: tuple[Path, Path], envelope: bytes) -> None:
    with pytest.raises(SignatureError):
        verify_table(envelope, load_public_key(keys[1]))


def test_unsigned_table_is_refused(keys: tuple[Path, Path]) -> None:
    with pytest.raises(SignatureError):
        verify_table(json.dumps(table().to_dict()).encode(), load_public_key(keys[1]))


def test_signed_but_malformed_content_is_refused(keys: tuple[Path, Path]) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from edge.learning.signing import ENVELOPE_FORMAT, key_id

    key: Ed25519PrivateKey = load_private_key(keys[0])
    payload = '{"version": "three"}'
    envelope = json.dumps(
        {
            "format": ENVELOPE_FORMAT,
            "key_id": key_id(key.public_key()),
            "table": payload,
            "signature": base64.b64encode(key.sign(payload.encode())).decode(),
        }
    )
    with pytest.raises(SignatureError, match="malformed"):
        verify_table(envelope, load_public_key(keys[1]))


def test_older_or_same_version_is_refused(keys: tuple[Path, Path]) -> None:
    envelope = sign_table(table(3), load_private_key(keys[0]))
    pub = load_public_key(keys[1])
    for have in (3, 4):
        with pytest.raises(StaleTableError, match="not newer"):
            verify_table(envelope, pub, newer_than=have)
    assert issubclass(StaleTableError, SignatureError)


def test_missing_keys_say_how_to_make_them(tmp_path: Path) -> None:
    with pytest.raises(LearningError, match="edge hub --keygen"):
        load_private_key(tmp_path / "nope.key")
    (tmp_path / "junk.pub").write_text("junk")
    with pytest.raises(LearningError, match="cannot read"):
        load_public_key(tmp_path / "junk.pub")
