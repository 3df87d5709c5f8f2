"""Barge-in while the answer plays: false barge-ins from the speaker's own echo, detection of "Alexa, stop".

    .venv/bin/python benchmarks/barge_in.py [--gains 1,3] [--user-level 0.5]

The speaker's answers (Piper renders of real responses) leak into the microphone
through a simulated echo path (``edge.audio.echo.EchoPath``: delay, synthetic room
impulse response, gain), with and without a user saying "Alexa, stop" over them
(Piper and espeak-ng voices, 0.8 s into the answer). Each case runs through the real
``AudioFront`` (openWakeWord + Silero) in the SPEAKING state, with the echo
canceller on and off. Printed per condition:

- false barge-ins per answer played (echo only, no user),
- the highest wake score the echo alone reached (the margin to the threshold),
- how often the echo alone looks like speech to the VAD (>= 0.16 s): each such answer would
  cost a keyword ASR if "stop" were detected by VAD + ASR instead of the wake word,
- barge-in detection rate and latency (from the user's first sound to the barge-in).

The canceller is kept across answers, as the assistant keeps it (the room's echo path).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

os.environ["ORT_DISABLE_TELEMETRY"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

import edge  # noqa: F401  (privacy environment before onnxruntime)
from edge.audio import resample, to_float32
from edge.audio.echo import EchoCanceller, EchoPath
from edge.config import TtsSettings, VadSettings
from edge.pipeline.front import FRAME_SAMPLES, AudioFront, ListenState
from edge.tts import Synthesizer, espeak_synthesize
from edge.vad import SileroVad
from edge.wake import WakeWordDetector

ANSWERS = [  # what edge says (edge.respond templates and the dialogue's questions)
    "Turned on the kitchen light.",
    "I couldn't find a device called garage light.",
    "I can't reach your devices right now. I'll keep trying.",
    "Are you sure you want to unlock the front door?",
    "The ceiling light or the lamp?",
    "It's 3:45 PM.",
    "Today is Monday, March 3.",
    "I sent the command, but the garage door didn't respond.",
    "Sorry, I didn't understand that.",
    "Set the standing light to 40 percent.",
    "The garage door is opening.",
    "OK, I won't.",
]
HARD = [  # answers that say the wake word: a device named after it
    "I couldn't find a device called alexa lamp.",
    "Turned on alexa's light.",
]
USER_AT_S = 0.8
LEAD_S = 1.0


def frames_of(x: np.ndarray) -> list[np.ndarray]:
    pcm = (np.clip(x, -1, 1) * 32767).astype(np.int16)
    pcm = np.concatenate([pcm, np.zeros((-len(pcm)) % FRAME_SAMPLES, np.int16)])
    return [pcm[i : i + FRAME_SAMPLES] for i in range(0, len(pcm), FRAME_SAMPLES)]


def microphone(answer: np.ndarray, path: EchoPath, user: np.ndarray | None, level: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """(what the microphone hears, what the loudspeaker plays): the answer after a lead-in, its echo, the user."""
    lead = np.zeros(int(LEAD_S * 16000), np.float32)
    reference = np.concatenate([lead, answer, np.zeros(8000, np.float32)])
    mic = path.apply(reference)[: len(reference)]
    mic = mic + rng.standard_normal(len(mic)).astype(np.float32) * 3e-4  # a quiet room
    if user is not None:
        at = int((LEAD_S + USER_AT_S) * 16000)
        end = min(len(mic), at + len(user))
        mic[at:end] += level * user[: end - at]
    return mic, reference


def play(wake, vad, echo_canceller, answer: np.ndarray, path: EchoPath, user: np.ndarray | None, level: float, rng):
    """One answer over its echo (and the user): (barged-in at s or None, max wake score, VAD speech s)."""
    wake.reset()
    vad.reset()
    barged: list[float] = []
    front = AudioFront(wake, vad, VadSettings(), 1.0, echo=echo_canceller, barge_in_threshold=wake.threshold)
    mic, reference = microphone(answer, path, user, level, rng)
    mic_frames, ref_frames = frames_of(mic), frames_of(reference)
    front.state = ListenState.SPEAKING
    front.on_barge_in = lambda d: barged.append(len(seen) * FRAME_SAMPLES / 16000)
    seen: list[int] = []
    speech_s = 0.0
    max_score = 0.0
    for m, r in zip(mic_frames, ref_frames):
        seen.append(1)
        if front.state is ListenState.SPEAKING:
            front.play_reference(r)
        front.feed(m)
        max_score = max(max_score, getattr(wake, "last_score", 0.0))
        if front.state is not ListenState.SPEAKING:
            break
    # VAD on what the front hears (echo-cancelled or not), echo only
    if user is None:
        vad.reset()
        canceller = echo_canceller
        for m, r in zip(mic_frames, ref_frames):
            heard = canceller.process(m, r) if canceller is not None else m
            (p,) = vad.process(heard)
            speech_s += 0.08 if p >= 0.5 else 0.0
    return (barged[0] if barged else None), max_score, speech_s


def arguments(description: str, gains: str) -> argparse.ArgumentParser:
    """The options both barge-in benchmarks take."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--gains", default=gains, help="echo gains (linear) to try")
    ap.add_argument("--user-level", type=float, default=0.5, help="the user's level relative to the rendered voice")
    return ap


def piper_render() -> Callable[[str], np.ndarray]:
    """Text -> Piper's voice (joe, deterministic), 16 kHz float32."""
    piper = Synthesizer(TtsSettings(), threads=1, deterministic=True)

    def render(text: str) -> np.ndarray:
        return resample(to_float32(np.concatenate(list(piper.synthesize(text)))), piper.sample_rate, 16000)

    return render


def main() -> None:
    args = arguments(__doc__.splitlines()[0], "1,3").parse_args()
    t0 = time.perf_counter()
    render = piper_render()
    answers = [render(a) for a in ANSWERS]
    hard = [render(a) for a in HARD]
    users = {
        "piper": render("Alexa, stop."),
        "espeak": to_float32(espeak_synthesize("Alexa, stop.", voice="en", rate=16000)),
    }
    wake = WakeWordDetector("alexa", threshold=0.5)
    vad = SileroVad(threads=1)
    print(f"models and renders ready in {time.perf_counter() - t0:.1f} s; {len(answers)} answers "
          f"({sum(len(a) for a in answers) / 16000:.1f} s), {len(hard)} that say the wake word")
    rng = np.random.default_rng(0)
    for gain in [float(g) for g in args.gains.split(",")]:
        for delay in (0.02, 0.08):
            path = EchoPath(delay_s=delay, rt60_s=0.3, gain=gain, seed=1)
            for cancel in (False, True):
                canceller = EchoCanceller() if cancel else None
                false_hits, scores, vad_answers = 0, [], 0
                for a in answers:
                    hit, score, speech = play(wake, vad, canceller, a, path, None, 0, rng)
                    false_hits += hit is not None
                    scores.append(score)
                    vad_answers += speech >= 0.16
                hard_hits = sum(play(wake, vad, canceller, a, path, None, 0, rng)[0] is not None for a in hard)
                detected, latencies = 0, []
                trials = 0
                for voice, user in users.items():
                    for a in answers:
                        if len(a) / 16000 < USER_AT_S + 0.6:
                            continue  # too short to talk over
                        trials += 1
                        hit, _, _ = play(wake, vad, canceller, a, path, user, args.user_level, rng)
                        if hit is not None and hit >= LEAD_S + USER_AT_S:
                            detected += 1
                            latencies.append((hit - LEAD_S - USER_AT_S) * 1000)
                lat = f"median {statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms" if latencies else "-"
                print(
                    f"gain {gain:g} delay {delay * 1000:.0f} ms  echo cancel {'on ' if cancel else 'off'}: "
                    f"false barge-ins {false_hits}/{len(answers)} answers ({false_hits / len(answers):.2f} per answer), "
                    f"wake-word answers {hard_hits}/{len(hard)}, max echo wake score {max(scores):.3f}, "
                    f"echo looks like speech in {vad_answers}/{len(answers)}; "
                    f"'Alexa, stop' detected {detected}/{trials} ({detected / max(trials, 1):.0%}), latency {lat}"
                )
    # cost of the canceller per 80 ms frame
    c = EchoCanceller()
    m = frames_of(EchoPath().apply(answers[2])[: len(answers[2])])
    r = frames_of(answers[2])
    t = time.perf_counter()
    for a, b in zip(m, r):
        c.process(a, b)
    print(f"echo canceller: {(time.perf_counter() - t) / len(m) * 1000:.2f} ms per 80 ms frame")


if __name__ == "__main__":
    main()
