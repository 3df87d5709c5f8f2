"""`edge nlu --json [--act]` on every domain, against a real broker and the simulated house."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]

# text -> (intent, entity unique_id or None, outcome)
CASES = {
    "set the standing light to 40%": ("HassLightSet", "sim_standing_light", "done"),
    "turn the kitchen light red": ("HassLightSet", "sim_kitchen_light", "done"),
    "set the ceiling fan to 50%": ("HassFanSetSpeed", "E7F8A9_FAN_1", "done"),
    "set the temperature to 22 degrees": ("HassClimateSetTemperature", "sim_ecobee", "done"),
    "set the bedroom blinds to 30%": ("HassSetPosition", "sim_bedroom_blinds", "done"),
    "lock the front door": ("HassTurnOn", "sim_front_door", "done"),
    "unlock the front door": ("HassTurnOff", "sim_front_door", "refused"),
    "open the garage door": ("HassTurnOn", "sim_garage_door", "refused"),
    "activate mood lighting": ("HassTurnOn", "sim_scene_mood_lighting", "done"),
    "press restart router": ("HassTurnOn", "sim_restart_router", "done"),
    "is the front door locked": ("HassGetState", "sim_front_door", "answered"),
    "what is the outdoor humidity": ("HassGetState", None, "answered"),
    "what's the temperature": ("HassClimateGetTemperature", "sim_ecobee", "answered"),
    "turn on the flux capacitor": ("HassTurnOn", None, "no_device"),
}


def run_nlu(broker, tmp_path: Path, *args: str, config: str = "") -> list[dict]:
    cfg = tmp_path / "edge.toml"
    cfg.write_text(
        f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\nconfirm_timeout_s = 3.0\n'
        f'registry = "{tmp_path / "devices.json"}"\n{config}'
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, "-m", "edge", "nlu", "--config", str(cfg), "--json", *args],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [json.loads(line) for line in proc.stdout.splitlines()]


@pytest.fixture(scope="module")
def house(broker):
    from edge.sim import SimHome
    from edge.sim.house import default_devices

    with SimHome(broker.host, broker.port, devices=default_devices(travel_s=0.3, lock_s=0.1)) as home:
        yield home


def test_every_domain_acts_and_answers(broker, house, tmp_path):
    results = run_nlu(broker, tmp_path, "--act", *CASES)
    assert len(results) == len(CASES)
    for r in results:
        intent, uid, outcome = CASES[r["text"]]
        assert (r["intent"], r["outcome"]) == (intent, outcome), r
        if uid:
            assert [e["unique_id"] for e in r["entities"]] == [uid], r
        assert r["response"]
    assert house.state("sim_front_door") == "locked"  # locked, and never unlocked
    assert house.received("sim_garage_door") == []  # never opened on a voice command alone
    assert house.state("sim_ecobee") is not None and house.device("sim_ecobee").target_c == 22


def test_without_act_nothing_is_sent(broker, house, tmp_path):
    before = list(house.received("sim_porch_light"))
    (r,) = run_nlu(broker, tmp_path, "turn on the porch light")
    assert r["intent"] == "HassTurnOn" and r["confidence"] == 1.0
    assert r["entities"] == [{"unique_id": "sim_porch_light", "name": "Porch Light", "area": "outside", "score": 1.0}]
    assert r["actions"] and r["actions"][0]["payload"] == "ON"
    assert "outcome" not in r
    assert house.received("sim_porch_light") == before


def test_free_phrasing_acts_and_out_of_domain_does_nothing(broker, house, tmp_path):
    """The model behind the templates, as `edge nlu` runs it: paraphrases act, chatter is declined."""
    before = list(house.received("sim_kitchen_light"))
    texts = ("it's too dark in here", "kill the lights in the bedroom", "what's the capital of france", "play poker with me")
    dark, kill, *chatter = run_nlu(broker, tmp_path, "--act", *texts, config='[speaker]\narea = "Kitchen"\n')
    assert (dark["intent"], dark["outcome"]) == ("HassTurnOn", "done"), dark
    assert [e["unique_id"] for e in dark["entities"]] == ["sim_kitchen_light"], dark  # the room's light, nothing else
    assert dark["nbest"][0] == ["HassTurnOn", round(dark["confidence"], 4)]
    assert house.received("sim_kitchen_light") != before
    assert (kill["intent"], kill["outcome"], kill["slots"].get("area")) == ("HassTurnOff", "done", "bedroom"), kill
    for r in chatter:
        assert r["intent"] is None and r["outcome"] == "not_understood", r
        assert r["actions"] == [] and r["entities"] == [] and r["response"] == "Sorry, I can't help with that."
        assert r["nbest"][0][0] is None  # out of domain, as the model ranks it
