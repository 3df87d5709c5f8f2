"""The whole loop on real models, a real Mosquitto and the simulated home.

Audio is synthesized in the session by Piper and by espeak-ng (two different
voices) and fed to the loop exactly as a file given to ``edge listen`` is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from edge.config import settings_from_dict
from edge.turn import Outcome, Turn
from tests.conftest import wait_until, write_wav

pytestmark = [pytest.mark.slow, pytest.mark.integration]

REPO = Path(__file__).resolve().parents[1]


def settings_for(host: str, port: int, tmp: Path, **extra):
    data = {
        "mqtt": {"host": host, "port": port, "confirm_timeout_s": 2.0},
        "speaker": {"id": "test-speaker", "area": "Kitchen"},
        "log": {"db": str(tmp / "turns.db")},
    }
    data.update(extra)
    return settings_from_dict(data)


@pytest.fixture(scope="module")
def home(broker):
    from edge.sim import SimHome

    with SimHome(broker.host, broker.port) as sim:
        yield sim


@pytest.fixture(scope="module")
def loop(broker, home, tmp_path_factory) -> Iterator[object]:
    from edge.devices import DeviceLink
    from edge.pipeline.assistant import Assistant
    from edge.turnlog import TurnLog

    tmp = tmp_path_factory.mktemp("loop")
    settings = settings_for(broker.host, broker.port, tmp)
    link = DeviceLink(settings.mqtt, client_id="edge-test-loop")
    link.start()
    log = TurnLog(settings.log.db_path())
    assistant = Assistant(settings, link, turn_log=log)
    link.wait_for_discovery(10.0)
    yield assistant
    link.stop()
    log.close()


def uid_of(assistant, name: str) -> str:
    for e in assistant.devices.registry.entities():
        if e.name.casefold() == name.casefold():
            return e.unique_id
    raise AssertionError(f"{name} not discovered")


def run(assistant, audio: np.ndarray) -> list[Turn]:
    return assistant.run_audio(audio, "test", lambda n: None)


@pytest.mark.parametrize("voice", ["piper", "espeak"])
def test_alexa_turn_on_the_kitchen_light(loop, home, voices, voice):
    uid = uid_of(loop, "Kitchen Light")
    # start from off, through the loop itself
    run(loop, voices.say(voice, "Alexa, turn off the kitchen light."))
    assert wait_until(lambda: home.state(uid) == "off")
    before = len(home.received(uid))

    (turn,) = run(loop, voices.say(voice, "Alexa, turn on the kitchen light."))

    assert turn.wake is not None and turn.wake.model == "alexa" and turn.wake.score >= 0.5
    assert turn.asr is not None and "kitchen light" in turn.asr.text.lower()
    assert turn.nlu is not None and turn.nlu.intent == "HassTurnOn"
    assert [e.unique_id for e in turn.resolution.entities] == [uid]
    assert home.received(uid)[before:] == ["ON"]  # the simulated light got exactly one command
    assert home.state(uid) == "on" and loop.devices.registry.state(uid) == "on"  # and reported it
    assert turn.actions[0].confirmed and turn.outcome is Outcome.DONE
    assert turn.response.text == "Turned on the kitchen light."
    for key in ("asr", "nlu", "resolve", "action", "end_of_speech_to_action"):
        assert turn.timings_ms[key] >= 0


def test_a_clip_without_the_wake_word_makes_no_turn(loop, home, voices):
    uid = uid_of(loop, "Kitchen Light")
    before = len(home.received(uid))
    assert run(loop, voices.piper("Turn on the kitchen light.")) == []
    time.sleep(0.2)
    assert len(home.received(uid)) == before


def test_unknown_device_is_named_in_the_answer(loop, voices):
    (turn,) = run(loop, voices.piper("Alexa, turn on the garage light."))
    assert turn.outcome is Outcome.NO_DEVICE
    assert turn.response.text == "I couldn't find a device called garage light."
    assert turn.actions == ()


def test_one_breath_and_a_pause_both_work(loop, voices):
    # "Alexa <pause> switch off the coffee maker": the wake word and the command apart
    pause = np.zeros(int(0.8 * 16000), np.float32)
    audio = np.concatenate([voices.piper("Alexa."), pause, voices.piper("Switch off the coffee maker.")])
    (turn,) = run(loop, audio)
    assert turn.nlu.intent == "HassTurnOff" and turn.resolution.entities[0].name == "Coffee Maker"


def test_silence_after_the_wake_word_times_out_politely(loop, voices):
    (turn,) = run(loop, voices.piper("Alexa."))
    assert turn.outcome is Outcome.NO_SPEECH
    assert turn.response.text == "Sorry, I didn't hear a command."
    assert turn.asr is None


def test_every_turn_is_in_the_log(loop, voices):
    before = loop.turn_log.count()
    (turn,) = run(loop, voices.espeak("Alexa, what time is it?"))
    assert turn.outcome is Outcome.ANSWERED and turn.response.text.startswith("It's ")
    assert loop.turn_log.count() == before + 1
    (logged,) = list(loop.turn_log.turns(limit=1))
    assert logged.turn_id == turn.turn_id and logged.asr == turn.asr


def test_wake_scores_do_not_depend_on_chunk_size(voices):
    from edge.wake import WakeWordDetector

    pcm = (np.concatenate([np.zeros(16000, np.float32), voices.piper("Alexa, turn on the light.")]) * 32767).astype(np.int16)
    detector = WakeWordDetector("alexa")
    results = []
    for chunk in (1280, 400, 4096, 16000):
        detector.reset()
        scores = []
        for i in range(0, len(pcm), chunk):
            detector.process(pcm[i : i + chunk])
            scores.append(detector.max_score)
        results.append(detector.max_score)
    assert results[0] > 0.5
    assert all(r == pytest.approx(results[0], abs=1e-6) for r in results)


def _cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}  # edge must set it itself
    env["PYTHONPATH"] = str(REPO)
    return env


def test_edge_listen_json_against_a_broker_and_home_it_did_not_start(broker, home, voices, tmp_path):
    on = write_wav(tmp_path / "on.wav", voices.espeak("Alexa, turn on the porch light."))
    nowake = write_wav(tmp_path / "nowake.wav", voices.piper("Turn off the porch light."))
    cfg = tmp_path / "edge.toml"
    cfg.write_text(
        f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\nregistry = "{tmp_path / "devices.json"}"\n'
        f'[log]\ndb = "{tmp_path / "t.db"}"\n'
    )
    proc = subprocess.run(
        [sys.executable, "-m", "edge", "listen", "--config", str(cfg), "--wav", str(on), str(nowake), "--json"],
        capture_output=True, text=True, env=_cli_env(), timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == 1  # the clip without the wake word made no turn
    (t,) = lines
    assert t["file"] == str(on) and t["wake"]["model"] == "alexa"
    assert t["intent"] == "HassTurnOn" and t["outcome"] == "done"
    assert [e["name"] for e in t["entities"]] == ["Porch Light"]
    assert t["actions"][0]["payload"] and t["actions"][0]["confirmed"] is True
    assert set(t["timings_ms"]) >= {"asr", "nlu", "resolve", "action", "end_of_speech_to_action"}


def test_broker_down_the_user_hears_it_and_the_loop_recovers(voices, tmp_path):
    from edge.broker import LocalBroker
    from edge.devices import DeviceLink
    from edge.pipeline.assistant import Assistant
    from edge.sim import SimHome

    outage = LocalBroker()
    port = outage.port
    settings = settings_for("127.0.0.1", port, tmp_path, mqtt={"host": "127.0.0.1", "port": port, "reconnect_max_s": 1.0})
    link = DeviceLink(settings.mqtt, client_id="edge-test-outage")
    link.start()  # the broker is not running yet: this must not fail
    try:
        assistant = Assistant(settings, link)
        (turn,) = run(assistant, voices.piper("Alexa, turn on the kitchen light."))
        assert turn.outcome is Outcome.UNREACHABLE
        outage.start()
        with SimHome("127.0.0.1", port):
            assert wait_until(lambda: link.connected and len(link.registry.entities()) > 0, timeout_s=10)
            (turn,) = run(assistant, voices.piper("Alexa, turn on the kitchen light."))
            assert turn.outcome is Outcome.DONE
            outage.stop()
            assert wait_until(lambda: not link.connected, timeout_s=5)
            (turn,) = run(assistant, voices.piper("Alexa, turn off the kitchen light."))
            assert turn.outcome is Outcome.UNREACHABLE
            assert turn.response.text.startswith("I can't reach your devices")
    finally:
        link.stop()
        outage.stop()


@pytest.mark.parametrize(
    "wake_clip, command, intent, outcome",
    [
        ("0.flac", "turn off lights in the Office", "HassTurnOff", Outcome.DONE),
        ("5.flac", "turn off all of the lights in the Office", "HassTurnOff", Outcome.DONE),
        ("10.flac", "what time is it", "HassGetCurrentTime", Outcome.ANSWERED),
        ("20.flac", "what's the date", "HassGetCurrentDate", Outcome.ANSWERED),
    ],
)
def test_real_recordings_with_a_pause_after_the_wake_word(loop, shared_data, wake_clip, command, intent, outcome):
    """A real person's "alexa", then (after the silence both recordings carry) another's command."""
    from edge.audio import read_audio

    audio = np.concatenate(
        [
            read_audio(shared_data / "audio" / "wakeword" / "alexa" / wake_clip),
            read_audio(shared_data / "audio" / "commands-real" / f"{command}.wav"),
        ]
    )
    (turn,) = run(loop, audio)
    assert turn.nlu.intent == intent
    assert turn.outcome is outcome
    if intent == "HassTurnOff":
        assert [e.name for e in turn.resolution.entities] == ["Office Light"]


@pytest.mark.parametrize(
    "text, intent, outcome",
    [
        ("Alexa, set the standing light to 40 percent.", "HassLightSet", Outcome.DONE),
        ("Alexa, lock the front door.", "HassTurnOn", Outcome.DONE),
        ("Alexa, is the front door locked?", "HassGetState", Outcome.ANSWERED),
        ("Alexa, what's the temperature?", "HassClimateGetTemperature", Outcome.ANSWERED),
        ("Alexa, activate mood lighting.", "HassTurnOn", Outcome.DONE),
        ("Alexa, please unlock the front door.", "HassTurnOff", Outcome.ASKED),
        ("Alexa, open the garage door.", "HassTurnOn", Outcome.ASKED),
    ],
)
def test_other_domains_from_audio(loop, voices, text, intent, outcome):
    turn, *after = run(loop, voices.piper(text))
    assert turn.nlu.intent == intent, turn.asr.text
    assert turn.outcome is outcome, (turn.asr.text, turn.response.text)
    if outcome is Outcome.ASKED:  # sensitive: "Are you sure ...?", and nobody answers: nothing done
        assert [t.outcome for t in after] == [Outcome.REFUSED] and after[0].dialog is not None
    else:
        assert after == []
