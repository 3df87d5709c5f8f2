"""Deployment files: the systemd unit, the example config, install.sh, the Mosquitto config."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from edge.config import Settings, load_settings, settings_from_dict

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "systemd" / "edge.service"
EXAMPLE = ROOT / "deploy" / "edge.example.toml"
INSTALL = ROOT / "deploy" / "install.sh"
MOSQUITTO_CONF = ROOT / "deploy" / "mosquitto" / "edge.conf"
ACL = ROOT / "deploy" / "mosquitto" / "acl"


# --- systemd unit ---------------------------------------------------------------


def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """systemd's INI dialect: repeated keys accumulate, '#'/';' start comment lines."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"key outside a section: {line}"
        assert "=" in line, f"not KEY=value: {line}"
        key, value = line.split("=", 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


@pytest.fixture(scope="module")
def service() -> dict[str, list[str]]:
    return parse_unit(UNIT.read_text(encoding="utf-8"))["Service"]


def one(service: dict[str, list[str]], key: str) -> str:
    assert key in service, f"{key}= missing"
    return service[key][-1]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("Type", "notify"),
        ("NotifyAccess", "main"),
        ("ExecStart", "/opt/edge/venv/bin/edge run --config /etc/edge/edge.toml"),
        ("WatchdogSec", "30"),
        ("Restart", "on-failure"),
        ("RestartSec", "5"),
        ("TimeoutStopSec", "10"),
        ("User", "edge"),
        ("Group", "edge"),
        ("SupplementaryGroups", "audio"),
        ("StateDirectory", "edge"),
        ("CacheDirectory", "edge"),
        ("ConfigurationDirectory", "edge"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "no"),
        ("DevicePolicy", "closed"),
        ("DeviceAllow", "char-alsa rw"),
        ("ProtectKernelTunables", "yes"),
        ("ProtectKernelModules", "yes"),
        ("ProtectKernelLogs", "yes"),
        ("ProtectControlGroups", "yes"),
        ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6 AF_NETLINK"),
        ("RestrictNamespaces", "yes"),
        ("LockPersonality", "yes"),
        ("MemoryDenyWriteExecute", "no"),
        ("SystemCallArchitectures", "native"),
        ("CapabilityBoundingSet", ""),
        ("IPAddressDeny", "any"),
        ("IPAddressAllow", "localhost"),
    ],
)
def test_unit_sets(service: dict[str, list[str]], key: str, value: str) -> None:
    assert one(service, key) == value


def test_unit_environment_keeps_the_device_private(service: dict[str, list[str]]) -> None:
    env = " ".join(service["Environment"]).split()
    assert {"ORT_DISABLE_TELEMETRY=1", "HF_HUB_OFFLINE=1", "PYTHONUNBUFFERED=1"} <= set(env)


def test_unit_explains_write_execute_and_the_broker_address() -> None:
    text = UNIT.read_text(encoding="utf-8")
    before_mdwe = text.split("MemoryDenyWriteExecute=")[0].rsplit("\n\n", 1)[-1]
    assert "cffi" in before_mdwe  # the reason it stays off
    assert "IPAddressAllow=192.168." in text  # how to allow a broker on another host


def test_unit_installs_into_multi_user() -> None:
    assert parse_unit(UNIT.read_text(encoding="utf-8"))["Install"]["WantedBy"] == ["multi-user.target"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    # ExecStart must exist for verify; point it at a real program, keep everything else.
    text = UNIT.read_text(encoding="utf-8").replace("ExecStart=/opt/edge/venv/bin/edge", f"ExecStart={shutil.which('true')}")
    unit = tmp_path / "edge.service"
    unit.write_text(text, encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "edge.service" not in result.stderr, result.stderr  # no warnings about our unit


# --- example config -------------------------------------------------------------


def _fields(cls: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        if isinstance(default, dict):  # a table of tables ([devices."<id>"]): shown commented out, tested below
            continue
        out[f.name] = _fields(type(default)) if dataclasses.is_dataclass(default) else None
    return out


def _keys(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _keys(v) if isinstance(v, dict) else None for k, v in data.items()}


def test_example_config_loads_and_holds_every_default() -> None:
    assert load_settings(EXAMPLE) == Settings()


def test_example_config_shows_every_section_and_key() -> None:
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert _keys(data) == _fields(Settings)


def test_example_config_shows_the_device_overrides_commented_out() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    block = [line[2:] for line in text.splitlines() if line.startswith("# [devices") or line.startswith("# aliases")
             or line.startswith("# area") or line.startswith("# name")]  # fmt: skip
    assert block and block[0].startswith("[devices.")
    settings = settings_from_dict(tomllib.loads("\n".join(block)))
    override = next(iter(settings.devices.values()))
    assert override.aliases and override.area


def test_example_config_comments_every_key() -> None:
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "profile")):
            assert "#" in line.split("=", 1)[1], f"no comment: {line}"


# --- install.sh -----------------------------------------------------------------


def test_install_script_syntax() -> None:
    subprocess.run(["bash", "-n", str(INSTALL)], check=True, timeout=30)


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_install_script_shellcheck() -> None:
    result = subprocess.run(["shellcheck", str(INSTALL)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout


def run_install(*args: str, model: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run install.sh as an unprivileged user (dropping root with setpriv when we have it)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    cmd = [str(INSTALL), *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv to drop privileges")
        cmd = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    # A stand-in for /proc/device-tree/model, readable by the unprivileged user.
    with tempfile.TemporaryDirectory() as folder:
        if model is not None:
            model_file = Path(folder) / "model"
            model_file.write_bytes(model.encode() + b"\0")  # device-tree strings end in NUL
            model_file.chmod(0o644)
            Path(folder).chmod(0o755)
            env["EDGE_MODEL_FILE"] = str(model_file)
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, cwd="/")


def plan(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line.split("would run: ", 1)[1] for line in result.stdout.splitlines() if "would run: " in line]


def test_dry_run_prints_the_plan_without_root() -> None:
    result = run_install("--dry-run", model="Raspberry Pi 4 Model B Rev 1.4")
    assert result.returncode == 0, result.stderr
    assert "profile pi4" in result.stdout
    steps = plan(result)
    joined = "\n".join(steps)
    assert any("apt-get install" in s and "libportaudio2" in s and "mosquitto" in s for s in steps)
    assert any(s.startswith("useradd") or s.startswith("usermod") for s in steps)
    assert "install --upgrade " + str(ROOT) in joined  # pip install of this checkout
    assert "/usr/share/edge/hardware" in joined
    assert "/etc/systemd/system/edge.service" in joined
    assert "systemctl daemon-reload" in steps
    assert "systemctl enable --now edge.service" in steps
    if not Path("/etc/edge/edge.toml").exists():
        assert r"profile\ =\ \"pi4\"" in joined


@pytest.mark.parametrize(
    ("model", "profile"),
    [
        ("Raspberry Pi 5 Model B Rev 1.0", "pi5"),
        ("Raspberry Pi Compute Module 4 Rev 1.0", "pi4"),
        ("Raspberry Pi 400 Rev 1.0", "pi4"),
        ("Raspberry Pi Zero 2 W Rev 1.0", "pi-zero-2w"),
        ("NVIDIA Jetson Orin Nano Developer Kit", "jetson-orin-nano"),
    ],
)
def test_dry_run_detects_the_board(model: str, profile: str) -> None:
    result = run_install("--dry-run", model=model)
    assert result.returncode == 0, result.stderr
    assert f"-> profile {profile}" in result.stdout


def test_unknown_board_installs_without_a_profile() -> None:
    result = run_install("--dry-run", model="Raspberry Pi 3 Model B Rev 1.2")
    assert result.returncode == 0, result.stderr
    assert "unknown board" in result.stderr


def test_no_broker_skips_mosquitto() -> None:
    result = run_install("--dry-run", "--no-broker", "--profile", "pi5")
    assert result.returncode == 0, result.stderr
    assert "mosquitto" not in "\n".join(plan(result))


def test_unknown_profile_is_refused() -> None:
    result = run_install("--dry-run", "--profile", "pi3")
    assert result.returncode != 0
    assert "pi4" in result.stderr and "jetson-orin-nano" in result.stderr


def test_real_run_needs_root() -> None:
    result = run_install("--no-broker")
    assert result.returncode == 1
    assert "root" in result.stderr
    assert "would run" not in result.stdout


# --- Mosquitto ------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.skipif(
    shutil.which("mosquitto", path="/usr/sbin:/usr/bin:" + os.environ.get("PATH", "")) is None
    or shutil.which("mosquitto_passwd") is None,
    reason="mosquitto not installed",
)
def test_mosquitto_config_requires_login_and_applies_the_acl(tmp_path: Path) -> None:
    import paho.mqtt.client as mqtt

    from edge.broker import free_port

    port = free_port()
    passwd = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwd), "edge", "s3cret"], check=True, timeout=30)
    conf = MOSQUITTO_CONF.read_text(encoding="utf-8")
    conf = conf.replace("/etc/mosquitto/passwd", str(passwd)).replace("/etc/mosquitto/acl", str(ACL))
    conf = conf.replace("listener 1883 localhost", f"listener {port} 127.0.0.1")
    if os.geteuid() == 0:
        conf += "\nuser root\n"  # the files under tmp_path are not readable by the mosquitto user
    (tmp_path / "mosquitto.conf").write_text(conf, encoding="utf-8")
    exe = shutil.which("mosquitto", path="/usr/sbin:/usr/bin:" + os.environ.get("PATH", ""))
    assert exe is not None
    broker = subprocess.Popen([exe, "-c", str(tmp_path / "mosquitto.conf")], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        codes: list[Any] = []
        while time.monotonic() < deadline and not codes:
            anon = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
            anon.on_connect = lambda c, u, f, rc, p: codes.append(rc)
            try:
                anon.connect("127.0.0.1", port)
            except OSError:
                time.sleep(0.1)
                continue
            anon.loop_start()
            time.sleep(0.3)
            anon.loop_stop()
        assert codes and codes[0].is_failure, "anonymous clients must be refused"

        got: list[str] = []
        edge = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        edge.username_pw_set("edge", "s3cret")
        edge.on_message = lambda c, u, m: got.append(m.topic)
        edge.connect("127.0.0.1", port)
        edge.loop_start()
        edge.subscribe([("homeassistant/#", 0), ("zigbee2mqtt/#", 0), ("private/#", 0)])
        time.sleep(0.3)
        for topic in ("homeassistant/light/lamp/config", "zigbee2mqtt/lamp/set", "private/x"):
            edge.publish(topic, b"{}")
        time.sleep(0.5)
        edge.loop_stop()
        edge.disconnect()
        assert sorted(got) == ["homeassistant/light/lamp/config", "zigbee2mqtt/lamp/set"]
    finally:
        broker.terminate()
        broker.wait(timeout=5)
