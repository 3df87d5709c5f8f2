"""The speaker on a real broker: its Home Assistant entities, the mute switch, Hermes events, timers that ring.

Fast tests use the speaker's MQTT side alone; the slow ones run synthesized
speech through the whole loop (``Assistant.run_audio``), as ``edge listen`` does.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.config import settings_from_dict
from edge.devices.discovery import Discovered, parse_discovery
from edge.presence import SpeakerLink, SpeakerPresence, SpeakerServices, SpeakerStateStore, SpeakerTopics
from edge.turn import Outcome
from tests.conftest import wait_until

pytestmark = pytest.mark.integration


class Collector:
    """A plain paho client that records every message under some topics (retained ones included)."""

    def __init__(self, host: str, port: int, topics: list[str]) -> None:
        self.messages: list[tuple[str, str, bool]] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"collector-{time.monotonic_ns()}")
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe([(t, 1) for t in topics])
        self.client.on_subscribe = lambda *a: self._ready.set()
        self.client.on_message = self._on_message
        self.client.connect(host, port)
        self.client.loop_start()
        assert self._ready.wait(5)

    def _on_message(self, client, userdata, msg) -> None:
        with self._lock:
            self.messages.append((msg.topic, msg.payload.decode(), bool(msg.retain)))

    def last(self, topic: str) -> str | None:
        with self._lock:
            found = [p for t, p, _ in self.messages if t == topic]
        return found[-1] if found else None

    def on(self, prefix: str) -> list[tuple[str, str]]:
        with self._lock:
            return [(t, p) for t, p, _ in self.messages if t.startswith(prefix)]

    def publish(self, topic: str, payload: str) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(2)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _settings(broker, tmp: Path, speaker_id: str, **extra):
    data = {
        "mqtt": {"host": broker.host, "port": broker.port},
        "speaker": {"id": speaker_id, "area": "Kitchen", "state_db": str(tmp / "speaker.db")},
        "timers": {"db": str(tmp / "timers.db"), "chime_repeats": 2},
        "log": {"db": str(tmp / "turns.db")},
    }
    data.update(extra)
    return settings_from_dict(data)


@pytest.fixture
def presence(broker, ns, tmp_path) -> Iterator[SpeakerPresence]:
    topics = SpeakerTopics(f"spk-{ns}")
    mqtt_settings = settings_from_dict({"mqtt": {"host": broker.host, "port": broker.port}}).mqtt
    link = SpeakerLink(mqtt_settings, f"spk-{ns}", topics.availability)
    p = SpeakerPresence(link, topics, SpeakerStateStore(tmp_path / "speaker.db"), threading.Event(), area="Kitchen")
    link.start()
    assert link.wait_connected(5)
    time.sleep(0.2)  # the QoS 1 announcements reach the broker
    yield p
    p.withdraw()
    link.stop()


def test_the_speaker_announces_itself_retained_and_edge_parses_it(broker, ns, presence):
    topics = presence.topics
    late = Collector(broker.host, broker.port, [f"homeassistant/+/{topics.node}/+/config", f"{topics.base}/#"])
    try:  # a client that subscribes after the announcement still gets everything: retained
        assert wait_until(lambda: len(late.on("homeassistant/")) == 4)
        assert wait_until(lambda: late.last(topics.availability) == "online")
        retained = {t for t, _, r in late.messages if r}
        parsed = {}
        for topic, payload in late.on("homeassistant/"):
            assert topic in retained
            result = parse_discovery(topic, payload)
            assert isinstance(result, Discovered), result
            parsed[result.entity.name] = result.entity
        assert set(parsed) == {"Last command", "Listening state", "Mute", "Active timers"}
        mute = parsed["Mute"]
        assert mute.domain == "switch" and mute.area.casefold() == "kitchen" and mute.device_name == f"spk-{ns} speaker"
        assert mute.availability[0].topic == topics.availability and mute.availability[0].payload_not_available == "offline"
        assert json.loads(late.on("homeassistant/sensor")[0][1])["device"]["identifiers"] == [f"edge_{topics.node}"]
        assert late.last(topics.mute_state) == "OFF" and late.last(topics.listen_state) == "idle"
    finally:
        late.close()


def test_edge_does_not_take_its_own_speaker_for_a_device(broker, ns, presence):
    from edge.devices import DeviceLink

    mqtt_settings = settings_from_dict({"mqtt": {"host": broker.host, "port": broker.port}}).mqtt
    own = DeviceLink(mqtt_settings, client_id=f"own-{ns}", ignore_node_ids=(presence.topics.node,))
    other = DeviceLink(mqtt_settings, client_id=f"other-{ns}")  # another speaker's view: it may see them
    with own, other:
        assert own.wait_for_discovery(10.0) and other.wait_for_discovery(10.0)
        def speaker_entities(link):
            return [e for e in link.registry.entities() if presence.topics.node in e.discovery_topic]

        assert wait_until(lambda: {e.name for e in speaker_entities(other)} >= {"Mute", "Last command"})
        assert speaker_entities(own) == []


def test_the_mute_switch_is_echoed_and_survives_a_restart(broker, ns, presence, tmp_path):
    topics = presence.topics
    watch = Collector(broker.host, broker.port, [f"{topics.base}/#"])
    try:
        watch.publish(topics.mute_command, "ON")
        assert wait_until(lambda: presence.muted.is_set() and watch.last(topics.mute_state) == "ON")
        watch.publish(topics.mute_command, "loud please")  # bad input: ignored, nothing changes
        time.sleep(0.2)
        assert presence.muted.is_set() and watch.last(topics.mute_state) == "ON"
        # a restart: a new presence on the same state file starts muted
        unstarted = SpeakerLink(settings_from_dict({}).mqtt, f"restart-{ns}", topics.availability)
        again = threading.Event()
        SpeakerPresence(unstarted, topics, SpeakerStateStore(tmp_path / "speaker.db"), again)
        assert again.is_set()
        watch.publish(topics.mute_command, "OFF")
        assert wait_until(lambda: not presence.muted.is_set() and watch.last(topics.mute_state) == "OFF")
        after = threading.Event()
        SpeakerPresence(unstarted, topics, SpeakerStateStore(tmp_path / "speaker.db"), after)
        assert not after.is_set()
    finally:
        watch.close()


def test_a_clean_stop_says_offline(broker, ns, presence):
    topics = presence.topics
    watch = Collector(broker.host, broker.port, [topics.availability])
    try:
        assert wait_until(lambda: watch.last(topics.availability) == "online")
        presence.link.stop()
        assert wait_until(lambda: watch.last(topics.availability) == "offline")
    finally:
        watch.close()


# -- the whole loop, from audio ---------------------------------------------------------------
@pytest.fixture(scope="module")
def speaker(broker, tmp_path_factory):
    from edge.devices import DeviceLink
    from edge.pipeline.assistant import Assistant

    tmp = tmp_path_factory.mktemp("speaker")
    settings = _settings(broker, tmp, "loopspk")
    link = DeviceLink(settings.mqtt, client_id="edge-test-speaker", ignore_node_ids=("loopspk",))
    link.start()
    assistant = Assistant(settings, link)
    services = SpeakerServices.build(settings, assistant)
    assert services is not None
    services.start()
    assert services.link.wait_connected(5)
    link.wait_for_discovery(10.0)
    yield assistant, services
    assistant.close()
    services.stop()
    link.stop()


@pytest.mark.slow
def test_muted_the_wake_word_makes_no_turn(broker, speaker, voices):
    assistant, services = speaker
    topics = services.presence.topics
    watch = Collector(broker.host, broker.port, [f"{topics.base}/#"])
    clip = voices.piper("Alexa, what time is it?")
    try:
        watch.publish(topics.mute_command, "ON")
        assert wait_until(lambda: assistant.muted.is_set() and watch.last(topics.mute_state) == "ON")
        assert assistant.run_audio(clip, "muted", lambda n: None) == []
        watch.publish(topics.mute_command, "OFF")
        assert wait_until(lambda: not assistant.muted.is_set() and watch.last(topics.mute_state) == "OFF")
        (turn,) = assistant.run_audio(clip, "unmuted", lambda n: None)
        assert turn.outcome is Outcome.ANSWERED and turn.response.text.startswith("It's ")
        assert wait_until(lambda: watch.last(topics.last_command) == turn.asr.text)
        attributes = json.loads(watch.last(topics.last_command_attributes) or "{}")
        assert attributes["outcome"] == "answered" and attributes["intent"] == "HassGetCurrentTime"
        states = [p for t, p in watch.on(topics.listen_state)]
        assert {"listening", "thinking", "idle"} <= set(states)
    finally:
        watch.close()


@pytest.mark.slow
def test_hermes_events_for_a_turn_from_audio(broker, speaker, voices):
    assistant, _ = speaker
    watch = Collector(broker.host, broker.port, ["hermes/#"])
    try:
        (turn,) = assistant.run_audio(voices.piper("Alexa, what time is it?"), "hermes", lambda n: None)
        assert wait_until(lambda: len(watch.on("hermes/")) >= 3)
        topics = [t for t, _ in watch.on("hermes/")]
        assert topics[:3] == ["hermes/hotword/alexa/detected", "hermes/asr/textCaptured", "hermes/intent/HassGetCurrentTime"]
        payloads = [json.loads(p) for _, p in watch.on("hermes/")]
        assert payloads[0]["siteId"] == "loopspk" and payloads[0]["modelId"] == "alexa"
        assert payloads[1]["text"] == turn.asr.text and payloads[1]["sessionId"] == turn.session_id
        assert payloads[2]["intent"]["intentName"] == "HassGetCurrentTime" and payloads[2]["sessionId"] == turn.session_id

        (turn,) = assistant.run_audio(voices.piper("Alexa, my cousin has a bicycle."), "hermes", lambda n: None)
        assert turn.nlu is not None and turn.nlu.intent is None, (turn.asr.text, turn.nlu)
        assert wait_until(lambda: watch.last("hermes/nlu/intentNotRecognized") is not None)
        assert json.loads(watch.last("hermes/nlu/intentNotRecognized") or "{}")["sessionId"] == turn.session_id
    finally:
        watch.close()


@pytest.mark.slow
def test_a_two_second_timer_from_audio_rings_into_the_sink(broker, speaker, voices, tmp_path):
    from edge.audio import WavSink, read_audio
    from edge.timers.chime import CHIME_RATE, chime

    assistant, services = speaker
    rang, closed = threading.Event(), threading.Event()
    path = tmp_path / "ring.wav"

    class RingSink(WavSink):
        def close(self) -> None:
            super().close()
            closed.set()

    def ring_sink():
        rang.set()
        return RingSink(path)

    assistant.ring_sink = ring_sink
    timers_topic = services.presence.topics.timers
    watch = Collector(broker.host, broker.port, [timers_topic])
    try:
        (turn,) = assistant.run_audio(voices.piper("Alexa, set a timer for 2 seconds."), "timer", lambda n: None)
        set_at = time.monotonic()
        assert turn.nlu.intent == "HassStartTimer", turn.asr.text
        assert turn.outcome is Outcome.DONE and turn.response.text == "Timer set for 2 seconds."
        assert wait_until(lambda: watch.last(timers_topic) == "1")
        assert rang.wait(10)
        assert time.monotonic() - set_at <= 2.5  # set when the turn ended; rang after ~2 s
        assert closed.wait(20) and wait_until(lambda: watch.last(timers_topic) == "0")
        audio = read_audio(path)
        chime_s = len(chime(2)) / CHIME_RATE
        assert len(audio) / 16000 > chime_s + 1.0  # the chimes, then "Your 2 second timer is done."
        assert np.abs(audio[: int(chime_s * 16000)]).max() > 0.3
        assert np.abs(audio[int(chime_s * 16000) :]).max() > 0.05  # speech after the chime
    finally:
        assistant.ring_sink = lambda: None
        watch.close()


@pytest.mark.slow
def test_in_the_service_loop_the_worker_rings_the_timer(broker, voices, tmp_path):
    """`edge run`: the timer thread hands the ring to the worker, which plays it on the loop's sink."""
    from edge.devices import DeviceLink
    from edge.pipeline.assistant import Assistant
    from edge.timers.chime import CHIME_RATE, chime
    from tests.test_service_loop import RecordingMic

    class ThreadSink:
        def __init__(self) -> None:
            self.played: list[tuple[str, int, int]] = []  # (thread, rate, samples)

        def play(self, chunk, rate: int) -> None:
            self.played.append((threading.current_thread().name, rate, len(chunk)))

        def wait(self, timeout=None) -> None: ...
        def stop(self) -> None: ...
        def close(self) -> None: ...

    settings = _settings(broker, tmp_path, "svcspk", hermes={"enabled": False})
    audio = np.concatenate([np.zeros(16000, np.float32), voices.piper("Alexa, set a timer for 2 seconds.")])
    mic, sink, stop = RecordingMic(audio, pace_s=0.005), ThreadSink(), threading.Event()
    link = DeviceLink(settings.mqtt, client_id="edge-test-svc-timer")
    link.start()
    assistant = Assistant(settings, link)
    loop = threading.Thread(target=assistant.run_microphone, args=(mic, sink, stop, lambda: None))
    try:
        loop.start()
        chime_n = len(chime(settings.timers.chime_repeats))
        assert wait_until(lambda: (CHIME_RATE, chime_n) in [(rate, n) for _, rate, n in sink.played], 30)
        assert wait_until(lambda: len(sink.played) >= 3 and assistant.timers.timers() == [], 10)
        assert {name for name, _, _ in sink.played} == {"edge-worker"}  # never the audio or the timer thread
    finally:
        stop.set()
        loop.join(timeout=5)
        assistant.close()
        link.stop()
    assert not loop.is_alive()
