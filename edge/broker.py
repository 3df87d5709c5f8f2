"""A local Mosquitto broker run as a child process, for tests, the simulator and demos.

``LocalBroker`` writes a small config to a temporary folder and runs
``mosquitto -c <conf>`` in the foreground under this process (never ``-d``:
Mosquitto started as root drops to the ``mosquitto`` user and then fails
silently to write a pid file into a root-owned folder). It listens on one
loopback port, keeps nothing on disk (``persistence false``) and logs to
stderr, which is captured in ``log_path``. ``start()`` returns once the broker
answers an MQTT CONNECT, so a caller never races its listener.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from edge.errors import BrokerError

log = logging.getLogger("edge.broker")

INSTALL_FIX = "install it: sudo apt-get install mosquitto"
_SEARCH_DIRS = ("/usr/sbin", "/usr/local/sbin", "/opt/homebrew/sbin", "/usr/local/opt/mosquitto/sbin")
# MQTT 3.1.1 CONNECT: clean session, keepalive 10 s, client id "edge-probe".
_PROBE_CONNECT = bytes([0x10, 22, 0, 4]) + b"MQTT" + bytes([4, 0x02, 0, 10, 0, 10]) + b"edge-probe"
_PROBE_DISCONNECT = bytes([0xE0, 0])


def mosquitto_path() -> str | None:
    """The mosquitto executable: on PATH, else in the usual sbin folders (not always on PATH)."""
    found = shutil.which("mosquitto")
    if found:
        return found
    for folder in _SEARCH_DIRS:
        candidate = Path(folder) / "mosquitto"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def broker_reachable(host: str, port: int, timeout_s: float = 0.5) -> bool:
    """Whether something accepts TCP connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def mqtt_answers(host: str, port: int, timeout_s: float = 0.5) -> bool:
    """Whether an MQTT broker at host:port accepts an anonymous CONNECT (CONNACK code 0)."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            sock.settimeout(timeout_s)
            sock.sendall(_PROBE_CONNECT)
            ack = b""
            while len(ack) < 4:
                chunk = sock.recv(4 - len(ack))
                if not chunk:
                    return False
                ack += chunk
            sock.sendall(_PROBE_DISCONNECT)
            return ack[0] == 0x20 and ack[3] == 0
    except OSError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now on host (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _config_text(host: str, port: int) -> str:
    return "\n".join(
        [
            "per_listener_settings false",
            f"listener {port} {host}",
            "allow_anonymous true",
            "persistence false",
            "set_tcp_nodelay true",  # no Nagle delay on small MQTT packets (~40 ms per hop otherwise)
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
            "log_timestamp true",
            "",
        ]
    )


class LocalBroker:
    """Mosquitto on ``host:port`` as a child process; a context manager.

    The port is fixed at construction (a free one when ``port`` is None), so a
    test can point a client at a broker that is not started yet, and
    ``restart()`` brings the broker back on the same port.
    """

    def __init__(self, port: int | None = None, host: str = "127.0.0.1", *, start_timeout_s: float = 5.0) -> None:
        self._host = host
        self._port = port if port is not None else free_port(host)
        self._start_timeout_s = start_timeout_s
        self._proc: subprocess.Popen[bytes] | None = None
        self._dir: Path | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def log_path(self) -> Path | None:
        """Mosquitto's log (its stderr) for this broker; kept across restarts until close."""
        return self._dir / "mosquitto.log" if self._dir else None

    def log_text(self) -> str:
        path = self.log_path
        if path is None or not path.exists():
            return ""
        return path.read_text(encoding="utf-8", errors="replace")

    def start(self) -> LocalBroker:
        if self.running:
            return self
        exe = mosquitto_path()
        if exe is None:
            raise BrokerError("the mosquitto broker is not installed (not on PATH nor in /usr/sbin)", fix=INSTALL_FIX)
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="edge-broker-"))
        conf = self._dir / "mosquitto.conf"
        conf.write_text(_config_text(self._host, self._port), encoding="utf-8")
        self._log_file = open(self._dir / "mosquitto.log", "ab")  # noqa: SIM115 - closed in stop()
        try:
            self._proc = subprocess.Popen(
                [exe, "-c", str(conf)],
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
            )
        except OSError as exc:
            self._close_log()
            raise BrokerError(f"cannot run {exe}: {exc}", fix=INSTALL_FIX) from exc
        self._wait_ready(self._proc, exe)
        log.info("mosquitto listening on %s:%d (pid %d)", self._host, self._port, self._proc.pid)
        return self

    def _wait_ready(self, proc: subprocess.Popen[bytes], exe: str) -> None:
        deadline = time.monotonic() + self._start_timeout_s
        while True:
            if proc.poll() is not None:
                code = proc.returncode
                self.stop()
                tail = self.log_text().strip().splitlines()[-5:]
                raise BrokerError(
                    f"mosquitto ({exe}) exited with code {code} before listening on {self._host}:{self._port}: "
                    + (" | ".join(tail) or "no log output"),
                    fix="free the port or pick another one; check the log above",
                )
            if mqtt_answers(self._host, self._port, timeout_s=0.2) and proc.poll() is None:
                return
            if time.monotonic() >= deadline:
                self.stop()
                raise BrokerError(
                    f"mosquitto ({exe}) did not accept connections on {self._host}:{self._port} "
                    f"within {self._start_timeout_s:g} s",
                    fix=f"check {self.log_path}; if mosquitto is broken, reinstall it: sudo apt-get install mosquitto",
                )
            time.sleep(0.02)

    def stop(self) -> None:
        """Terminate the broker and wait for it (kill after 5 s). Idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5.0)
            log.info("mosquitto on %s:%d stopped", self._host, self._port)
        self._close_log()

    def kill(self) -> None:
        """SIGKILL the broker, as a crash or a power cut would; ``start()`` brings it back on the same port."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5.0)
            log.info("mosquitto on %s:%d killed", self._host, self._port)
        self._close_log()

    def restart(self) -> LocalBroker:
        """Stop and start again on the same port (retained messages are lost: persistence is off)."""
        self.stop()
        return self.start()

    def close(self) -> None:
        """Stop and delete the temporary folder with the config and the log."""
        self.stop()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> LocalBroker:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LocalBroker(host={self._host!r}, port={self._port}, running={self.running})"
