"""The service loop (`edge run`) with a microphone that plays a recording, then silence.

Everything but the sound card is real: the audio thread, the worker thread, the models, the
broker, the simulated home, the turn log, the stop event that SIGTERM sets.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from edge.config import settings_from_dict
from edge.turn import Outcome

pytestmark = [pytest.mark.slow, pytest.mark.integration]


class RecordingMic:
    """Yields 80 ms frames of a recording, then silence, until the loop stops reading."""

    def __init__(self, audio: np.ndarray, pace_s: float = 0.0) -> None:
        self.pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
        self.pace_s = pace_s
        self.frames_read = 0

    def frames(self):
        silence = np.zeros(1280, np.int16)
        i = 0
        while True:
            chunk = self.pcm[i : i + 1280] if i < len(self.pcm) else silence
            if len(chunk) < 1280:
                chunk = np.concatenate([chunk, silence[: 1280 - len(chunk)]])
            i += 1280
            self.frames_read += 1
            if self.pace_s:
                time.sleep(self.pace_s)
            yield chunk


def test_the_service_loop_acts_logs_and_stops(broker, voices, tmp_path):
    from edge.audio import NullSink
    from edge.devices import DeviceLink
    from edge.pipeline.assistant import Assistant
    from edge.sim import SimHome
    from edge.turnlog import TurnLog

    settings = settings_from_dict(
        {
            "mqtt": {"host": broker.host, "port": broker.port},
            "speaker": {"area": "Kitchen"},
            "log": {"db": str(tmp_path / "t.db")},
        }
    )
    audio = np.concatenate([np.zeros(16000, np.float32), voices.piper("Alexa, turn on the hallway light.")])
    mic = RecordingMic(audio, pace_s=0.005)
    stop = threading.Event()
    beats = []
    with SimHome(broker.host, broker.port) as home:
        link = DeviceLink(settings.mqtt, client_id="edge-test-service")
        link.start()
        log = TurnLog(settings.log.db_path())
        try:
            assistant = Assistant(settings, link, turn_log=log)
            link.wait_for_discovery(10.0)
            loop = threading.Thread(target=assistant.run_microphone, args=(mic, NullSink(), stop, lambda: beats.append(1)))
            loop.start()
            deadline = time.monotonic() + 30
            while log.count() == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            stop.set()  # what SIGTERM does
            loop.join(timeout=5)
            assert not loop.is_alive(), "the loop did not stop on the stop event"
            (turn,) = list(log.turns())
            assert turn.source == "mic" and turn.outcome is Outcome.DONE
            assert home.state("sim_hallway_light") == "on"
            assert turn.response.tts_first_audio_ms is not None  # the answer was spoken
            assert len(beats) == mic.frames_read or len(beats) == mic.frames_read - 1  # a heartbeat per frame
        finally:
            stop.set()
            link.stop()
            log.close()
