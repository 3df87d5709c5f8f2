"""The speaker under test: the real pipeline, its on-device learning, the outbox, the hub, the signed table.

Everything is the production code, wired as a home would have it, on the
simulation's own broker: ``TurnProcessor`` (alone for text, inside
``Assistant`` for audio) with the ``LearningLoop`` before NLU (rewrites) and
after each turn (rephrase links, defect labels, failure points, the personal
layer, feedback events into the ``Outbox``); ``FeedbackSync`` sends the events
to a ``LearningHub`` over MQTT; each night the hub mines and signs a
``RewriteTable`` and publishes it retained; the speaker's
``RewriteTableSubscriber`` verifies it and the rewriter reads it from there.

Two things only the simulator adds: the loop's clock is the simulated clock
(the rephrase window and "just answered" mean simulated seconds), and a
shadow ``TurnProcessor`` without learning plans each heard text as it is, so a
rewrite can be scored against what would have happened without it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from edge.config import Settings
from edge.pipeline.events import LoopObserver
from edge.turn import Turn

_LOG = logging.getLogger("edge.simulate")

SYNC_TIMEOUT_S = 60.0


class SimClock:
    """Simulated unix time: set by the simulator, read by the speaker's learning."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class _Shadow(LoopObserver):
    """After ASR, before the rewrite: plan the heard text without any learning (the counterfactual)."""

    def __init__(self, plan: Callable[[str, tuple[str, ...]], Turn]) -> None:
        self._plan = plan
        self.plans: dict[str, Turn] = {}

    def heard(self, turn: Turn) -> None:
        if turn.asr is not None and turn.dialog is None:
            self.plans[turn.turn_id] = self._plan(turn.asr.text, turn.asr.alternatives)


class SpeakerUnderTest:
    def __init__(
        self,
        config: Settings,
        link: Any,
        state_dir: Path,
        *,
        audio: bool,
        learning: bool = True,
        min_support: int = 2,
        min_confidence: float = 0.5,
    ) -> None:
        from edge.feedback.outbox import Outbox
        from edge.feedback.pseudonym import load_home_secret
        from edge.feedback.rephrase import RephraseDetector
        from edge.feedback.sync import FeedbackSync
        from edge.learning.hub import LearningHub
        from edge.learning.hub_store import HubStore
        from edge.learning.loop import LearningLoop
        from edge.learning.signing import generate_keypair, load_private_key
        from edge.learning.subscriber import RewriteTableSubscriber
        from edge.nlu.factory import build_interpreter
        from edge.pipeline.processor import TurnProcessor
        from edge.rewrite.personal import PersonalStore
        from edge.rewrite.rewriter import Rewriter, RewriteSettings
        from edge.skills import LocalSkills

        self.config = config
        self.link = link
        self.learning = learning
        self.clock = SimClock()
        self._closers: list[Callable[[], None]] = []
        m, s = config.mqtt, config.learning
        # -- the hub, with its own key pair and store
        public = generate_keypair(state_dir / "hub" / "hub.key", state_dir / "hub" / "hub.pub")
        self.hub_store = HubStore(state_dir / "hub" / "hub.db")
        self._closers.append(self.hub_store.close)
        self.hub = LearningHub(
            self.hub_store, load_private_key(state_dir / "hub" / "hub.key"), m.host, m.port,
            client_id="edge-simulate-hub", min_support=min_support, min_confidence=min_confidence,
            topic_prefix=s.topic_prefix, table_topic=s.table_topic, clock=self.clock,
        ).start()  # fmt: skip
        self._closers.append(self.hub.stop)
        # -- the speaker's side: the signed table, the outbox and its sync
        self.subscriber = RewriteTableSubscriber(public, state_dir / "speaker", topic=s.table_topic)
        self.subscriber.start(m.host, m.port, "edge-simulate-table")
        self._closers.append(self.subscriber.stop)
        self.outbox = Outbox(state_dir / "speaker" / "outbox.db")
        self._closers.append(self.outbox.close)
        self.sync = FeedbackSync(self.outbox, m.host, m.port, "edge-fb-simulate", topic_prefix=s.topic_prefix).start()
        self._closers.append(self.sync.stop)
        # -- the pipeline
        if audio:
            from edge.pipeline.assistant import Assistant

            # The simulator runs the speaker's learning loop itself (on simulated time), not the Assistant.
            own = dataclasses.replace(config, learning=dataclasses.replace(s, on_device=False))
            # the same seed, the same turns: no sampling noise in the answers, the time they tell is simulated
            self.assistant: Any = Assistant(own, link, deterministic_tts=True, now=self.sim_now)
            matcher = self.assistant.matcher
        else:
            self.assistant = None
            matcher = build_interpreter(config.nlu)
        embed = getattr(matcher, "embed", None) if s.rewrite_embed else None
        personal = PersonalStore(state_dir / "speaker" / "personal.db")
        self._closers.append(personal.close)
        rewriter = Rewriter(
            table=self.subscriber.current if learning else (lambda: None),
            personal=personal,
            embed=embed,
            settings=RewriteSettings(
                enabled=s.rewrite, online=s.rewrite_online and learning, confident=s.rewrite_confident,
                min_similarity=s.rewrite_min_similarity,
            ),
        )  # fmt: skip
        self.loop = LearningLoop(
            rewriter=rewriter, personal=personal, outbox=self.outbox, secret=load_home_secret(state_dir / "speaker"),
            detector=RephraseDetector(window_s=s.rephrase_window_s, embed=embed, clock=self.clock),
            negative_window_s=s.negative_window_s, ground_truth_path=state_dir / "speaker" / "nlu-feedback.jsonl",
            clock=self.clock,
        )  # fmt: skip

        def processor(learning_loop: Any) -> Any:
            return TurnProcessor(
                None, matcher, link, device_id=config.speaker.id, area=config.speaker.area,
                confirm_timeout_s=m.confirm_timeout_s, wake_model=config.wake.model, dialog=config.dialog,
                learning=learning_loop, skills=LocalSkills(None, hour_24=config.speaker.hour_24, now=self.sim_now),
            )  # fmt: skip

        self.shadow = processor(None)
        if audio:
            self.assistant.processor.learning = self.loop  # its clock is the simulated one; see finished()
            self._heard = _Shadow(lambda text, alts: self.shadow.process_text(text, act=False, alternatives=alts))
            self.assistant.events.add(self._heard)
            self.processor = self.assistant.processor
        else:
            self.processor = processor(self.loop)
        self.last_table = None
        if not self.hub.wait_ready(10.0) or not self.sync.wait_connected(10.0):
            raise RuntimeError("the simulation's hub or feedback sync could not reach its broker")

    def sim_now(self) -> dt.datetime:
        """Simulated time, for the answers that tell the time (UTC: the same words on any machine)."""
        return dt.datetime.fromtimestamp(self.clock.now, tz=dt.timezone.utc)

    # -- turns ------------------------------------------------------------------------
    def text_turn(self, text: str) -> Turn:
        return self.processor.process_text(text, act=True, source="simulate")

    def plan_without_rewrite(self, text: str) -> Turn:
        return self.shadow.process_text(text, act=False)

    def take_plan(self, turn_id: str) -> Turn | None:
        return self._heard.plans.pop(turn_id, None)

    def assistant_turns(self, audio: np.ndarray, react: Callable[[Turn, float], Any]) -> list[Turn]:
        from edge.audio import NullSink

        return self.assistant.run_audio(audio, "simulate", lambda n: NullSink(), react=react)

    def audio_position_s(self) -> float:
        """How far into the current stream of audio the speaker has listened (``Assistant.run_audio``)."""
        return self.assistant.audio_position_s if self.assistant is not None else 0.0

    def finished(self, turn: Turn) -> None:
        """The turn is over, at its simulated time: the learning loop links, labels and queues it."""
        self.clock.now = max(self.clock.now, turn.started_at)
        self.loop.after_turn(turn)
        self.sync.notify()

    # -- the night --------------------------------------------------------------------
    def end_of_day(self, night: float) -> dict[str, Any]:
        """Close every rephrase window, sync, read back the day's final labels from the hub, mine."""
        self.clock.now = night
        self.loop.flush(night)
        self.sync.notify()
        if not self.sync.wait_drained(SYNC_TIMEOUT_S):
            _LOG.warning("the outbox still holds %d events after %.0f s", len(self.outbox), SYNC_TIMEOUT_S)
        labels = {e.turn_id: e for e in self.hub_store.events(since_ts=night - 86400.0)}
        if self.learning:
            table = self.hub.mine_and_publish()
            deadline = time.monotonic() + 10.0
            while time.monotonic() < deadline:
                current = self.subscriber.current()
                if current is not None and current.version >= table.version:
                    break
                time.sleep(0.02)
            else:
                _LOG.warning("the speaker did not accept rewrite table v%d within 10 s", table.version)
            self.last_table = self.subscriber.current()
        return labels

    def table_info(self) -> tuple[int, int]:
        table = self.subscriber.current() if self.learning else None
        return (table.version, len(table)) if table is not None else (0, 0)

    def close(self) -> None:
        if self.assistant is not None:
            self.assistant.close()
        while self._closers:
            try:
                self._closers.pop()()
            except Exception:
                _LOG.exception("simulation: error while stopping the speaker")
