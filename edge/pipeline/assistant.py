"""The assistant: every stage built from Settings, and the two ways to run it.

``run_files`` feeds audio files through the loop as if spoken to the device;
``run_microphone`` is the service loop. Both share one AudioFront per stream
and one TurnProcessor; orchestration lives here and nowhere else.

Threads in the service loop: PortAudio's callback only enqueues frames; the
audio thread runs wake word + VAD per frame; one worker thread runs ASR, NLU,
resolution, MQTT and TTS; paho-mqtt has its own network thread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import queue
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from edge.config import Settings, default_cache_dir
from edge.pipeline.events import Observers
from edge.pipeline.front import FRAME_SAMPLES, AudioFront, CapturedCommand, ListenState
from edge.pipeline.processor import TurnProcessor
from edge.pipeline.stop_words import BackgroundChecker, StopWordChecker, StopWords
from edge.timers import TimerManager
from edge.timers.ringer import Ring, TimerRinger
from edge.turn import Outcome, Turn

_LOG = logging.getLogger("edge.pipeline")

LEAD_IN_S = 1.0  # silence before a file, so the wake word's feature buffers are warm
MAX_DIALOG_TAIL_S = 60.0  # silence fed after a file at most, while an answer plays or a follow-up window is open


class _Tap:
    """A sink in front of the real one that also hands every chunk, at 16 kHz, to ``reference``."""

    def __init__(self, sink: object, reference: Callable[[np.ndarray], None]) -> None:
        self.sink = sink
        self.reference = reference

    def play(self, chunk: np.ndarray, rate: int) -> None:
        from edge.audio import resample, to_int16

        self.sink.play(chunk, rate)  # type: ignore[attr-defined]
        self.reference(to_int16(resample(chunk, rate, 16000)))


def _mixed(pcm: np.ndarray, audio: np.ndarray, at: int) -> np.ndarray:
    """``pcm`` with ``audio`` added from sample ``at`` on, longer when it must be (a copy)."""
    out = np.concatenate([pcm, np.zeros(max(0, at + len(audio) - len(pcm)), np.float32)])
    out[at : at + len(audio)] += audio.astype(np.float32)
    return out


def log_turn(turn: Turn) -> None:
    """One structured line per turn: what happened to it."""
    t = turn.timings_ms
    _LOG.info(
        "turn %s outcome=%s wake=%.2f heard=%r intent=%s entities=%s actions=%s response=%r timings_ms=%s",
        turn.turn_id,
        turn.outcome.value if turn.outcome else None,
        turn.wake.score if turn.wake else 0.0,
        turn.asr.text if turn.asr else None,
        turn.nlu.intent if turn.nlu else None,
        [e.unique_id for e in turn.resolution.entities] if turn.resolution else [],
        [(a.topic, a.payload, a.confirmed) for a in turn.actions],
        turn.response.text if turn.response else None,
        {k: round(v) for k, v in t.items()},
    )


class Assistant:
    def __init__(
        self, settings: Settings, devices: object, *, turn_log: object | None = None, timers: TimerManager | None = None,
        deterministic_tts: bool = False, now: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        """timers: the TimerManager to use; None builds one on ``[timers] db``. ``deterministic_tts``: answers
        without Piper's sampling noise, so the same text always takes as long (the simulator's replies are timed
        against the answer). ``now``: the clock "what time is it" reads (the simulator's is simulated time, so an
        answer, its length and its echo do not depend on when the run happens)."""
        from edge.asr import Transcriber
        from edge.nlu.factory import build_interpreter
        from edge.skills import LocalSkills
        from edge.timers import TimerStore
        from edge.vad import SileroVad
        from edge.wake import WakeWordDetector

        self.settings = settings
        t0 = time.perf_counter()
        w = settings.wake
        self.wake = WakeWordDetector(w.model, threshold=w.threshold, refractory_s=w.refractory_s, threads=w.threads)
        self.vad = SileroVad(threads=1)
        self.transcriber = Transcriber(settings.asr, default_cache_dir())
        self.matcher = build_interpreter(settings.nlu)
        self._tts: object | None = None
        self._deterministic_tts = deterministic_tts
        self.devices = devices
        self.turn_log = turn_log
        self.events = Observers()  # Hermes, the speaker's Home Assistant sensors (edge.presence) add themselves
        self.muted = threading.Event()  # the mute switch: wake words are ignored while set
        self.timers = timers if timers is not None else TimerManager(TimerStore(settings.timers.db_path()), time.time)
        self.ringer = TimerRinger(self.timers, self._ring_now)
        self.ring_sink: Callable[[], object | None] = lambda: None  # a fresh sink per ring outside the service loop
        self.audio_position_s = 0.0  # run_audio: seconds of the file heard so far (the simulator's clock)
        self._files_s = 0.0  # run_audio: seconds of all the files before this one
        self.processor = TurnProcessor(
            self.transcriber,
            self.matcher,
            devices,  # type: ignore[arg-type]
            device_id=settings.speaker.id,
            area=settings.speaker.area,
            confirm_timeout_s=settings.mqtt.confirm_timeout_s,
            wake_model=self.wake.name,
            skills=LocalSkills(self.timers, hour_24=settings.speaker.hour_24, now=now),
            observer=self.events,
            dialog=settings.dialog,
        )
        self._echo: object | None = None
        self.stop_words = StopWords(settings.barge_in.stop_words)
        if settings.barge_in.words and not self.stop_words.phrases:
            _LOG.warning("[barge_in] words = true but stop_words is empty: only the wake word barges in")
        _LOG.info("models loaded in %.1f s", time.perf_counter() - t0)

    @property
    def tts(self):  # type: ignore[no-untyped-def]
        """Piper is loaded on first use: `edge listen` without answers never needs it."""
        if self._tts is None:
            from edge.tts import Synthesizer

            self._tts = Synthesizer(self.settings.tts, threads=self.settings.tts.threads, deterministic=self._deterministic_tts)
        return self._tts

    def new_front(self, on_barge_in: Callable[[object], None] | None = None) -> AudioFront:
        """A front for one stream. The echo canceller is kept across streams: the echo path is the room's.

        With ``[barge_in] words``, its ``word_check`` transcribes speech heard over the answer right
        away (on the caller's thread: right for files); the service loop puts it on a thread of its own.
        """
        from edge.audio.echo import EchoCanceller

        self.wake.reset()
        self.vad.reset()
        b = self.settings.barge_in
        if b.echo_cancel and self._echo is None:
            self._echo = EchoCanceller()
        front = AudioFront(
            self.wake,
            self.vad,
            self.settings.vad,
            self.settings.wake.preroll_s,
            echo=self._echo if b.echo_cancel else None,  # type: ignore[arg-type]
            barge_in_threshold=b.wake_threshold if b.enabled else None,
            on_barge_in=on_barge_in,  # type: ignore[arg-type]
            observer=self.events,
            muted=self.muted.is_set,
            word_silence_s=b.word_silence_s,
            word_max_s=b.word_max_s,
        )
        if b.enabled and b.words and self.stop_words.phrases:
            front.word_check = StopWordChecker(self.transcriber, self.stop_words, front.barge_in_by_word)
        return front

    # -- timers -----------------------------------------------------------------------
    def start_timers(self, on_ring: Callable[[Ring], None] | None = None) -> None:
        """Ring finished timers from now on: through ``on_ring``, else at once into ``ring_sink()``."""
        self.ringer.on_ring = on_ring or self._ring_now
        self.ringer.start()

    def ring(self, ring: Ring, sink: object | None) -> None:
        """The chime, then "Your pasta timer is done." into ``sink`` (a log line without one)."""
        if sink is None:
            _LOG.info("timer %s: %s (no sink to ring into)", ring.timer.timer_id, ring.text)
            return
        from edge.timers.chime import CHIME_RATE, chime

        sink.play(chime(self.settings.timers.chime_repeats), CHIME_RATE)  # type: ignore[attr-defined]
        self.tts.speak(ring.text, sink)

    def _ring_now(self, ring: Ring) -> None:
        sink = self.ring_sink()
        try:
            self.ring(ring, sink)
        finally:
            if sink is not None:
                sink.close()  # type: ignore[attr-defined]

    def close(self) -> None:
        self.ringer.stop()

    # -- one turn, after the command was captured -------------------------------------
    def handle(self, command: CapturedCommand, source: str, sink: object | None) -> Turn:
        return self.finish(self.processor.process(command, source), sink)

    def speak(self, turn: Turn, sink: object | None, cancel: threading.Event | None = None) -> Turn:
        """Speak the answer (when there is a sink); the turn with the TTS timing. Setting ``cancel`` stops it."""
        response = turn.response
        if sink is not None and response is not None and response.text:
            try:
                first_ms = self.tts.speak(response.text, sink, cancel)
                turn = dataclasses.replace(turn, response=dataclasses.replace(response, tts_first_audio_ms=round(first_ms, 1)))
                turn = turn.with_timing(tts_first_audio=first_ms)
            except Exception as exc:  # the answer failing must not lose the turn
                _LOG.error("turn %s: could not speak the answer: %s", turn.turn_id, exc)
        return turn

    def record(self, turn: Turn, *, interrupted: bool = False) -> Turn:
        """The turn is over (its answer played or was cut off): log it."""
        if interrupted and turn.response is not None:
            turn = dataclasses.replace(turn, response=dataclasses.replace(turn.response, interrupted=True))
            _LOG.info("turn %s: answer interrupted (barge-in)", turn.turn_id)
        if self.turn_log is not None:
            self.turn_log.append(turn)  # type: ignore[attr-defined]
        log_turn(turn)
        self.events.finished(turn)
        return turn

    def finish(self, turn: Turn, sink: object | None) -> Turn:
        """Speak the answer (when there is a sink), log the turn, return it with the TTS timing."""
        return self.record(self.speak(turn, sink))

    def _after(self, turn: Turn, front: AudioFront, interrupted: bool) -> None:
        """What the front does once the answer is over: wait for the answer to our question, or the wake word."""
        if turn.outcome is Outcome.ASKED and not interrupted:
            front.follow_up(self.settings.dialog.followup_timeout_s)
        else:
            if turn.outcome is Outcome.ASKED:
                self.processor.dialog.drop()  # the question was cut off: nobody is answering it
            front.release()

    # -- files ------------------------------------------------------------------------
    def run_audio(
        self,
        audio: np.ndarray,
        source: str,
        sink_for: Callable[[int], object | None],
        *,
        echo: Callable[[np.ndarray], np.ndarray] | None = None,
        react: Callable[[Turn, float], tuple[float, np.ndarray] | None] | None = None,
    ) -> list[Turn]:
        """Run 16 kHz float32 audio through the loop; ``sink_for(n)`` gives the sink of turn n.

        The file is the microphone. An answer spoken to a sink plays over the audio that follows
        it (for as long as it lasts): a wake word there is a barge-in and cuts it off. ``echo``
        (playback -> what the microphone hears of it, e.g. ``edge.audio.echo.EchoPath.apply``)
        mixes the answer back into the file, as a loudspeaker next to the microphone would.
        After a question, its answer is simply the audio that follows, without the wake word.
        ``react(turn, answer_s)`` is the listener (the closed-loop simulator, ``edge.simulate``):
        called with each turn once its answer (``answer_s`` long) starts to play, it may return
        ``(delay_s, audio)``, which is then heard ``delay_s`` after the answer started: the wake
        word before the answer ends is a barge-in, an answer to a question needs none.
        """
        # questions wait, and "it" lasts, in the files' time (one file after another), not the machine's:
        # the same audio gives the same turns however fast it is processed
        base = self._files_s
        self.audio_position_s = 0.0
        self.processor.conversation_clock = lambda: base + self.audio_position_s
        try:
            return self._run_audio(audio, source, sink_for, echo=echo, react=react)
        finally:
            self._files_s = base + self.audio_position_s
            self.processor.conversation_clock = time.monotonic

    def _run_audio(
        self,
        audio: np.ndarray,
        source: str,
        sink_for: Callable[[int], object | None],
        *,
        echo: Callable[[np.ndarray], np.ndarray] | None,
        react: Callable[[Turn, float], tuple[float, np.ndarray] | None] | None,
    ) -> list[Turn]:
        barged: list[bool] = []
        front = self.new_front(on_barge_in=lambda _d: barged.append(True))
        self.ringer.start()  # timers set by these turns ring through ring_sink()
        tail_s = self.settings.vad.no_speech_timeout_s + self.settings.vad.hangover_s + 0.5
        pcm = np.concatenate(
            [np.zeros(int(LEAD_IN_S * 16000), np.float32), audio.astype(np.float32), np.zeros(int(tail_s * 16000), np.float32)]
        )
        turns: list[Turn] = []
        playing: tuple[Turn, int] | None = None  # the turn whose answer plays, and the sample where it ends
        echoing: tuple[int, np.ndarray, np.ndarray] | None = None  # where the answer's echo starts, the answer, the echo
        start = 0
        while start < len(pcm) or (playing or front.state is not ListenState.IDLE):
            if start >= len(pcm):  # the file ended while the answer plays or we wait for an answer: silence
                if start - len(pcm) > MAX_DIALOG_TAIL_S * 16000:
                    break
                pcm = np.concatenate([pcm, np.zeros(FRAME_SAMPLES, np.float32)])
            if playing is not None and (barged or start >= playing[1]):
                if barged and echoing is not None:  # playback stopped here: so does the sound reaching the microphone
                    at, reference, heard = echoing
                    cut = echo(reference[: start - at]) if echo is not None else heard[:0]
                    pcm[at : at + len(heard)] -= heard
                    pcm[at : at + len(cut)] += cut
                echoing = None
                turns.append(self.record(playing[0], interrupted=bool(barged)))
                self._after(playing[0], front, interrupted=bool(barged))
                playing, barged[:] = None, []
            frame = (np.clip(pcm[start : start + FRAME_SAMPLES], -1.0, 1.0) * 32767).astype(np.int16)
            start += FRAME_SAMPLES
            self.audio_position_s = start / 16000
            for command in front.feed(frame):
                turn = self.processor.process(command, source)
                sink = sink_for(len(turns))
                played: list[np.ndarray] = []
                if sink is not None:
                    turn = self.speak(turn, _Tap(sink, played.append))
                if react is not None:
                    reply = react(turn, sum(len(p) for p in played) / 16000)
                    if reply is not None:
                        pcm = _mixed(pcm, reply[1], start + max(0, int(reply[0] * 16000)))
                if not played:
                    turns.append(self.record(turn))
                    self._after(turn, front, interrupted=False)
                    continue
                reference = np.concatenate(played)
                front.speaking(turn.response.text if turn.response is not None else "")
                front.play_reference(reference)
                if echo is not None:  # the loudspeaker's sound reaches the microphone from now on
                    played16k = reference.astype(np.float32) / 32768.0
                    heard = echo(played16k)
                    end = start + len(heard)
                    if end > len(pcm):
                        pcm = np.concatenate([pcm, np.zeros(end - len(pcm), np.float32)])
                    pcm[start:end] += heard
                    echoing = (start, played16k, heard)
                playing = (turn, start + len(reference))
        if playing is not None:
            turns.append(self.record(playing[0]))
        if not turns:
            _LOG.info("%s: no wake word (best %s score %.3f)", source, self.wake.name, self.wake.max_score)
        return turns

    def run_files(self, paths: Iterable[Path], sink_for: Callable[[Path, int], object | None]) -> Iterator[Turn]:
        from edge.audio import read_audio

        for path in paths:
            audio = read_audio(path)
            yield from self.run_audio(audio, str(path), lambda n, p=path: sink_for(p, n))

    # -- the microphone ---------------------------------------------------------------
    def run_microphone(self, mic: object, sink: object, stop: threading.Event, heartbeat: Callable[[], None]) -> None:
        """The service loop: until ``stop`` is set. ``heartbeat`` is called while audio flows."""
        cancel = threading.Event()  # set by a barge-in: the answer stops

        def barge_in(_detection: object) -> None:  # on the audio thread: cut playback off at once
            cancel.set()
            sink.stop()  # type: ignore[attr-defined]

        front = self.new_front(on_barge_in=barge_in)
        checker = BackgroundChecker(front.word_check) if front.word_check is not None else None
        if checker is not None:
            front.word_check = checker.submit  # the audio thread only queues; ASR runs on the checker's thread
        commands: queue.Queue[CapturedCommand | Ring | None] = queue.Queue(maxsize=4)
        self.start_timers(lambda ring: commands.put(ring, timeout=60))  # the worker plays rings, in turn

        def worker() -> None:
            while True:
                command = commands.get()
                if command is None:
                    return
                if isinstance(command, Ring):
                    self._ring_in_loop(front, command, sink)
                    continue
                turn: Turn | None = None
                try:
                    front.state = ListenState.THINKING
                    turn = self.processor.process(command, "mic")
                    cancel.clear()
                    front.speaking(turn.response.text if turn.response is not None else "")
                    turn = self.speak(turn, _Tap(sink, front.play_reference), cancel)
                    while not cancel.is_set():  # the answer plays; a barge-in may cut it off
                        try:
                            sink.wait(0.05)  # type: ignore[attr-defined]
                            break
                        except TimeoutError:
                            continue
                    turn = self.record(turn, interrupted=cancel.is_set())
                except Exception:  # a bad turn must never stop the service
                    _LOG.exception("turn failed")
                finally:
                    if turn is not None:
                        self._after(turn, front, interrupted=cancel.is_set())
                    else:
                        front.release()

        thread = threading.Thread(target=worker, name="edge-worker", daemon=True)
        thread.start()
        try:
            for frame in mic.frames():  # type: ignore[attr-defined]
                heartbeat()
                if stop.is_set():
                    break
                for command in front.feed(frame):
                    try:
                        commands.put_nowait(command)
                    except queue.Full:
                        _LOG.warning("dropping a command: the worker is behind")
                        front.release()
        finally:
            self.ringer.on_ring = self._ring_now
            commands.put(None)
            thread.join(timeout=10)
            if checker is not None:
                checker.close()

    def _ring_in_loop(self, front: AudioFront, ring: Ring, sink: object) -> None:
        idle = front.state is ListenState.IDLE  # not while a command is being captured
        if idle:
            front.state = ListenState.SPEAKING
        try:
            self.ring(ring, sink)
        except Exception:  # a failed ring must never stop the service
            _LOG.exception("could not ring timer %s", ring.timer.timer_id)
        finally:
            if idle:
                front.release()

