"""Barge-in by a stop word without the wake word: detection, latency and false barge-ins over the echo.

    .venv/bin/python benchmarks/barge_in_words.py [--gains 0.5,1] [--user-level 0.5] [--answers 4]

The speaker's answers (Piper renders) leak into the microphone through a simulated echo path
(``edge.audio.echo.EchoPath``); the real ``AudioFront`` (openWakeWord + Silero + the echo
canceller, kept across answers as the assistant keeps it) runs in the SPEAKING state with the
real stop-word check (Whisper tiny.en int8 + ``StopWords``, the default ``[barge_in] stop_words``),
synchronously so that every run is the same. Printed per echo gain:

(a) "stop", "no", "cancel", "be quiet", "enough", "shut up", "no, that's wrong" said over a playing
    answer (Piper and espeak-ng voices, ``--user-level`` relative to the rendered voice, 0.8 s into
    the answer): detection rate and latency from the end of the word to playback stop, that is the
    silence the segmenter waits for (``word_silence_s``) plus the ASR time, measured here on this CPU;
(b) false barge-ins over the answers playing with their echo alone (nobody speaks), over answers
    that say the stop words themselves ("No device called stop light."), and how many stretches of
    echo the VAD handed to Whisper (each one costs an ASR run while the answer plays).

At gain 2 and above Piper's echo clips the simulated microphone (0.3-0.9 % of the samples) and the
front suspends barge-in while it clips (``CLIP_HOLD_FRAMES``), stop words included: few are heard.
"""

from __future__ import annotations

import collections
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import pct  # noqa: E402  (sets the privacy environment)

import numpy as np  # noqa: E402

import edge  # noqa: E402,F401  (privacy environment before onnxruntime)
from benchmarks.barge_in import ANSWERS, LEAD_S, USER_AT_S, arguments, frames_of, microphone, piper_render  # noqa: E402
from edge.asr import Transcriber  # noqa: E402
from edge.audio import to_float32  # noqa: E402
from edge.audio.echo import EchoCanceller, EchoPath  # noqa: E402
from edge.config import AsrSettings, BargeInSettings, VadSettings, default_cache_dir  # noqa: E402
from edge.pipeline.front import FRAME_S, AudioFront, ListenState  # noqa: E402
from edge.pipeline.stop_words import StopWordChecker, StopWords, WordBargeIn  # noqa: E402
from edge.tts import espeak_synthesize  # noqa: E402
from edge.vad import SileroVad  # noqa: E402
from edge.wake import WakeWordDetector  # noqa: E402

WORDS = ["Stop.", "No.", "Cancel.", "Be quiet.", "Enough.", "Shut up.", "No, that's wrong."]
TRAPS = [  # answers that say the stop words themselves
    "No device called stop light.",
    "I couldn't find a device called stop.",
    "No, the garage door is already closed.",
    "Cancelled your pasta timer.",
    "OK, I won't. Stop.",
    "Turned off the quiet fan.",
    "That's enough light? Set it to 40 percent.",
    "No. Never mind.",
]


def word_end_s(clip: np.ndarray) -> float:
    """Where the voice in ``clip`` ends (the last 10 ms above -40 dBFS of its peak)."""
    hop = 160
    rms = [float(np.sqrt(np.mean(clip[i : i + hop] ** 2))) for i in range(0, len(clip) - hop, hop)]
    loud = [i for i, r in enumerate(rms) if r > max(rms) * 0.01]
    return (loud[-1] + 1) * hop / 16000 if loud else 0.0


class Run:
    def __init__(self, wake: WakeWordDetector, vad: SileroVad, asr: Transcriber, canceller: EchoCanceller | None) -> None:
        self.wake, self.vad, self.asr, self.canceller = wake, vad, asr, canceller
        self.words = StopWords(BargeInSettings().stop_words)
        self.asr_ms: list[float] = []
        self.heard: list[str] = []
        self.texts: list[str] = []  # everything Whisper heard over the answers

    def play(self, answer: tuple[str, np.ndarray], path: EchoPath, user: np.ndarray | None, level: float, rng) -> tuple:
        """One answer over its echo (and the user): (barge-in, stream s of the hand-off, ASR ms, segments checked)."""
        self.wake.reset()
        self.vad.reset()
        settings = BargeInSettings()
        front = AudioFront(self.wake, self.vad, VadSettings(), 1.0, echo=self.canceller, barge_in_threshold=0.5,
                           word_silence_s=settings.word_silence_s, word_max_s=settings.word_max_s)  # fmt: skip
        barged: list[tuple[object, float, float]] = []
        checks = [0]

        def check(segment) -> None:  # the checker, timed
            t0 = time.perf_counter()
            found = checker.check(segment)
            ms = (time.perf_counter() - t0) * 1000
            self.asr_ms.append(ms)
            checks[0] += 1
            self.texts.append(checker.last_text)
            if found is not None and front.barge_in_by_word(segment, found):
                barged[-1:] = [(found, segment.decided_s, ms)]

        checker = StopWordChecker(self.asr, self.words, front.barge_in_by_word)
        front.word_check = check
        front.on_barge_in = lambda b: barged.append((b, len(seen) * FRAME_S, 0.0))
        text, audio = answer
        mic, reference = microphone(audio, path, user, level, rng)
        front.state = ListenState.THINKING
        front.speaking(text)
        seen: list[int] = []
        for m, r in zip(frames_of(mic), frames_of(reference)):
            seen.append(1)
            front.play_reference(r)
            front.feed(m)
            if barged:
                break
        if barged:
            self.heard.append(getattr(barged[0][0], "text", "<wake word>"))
        return (barged[0] if barged else None), checks[0]


def main() -> None:
    ap = arguments(__doc__.splitlines()[0], "0.5,1")
    ap.add_argument("--answers", type=int, default=4, help="answers to talk over, per word and voice")
    args = ap.parse_args()
    t0 = time.perf_counter()
    render = piper_render()
    answers = [(a, render(a)) for a in ANSWERS]
    traps = [(a, render(a)) for a in TRAPS]
    long_answers = [a for a in answers if len(a[1]) / 16000 >= USER_AT_S + 1.6][: args.answers]
    users = {(v, w): render(w) if v == "piper" else to_float32(espeak_synthesize(w, voice="en", rate=16000))
             for v in ("piper", "espeak") for w in WORDS}  # fmt: skip
    wake = WakeWordDetector("alexa", threshold=0.5)
    vad = SileroVad(threads=1)
    asr = Transcriber(AsrSettings(), default_cache_dir())
    print(f"models and renders ready in {time.perf_counter() - t0:.1f} s; {len(answers)} answers, {len(traps)} that say "
          f"stop words, {len(long_answers)} long ones talked over with {len(WORDS)} words x 2 voices")  # fmt: skip
    rng = np.random.default_rng(0)
    for gain in [float(g) for g in args.gains.split(",")]:
        path = EchoPath(delay_s=0.03, rt60_s=0.3, gain=gain, seed=1)
        run = Run(wake, vad, asr, EchoCanceller())
        # (b) first, echo alone: the canceller starts fresh, as after a reboot
        false_plain, checked_plain = 0, 0
        for a in answers:
            hit, n = run.play(a, path, None, 0.0, rng)
            false_plain += hit is not None
            checked_plain += n
        false_traps, checked_traps = 0, 0
        for a in traps:
            hit, n = run.play(a, path, None, 0.0, rng)
            false_traps += hit is not None
            checked_traps += n
        false_heard = list(run.heard)
        run.heard.clear()
        run.asr_ms.clear()
        # (a) the user says a stop word over the answer
        per_word: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
        latencies: list[float] = []
        missed: list[str] = []
        for (voice, word), clip in users.items():
            end_s = LEAD_S + USER_AT_S + word_end_s(clip)
            for a in long_answers:
                run.texts.clear()
                hit, _ = run.play(a, path, clip, args.user_level, rng)
                per_word[word][1] += 1
                if hit is not None and isinstance(hit[0], WordBargeIn) and hit[1] >= LEAD_S + USER_AT_S:
                    per_word[word][0] += 1
                    latencies.append((hit[1] - end_s) * 1000 + hit[2])
                else:
                    missed.append(f"{voice} {word!r}: heard {run.texts}")
        detected = sum(d for d, _ in per_word.values())
        trials = sum(n for _, n in per_word.values())
        lat = (f"median {statistics.median(latencies):.0f} ms, p90 {pct(latencies, 0.9):.0f} ms, max {max(latencies):.0f} ms"
               if latencies else "-")  # fmt: skip
        print(f"gain {gain:g}: stop word detected {detected}/{trials} ({detected / max(trials, 1):.0%}); "
              f"latency from the end of the word to playback stop {lat} "
              f"(ASR median {statistics.median(run.asr_ms) if run.asr_ms else 0:.0f} ms)")
        print("  per word: " + ", ".join(f"{w!r} {d}/{n}" for w, (d, n) in per_word.items()))
        for line in missed:
            print(f"  missed: {line}")
        print(f"gain {gain:g}: false barge-ins, echo alone: {false_plain}/{len(answers)} answers "
              f"({checked_plain} stretches of echo checked by ASR); answers saying stop words: "
              f"{false_traps}/{len(traps)} ({checked_traps} checked)" + (f"; heard {false_heard}" if false_heard else ""))
        # the same without the echo canceller: the whole echo reaches the VAD and Whisper, only the matching guards
        raw = Run(wake, vad, asr, None)
        hits = [raw.play(a, path, None, 0.0, rng) for a in answers + traps]
        checked = sum(n for _, n in hits)
        print(f"gain {gain:g} echo cancel off: false barge-ins {sum(h is not None for h, _ in hits[: len(answers)])}/"
              f"{len(answers)} answers, {sum(h is not None for h, _ in hits[len(answers):])}/{len(traps)} saying stop "
              f"words ({checked} stretches checked); Whisper heard e.g. {[t for t in raw.texts if t][:6]}"
              + (f"; barged in on {raw.heard}" if raw.heard else ""))


if __name__ == "__main__":
    main()
