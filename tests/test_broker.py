"""LocalBroker: a real Mosquitto child process on a loopback port."""

from __future__ import annotations

import socket
import time

import pytest

import edge.broker as broker_mod
from edge.broker import LocalBroker, broker_reachable, free_port, mosquitto_path, mqtt_answers
from edge.errors import BrokerError

pytestmark = pytest.mark.integration

needs_mosquitto = pytest.mark.skipif(mosquitto_path() is None, reason="mosquitto is not installed")


def test_session_broker_answers_mqtt(broker: LocalBroker) -> None:
    assert broker.running
    assert broker.host == "127.0.0.1"
    assert broker_reachable(broker.host, broker.port, 0.5)
    assert mqtt_answers(broker.host, broker.port, 0.5)


@needs_mosquitto
def test_start_stop_restart_keep_the_port() -> None:
    b = LocalBroker()
    port = b.port
    assert not b.running and not broker_reachable(b.host, port, 0.2)  # port fixed before start
    with b:
        assert b.running and mqtt_answers(b.host, port)
        b.restart()
        assert b.port == port and mqtt_answers(b.host, port)
        b.stop()
        assert not b.running and not broker_reachable(b.host, port, 0.2)
        b.start()
        assert mqtt_answers(b.host, port)
        assert "running" in b.log_text()
        log_dir = b.log_path.parent if b.log_path else None
    assert not b.running
    assert log_dir is not None and not log_dir.exists()  # close() removed the temp folder


@needs_mosquitto
def test_explicit_port_and_stop_is_idempotent() -> None:
    port = free_port()
    b = LocalBroker(port=port)
    try:
        b.start()
        assert b.port == port and mqtt_answers("127.0.0.1", port)
    finally:
        b.close()
        b.close()
    assert not broker_reachable("127.0.0.1", port, 0.2)


def test_missing_mosquitto_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broker_mod, "mosquitto_path", lambda: None)
    with pytest.raises(BrokerError) as info:
        LocalBroker().start()
    assert "sudo apt-get install mosquitto" in str(info.value)
    assert info.value.code == "broker"


@needs_mosquitto
def test_port_in_use_fails_fast_with_the_log() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        started = time.monotonic()
        b = LocalBroker(port=port)
        with pytest.raises(BrokerError) as info:
            b.start()
        b.close()
    assert time.monotonic() - started < 4.0
    assert "exited" in str(info.value)
    assert "in use" in str(info.value).lower()


def test_unreachable_port() -> None:
    assert not broker_reachable("127.0.0.1", free_port(), 0.2)
    assert not mqtt_answers("127.0.0.1", free_port(), 0.2)
