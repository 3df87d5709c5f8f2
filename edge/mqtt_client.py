"""The paho client every MQTT link of edge starts from (devices, presence, feedback sync, the hub, rewrite tables).

``new_client`` makes it one way: paho's version-2 callbacks, exceptions kept
inside paho's loop (each link's callbacks log their own), a reconnect backoff
of 1 s growing to ``reconnect_max_s``, the broker's user name and password when
one is set, and TLS with the configured CA bundle (the system's when none). A
CA bundle that cannot be read is a clear error naming the keys to fix, raised
as the caller's own error class, before anything connects.

MQTT 5 (``mqtt5=True``: the feedback sync and the hub, which need session
expiry and user properties) has no clean-session flag; 3.1.1 links start clean.
"""

from __future__ import annotations

import ssl

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge.errors import BrokerError, EdgeError

TLS_FIX = "set mqtt.ca_file to a readable CA bundle, or mqtt.tls = false"


def new_client(
    client_id: str,
    *,
    reconnect_max_s: float,
    username: str = "",
    password: str = "",
    tls: bool = False,
    ca_file: str = "",
    mqtt5: bool = False,
    purpose: str = "the MQTT broker",
    error: type[EdgeError] = BrokerError,
) -> mqtt.Client:
    """A configured, unconnected client; ``error`` (with ``purpose`` in its message) when TLS cannot be set up."""
    if mqtt5:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    else:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    client.suppress_exceptions = True  # belt and braces: the links' callbacks catch everything themselves
    client.reconnect_delay_set(min_delay=1, max_delay=max(1, int(round(reconnect_max_s))))
    if username:
        client.username_pw_set(username, password or None)
    if tls:
        try:
            client.tls_set(ca_certs=ca_file or None, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise error(f"cannot set up TLS for {purpose}: {exc}", fix=TLS_FIX) from exc
    return client
