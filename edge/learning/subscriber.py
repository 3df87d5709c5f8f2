"""The speaker's side of the rewrite table: receive it, verify it, keep it across reboots.

``RewriteTableSubscriber`` listens on the retained table topic. Each envelope
is verified against the hub's public key and must be newer than the table in
hand; anything unsigned, tampered, signed by another key, malformed or older
is refused with a log line saying why. An accepted envelope is written to
``<state_dir>/rewrite-table.json`` (temp file, fsync, rename, fsync of the
folder), and read back and verified again at the next start.

It owns a paho client (``start()`` / ``stop()``), or ``attach()``es to one the
caller runs, in which case the caller calls ``subscribe()`` after each connect.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from edge.learning.errors import LearningError, SignatureError, StaleTableError
from edge.learning.signing import verify_table
from edge.learning.table import RewriteTable
from edge.mqtt_client import new_client

log = logging.getLogger("edge.learning")

TABLE_FILE = "rewrite-table.json"


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a power cut leaves the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class RewriteTableSubscriber:
    """The newest verified rewrite table; ``current()`` is safe from any thread."""

    def __init__(self, public_key: Ed25519PublicKey, state_dir: Path | str, *, topic: str = "edge/rewrites/table") -> None:
        self._key = public_key
        self._path = Path(state_dir) / TABLE_FILE
        self._topic = topic
        self._lock = threading.Lock()
        self._table: RewriteTable | None = None
        self._envelope: bytes | None = None
        self._client: mqtt.Client | None = None
        self._owned = False
        self._load()

    @property
    def path(self) -> Path:
        return self._path

    @property
    def topic(self) -> str:
        return self._topic

    def current(self) -> RewriteTable | None:
        with self._lock:
            return self._table

    def _load(self) -> None:
        try:
            envelope = self._path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            log.warning("cannot read the saved rewrite table %s: %s; waiting for the hub's", self._path, exc)
            return
        try:
            table = verify_table(envelope, self._key)
        except SignatureError as exc:
            log.warning("saved rewrite table %s refused: %s; waiting for the hub's", self._path, exc)
            return
        self._table, self._envelope = table, envelope
        log.info("loaded rewrite table v%d (%d rewrites) from %s", table.version, len(table), self._path)

    def offer(self, envelope: bytes) -> bool:
        """Verify an envelope and take it if it is newer; True if accepted. Refusals are logged."""
        if not envelope:
            log.info("the rewrite table topic %s was cleared; keeping table v%s", self._topic, self._version())
            return False
        with self._lock:
            current, current_envelope = self._table, self._envelope
        if current_envelope == envelope:
            log.debug("rewrite table v%d received again", current.version if current else -1)
            return False
        try:
            table = verify_table(envelope, self._key, newer_than=current.version if current else None)
        except StaleTableError as exc:
            log.warning("rewrite table refused: %s", exc)
            return False
        except SignatureError as exc:
            log.warning("rewrite table refused: %s (keeping v%s)", exc, self._version())
            return False
        try:
            write_atomic(self._path, envelope)
        except OSError as exc:  # still use it now; the next start waits for the hub's retained copy
            log.error("rewrite table v%d accepted but not saved to %s: %s", table.version, self._path, exc)
        with self._lock:
            if self._table is not None and self._table.version >= table.version:
                return False  # a newer one won a race
            self._table, self._envelope = table, envelope
        log.info("accepted rewrite table v%d: %d rewrites, %d examples", table.version, len(table), len(table.examples))
        return True

    def _version(self) -> str:
        table = self.current()
        return str(table.version) if table else "none"

    # --- MQTT ----------------------------------------------------------------------------------

    def attach(self, client: mqtt.Client) -> None:
        """Use a client the caller connects and runs; call ``subscribe()`` after each of its connects."""
        self._client = client
        client.message_callback_add(self._topic, self._on_message)
        if client.is_connected():
            self.subscribe()

    def subscribe(self) -> None:
        if self._client is not None:
            self._client.subscribe(self._topic, qos=1)

    def start(self, host: str, port: int, client_id: str, *, username: str = "", password: str = "", tls: bool = False,
              ca_file: str = "", keepalive_s: int = 30, reconnect_max_s: float = 30.0) -> RewriteTableSubscriber:
        """Own a client: connect in the background and (re)subscribe on every connect."""
        if self._client is not None:
            raise LearningError("the rewrite table subscriber already has a client", fix="call start() or attach() once")
        client = new_client(
            client_id, reconnect_max_s=reconnect_max_s, username=username, password=password, tls=tls, ca_file=ca_file,
            purpose="the rewrite tables", error=LearningError,
        )  # fmt: skip
        client.on_connect = self._on_connect
        self._owned = True
        self.attach(client)
        client.connect_async(host, port, keepalive=keepalive_s)
        client.loop_start()
        return self

    def stop(self) -> None:
        if self._client is None:
            return
        if self._owned:
            self._client.disconnect()
            self._client.loop_stop()
        else:
            self._client.message_callback_remove(self._topic)
        self._client = None

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        if reason_code.is_failure:
            log.warning("the broker refused the rewrite table subscriber: %s", reason_code)
            return
        try:
            self.subscribe()
        except Exception:
            log.exception("cannot subscribe to %s", self._topic)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            self.offer(msg.payload)
        except Exception:
            log.exception("error while handling a rewrite table on %s", msg.topic)
