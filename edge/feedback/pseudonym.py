"""Pseudonyms for the ids a speaker sends to the hub: HMAC-SHA256 with a secret per home.

The secret is generated once, on the first call, and kept in the state dir
(mode 0600). The hub sees the same pseudonym for the same speaker every day,
so it can link rephrase chains, but cannot recover the id, and two homes never
share pseudonyms.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from edge.learning.errors import FeedbackError

log = logging.getLogger("edge.feedback")

SECRET_FILE = "home.secret"
SECRET_BYTES = 32
PSEUDONYM_HEX = 16  # 64 bits: no collisions among the speakers of a fleet


def pseudonymize(value: str, secret: bytes) -> str:
    """HMAC-SHA256(secret, value), truncated to 16 hex digits."""
    if not secret:
        raise FeedbackError("pseudonymize() needs a non-empty secret", fix="use load_home_secret(state_dir)")
    return hmac.new(secret, value.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


def load_home_secret(state_dir: Path | str) -> bytes:
    """This home's secret from ``<state_dir>/home.secret``, created (0600, fsynced) on first use."""
    path = Path(state_dir) / SECRET_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            data = path.read_bytes()
            if len(data) < 16:
                raise FeedbackError(
                    f"the pseudonym secret {path} is too short ({len(data)} bytes)",
                    fix=f"delete {path}; a new one is made (the hub then sees new pseudonyms)",
                ) from None
            return data
        try:
            data = secrets.token_bytes(SECRET_BYTES)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        log.info("created the pseudonym secret for this home at %s", path)
        return data
    except OSError as exc:
        raise FeedbackError(f"cannot read or create the pseudonym secret {path}: {exc}", fix="check the state dir") from exc
