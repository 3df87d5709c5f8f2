"""The voice loop, measured: per-stage latency, end of speech -> MQTT publish, ASR real-time factor,
wake word CPU per frame, peak RSS of the running loop.

Runs a real Mosquitto (started here), the simulated home, and the real models; the commands are
synthesized with Piper (joe) and espeak-ng (en), two different voices, and fed through the loop
exactly as `edge listen` feeds a file. "End of speech" is the moment the endpointer declares the
command over (after the silence hangover, [vad] hangover_s, printed below).

Usage: python benchmarks/loop_latency.py [--asr-model tiny.en] [--repeat 1] [--config FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import edge  # noqa: E402,F401
from benchmarks._common import peak_rss_mb, summary  # noqa: E402

COMMANDS = (
    ("Alexa, turn on the kitchen light.", "HassTurnOn"),
    ("Alexa, turn off the kitchen light.", "HassTurnOff"),
    ("Alexa, turn on the bedroom light.", "HassTurnOn"),
    ("Alexa, switch off the office light.", "HassTurnOff"),
    ("Alexa, turn on the coffee maker.", "HassTurnOn"),
    ("Alexa, turn off the desk fan.", "HassTurnOff"),
    ("Alexa, turn on the porch light.", "HassTurnOn"),
    ("Alexa, turn off the hallway light.", "HassTurnOff"),
    ("Alexa, turn on the lights in the living room.", "HassTurnOn"),
    ("Alexa, turn off the lights in the bedroom.", "HassTurnOff"),
    ("Alexa, turn off the porch light.", "HassTurnOff"),
    ("Alexa, switch on the office light.", "HassTurnOn"),
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--asr-model", default=None, help="override [asr] model (tiny.en, base)")
    ap.add_argument("--repeat", type=int, default=1, help="run the command set this many times")
    ap.add_argument("--config", default=None)
    args = ap.parse_args()

    from edge.audio import NullSink, resample, to_float32
    from edge.broker import LocalBroker
    from edge.config import load_settings, settings_from_dict
    from edge.devices import DeviceLink
    from edge.pipeline.assistant import Assistant
    from edge.sim import SimHome
    from edge.tts import espeak_synthesize
    from edge.turn import Outcome

    base = load_settings(args.config)
    tmp = Path(tempfile.mkdtemp(prefix="edge-bench-"))
    with LocalBroker() as broker, SimHome(broker.host, broker.port):
        overrides = {
            "mqtt": {"host": broker.host, "port": broker.port},
            "log": {"db": str(tmp / "turns.db")},
            "nlu": {"match_cache": 0},  # every utterance pays for its template match (repeats are not cached)
            "asr": {"model": args.asr_model or base.asr.model, "compute_type": base.asr.compute_type,
                    "threads": base.asr.threads, "beam_size": base.asr.beam_size, "window_s": base.asr.window_s},
        }
        settings = settings_from_dict(overrides)
        link = DeviceLink(settings.mqtt, client_id="edge-bench")
        link.start()
        t0 = time.perf_counter()
        assistant = Assistant(settings, link)
        _ = assistant.tts
        load_s = time.perf_counter() - t0
        link.wait_for_discovery(1.0)

        piper = assistant.tts  # the loop's own Piper voice speaks the test commands
        clips = []
        for text, intent in COMMANDS:
            spoken = to_float32(np.concatenate(list(piper.synthesize(text))))
            clips.append(("piper", text, intent, resample(spoken, piper.sample_rate, 16000)))
            clips.append(("espeak", text, intent, to_float32(espeak_synthesize(text, voice="en", rate=16000))))

        keys = ("asr", "nlu", "resolve", "action", "end_of_speech_to_action", "tts_first_audio", "tts_first_audio_cached")
        stages: dict[str, list[float]] = {k: [] for k in keys}
        rtf: list[float] = []
        by_voice: dict[str, list[float]] = {"piper": [], "espeak": []}
        ok = total = 0
        wrong: list[str] = []
        spoken: set[str] = set()
        for _ in range(args.repeat):
            for voice, text, intent, audio in clips:
                turns = assistant.run_audio(audio, f"{voice}:{text}", lambda n: NullSink())
                total += 1
                if len(turns) != 1:
                    wrong.append(f"{voice}: {text!r} -> {len(turns)} turns")
                    continue
                turn = turns[0]
                good = turn.outcome is Outcome.DONE and turn.nlu is not None and turn.nlu.intent == intent
                ok += good
                if not good:
                    wrong.append(f"{voice}: {text!r} -> {turn.asr.text if turn.asr else None!r} {turn.outcome}")
                for k in keys[:-2]:
                    if k in turn.timings_ms:
                        stages[k].append(turn.timings_ms[k])
                if "tts_first_audio" in turn.timings_ms and turn.response:  # an answer said before comes from the cache
                    cached = turn.response.text in spoken
                    spoken.add(turn.response.text)
                    stages["tts_first_audio_cached" if cached else "tts_first_audio"].append(turn.timings_ms["tts_first_audio"])
                if "end_of_speech_to_action" in turn.timings_ms:
                    by_voice[voice].append(turn.timings_ms["end_of_speech_to_action"])
                if turn.asr and "asr" in turn.timings_ms:
                    rtf.append(turn.timings_ms["asr"] / 1000 / turn.asr.audio_s)
        link.stop()

    s = settings
    print(f"edge voice loop benchmark: ASR {s.asr.model} {s.asr.compute_type}, {s.asr.threads} threads, beam {s.asr.beam_size}, "
          f"window >= {s.asr.window_s} s; VAD hangover {s.vad.hangover_s} s")
    print(f"utterances: {total} ({len(COMMANDS)} commands x 2 voices: Piper joe, espeak-ng en) x {args.repeat}")
    print(f"correct outcome (intent + device confirmed): {ok}/{total}")
    for w in wrong:
        print(f"  wrong: {w}")
    for k, v in stages.items():
        print(f"  {k:<25} {summary(v)}")
    for voice, v in by_voice.items():
        print(f"  end_of_speech_to_action [{voice}] {summary(v)}")
    print(f"ASR real-time factor: median {statistics.median(rtf):.3f}  p90 {sorted(rtf)[int(0.9 * (len(rtf) - 1))]:.3f}")
    print(f"models loaded in {load_s:.1f} s; peak RSS of the loop process {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
