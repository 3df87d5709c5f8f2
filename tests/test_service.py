"""sd_notify against real AF_UNIX datagram sockets; watchdog parsing; SIGTERM -> shutdown event."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from edge.service import SdNotifier, ServiceError, ShutdownSignals, install_signal_handlers, watchdog_interval_s


@pytest.fixture()
def notify_socket(tmp_path: Path) -> Iterator[tuple[str, socket.socket]]:
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2.0)
    yield str(path), sock
    sock.close()


@pytest.fixture()
def abstract_socket() -> Iterator[tuple[str, socket.socket]]:
    name = f"edge-test-notify-{os.getpid()}-{threading.get_ident()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(b"\0" + name.encode())
    sock.settimeout(2.0)
    yield "@" + name, sock
    sock.close()


def test_messages_reach_a_path_socket_exactly(notify_socket: tuple[str, socket.socket]) -> None:
    address, sock = notify_socket
    with SdNotifier.from_env({"NOTIFY_SOCKET": address}) as notifier:
        assert notifier.enabled
        assert notifier.ready()
        assert notifier.status("loading models")
        assert notifier.watchdog()
        assert notifier.stopping()
        assert notifier.ready("listening")
    received = [sock.recv(4096) for _ in range(5)]
    assert received == [
        b"READY=1",
        b"STATUS=loading models",
        b"WATCHDOG=1",
        b"STOPPING=1",
        b"READY=1\nSTATUS=listening",
    ]


def test_status_cannot_inject_fields(notify_socket: tuple[str, socket.socket]) -> None:
    address, sock = notify_socket
    SdNotifier(address).status("bad\nREADY=1")
    assert sock.recv(4096) == b"STATUS=bad READY=1"


def test_abstract_namespace_socket(abstract_socket: tuple[str, socket.socket]) -> None:
    address, sock = abstract_socket
    notifier = SdNotifier.from_env({"NOTIFY_SOCKET": address})
    assert notifier.ready("up")
    assert notifier.watchdog()
    notifier.close()
    assert sock.recv(4096) == b"READY=1\nSTATUS=up"
    assert sock.recv(4096) == b"WATCHDOG=1"


def test_default_reads_the_environment(
    notify_socket: tuple[str, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    address, sock = notify_socket
    monkeypatch.setenv("NOTIFY_SOCKET", address)
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    notifier = SdNotifier()
    assert notifier.watchdog_interval_s() == 15.0
    assert notifier.ready("listening for alexa")
    assert sock.recv(4096) == b"READY=1\nSTATUS=listening for alexa"


def test_no_op_outside_systemd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    for notifier in (SdNotifier(), SdNotifier.from_env({})):
        assert not notifier.enabled
        assert notifier.ready() is False
        assert notifier.watchdog() is False
        assert notifier.watchdog_interval_s({"WATCHDOG_USEC": "30000000"}) is None


def test_unreachable_socket_reports_false(tmp_path: Path) -> None:
    assert SdNotifier(str(tmp_path / "nobody-listens")).ready() is False


def test_bad_notify_socket_is_an_error() -> None:
    with pytest.raises(ServiceError, match="NOTIFY_SOCKET"):
        SdNotifier("vsock:2:1234")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"WATCHDOG_USEC": "30000000"}, 15.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4242"}, 15.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4243"}, None),  # someone else's watchdog
        ({"WATCHDOG_USEC": "1000"}, 0.0005),
    ],
)
def test_watchdog_interval(env: dict[str, str], expected: float | None) -> None:
    assert watchdog_interval_s(env, pid=4242) == expected


def test_watchdog_interval_defaults_to_this_process() -> None:
    env = {"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": str(os.getpid())}
    assert watchdog_interval_s(env) == 1.0


@pytest.mark.parametrize("env", [{"WATCHDOG_USEC": "abc"}, {"WATCHDOG_USEC": "0"}, {"WATCHDOG_USEC": "5", "WATCHDOG_PID": "x"}])
def test_watchdog_interval_rejects_garbage(env: dict[str, str]) -> None:
    with pytest.raises(ServiceError):
        watchdog_interval_s(env, pid=1)


def test_sigterm_sets_the_shutdown_event() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with ShutdownSignals(threading.Event()) as handlers:
        assert not handlers.event.is_set()
        os.kill(os.getpid(), signal.SIGTERM)
        assert handlers.event.wait(2.0)
        assert handlers.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is before


def test_sigint_uses_the_callers_event_and_a_second_one_forces() -> None:
    stop = threading.Event()
    with ShutdownSignals(stop) as handlers:
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.wait(2.0)
        assert handlers.signum == signal.SIGINT
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1.0)  # the handler runs at the next bytecode boundary


def test_install_signal_handlers_returns_the_event() -> None:
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        stop = install_signal_handlers()
        assert isinstance(stop, threading.Event) and not stop.is_set()
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.wait(2.0)
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def test_handlers_need_the_main_thread() -> None:
    errors: list[BaseException] = []

    def install() -> None:
        try:
            install_signal_handlers()
        except ValueError as exc:
            errors.append(exc)

    t = threading.Thread(target=install)
    t.start()
    t.join()
    assert len(errors) == 1
