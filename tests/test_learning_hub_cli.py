"""``edge hub`` (keygen, mine-now, the service loop), its schedule, its config and its systemd unit."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from edge.broker import LocalBroker
from edge.cli import main
from edge.config import settings_from_dict
from edge.errors import ConfigError
from edge.learning.hub_store import HubStore
from edge.learning.schedule import next_mining_time
from edge.learning.signing import load_public_key
from edge.learning.subscriber import RewriteTableSubscriber
from tests.conftest import wait_until
from tests.learning_helpers import chain
from tests.test_deploy import parse_unit

ROOT = Path(__file__).resolve().parents[1]


def test_schedule_nightly_and_every_n_hours() -> None:
    at = datetime(2026, 5, 1, 2, 0)
    assert next_mining_time(at, mine_at="03:00") == datetime(2026, 5, 1, 3, 0)
    assert next_mining_time(datetime(2026, 5, 1, 3, 0), mine_at="03:00") == datetime(2026, 5, 2, 3, 0)
    # The hub was off at 03:00 (last run the day before): it mines at once.
    assert next_mining_time(datetime(2026, 5, 1, 9, 0), mine_at="03:00", last=datetime(2026, 4, 30, 3, 0)) == datetime(
        2026, 5, 1, 9, 0
    )
    assert next_mining_time(datetime(2026, 5, 1, 9, 0), mine_at="03:00", last=datetime(2026, 5, 1, 3, 0)) == datetime(
        2026, 5, 2, 3, 0
    )
    assert next_mining_time(at, every_h=6, last=None) == at
    assert next_mining_time(at, every_h=6, last=datetime(2026, 5, 1, 1, 0)) == datetime(2026, 5, 1, 7, 0)
    assert next_mining_time(at, mine_at="", every_h=0) is None


def test_learning_config_is_validated() -> None:
    settings = settings_from_dict({"learning": {"mine_every_h": 6, "min_support": 3}})
    assert settings.learning.mine_every_h == 6.0 and settings.learning.min_support == 3
    with pytest.raises(ConfigError, match="learning.mine_at"):
        settings_from_dict({"learning": {"mine_at": "3am"}})
    with pytest.raises(ConfigError, match="learning.min_confidence"):
        settings_from_dict({"learning": {"min_confidence": 1.5}})
    with pytest.raises(ConfigError, match="learning.sync"):
        settings_from_dict({"learning": {"sync": "yes"}})


def _config(tmp_path: Path, broker: LocalBroker, ns: str) -> Path:
    path = tmp_path / "edge.toml"
    path.write_text(
        f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\nreconnect_max_s = 1.0\n'
        f'[learning]\nhub_state_dir = "{tmp_path / "hub"}"\ntopic_prefix = "{ns}/feedback"\n'
        f'table_topic = "{ns}/rewrites/table"\nhub_client_id = "hub-{ns}"\nmine_at = ""\nmine_every_h = 0.0\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.integration
def test_keygen_then_mine_now(tmp_path: Path, broker: LocalBroker, ns: str, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, broker, ns)
    assert main(["hub", "--config", str(config), "--mine-now"]) == 2  # no key yet
    assert "edge hub --keygen" in capsys.readouterr().err
    assert main(["hub", "--config", str(config), "--keygen"]) == 0
    assert str(tmp_path / "hub" / "hub.pub") in capsys.readouterr().out
    with HubStore(tmp_path / "hub" / "events.db") as store:
        for speaker in ("a", "b"):
            for e in chain(speaker, ("switch on lamp", False), ("turn on the lamp", True)):
                store.upsert(e)
    sub = RewriteTableSubscriber(load_public_key(tmp_path / "hub" / "hub.pub"), tmp_path / "spk", topic=f"{ns}/rewrites/table")
    sub.start(broker.host, broker.port, f"sub-{ns}")
    try:
        assert main(["hub", "--config", str(config), "--mine-now"]) == 0
        assert "rewrite table v1: 1 rewrites" in capsys.readouterr().out
        assert wait_until(lambda: sub.current() is not None, 10)
        assert sub.current().lookup("switch on lamp").target == "turn on the lamp"  # type: ignore[union-attr]
    finally:
        sub.stop()


@pytest.mark.integration
def test_hub_service_mines_on_schedule_and_stops_on_sigterm(tmp_path: Path, broker: LocalBroker, ns: str) -> None:
    config = _config(tmp_path, broker, ns)
    text = config.read_text().replace("mine_every_h = 0.0", "mine_every_h = 1.0")  # due at start, then hourly
    config.write_text(text)
    assert main(["hub", "--config", str(config), "--keygen"]) == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge", "hub", "--config", str(config)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_until(lambda: (tmp_path / "hub" / "events.db").exists(), 20)
        with HubStore(tmp_path / "hub" / "events.db") as store:
            assert wait_until(lambda: store.latest_version() == 1, 20)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert "mined rewrite table v1" in err and "learning hub stopped" in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_hub_unit_is_hardened() -> None:
    unit = parse_unit((ROOT / "systemd" / "edge-hub.service").read_text(encoding="utf-8"))
    service = unit["Service"]
    assert service["Type"] == ["notify"] and service["ExecStart"][0].endswith("edge hub --config /etc/edge/edge.toml")
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateDevices": "yes", "IPAddressDeny": "any",
                       "CapabilityBoundingSet": "", "StateDirectory": "edge", "User": "edge"}.items():
        assert service[key][-1] == value, key
    assert "ORT_DISABLE_TELEMETRY=1" in " ".join(service["Environment"])


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_hub_unit_verifies(tmp_path: Path) -> None:
    text = (ROOT / "systemd" / "edge-hub.service").read_text(encoding="utf-8")
    unit = tmp_path / "edge-hub.service"
    unit.write_text(text.replace("ExecStart=/opt/edge/venv/bin/edge", f"ExecStart={shutil.which('true')}"), encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "edge-hub.service" not in result.stderr, result.stderr
