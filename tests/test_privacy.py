"""Privacy: no process of edge may reach anything but the configured broker.

The loop runs under ``strace`` (every connect/sendto/sendmsg of every thread),
long enough for onnxruntime's telemetry to fire (about 9 s after it loads when
``ORT_DISABLE_TELEMETRY`` is not set before import), with that variable
removed from the environment so edge has to set it itself.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_wav

REPO = Path(__file__).resolve().parents[1]

_ADDR = re.compile(
    r"(?P<call>connect|sendto|sendmsg|bind|getsockname)\(.*?sa_family=(?P<family>AF_INET6?|AF_UNIX|AF_NETLINK)"
    r"(?:, sin6?_port=htons\((?P<port>\d+)\))?"
    r"(?:.*?(?:inet_addr\(\"(?P<v4>[^\"]+)\"\)|inet_pton\(AF_INET6, \"(?P<v6>[^\"]+)\"))?"
)


_LOOPBACK = ("127.0.0.1", "::1", "::ffff:127.0.0.1")


def foreign_connections(trace: str, broker_port: int) -> list[str]:
    """The traced calls that reach anything other than the broker on loopback.

    A loopback port the traced process bound itself (its own sockets, e.g. the
    socket pair paho-mqtt uses to wake its network thread) is not foreign.
    """
    calls = []
    own_ports: set[int] = set()
    for line in trace.splitlines():
        m = _ADDR.search(line)
        if not m or m.group("family") in ("AF_UNIX", "AF_NETLINK"):
            continue
        host = m.group("v4") or m.group("v6") or ""
        port = int(m.group("port") or 0)
        if m.group("call") in ("bind", "getsockname"):
            if host in _LOOPBACK:
                own_ports.add(port)
            continue
        calls.append((host, port, line.strip()))
    return [line for host, port, line in calls if not (host in _LOOPBACK and port in own_ports | {broker_port})]


def test_the_trace_parser_flags_what_it_must():
    trace = "\n".join(
        [
            '101 connect(5, {sa_family=AF_INET, sin_port=htons(1883), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
            '101 connect(6, {sa_family=AF_UNIX, sun_path="/run/nscd/socket"}, 110) = -1 ENOENT',
            '102 connect(7, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("192.0.2.53")}, 16) = 0',
            '103 connect(8, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
            'inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH',
            '104 connect(9, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 0',
            # paho's wake-up socket pair: its own listener on loopback, then a connect to it
            '105 bind(3, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
            '105 getsockname(3, {sa_family=AF_INET, sin_port=htons(35027), sin_addr=inet_addr("127.0.0.1")}, [16]) = 0',
            '105 connect(4, {sa_family=AF_INET, sin_port=htons(35027), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS',
            '106 connect(5, {sa_family=AF_INET, sin_port=htons(35028), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED',
        ]
    )
    bad = foreign_connections(trace, broker_port=1883)
    assert len(bad) == 4
    assert "192.0.2.53" in bad[0] and "2001:db8::1" in bad[1] and "127.0.0.53" in bad[2] and "35028" in bad[3]


@pytest.mark.slow
@pytest.mark.integration
def test_the_loop_reaches_only_the_broker(broker, voices, tmp_path):
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed (scripts/bootstrap.sh installs it: sudo apt-get install strace)")
    from edge.sim import SimHome

    wav = write_wav(tmp_path / "cmd.wav", voices.piper("Alexa, turn on the kitchen light."))
    cfg = tmp_path / "edge.toml"
    cfg.write_text(
        f'[mqtt]\nhost = "127.0.0.1"\nport = {broker.port}\nregistry = "{tmp_path / "devices.json"}"\n'
        f'[log]\ndb = "{tmp_path / "t.db"}"\n'
    )
    # edge listen with the answer synthesized (Piper too), then linger past the telemetry delay.
    script = (
        "import sys, time\n"
        "from edge.cli import main\n"
        f"rc = main(['listen', '--config', {str(cfg)!r}, '--wav', {str(wav)!r}, '--json', '--tts'])\n"
        "time.sleep(12)\n"
        "sys.exit(rc)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DISABLE_TELEMETRY", "HF_HUB_OFFLINE")}
    env["PYTHONPATH"] = str(REPO)
    trace = tmp_path / "trace.txt"
    traced = ["-f", "-qq", "-e", "trace=connect,bind,getsockname,sendto,sendmsg", "-o", str(trace)]
    with SimHome(broker.host, broker.port):
        proc = subprocess.run(
            [strace, *traced, sys.executable, "-c", script],
            capture_output=True, text=True, env=env, timeout=180,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '"outcome": "done"' in proc.stdout  # the loop really ran and switched the light
    text = trace.read_text()
    assert f"htons({broker.port})" in text  # the trace saw the broker connection
    assert foreign_connections(text, broker.port) == []
