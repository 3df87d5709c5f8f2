"""The learning loop on the speaker: before NLU (rewrites, teaching, "no, that's wrong") and after each turn.

Public API (the pipeline and the simulator use these, nothing else)::

    loop = LearningLoop(rewriter=Rewriter(...), personal=store, outbox=outbox, secret=secret)
    # or LearningLoop.from_settings(settings, embed=matcher.embed, table=subscriber.current)
    step = loop.before_nlu(turn, text, understand)   # Interpretation: the NLU result to use, or a reply
    answer = loop.annotate(turn, answer)             # + "Did I get that right?" at [learning] check_back_rate
    events = loop.after_turn(turn)                   # FeedbackEvents queued for this turn (and relabelled earlier ones)
    loop.finished(turn)                              # the same, as a LoopObserver (Assistant.record calls it)
    events = loop.flush(now)                         # final labels for turns whose rephrase window closed

For every finished turn ``after_turn``: links it to the earlier turn it
rephrases (``RephraseDetector``), labels its defects and failure point
(``edge.feedback.labels``), counts it in this home's personal layer, builds a
``FeedbackEvent`` (pseudonymised ids, text and features, never audio) and
puts it in the outbox. A turn a later rephrase or "no" proves wrong is
labelled again (same event_id: the outbox replaces it, the hub upserts it);
a successful rephrase labels the failed utterances of its chain
(``edge.learning.ground_truth``; back across links made by what was said, not
past a link by meaning alone, which may join two people's requests), the example is appended to the NLU
training file, and the pair (failed -> worked) becomes this home's own
rewrite (``PersonalStore.learn_rephrase``), dropped again when a rewrite by
it goes wrong. Events go out with ``final`` False while the turn's rephrase
window is open and once more with ``final`` True when it closes (``flush``).

Our own intents: ``EdgeTeach`` ("when I say movie time, turn off the living
room lights": a personal rewrite from the next turn on), ``EdgeForget``
("forget that": the last one taught is undone), ``EdgeNegativeFeedback``
("no, that's wrong"; a bare "no" within ``negative_window_s`` of an answer),
``EdgePositiveFeedback`` ("yes" after "Did I get that right?"). They are
answered here, never sent as events of their own.
"""

from __future__ import annotations

import difflib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from edge.feedback.events import Defect, FailurePoint, FeedbackEvent
from edge.feedback.explicit import QUESTION, CheckBack, is_negative_feedback, is_positive_feedback
from edge.feedback.labels import THRESHOLDS, Thresholds, failure_point, label_turn
from edge.feedback.pseudonym import pseudonymize
from edge.feedback.rephrase import RephraseDetector, RephraseLink, is_request, text_of
from edge.learning.ground_truth import TrainingExample, ground_truth, worked, write_jsonl
from edge.learning.table import normalize_utterance
from edge.pipeline.events import LoopObserver
from edge.rewrite.rewriter import Embedder, Rewriter, RewriteSettings, Understanding
from edge.rewrite.teach import is_forget, parse_teaching
from edge.turn import NluResult, RewriteResult, Turn

if TYPE_CHECKING:
    from edge.config import Settings
    from edge.feedback.outbox import Outbox
    from edge.learning.table import RewriteTable
    from edge.rewrite.personal import PersonalStore

log = logging.getLogger("edge.learning")

TEACH, FORGET, NEGATIVE, POSITIVE = "EdgeTeach", "EdgeForget", "EdgeNegativeFeedback", "EdgePositiveFeedback"
OWN_INTENTS = frozenset({TEACH, FORGET, NEGATIVE, POSITIVE})


@dataclass(frozen=True, slots=True)
class Interpretation:
    """What the processor goes on with: ``nlu`` (of ``text``, maybe rewritten), or ``reply`` and stop."""

    text: str
    nlu: NluResult
    rewrite: RewriteResult | None = None
    reply: str | None = None  # answered here (teaching, feedback): outcome ANSWERED with this answer
    understanding: Understanding | None = None


@dataclass(slots=True)
class _Tracked:
    turn: Turn
    link: RephraseLink | None = None  # this turn rephrases link.earlier_id
    rephrased_by: Turn | None = None  # the next turn that said it again
    fixed_by: Turn | None = None  # the turn that finally worked, at the end of the chain
    negative: bool = False
    label: TrainingExample | None = None
    final: bool = False
    events: int = 0


@dataclass
class LearningLoop(LoopObserver):
    rewriter: Rewriter = field(default_factory=Rewriter)
    personal: PersonalStore | None = None
    outbox: Outbox | None = None
    secret: bytes | None = None  # the home's pseudonym secret; None: events are built but not queued
    detector: RephraseDetector = field(default_factory=RephraseDetector)
    check_back: CheckBack = field(default_factory=CheckBack)
    negative_window_s: float = 10.0
    ground_truth_path: Path | None = None
    thresholds: Thresholds = THRESHOLDS
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._tracked: OrderedDict[str, _Tracked] = OrderedDict()
        self._answered_at = float("-inf")  # the clock when the last answer was given
        self._checked_back = False  # the last answer ended with "Did I get that right?"
        self.labels: list[TrainingExample] = []  # every ground-truth label made (also in ground_truth_path)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        embed: Embedder | None = None,
        table: Callable[[], RewriteTable | None] = lambda: None,
        outbox: Outbox | None = None,
        clock: Callable[[], float] = time.time,
    ) -> LearningLoop:
        """The loop ``[learning]`` describes: personal store, ground-truth file and pseudonym secret in the state dir."""
        from edge.config import default_state_dir
        from edge.feedback.pseudonym import load_home_secret
        from edge.rewrite.personal import PersonalStore

        s = settings.learning
        rewriter = Rewriter(
            table=table,
            personal=None,
            embed=embed if s.rewrite_embed else None,
            settings=RewriteSettings(
                enabled=s.rewrite, online=s.rewrite_online, confident=s.rewrite_confident, min_similarity=s.rewrite_min_similarity
            ),
        )
        personal = PersonalStore(s.personal_db_path())
        rewriter.personal = personal
        return cls(
            rewriter=rewriter,
            personal=personal,
            outbox=outbox,
            secret=load_home_secret(default_state_dir()) if outbox is not None else None,
            detector=RephraseDetector(
                window_s=s.rephrase_window_s, retry_s=s.rephrase_retry_s, embed=embed if s.rewrite_embed else None, clock=clock
            ),
            check_back=CheckBack(s.check_back_rate),
            negative_window_s=s.negative_window_s,
            ground_truth_path=s.ground_truth_path(),
            clock=clock,
        )

    # -- before NLU (the processor) ----------------------------------------------------------
    def before_nlu(self, turn: Turn, text: str, understand: Callable[[str], Understanding]) -> Interpretation:
        """Teaching, "forget that", explicit feedback are answered here; anything else may be rewritten."""
        with self._lock:
            just_answered = self.clock() - self._answered_at <= self.negative_window_s
            checked_back = self._checked_back and just_answered
        if is_negative_feedback(text, just_answered=just_answered):
            return self._reply(text, NEGATIVE, "Sorry about that. Please say it another way.")
        if checked_back and is_positive_feedback(text):
            return self._reply(text, POSITIVE, "Good.")
        if is_forget(text):
            return self._forget(text)
        teaching = parse_teaching(text)
        if teaching is not None:
            return self._teach(text, teaching.phrase, teaching.target, understand)
        step = self.rewriter.rewrite(text, understand, asr=turn.asr)
        return Interpretation(step.text, step.understanding.nlu, step.rewrite, understanding=step.understanding)

    def _reply(self, text: str, intent: str, answer: str, slots: dict[str, Any] | None = None) -> Interpretation:
        nlu = NluResult(text=text, intent=intent, confidence=1.0, slots=slots or {}, source="learning")
        return Interpretation(text, nlu, reply=answer)

    def _teach(self, text: str, phrase: str, target: str, understand: Callable[[str], Understanding]) -> Interpretation:
        slots = {"phrase": phrase, "target": target}
        if self.personal is None:
            return self._reply(text, TEACH, "Sorry, I can't learn phrases on this speaker.", slots)
        if not self.rewriter.works(understand(target)):
            return self._reply(text, TEACH, f"Sorry, I don't know how to {target}, so I can't learn that.", slots)
        self.personal.teach(phrase, target, ts=self.clock())
        return self._reply(text, TEACH, f"OK. When you say {phrase}, I'll {target}.", slots)

    def _forget(self, text: str) -> Interpretation:
        undone = self.personal.forget_last() if self.personal is not None else None
        if undone is None:
            return self._reply(text, FORGET, "There's nothing I was taught to forget.")
        return self._reply(text, FORGET, f"OK, I forgot what {undone.said} means.", {"phrase": undone.said})

    def annotate(self, turn: Turn, answer: str) -> str:
        """The answer, followed by "Did I get that right?" for a share of the turns that did something."""
        ask = self.check_back.should_ask(turn)
        with self._lock:
            self._checked_back = ask
        return f"{answer} {QUESTION}".strip() if ask else answer

    # -- after the turn ----------------------------------------------------------------------
    def finished(self, turn: Turn) -> None:  # LoopObserver
        self.after_turn(turn)

    def after_turn(self, turn: Turn) -> list[FeedbackEvent]:
        """Link, label, learn and queue one finished turn; the events queued (this turn's and relabelled ones)."""
        with self._lock:
            self._answered_at = self.clock()
            out = self.flush(turn.started_at)
            intent = turn.nlu.intent if turn.nlu is not None else None
            if intent == NEGATIVE:
                earlier = self.detector.last_request()
                if earlier is not None and earlier.turn_id in self._tracked:
                    self.detector.mark_negative(earlier.turn_id)
                    tracked = self._tracked[earlier.turn_id]
                    if not tracked.negative:
                        tracked.negative = True
                        self._demote(tracked.turn)
                        self._rewrite_went_wrong(tracked.turn)
                        out.append(self._emit(tracked))
                return out
            if intent in OWN_INTENTS:
                return out
            link = self.detector.observe(turn)
            tracked = _Tracked(turn, link=link)
            self._tracked[turn.turn_id] = tracked
            if self.personal is not None and is_request(turn):
                ok = worked(turn) and not label_turn(turn)
                heard = text_of(turn)
                if ok:
                    said = turn.nlu.text if turn.nlu else heard  # what NLU got: the rewrite's target, when rewritten
                    self.personal.record(said, intent, _entities(turn), success=True, ts=turn.started_at)
                else:
                    self.personal.record(heard, None, success=False, ts=turn.started_at)
                    self._rewrite_went_wrong(turn)
            out.append(self._emit(tracked))
            if link is not None and link.earlier_id in self._tracked:
                out.extend(self._rephrased(self._tracked[link.earlier_id], tracked))
            return out

    def _rephrased(self, earlier: _Tracked, later: _Tracked) -> list[FeedbackEvent]:
        """``later`` said ``earlier`` again: relabel it, and, when ``later`` worked, label the whole chain with it."""
        out = []
        if earlier.rephrased_by is None:
            earlier.rephrased_by = later.turn
            if not label_turn(earlier.turn):
                self._demote(earlier.turn)  # it looked done, but the user said it again
        fixed = later.turn if worked(later.turn) and not label_turn(later.turn) else None
        self._rewrite_went_wrong(earlier.turn)
        node: _Tracked | None = earlier
        while node is not None:
            if fixed is not None and node.fixed_by is None:
                node.fixed_by = fixed
                if self.personal is not None and fixed.nlu is not None:
                    self.personal.learn_rephrase(text_of(node.turn), fixed.nlu.text, ts=fixed.started_at)
                    swap = substitution(text_of(node.turn), fixed.nlu.text)
                    if swap is not None:
                        self.personal.learn_substitution(*swap, ts=fixed.started_at)
                node.label = ground_truth(node.turn, fixed)
                if node.label is not None:
                    self.labels.append(node.label)
                    if self.ground_truth_path is not None:
                        write_jsonl([node.label], self.ground_truth_path)
            out.append(self._emit(node))
            if fixed is None or node.link is None or node.link.kind == "meaning":
                # a link by meaning alone says "the same kind of request" (the encoder tells intents apart, not
                # devices): it may link two people's requests for different devices, so the fix is carried back
                # only across links made by what was said (words, sound, the same text, a quick retry)
                break
            node = self._tracked.get(node.link.earlier_id)
        return out

    def _rewrite_went_wrong(self, turn: Turn) -> None:
        """A turn this home's own pair or substitution rewrote went wrong: forget it."""
        if self.personal is None or turn.rewrite is None or turn.rewrite.source != "personal":
            return
        if self.personal.unlearn_rephrase(turn.rewrite.original):
            log.info("forgot the rewrite %r -> %r: it went wrong", turn.rewrite.original, turn.rewrite.text)
        swap = substitution(turn.rewrite.original, turn.rewrite.text)
        if swap is not None and self.personal.unlearn_substitution(swap[0]):
            log.info("forgot the substitution %r -> %r: it went wrong", *swap)

    def _demote(self, turn: Turn) -> None:
        if self.personal is not None and turn.nlu is not None and worked(turn):
            self.personal.demote(turn.nlu.text)

    def flush(self, now: float | None = None) -> list[FeedbackEvent]:
        """Send the final labels of the turns whose rephrase window has closed, and forget them."""
        now = self.clock() if now is None else now
        out = []
        with self._lock:
            for turn_id in list(self._tracked):
                tracked = self._tracked[turn_id]
                if now - tracked.turn.started_at <= self.detector.window_s:
                    break  # in time order: the rest are newer
                tracked.final = True
                out.append(self._emit(tracked))
                del self._tracked[turn_id]
        return out

    # -- events ------------------------------------------------------------------------------
    def labels_of(self, tracked: _Tracked) -> tuple[tuple[Defect, ...], FailurePoint]:
        turn = tracked.turn
        defects = label_turn(turn, rephrased=tracked.rephrased_by is not None, negative=tracked.negative)
        rephrase = tracked.fixed_by or tracked.rephrased_by
        return defects, failure_point(turn, defects, rephrase=rephrase, thresholds=self.thresholds)

    def event(self, tracked: _Tracked) -> FeedbackEvent:
        turn = tracked.turn
        defects, point = self.labels_of(tracked)
        secret = self.secret or b"unsent"
        extra: dict[str, Any] = {}
        if tracked.link is not None:
            extra["rephrase"] = {"kind": tracked.link.kind, "score": tracked.link.score, "gap_s": tracked.link.gap_s}
        if tracked.label is not None:
            extra["label"] = {"intent": tracked.label.intent, "spans": [list(s) for s in tracked.label.spans]}
        if turn.resolution is not None and turn.resolution.entities:
            extra["entity_scores"] = [e.score for e in turn.resolution.entities]
        if turn.dialog is not None:
            extra["dialog"] = turn.dialog.kind
        if turn.rewrite is not None:
            extra["rewrite_score"] = turn.rewrite.score
        nlu = turn.nlu
        return FeedbackEvent(
            event_id=turn.turn_id,
            speaker=pseudonymize(turn.device_id, secret),
            home=pseudonymize("home", secret),
            turn_id=turn.turn_id,
            ts=turn.started_at,
            text=text_of(turn),
            rewritten=turn.rewrite.text if turn.rewrite else None,
            rewrite_source=turn.rewrite.source if turn.rewrite else None,
            intent=nlu.intent if nlu else None,
            slots={k: v for k, v in (nlu.slots if nlu else {}).items() if isinstance(v, (str, int, float, bool))},
            nlu_confidence=round(nlu.confidence, 4) if nlu else 0.0,
            asr_logprob=turn.asr.avg_logprob if turn.asr else None,
            no_speech_prob=turn.asr.no_speech_prob if turn.asr else None,
            wake_score=turn.wake.score if turn.wake else None,
            entities=_entities(turn),
            outcome=turn.outcome.value if turn.outcome else "error",
            defects=tuple(d.value for d in defects),
            rephrase_of=tracked.link.earlier_id if tracked.link else None,
            failure_point=point.value,
            final=tracked.final,
            extra=extra,
        )

    def _emit(self, tracked: _Tracked) -> FeedbackEvent:
        event = self.event(tracked)
        tracked.events += 1
        if self.outbox is not None and self.secret is not None:
            try:
                self.outbox.put(event)
            except Exception:  # the loop must go on; the turn log still has the turn
                log.exception("feedback event %s not queued", event.event_id)
        return event

    def tracked(self, turn_id: str) -> Turn | None:
        """A turn still in its rephrase window."""
        with self._lock:
            t = self._tracked.get(turn_id)
            return t.turn if t else None


_KEEP = frozenset(
    "on off open close lock unlock up down start stop pause resume set turn switch what is are how".split()
)  # words a substitution never takes away: the request's verb and direction


def substitution(failed: str, worked: str) -> tuple[str, str] | None:
    """The words ``worked`` says in place of words of ``failed`` when that is all it changed (at most 4 words
    each, no direction, verb or number): ("turn on the whole light", "turn on the hallway light") ->
    ("whole light", "hallway light"), the name kept whole so it fits "turn off the whole light" too."""
    a, b = normalize_utterance(failed).split(), normalize_utterance(worked).split()
    ops = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op[0] != "equal"]
    if len(ops) != 1 or ops[0][0] != "replace":
        return None
    _, a1, a2, b1, b2 = ops[0]
    if a2 - a1 > 4 or b2 - b1 > 4:
        return None
    if a2 < len(a) and b2 < len(b) and a[a2] == b[b2] and a[a2] not in _KEEP:  # the noun after it: "light"
        a2, b2 = a2 + 1, b2 + 1
    said, instead = a[a1:a2], b[b1:b2]
    if any(w in _KEEP or w.isdigit() for w in said + instead):
        return None
    return " ".join(said), " ".join(instead)


def _entities(turn: Turn) -> tuple[str, ...]:
    return tuple(e.unique_id for e in turn.resolution.entities) if turn.resolution else ()
