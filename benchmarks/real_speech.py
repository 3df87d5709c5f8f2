"""The loop on real human speech: real "alexa" recordings followed by real command recordings.

Each readable clip of ../shared/data/audio/wakeword/alexa (Picovoice benchmark speakers) is paired
round-robin with the recordings of ../shared/data/audio/commands-real that the simulated home can
serve (other speakers), twice: as recorded (the silence both clips carry makes a pause of about
1-3 s after the wake word) and trimmed tight (silence cut at the joint: said in one breath).
Prints wake detection, intent and outcome accuracy, and end of speech -> MQTT publish.

Usage: python benchmarks/real_speech.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import edge  # noqa: E402,F401
from benchmarks._common import SHARED_DATA, summary  # noqa: E402

COMMANDS = {
    "turn off lights in the Office": ("HassTurnOff", "done"),
    "turn off all of the lights in the Office": ("HassTurnOff", "done"),
    "what time is it": ("HassGetCurrentTime", "answered"),
    "what's the date": ("HassGetCurrentDate", "answered"),
}


def trim(audio: np.ndarray, side: str, threshold: float = 0.02) -> np.ndarray:
    """Cut the silence at one end (crude energy gate, 10 ms windows), keeping 50 ms."""
    win = 160
    loud = [i for i in range(0, len(audio) - win, win) if np.sqrt(np.mean(audio[i : i + win] ** 2)) > threshold]
    if not loud:
        return audio
    if side == "end":
        return audio[: min(len(audio), loud[-1] + win + 800)]
    return audio[max(0, loud[0] - 800) :]


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preroll-s", type=float, default=None, help="override [wake] preroll_s")
    args = ap.parse_args()
    from edge.audio import read_audio
    from edge.broker import LocalBroker
    from edge.config import settings_from_dict
    from edge.devices import DeviceLink
    from edge.errors import AudioError
    from edge.pipeline.assistant import Assistant
    from edge.sim import SimHome

    wake_dir = SHARED_DATA / "audio" / "wakeword" / "alexa"
    cmd_dir = SHARED_DATA / "audio" / "commands-real"
    if not wake_dir.is_dir() or not cmd_dir.is_dir():
        print(f"no real recordings under {SHARED_DATA}")
        return 1
    wakes = []
    for p in sorted(wake_dir.glob("*.flac"), key=lambda p: int(p.stem)):
        try:
            wakes.append((p.name, read_audio(p)))
        except AudioError:
            pass
    commands = [(c, read_audio(cmd_dir / f"{c}.wav")) for c in COMMANDS]

    tmp = Path(tempfile.mkdtemp(prefix="edge-real-"))
    results: dict[str, dict[str, list]] = {}
    with LocalBroker() as broker, SimHome(broker.host, broker.port):
        config = {"mqtt": {"host": broker.host, "port": broker.port}, "log": {"db": str(tmp / "t.db")}}
        if args.preroll_s is not None:
            config["wake"] = {"preroll_s": args.preroll_s}
        settings = settings_from_dict(config)
        link = DeviceLink(settings.mqtt, client_id="edge-real-speech")
        link.start()
        assistant = Assistant(settings, link)
        link.wait_for_discovery(1.0)
        for mode in ("pause", "one breath"):
            r = results[mode] = {"woke": [], "intent": [], "outcome": [], "latency": [], "wrong": []}
            for i, (wname, wake) in enumerate(wakes):
                text, command = commands[i % len(commands)]
                if mode == "one breath":
                    audio = np.concatenate([trim(wake, "end"), trim(command, "start")])
                else:
                    audio = np.concatenate([wake, command])
                turns = assistant.run_audio(audio, f"{wname}+{text}", lambda n: None)
                intent, outcome = COMMANDS[text]
                r["woke"].append(bool(turns))
                if not turns:
                    continue
                t = turns[0]
                ok_intent = t.nlu is not None and t.nlu.intent == intent
                r["intent"].append(ok_intent)
                r["outcome"].append(ok_intent and t.outcome is not None and t.outcome.value == outcome)
                if not r["outcome"][-1]:
                    r["wrong"].append(f"{wname} + {text!r}: heard {t.asr.text if t.asr else None!r} -> {t.outcome}")
                if "end_of_speech_to_action" in t.timings_ms:
                    r["latency"].append(t.timings_ms["end_of_speech_to_action"])
        link.stop()

    print(f"real speech: {len(wakes)} real 'alexa' recordings, each followed by one of {len(commands)} real commands; "
          f"pre-roll {settings.wake.preroll_s} s")
    for mode, r in results.items():
        n, woke = len(r["woke"]), sum(r["woke"])
        print(f"  [{mode}] woke {woke}/{n} = {100 * woke / n:.1f} %   "
              f"intent right {sum(r['intent'])}/{woke}   outcome right {sum(r['outcome'])}/{woke} "
              f"= {100 * sum(r['outcome']) / max(woke, 1):.1f} %")
        print(f"  [{mode}] end of speech -> MQTT publish {summary(r['latency'])}")
        for w in r["wrong"][:8]:
            print(f"    wrong: {w}")
        if len(r["wrong"]) > 8:
            print(f"    ... and {len(r['wrong']) - 8} more")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
