"""Small paho-mqtt helpers shared by the link and the simulator."""

from __future__ import annotations

import socket

import paho.mqtt.client as mqtt


def no_delay(client: mqtt.Client) -> None:
    """Turn off Nagle's algorithm on the client's socket (paho leaves it on).

    Without it a small publish can wait for the peer's delayed ACK: about 40 ms
    per hop on Linux, which would dominate command-to-confirmation latency.
    """
    sock = client.socket()
    if isinstance(sock, socket.socket):  # ssl.SSLSocket is a subclass too
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass  # not a TCP socket (e.g. a unix socket or websockets transport): nothing to tune
