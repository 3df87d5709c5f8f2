"""The turn processor: captured audio -> Turn, one stage after another.

ASR -> wake phrase stripped -> NLU -> entity resolution -> action (MQTT
publish, then wait for the device's state) -> response text. Each stage adds
its result and timing to the Turn; nothing flows backwards. Runs on the worker
thread, never on the audio thread.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from edge.config import DialogSettings
from edge.devices.errors import DeviceUnreachableError
from edge.errors import DeviceError, EdgeError
from edge.nlu import VocabularyEntry
from edge.pipeline import dialog as dlg
from edge.pipeline.events import LoopObserver
from edge.pipeline.front import CapturedCommand
from edge.resolve import DEVICE_INTENTS, QUESTION_INTENTS, resolve
from edge.resolve.actions import NoAction, is_sensitive, plan_action
from edge.resolve.spans import device_request, fill_levels
from edge.respond import respond
from edge.respond.answers import answer_state
from edge.rewrite import preferences as prefs
from edge.rewrite.teach import is_forget
from edge.skills import LocalSkills
from edge.turn import (
    ActionResult,
    AsrResult,
    DialogResult,
    EntityRef,
    NluResult,
    Outcome,
    Resolution,
    ResponseResult,
    RewriteResult,
    Turn,
    WakeResult,
)
from edge.vad import EndpointReason

_LOG = logging.getLogger("edge.pipeline")

RECENT_S = 300.0  # how long "it" keeps meaning the device of the last turn
ANSWER_SLACK_S = 20.0  # a question stays open this long beyond the follow-up timeout (the question's own playback)


class Transcriber(Protocol):
    def transcribe(self, audio: np.ndarray, vocabulary: Sequence[str] = ()) -> AsrResult: ...


class Devices(Protocol):
    """The slice of ``edge.devices.DeviceLink`` the processor uses."""

    @property
    def connected(self) -> bool: ...

    @property
    def registry(self) -> Any: ...

    def publish_command(self, entity: Any, service: str, data: dict[str, Any] | None = None) -> Any: ...


def strip_wake_phrase(text: str, wake_model: str) -> str:
    """Drop the wake word Whisper heard at the start ("Alexa, turn on ..." -> "turn on ...")."""
    words = [w for w in wake_model.replace("_", " ").split() if w != "hey"]
    if not words:
        return text.strip()
    last = re.escape(words[-1])
    # "Alexa", "Hey Alexa", "Alexa." and near misses Whisper writes for the end of the word.
    pattern = rf"^\W*(?:(?:hey|hi|okay|ok)\W+)?(?:{' '.join(map(re.escape, words[:-1]))}\W+)?\w*{last[-3:]}\w*\b[\s,.!?:;-]*"
    stripped = re.sub(pattern, "", text.strip(), count=1, flags=re.IGNORECASE)
    return stripped.strip()


def drop_leading_fragment(text: str, max_words: int = 2) -> str:
    """"Elect. Turn off the lights" -> "Turn off the lights"; "" when there is no such fragment."""
    m = re.match(r"^\s*((?:[\w']+\s*){1,%d})[.,!?;:]\s+(\S.*)$" % max_words, text)
    return m.group(2) if m else ""


def _planned(entity: Any, service: str, data: dict[str, Any]) -> list[ActionResult]:
    """What would be published (``edge nlu`` without ``--act``), message by message."""
    from edge.devices.domains import build_command

    command = build_command(entity, service, data or None)
    return [ActionResult(entity.unique_id, m.topic, m.payload, confirmed=False) for m in command.publishes]


def vocabulary_of(entities: Sequence[Any]) -> list[VocabularyEntry]:
    entries = []
    for e in entities:
        for name in (e.name, *getattr(e, "aliases", ())):
            entries.append(
                VocabularyEntry(name=name, domain=e.domain, area=e.area or "", device_class=getattr(e, "device_class", "") or "")
            )
    return entries


class TurnProcessor:
    def __init__(
        self,
        transcriber: Transcriber | None,  # None: text only (``process_text``)
        matcher: Any,  # TemplateMatcher or CombinedInterpreter: interpret() + set_vocabulary()
        devices: Devices,
        *,
        device_id: str,
        area: str,
        confirm_timeout_s: float,
        wake_model: str,
        dialog: DialogSettings | None = None,
        skills: LocalSkills | None = None,  # timers, time, date; None: the time and date from the machine's clock
        observer: LoopObserver | None = None,  # told after ASR and after NLU
        learning: Any | None = None,  # edge.learning.loop.LearningLoop: rewrites before NLU, teaching, feedback
    ) -> None:
        self._asr = transcriber
        self.learning = learning
        self._skills = skills if skills is not None else LocalSkills(None)
        self._observer = observer or LoopObserver()
        self._nlu = matcher
        self._devices = devices
        self.device_id = device_id
        self.area = area  # the configured one; "learn my preferences" may set another (``area``)
        self.confirm_timeout_s = confirm_timeout_s
        self.wake_model = wake_model
        self._vocab_key: tuple[Any, ...] | None = None
        self._recent: tuple[str, ...] = ()  # devices the last turn was about ("close it")
        self._recent_until = 0.0
        self._asr_vocabulary: list[str] = []
        self._entities: list[Any] = []  # this turn's registry snapshot
        self.dialog_settings = dialog or DialogSettings()
        self.dialog = dlg.Dialog()  # the question asked back, waiting for its answer
        # how long a question waits for its answer and "it" means the last device: the wall clock, or where
        # Assistant.run_audio is in its file (so a file gives the same turns however fast it is processed)
        self.conversation_clock: Callable[[], float] = time.monotonic

    @property
    def area(self) -> str:
        """The speaker's area: the room the user gave in "learn my preferences", else the configured one."""
        store = self._personal()
        return (store.preferences(self.device_id).get(prefs.ROOM) if store is not None else None) or self._area

    @area.setter
    def area(self, value: str) -> None:
        self._area = value

    def _personal(self) -> Any:
        """The learning loop's PersonalStore (taught phrases, preferences), or None."""
        return getattr(self.learning, "personal", None)

    # -- vocabulary follows the registry ------------------------------------------------
    def _refresh_vocabulary(self, entities: Sequence[Any]) -> None:
        key = tuple(sorted((e.unique_id, e.name, e.area or "", e.domain, tuple(getattr(e, "aliases", ()))) for e in entities))
        if key == self._vocab_key:
            return
        entries = vocabulary_of(entities)
        self._nlu.set_vocabulary(entries)
        words = {v.name for v in entries} | {v.area for v in entries if v.area}
        self._asr_vocabulary = sorted(words)
        self._vocab_key = key
        _LOG.info("vocabulary: %d names, %d areas", len(entries), len({v.area for v in entries if v.area}))

    # -- the stages -------------------------------------------------------------------
    def _snapshot(self) -> list[Any]:
        """The registry's entities for this turn; the vocabulary follows them. One read per turn,
        so the ASR bias, the NLU lists and the resolution all see the same devices."""
        entities = list(self._devices.registry.entities())
        self._refresh_vocabulary(entities)
        self._entities = entities
        return entities

    def _guarded(self, turn: Turn, run: Callable[[], Turn]) -> Turn:
        try:
            return run()
        except EdgeError as exc:
            _LOG.error("turn %s failed: %s", turn.turn_id, exc)
            return self._finish(dataclasses.replace(turn, outcome=Outcome.ERROR, error=f"{exc.code}: {exc}"))

    def process(self, command: CapturedCommand, source: str) -> Turn:
        if command.wake is None:  # heard without the wake word: the answer to our question
            question = self.dialog.take(self.conversation_clock())
            turn = Turn.start(
                device_id=self.device_id, area=self.area, source=source, wake=None,
                session_id=question.session_id if question else "",
            )
            return self._guarded(turn, lambda: self._answered(turn, command, question))
        self.dialog.drop()  # a new request: an unanswered question is forgotten
        wake = WakeResult(model=command.wake.model, score=round(command.wake.score, 4), audio_time_s=command.wake.audio_time_s)
        turn = Turn.start(device_id=self.device_id, area=self.area, source=source, wake=wake)
        return self._guarded(turn, lambda: self._process(turn, command))

    def _transcribe(self, turn: Turn, command: CapturedCommand) -> Turn:
        if self._asr is None:
            raise RuntimeError("this TurnProcessor was built for text only")
        t0 = time.perf_counter()
        asr = self._asr.transcribe(command.audio.astype(np.float32) / 32768.0, self._asr_vocabulary)
        asr = dataclasses.replace(asr, text=strip_wake_phrase(asr.text, self.wake_model))
        turn = dataclasses.replace(turn, asr=asr).with_timing(asr=(time.perf_counter() - t0) * 1000)
        _LOG.info("turn %s heard %r", turn.turn_id, asr.text)
        self._observer.heard(turn)
        return turn

    def _process(self, turn: Turn, command: CapturedCommand) -> Turn:
        if command.reason is EndpointReason.NO_SPEECH:
            if command.barge_in:  # "Alexa" alone over the answer ("Alexa, stop" often ends up here too): quiet
                return dataclasses.replace(turn, outcome=Outcome.NO_SPEECH, response=ResponseResult(text=""))
            return self._finish(dataclasses.replace(turn, outcome=Outcome.NO_SPEECH))
        entities = self._snapshot()
        turn = self._transcribe(turn, command)
        assert turn.asr is not None
        if dlg.is_stop(turn.asr.text):  # "Alexa, stop" (a barge-in): be quiet, nothing else
            nlu = NluResult(text=turn.asr.text, intent="HassNevermind", confidence=1.0, source="dialog")
            return dataclasses.replace(turn, nlu=nlu, outcome=Outcome.ANSWERED, response=ResponseResult(text=""))
        return self._understand(
            turn, entities, turn.asr.text, turn.asr.alternatives, ended=command.ended_monotonic, act=True, ask=True
        )

    def process_text(self, text: str, *, act: bool, source: str = "text", alternatives: Sequence[str] = ()) -> Turn:
        """Everything after ASR, on text (``edge nlu``): with ``act`` False, the commands are planned, not sent.

        ``alternatives``: the ASR's other hypotheses, as ``process`` would have them (the simulator's counterfactual)."""
        turn = Turn.start(device_id=self.device_id, area=self.area, source=source, wake=None)
        return self._guarded(
            turn, lambda: self._understand(turn, self._snapshot(), text, alternatives, ended=time.monotonic(), act=act)
        )

    def _understand(
        self,
        turn: Turn,
        entities: list[Any],
        text: str,
        alternatives: Sequence[str],
        *,
        ended: float,
        act: bool,
        ask: bool = False,  # the caller listens for an answer (audio); text (``edge nlu``) cannot answer back
    ) -> Turn:
        own = self._preference_step(turn, text, entities, ask=ask and act)
        if isinstance(own, Turn):  # "learn my preferences" asks its first question, "forget that" undid them
            return own
        text, preferred = own
        t0 = time.perf_counter()
        step = None
        if self.learning is not None:  # taught phrases, the hub's table, online retrieval (edge.rewrite)
            step = self.learning.before_nlu(turn, text, lambda t: self._probe(t, alternatives if t == text else (), entities))
            nlu = step.nlu
            rewrite = step.rewrite or preferred
            if preferred is not None and step.rewrite is not None:  # rewritten again: from what was heard
                rewrite = dataclasses.replace(step.rewrite, original=preferred.original)
            turn = dataclasses.replace(turn, rewrite=rewrite)
        else:
            nlu = self._interpret(text, alternatives)
        turn = dataclasses.replace(turn, nlu=nlu).with_timing(nlu=(time.perf_counter() - t0) * 1000)
        self._observer.understood(turn)
        if step is not None and step.reply is not None:  # "when I say ...", "forget that", "no, that's wrong"
            return dataclasses.replace(turn, outcome=Outcome.ANSWERED, response=ResponseResult(text=step.reply))
        if self._skills.handles(nlu.intent):
            outcome, answer = self._skills.answer(nlu)
            return dataclasses.replace(turn, outcome=outcome, response=ResponseResult(text=answer))
        if nlu.intent is None:
            return self._finish(dataclasses.replace(turn, outcome=Outcome.NOT_UNDERSTOOD))
        if nlu.intent not in DEVICE_INTENTS:
            return self._finish(dataclasses.replace(turn, outcome=Outcome.UNSUPPORTED))
        if act and not self._devices.connected:  # say so, rather than "no such device" from a stale registry
            return self._finish(dataclasses.replace(turn, outcome=Outcome.UNREACHABLE))

        t0 = time.perf_counter()
        read, resolution = self._resolve(nlu, text, entities, turn.turn_id)
        if read is not nlu:
            nlu = read
            turn = dataclasses.replace(turn, nlu=nlu)
        turn = dataclasses.replace(turn, resolution=resolution).with_timing(resolve=(time.perf_counter() - t0) * 1000)
        if ask and act and resolution is not None and resolution.ambiguous and len(resolution.candidates) >= 2:
            options = resolution.candidates[:2]
            return self._ask(turn, dlg.Ask.CLARIFY, dlg.clarify_question(options), nlu, resolution, options)
        return self._carry_out(turn, nlu, resolution, ended=ended, act=act, ask=ask)

    def _preference_step(
        self, turn: Turn, text: str, entities: list[Any], *, ask: bool
    ) -> Turn | tuple[str, RewriteResult | None]:
        """Before the learning loop: "learn my preferences" (its first question), "forget that" when the
        preferences were learned last, and the text as the preferences make it mean (with its rewrite)."""
        from edge.learning.loop import FORGET, TEACH

        store = self._personal()
        if store is None:
            return text, None
        if prefs.is_learn_preferences(text):
            nlu = NluResult(text=text, intent=TEACH, confidence=1.0, slots={"preferences": "start"}, source="learning")
            turn = dataclasses.replace(turn, nlu=nlu)
            setup = prefs.start(prefs.HomeFacts.of(entities))
            if setup is not None and ask:
                return self._ask(turn, dlg.Ask.PREFERENCE, setup.question(), nlu, Resolution((), "preferences"), (), setup)
            why = "I don't know any rooms or devices yet, so there's nothing to set up." if ask else (
                "I can only learn your preferences when you talk to me."  # text (``edge nlu``) cannot answer back
            )  # fmt: skip
            return dataclasses.replace(turn, outcome=Outcome.ANSWERED, response=ResponseResult(text=why))
        if is_forget(text) and (undone := store.forget_preferences(self.device_id)) is not None:
            nlu = NluResult(text=text, intent=FORGET, confidence=1.0, slots={"preferences": ",".join(undone)}, source="learning")
            answer = f"OK, I forgot the {prefs.describe(undone)} you just gave me."
            return dataclasses.replace(turn, nlu=nlu, outcome=Outcome.ANSWERED, response=ResponseResult(text=answer))
        target = prefs.rewrite(text, store.preferences(self.device_id), entities)
        if target is None:
            return text, None
        _LOG.info("turn %s: preferences read %r as %r", turn.turn_id, text, target)
        return target, RewriteResult(text, target, "preference", 1.0)

    def _preference_answered(self, turn: Turn, answer: str, question: dlg.Question) -> Turn:
        """One answer of "learn my preferences": the next question, or the preferences stored and said back."""
        from edge.learning.loop import TEACH

        step = prefs.answer(question.setup, answer, prefs.HomeFacts.of(self._entities))
        key = question.setup.left[0]
        nlu = NluResult(text=answer, intent=TEACH, confidence=1.0, slots={"preferences": key}, source="learning")
        result = DialogResult(dlg.Ask.PREFERENCE.value, question.text, answer, step.accepted, question.turn_id)
        turn = dataclasses.replace(turn, nlu=nlu, dialog=result)
        if step.setup is not None:
            return self._ask(turn, dlg.Ask.PREFERENCE, step.say, nlu, Resolution((), "preferences"), (), step.setup)
        store = self._personal()
        if step.learned and store is not None:
            store.learn_preferences(self.device_id, step.learned)
        return dataclasses.replace(turn, outcome=Outcome.ANSWERED, response=ResponseResult(text=step.say))

    def _recent_devices(self) -> tuple[str, ...]:
        """What "it" means now: the devices of the last turn, for RECENT_S."""
        return self._recent if self.conversation_clock() < self._recent_until else ()

    def _resolve(
        self, nlu: NluResult, text: str, entities: list[Any], turn_id: str = ""
    ) -> tuple[NluResult, Resolution | None]:
        """The devices the request means, and the reading that found them (the words' own when the NLU's finds none)."""
        recent = self._recent_devices()
        states = {e.unique_id: self._devices.registry.state(e.unique_id) for e in entities}
        resolution = resolve(nlu, entities, self.area, recent, states)
        if resolution is not None and not resolution.entities:
            # the NLU's reading finds no device: do the words name one? ("activate mode lighting" read as a light)
            other = device_request(nlu.text or text, entities, recent, self.area)
            found = resolve(other, entities, self.area, recent, states) if other is not None else None
            if other is not None and found is not None and found.entities:
                _LOG.info("turn %s: read %r as %s on %s", turn_id, text, other.intent, other.slots.get("name"))
                return other, found
        return nlu, resolution

    def _probe(self, text: str, alternatives: Sequence[str], entities: list[Any]) -> Any:
        """NLU and resolution without acting: would this text work here? (the rewriter's ``understand``)"""
        from edge.rewrite import Understanding

        nlu = self._interpret(text, alternatives)
        if nlu.intent not in DEVICE_INTENTS:
            return Understanding(nlu)
        nlu, resolution = self._resolve(nlu, text, entities)
        found = resolution is not None and bool(resolution.entities or resolution.ambiguous)
        return Understanding(nlu, found, tuple(e.unique_id for e in resolution.entities) if resolution else ())

    def _carry_out(
        self, turn: Turn, nlu: NluResult, resolution: Resolution | None, *, ended: float, act: bool, ask: bool
    ) -> Turn:
        """The devices are known: answer about them, or act on them (asking first when that is sensitive)."""
        if resolution is None or not resolution.entities:
            return self._finish(dataclasses.replace(turn, outcome=Outcome.NO_DEVICE))
        self._recent = tuple(e.unique_id for e in resolution.entities)
        self._recent_until = self.conversation_clock() + RECENT_S
        if nlu.intent in QUESTION_INTENTS:
            ref = resolution.entities[0]
            state = self._devices.registry.state_record(ref.unique_id)
            entity = self._devices.registry.get(ref.unique_id)
            device_class = getattr(entity, "device_class", "") or ""
            text = answer_state(nlu.intent, nlu.slots, ref.name, ref.domain, state, device_class)
            return dataclasses.replace(turn, outcome=Outcome.ANSWERED, response=ResponseResult(text=text))
        plans, why = self._plan(turn, nlu)
        if not plans:
            return self._finish(dataclasses.replace(turn, outcome=Outcome.UNSUPPORTED, error=why))
        d = self.dialog_settings
        sensitive = [(e, svc) for e, svc, _ in plans if is_sensitive(e, svc, d.sensitive_domains, d.sensitive_device_classes)]
        if sensitive and not (ask and act and d.confirm_sensitive):
            _LOG.warning("turn %s: refused %s on %s: security-sensitive", turn.turn_id, sensitive[0][1], sensitive[0][0].name)
            # planning only (``edge nlu`` without --act): show what a confirmed "yes" would send
            planned = () if act else tuple(a for entity, service, data in plans for a in _planned(entity, service, data))
            return self._finish(dataclasses.replace(turn, outcome=Outcome.REFUSED, actions=planned))
        if sensitive:
            options = tuple(r for r in resolution.entities if any(r.unique_id == e.unique_id for e, _, _ in plans))
            question = dlg.confirm_question([(e.name, svc) for e, svc in sensitive])
            return self._ask(turn, dlg.Ask.CONFIRM, question, nlu, resolution, options)
        return self._perform(turn, plans, ended=ended, act=act)

    def _perform(self, turn: Turn, plans: list[tuple[Any, str, dict[str, Any]]], *, ended: float, act: bool) -> Turn:
        if not act:
            planned = [a for entity, service, data in plans for a in _planned(entity, service, data)]
            return dataclasses.replace(turn, actions=tuple(planned))
        return self._finish(self._act(turn, plans, ended))

    def _interpret(self, text: str, alternatives: Sequence[str]) -> NluResult:
        """The words' interpretation; when it is no device request, "<device verb> <a device's name>"
        read from the words themselves (Whisper wrote the name by ear: "activate mode lighting")."""
        nlu = fill_levels(self._interpret_words(text, alternatives))
        if nlu.intent in DEVICE_INTENTS or self._skills.handles(nlu.intent):
            return nlu
        recent = self._recent_devices()
        named = device_request(nlu.text or text, self._entities, recent, self.area)
        if named is None:
            return nlu
        _LOG.info("read %r as %s on %s (NLU said %s)", text, named.intent, named.slots.get("name"), nlu.intent)
        return named

    def _interpret_words(self, text: str, alternatives: Sequence[str]) -> NluResult:
        """The best transcript first; when it matches no template fully, the ASR's other hypotheses,
        then each without a garbled wake word Whisper wrote as a sentence of its own ("Elect. Turn ...")."""
        nlu = self._nlu.interpret(text, area=self.area)
        if nlu.confidence >= 1.0:
            return nlu
        candidates = [strip_wake_phrase(a, self.wake_model) for a in alternatives]
        candidates += [t for t in map(drop_leading_fragment, [text, *candidates]) if t]
        for candidate in candidates:
            other = self._nlu.interpret(candidate, area=self.area)
            if other.confidence >= 1.0:
                _LOG.info("interpreted %r instead of %r", other.text, text)
                return other
        return nlu

    def _plan(self, turn: Turn, nlu: NluResult) -> tuple[list[tuple[Any, str, dict[str, Any]]], str]:
        """(entity, service, data) for each resolved device that can take the request, and when none
        can, the device's own reason ("" when it is none of its kind's business)."""
        assert turn.resolution is not None
        from edge.devices.domains import build_command

        plans = []
        why = ""
        for ref in turn.resolution.entities:
            entity = self._devices.registry.get(ref.unique_id)
            try:
                service, data = plan_action(nlu.intent or "", nlu.slots, entity)
                build_command(entity, service, data or None)  # what this device can take ("dim the lights": the dimmable ones)
            except NoAction as exc:
                _LOG.info("turn %s: %s: %s", turn.turn_id, entity.name, exc)
                continue
            except DeviceError as exc:
                _LOG.info("turn %s: %s: %s", turn.turn_id, entity.name, exc)
                why = str(exc)
                continue
            plans.append((entity, service, data))
        return plans, why

    # -- questions asked back (edge.pipeline.dialog) --------------------------------------
    def _ask(
        self, turn: Turn, kind: dlg.Ask, text: str, nlu: NluResult, resolution: Resolution, options: tuple[EntityRef, ...],
        setup: Any = None,
    ) -> Turn:  # fmt: skip
        expires = self.conversation_clock() + self.dialog_settings.followup_timeout_s + ANSWER_SLACK_S
        self.dialog.ask(dlg.Question(kind, text, turn.turn_id, turn.session_id, nlu, resolution, options, expires, setup))
        _LOG.info("turn %s asks (%s): %r", turn.turn_id, kind.value, text)
        return dataclasses.replace(turn, outcome=Outcome.ASKED, response=ResponseResult(text=text))

    def _answered(self, turn: Turn, command: CapturedCommand, question: dlg.Question | None) -> Turn:
        """Audio heard without the wake word, after a question: read the answer, finish the request asked about."""
        if question is None:  # nothing asked (or too long ago): not for us
            _LOG.info("turn %s: heard without the wake word, but no question is open", turn.turn_id)
            return self._finish(dataclasses.replace(turn, outcome=Outcome.NO_SPEECH))
        self._snapshot()  # the ASR's vocabulary follows the registry
        answer = ""
        if command.reason is not EndpointReason.NO_SPEECH:
            turn = self._transcribe(turn, command)
            answer = turn.asr.text if turn.asr else ""
        if question.kind is dlg.Ask.PREFERENCE:
            return self._preference_answered(turn, answer, question)
        turn = dataclasses.replace(turn, nlu=question.nlu, resolution=question.resolution)
        if question.kind is dlg.Ask.CONFIRM:
            yes = dlg.is_yes(answer, self.dialog_settings.yes_phrases)
            turn = dataclasses.replace(turn, dialog=DialogResult("confirm", question.text, answer, yes, question.turn_id))
            if not yes:
                _LOG.info("turn %s: not confirmed (%r): nothing done", turn.turn_id, answer)
                return dataclasses.replace(turn, outcome=Outcome.REFUSED, response=ResponseResult(text="OK, I won't."))
            plans, why = self._plan(turn, question.nlu)
            if not plans:
                return self._finish(dataclasses.replace(turn, outcome=Outcome.UNSUPPORTED, error=why))
            return self._finish(self._act(turn, plans, command.ended_monotonic))
        chosen = dlg.choose(answer, question.options)
        turn = dataclasses.replace(turn, dialog=DialogResult("clarify", question.text, answer, bool(chosen), question.turn_id))
        if not chosen:
            text = "OK, never mind." if not answer else "Sorry, I didn't catch which one."
            return dataclasses.replace(turn, outcome=Outcome.NO_DEVICE, response=ResponseResult(text=text))
        resolution = dataclasses.replace(question.resolution, entities=chosen, reason="the answer to a question", ambiguous=False)
        self._recent = tuple(e.unique_id for e in chosen)
        self._recent_until = self.conversation_clock() + RECENT_S
        turn = dataclasses.replace(turn, resolution=resolution)
        return self._carry_out(turn, question.nlu, resolution, ended=command.ended_monotonic, act=True, ask=True)

    def _act(self, turn: Turn, plans: list[tuple[Any, str, dict[str, Any]]], ended: float) -> Turn:
        t0 = time.perf_counter()
        pending = []
        first_publish: float | None = None
        try:
            for entity, service, data in plans:
                p = self._devices.publish_command(entity, service, data or None)
                first_publish = first_publish or p.published_monotonic
                pending.append(p)
        except DeviceUnreachableError as exc:
            _LOG.warning("turn %s: %s", turn.turn_id, exc)
            if not pending:
                return dataclasses.replace(turn, outcome=Outcome.UNREACHABLE, error=str(exc))
        except DeviceError as exc:  # the device cannot do that (a value out of its range, ...)
            _LOG.warning("turn %s: %s", turn.turn_id, exc)
            if not pending:
                return dataclasses.replace(turn, outcome=Outcome.UNSUPPORTED, error=str(exc))
        deadline = time.monotonic() + self.confirm_timeout_s
        results: list[ActionResult] = [p.wait(max(0.0, deadline - time.monotonic())) for p in pending]
        turn = dataclasses.replace(turn, actions=tuple(results)).with_timing(
            action=(time.perf_counter() - t0) * 1000,
            end_of_speech_to_action=((first_publish or time.monotonic()) - ended) * 1000,
        )
        if any(r.error for r in results) and not any(r.confirmed for r in results):
            outcome = Outcome.FAILED
        elif all(r.confirmed or r.optimistic for r in results):
            outcome = Outcome.DONE
        else:
            outcome = Outcome.UNCONFIRMED
        return dataclasses.replace(turn, outcome=outcome)

    def _finish(self, turn: Turn) -> Turn:
        text = respond(turn.outcome or Outcome.ERROR, turn.nlu, turn.resolution, turn.actions)
        if turn.outcome is Outcome.UNSUPPORTED and turn.error:  # what the device cannot take, in its own words
            text = f"Sorry, I can't: {turn.error.rstrip('.')}."
        if self.learning is not None:  # "Did I get that right?" at [learning] check_back_rate
            text = self.learning.annotate(turn, text)
        return dataclasses.replace(turn, response=ResponseResult(text=text))
