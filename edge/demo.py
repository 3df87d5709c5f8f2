"""``edge demo``: the main job on embedded defaults.

Uses the configured broker, or starts a local Mosquitto when none is
reachable; starts the simulated home (lights and switches announced by Home
Assistant discovery); then runs the loop on the microphone, or, when there is
none, speaks a few commands with Piper through the loop and shows each turn.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from pathlib import Path
from typing import Any

import numpy as np

from edge.config import Settings, default_state_dir
from edge.errors import AudioError, BrokerError

_LOG = logging.getLogger("edge.demo")

DEMO_COMMANDS = (
    "Alexa, turn on the kitchen light.",
    "Alexa, switch on the coffee maker.",
    "Alexa, turn off the lights in the living room.",
    "Alexa, turn on the garage light.",
    "Alexa, what time is it?",
    "Alexa, set the standing light to 40 percent.",
    "Alexa, is the front door locked?",
    "Alexa, what's the temperature?",
    "Alexa, turn off the kitchen light.",
)

_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "")


def _broker(settings: Settings, stack: contextlib.ExitStack) -> bool:
    """A reachable broker: the configured one, or a local Mosquitto started here (True)."""
    from edge.broker import LocalBroker, broker_reachable

    host, port = settings.mqtt.host, settings.mqtt.port
    if broker_reachable(host, port, 1.0):
        print(f"Using the MQTT broker at {host}:{port}.")
        return False
    if host not in _LOCAL_HOSTS:
        raise BrokerError(
            f"cannot reach the MQTT broker at {host}:{port}",
            fix="start it, or remove [mqtt] host from the config to let the demo start a local one",
        )
    print(f"No broker on {host}:{port}: starting a local Mosquitto there.")
    stack.enter_context(LocalBroker(port=port))
    return True


def run_demo(settings: Settings, out_dir: Path, use_mic: bool = True) -> int:
    from edge.audio import MicSource, SpeakerSink, WavSink
    from edge.cli import _print_turn, _start_link, _turn_log
    from edge.pipeline.assistant import Assistant
    from edge.service import install_signal_handlers
    from edge.sim import SimHome

    with contextlib.ExitStack() as stack:
        if _broker(settings, stack) and not settings.mqtt.registry:
            # the simulated house must never outlive the demo in the registry of a real broker
            mqtt = dataclasses.replace(settings.mqtt, registry=str(default_state_dir() / "demo-devices.json"))
            settings = dataclasses.replace(settings, mqtt=mqtt)
        stack.enter_context(SimHome(settings.mqtt.host, settings.mqtt.port, prefix=settings.mqtt.discovery_prefix))
        link = _start_link(settings)
        stack.callback(link.stop)
        log = _turn_log(settings)
        stack.callback(log.close)
        print("Loading the models (wake word, Whisper, NLU, Piper)...")
        assistant = Assistant(settings, link, turn_log=log)
        link.wait_for_discovery(settings.mqtt.discovery_wait_s)
        print(f"The simulated home has {len(link.registry.entities())} devices:")
        for e in sorted(link.registry.entities(), key=lambda e: (e.area or "", e.name)):
            print(f"  {e.area or '-':<12} {e.name:<26} {e.domain:<7} {_state(link, e)}")

        mic = None
        if use_mic:
            try:
                mic = MicSource(settings.audio)
                mic.start()
            except AudioError as exc:
                print(f"No microphone ({exc.message}); playing synthesized commands instead.")
                mic = None
        speaker = _has_speaker()
        if mic is not None:
            stack.callback(mic.stop)
            stop = install_signal_handlers()
            print(f"Listening: say \"{assistant.wake.name.replace('_', ' ')}, turn on the kitchen light\". Ctrl-C stops.")
            assistant.run_microphone(mic, SpeakerSink(settings.audio), stop, lambda: None)
            return 0

        from edge.audio import resample, to_float32

        out_dir.mkdir(parents=True, exist_ok=True)
        tts = assistant.tts
        for i, text in enumerate(DEMO_COMMANDS):
            audio = resample(to_float32(np.concatenate(list(tts.synthesize(text)))), tts.sample_rate, 16000)
            print(f"\n>>> {text}")
            sink = SpeakerSink(settings.audio) if speaker else WavSink(out_dir / f"answer-{i}.wav")
            with sink:
                for turn in assistant.run_audio(audio, f"demo-{i}", lambda n, s=sink: s):
                    _print_turn(turn)
                sink.wait()
        print("\nState of the simulated home now:")
        for e in sorted(link.registry.entities(), key=lambda e: (e.area or "", e.name)):
            print(f"  {e.name:<26} {_state(link, e)}")
        if not speaker:
            print(f"\nNo speaker here: the answers are in {out_dir}/answer-*.wav")
        print(f"Every turn is logged in {settings.log.db_path()}")
    return 0


def _has_speaker() -> bool:
    from edge.audio import list_output_devices

    try:
        return bool(list_output_devices())
    except AudioError:
        return False


def _state(link: Any, entity: Any) -> str:
    from edge.respond.answers import shown_state

    return shown_state(link.registry.state(entity.unique_id), entity.domain, entity.device_class)
