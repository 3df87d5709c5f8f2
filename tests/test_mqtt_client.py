"""The one paho client every MQTT link starts from (``edge.mqtt_client.new_client``)."""

from __future__ import annotations

import paho.mqtt.client as mqtt
import pytest

from edge.devices.errors import DeviceError
from edge.errors import BrokerError
from edge.learning.errors import FeedbackError
from edge.mqtt_client import TLS_FIX, new_client


def test_an_unreadable_ca_bundle_is_the_callers_error_naming_what_to_fix(tmp_path) -> None:
    missing = str(tmp_path / "no-such-ca.pem")
    with pytest.raises(FeedbackError) as caught:
        new_client("edge-test", reconnect_max_s=5, tls=True, ca_file=missing, purpose="the feedback sync",
                   error=FeedbackError)  # fmt: skip
    assert "cannot set up TLS for the feedback sync" in str(caught.value)
    assert caught.value.fix == TLS_FIX


def test_the_default_error_is_the_brokers(tmp_path) -> None:
    with pytest.raises(BrokerError, match="the MQTT broker"):
        new_client("edge-test", reconnect_max_s=5, tls=True, ca_file=str(tmp_path / "absent.pem"))


def test_a_corrupt_ca_bundle_is_refused_too(tmp_path) -> None:
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate\n")
    with pytest.raises(DeviceError, match="cannot set up TLS"):
        new_client("edge-test", reconnect_max_s=5, tls=True, ca_file=str(bad), error=DeviceError)


def test_mqtt5_for_the_links_that_need_session_expiry_and_3_1_1_otherwise() -> None:
    assert new_client("a", reconnect_max_s=5, mqtt5=True).protocol == mqtt.MQTTv5
    assert new_client("b", reconnect_max_s=5).protocol == mqtt.MQTTv311


def test_credentials_are_set_only_when_a_user_name_is(monkeypatch) -> None:
    seen: list[tuple[str, str | None]] = []
    monkeypatch.setattr(mqtt.Client, "username_pw_set", lambda self, u, p=None: seen.append((u, p)))
    new_client("a", reconnect_max_s=5)
    new_client("b", reconnect_max_s=5, username="edge", password="")
    new_client("c", reconnect_max_s=5, username="edge", password="s3cret")
    assert seen == [("edge", None), ("edge", "s3cret")]
