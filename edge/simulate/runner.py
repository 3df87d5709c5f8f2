"""The closed loop: simulated users speak to the real pipeline for simulated days, learning every night.

``Simulation`` starts its own Mosquitto (``edge.broker.LocalBroker``), the
simulated house on it (``edge.sim``), the speaker (``Assistant`` for audio,
its ``TurnProcessor`` alone for ``audio=False``) with its on-device learning
(rephrase detection, defect labels, failure points, the rewrite step, the
feedback outbox synced to the hub), and the learning hub. Each day:

1. requests at random times between 07:00 and 23:00, a routine: each user
   their share, going round their devices (``Household.plan_day``), each
   request the goal that makes sense in the house's current state; one in
   five (``follow_up``) comes a few seconds after the one before, so a
   rephrase detector meets close requests that are not rephrases;
2. the user says their habit; on a wrong outcome they barge in (or let the
   answer end) and say their next phrasing, until it works, their patience
   ends, or they give up; a question asked back is answered;
3. at night the speaker's events reach the hub over MQTT, the hub mines
   them (``edge.learning.markov``), signs the table and publishes it; the
   speaker verifies it and uses it from the next morning.

Audio goes through Piper / espeak-ng (cached, ``edge.simulate.voices``) into
``Assistant.run_audio`` (wake word, VAD, Whisper and all); ``audio=False``
gives the text (or the ``heard`` text of a misheard phrasing) to
``TurnProcessor.process_text``. Simulated time: a turn's ``started_at`` is
moved to its simulated moment before the speaker's learning sees it (within a
request the real gaps are kept), so the rephrase window means what it would
in a real home. Everything random is drawn from ``random.Random`` seeded by
(seed, day, request): the same seed gives the same traffic.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from edge.simulate.household import default_household
from edge.simulate.metrics import DayMetrics, TurnRecord, day_metrics
from edge.simulate.truth import failure_point, is_correct, planned_correct, same_words
from edge.simulate.users import Goal, Household, Phrasing, User
from edge.turn import Outcome, Turn

_LOG = logging.getLogger("edge.simulate")

DAY_S = 86400.0
EPOCH = 1_767_225_600.0  # 2026-01-01 00:00 UTC: midnight before day 1 (simulated)
WAKE = "Alexa, "


@dataclass(frozen=True, slots=True)
class SimulationSettings:
    days: int = 7
    seed: int = 0
    requests_per_day: int = 60
    audio: bool = True  # False: text into everything after ASR (fast, for CI)
    learning: bool = True  # False: the same traffic without the nightly table (a baseline)
    follow_up: float = 0.2  # share of requests said right after the one before (another request, not a rephrase)
    min_support: int = 2  # the hub's: rephrase chains before a rewrite ships
    min_confidence: float = 0.5
    audio_cache: Path | None = None  # default ~/.cache/edge/sim-audio
    state_dir: Path | None = None  # default: a temporary folder, removed at the end

    def __post_init__(self) -> None:
        if self.days < 1 or self.requests_per_day < 1:
            raise ValueError("days and requests_per_day must be at least 1")


@dataclass(slots=True)
class _Attempt:
    """One thing the user said in a request, waiting for the turn the speaker makes of it."""

    index: int  # the phrasing's index in the user's habits; -1: the answer to a question
    said: str
    phrasing: Phrasing | None
    ts: float  # simulated time it was said
    rephrase_of: str | None  # the turn id of the attempt before it (truth)


class Simulation:
    """Use as a context manager; ``run()`` yields one ``DayMetrics`` per simulated day."""

    def __init__(self, settings: SimulationSettings, household: Household | None = None, *, base: Any = None) -> None:
        """base: the edge ``Settings`` the speaker starts from (ASR model, ``[learning]`` knobs...);
        the broker, the speaker's id and room and every state path are the simulation's own."""
        self.settings = settings
        self.base = base
        self.household = household or default_household()
        self.records: list[TurnRecord] = []
        self.tables: list[dict[str, Any]] = []  # every table the hub shipped: version, rewrites
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._stack: list[Callable[[], None]] = []
        self._session = 0
        self.days_done: list[DayMetrics] = []
        self.requests: list[tuple[bool, bool]] = []  # (worked, gave up) of every request so far
        self.missed_wakes = 0

    # -- setting up ---------------------------------------------------------------------
    def __enter__(self) -> Simulation:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        while self._stack:
            try:
                self._stack.pop()()
            except Exception:
                _LOG.exception("simulation: error while stopping")
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def _start(self) -> None:
        from edge.broker import LocalBroker
        from edge.config import settings_from_dict
        from edge.devices import DeviceLink
        from edge.sim import SimHome
        from edge.sim.house import default_devices
        from edge.simulate.speaker import SpeakerUnderTest
        from edge.simulate.voices import VoiceBank

        s = self.settings
        if s.state_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="edge-simulate-")
            state = Path(self._tmp.name)
        else:
            state = Path(s.state_dir)
            state.mkdir(parents=True, exist_ok=True)
        self.state_dir = state
        broker = LocalBroker().start()
        self._stack.append(broker.stop)
        self.home = SimHome(broker.host, broker.port, devices=default_devices(travel_s=0.3, lock_s=0.1)).start()
        self._stack.append(self.home.stop)
        base = self.base if self.base is not None else settings_from_dict({})
        self.config = dataclasses.replace(
            base,
            mqtt=dataclasses.replace(base.mqtt, host=broker.host, port=broker.port, username="", password="", tls=False),
            speaker=dataclasses.replace(base.speaker, id="sim-speaker", area=self.household.area, ha_discovery=False),
            hermes=dataclasses.replace(base.hermes, enabled=False),
            log=dataclasses.replace(base.log, db=str(state / "turns.db")),
            timers=dataclasses.replace(base.timers, db=str(state / "timers.db")),
        )
        if getattr(base, "devices", None):  # no aliases: the home's own names are what the speaker has to learn
            self.config = dataclasses.replace(self.config, devices={})
        link = DeviceLink(self.config.mqtt, client_id="edge-simulate", registry_path=state / "registry.json")
        link.start()
        self._stack.append(link.stop)
        self.speaker = SpeakerUnderTest(self.config, link, state, audio=s.audio, learning=s.learning,
                                        min_support=s.min_support, min_confidence=s.min_confidence)  # fmt: skip
        self._stack.append(self.speaker.close)
        link.wait_for_discovery(2.0)
        self.voices = VoiceBank(s.audio_cache) if s.audio else None

    # -- the days -----------------------------------------------------------------------
    def run(self) -> Iterator[DayMetrics]:
        for day in range(1, self.settings.days + 1):
            yield self.run_day(day)

    def run_day(self, day: int) -> DayMetrics:
        t0 = time.perf_counter()
        s = self.settings
        rng = random.Random(f"edge-simulate:{s.seed}:{day}")
        moments = sorted(rng.uniform(7 * 3600, 23 * 3600) for _ in range(s.requests_per_day))
        plan = self.household.plan_day(rng, s.requests_per_day)
        start = len(self.records)
        sessions: list[tuple[bool, bool]] = []
        missed = 0
        table_version, table_rewrites = self.speaker.table_info()
        last_end = EPOCH + (day - 1) * DAY_S
        for n, (moment, (user, family)) in enumerate(zip(moments, plan)):
            states = {uid: self.home.state(uid) for g in self.household.goals.values() for uid in g.entities}
            srng = random.Random(f"edge-simulate:{s.seed}:{day}:{n}")
            goal = self.household.choose(user, family, states, srng)
            self._session += 1
            ts = EPOCH + (day - 1) * DAY_S + moment
            if n and rng.random() < s.follow_up:  # right after the request before: something else, not a rephrase
                ts = last_end + rng.uniform(0.5, 4.0)  # as soon as a retry would come: time alone cannot tell them apart
            ok, gave_up, misses = self._request(day, user, goal, max(ts, last_end + 1.0), srng)
            last_end = self.speaker.clock.now + 3.0  # the last turn's start, and its answer
            sessions.append((ok, gave_up))
            missed += misses
        today = self.records[start:]
        labels = self.speaker.end_of_day(EPOCH + day * DAY_S)  # final labels, synced; the night's mining
        if labels:
            self.records[start:] = today = [_labelled(r, labels.get(r.turn_id)) for r in today]
        table = self.speaker.last_table
        if table is not None and (not self.tables or self.tables[-1]["version"] != table.version):
            self.tables.append({"day": day, **table.to_dict()})
        self.requests += sessions
        self.missed_wakes += missed
        metrics = day_metrics(
            day, today, sessions, missed_wakes=missed, table_version=table_version, table_rewrites=table_rewrites,
            wall_s=time.perf_counter() - t0,
        )  # fmt: skip
        self.days_done.append(metrics)
        return metrics

    def summary(self) -> dict[str, Any]:
        """The whole run: first and last day's defect rate, and every measure pooled over all days."""
        if not self.days_done:
            return {}
        pooled = day_metrics(0, self.records, self.requests, missed_wakes=self.missed_wakes)
        first, last = self.days_done[0].defect_rate, self.days_done[-1].defect_rate
        drop = round(1 - last / first, 4) if first and last is not None else None
        wins, losses = pooled.rewrite_wins, pooled.rewrite_losses
        out = {k: v for k, v in pooled.to_dict().items() if k not in ("day", "table_version", "table_rewrites", "wall_s")}
        out.update(
            days=len(self.days_done), defect_rate_first_day=first, defect_rate_last_day=last, defect_drop=drop,
            win_loss_ratio=round(wins / losses, 2) if losses else None,
            wall_s=round(sum(d.wall_s for d in self.days_done), 1),
        )  # fmt: skip
        return out

    # -- one request --------------------------------------------------------------------
    def _request(self, day: int, user: User, goal: Goal, ts: float, rng: random.Random) -> tuple[bool, bool, int]:
        """One goal of one user, tried until it works or they give up: (worked, gave up, missed wakes)."""
        options = user.habits[goal.key]
        tried = [user.first(goal.key, rng)]
        attempt: _Attempt | None = _Attempt(tried[0], options[tried[0]].text, options[tried[0]], ts, None)
        missed = 0
        while attempt is not None:
            step = self._audio_attempts if self.settings.audio else self._text_attempt
            done, attempt, misses = step(day, user, goal, attempt, tried, rng)
            missed += misses
            if done is not None:
                return done, not done, missed
        return False, True, missed

    def _next(self, user: User, goal: Goal, tried: list[int], rng: random.Random, rephrase_of: str | None) -> _Attempt | None:
        """The user's next phrasing after a wrong outcome (None: they give up); it rephrases ``rephrase_of``."""
        index = user.next(goal.key, tried, rng)
        if index is None:
            return None
        tried.append(index)
        phrasing = user.habits[goal.key][index]
        return _Attempt(index, phrasing.text, phrasing, 0.0, rephrase_of)

    def _judge(self, day: int, user: User, goal: Goal, attempt: _Attempt, turn: Turn, plan: Turn | None,
               barged: bool) -> TurnRecord:  # fmt: skip
        correct = is_correct(goal, turn, self.home.state)
        said: Phrasing | str = attempt.phrasing if attempt.phrasing is not None else attempt.said
        heard = turn.asr.text if turn.asr is not None else (attempt.phrasing.as_heard if attempt.phrasing else attempt.said)
        if turn.dialog is not None:
            heard = turn.dialog.answer
        as_said = None  # what was really said, planned without learning: would it have worked?
        if not correct and attempt.phrasing is not None and turn.dialog is None and not same_words(attempt.said, heard):
            as_said = self.speaker.plan_without_rewrite(attempt.said)
        record = TurnRecord(
            day=day, session=self._session, attempt=attempt.index, user=user.name, goal=goal.key,
            kind=attempt.phrasing.kind.value if attempt.phrasing else "answer",
            said=attempt.said, heard=heard, turn_id=turn.turn_id, ts=round(turn.started_at, 3),
            outcome=turn.outcome.value if turn.outcome else "none", intent=turn.nlu.intent if turn.nlu else None,
            entities=tuple(e.unique_id for e in turn.resolution.entities) if turn.resolution else (),
            correct=correct, true_failure_point=failure_point(goal, said, turn, correct, as_said=as_said).value,
            true_rephrase_of=attempt.rephrase_of, barged_in=barged,
            rewrite_source=turn.rewrite.source if turn.rewrite else None,
            rewritten=turn.rewrite.text if turn.rewrite else None,
            counterfactual_correct=planned_correct(goal, plan) if turn.rewrite and plan is not None else None,
            asr_logprob=round(turn.asr.avg_logprob, 3) if turn.asr else None,
            nlu_confidence=round(turn.nlu.confidence, 3) if turn.nlu else None,
            answer=turn.response.text if turn.response else None,
            command_s=turn.asr.audio_s if turn.asr else None,
        )  # fmt: skip
        self.records.append(record)
        return record

    def _text_attempt(self, day: int, user: User, goal: Goal, attempt: _Attempt, tried: list[int],
                      rng: random.Random) -> tuple[bool | None, _Attempt | None, int]:  # fmt: skip
        """One attempt as text; the user's next attempt when it went wrong."""
        assert attempt.phrasing is not None
        heard = attempt.phrasing.as_heard
        plan = self.speaker.plan_without_rewrite(heard)  # before acting: the house as the user found it
        self.speaker.clock.now = attempt.ts
        turn = self.speaker.text_turn(heard)
        correct = is_correct(goal, turn, self.home.state)
        nxt = None if correct else self._next(user, goal, tried, rng, turn.turn_id)
        barged = nxt is not None and turn.response is not None and _barges_in(user, turn, rng)
        if barged and turn.response is not None:
            turn = dataclasses.replace(turn, response=dataclasses.replace(turn.response, interrupted=True))
        turn = dataclasses.replace(turn, started_at=attempt.ts)
        self._judge(day, user, goal, attempt, turn, plan, barged)
        self.speaker.finished(turn)
        if correct:
            return True, None, 0
        if nxt is None:
            return False, None, 0
        answer_s = 0.08 * len(turn.response.text) if turn.response else 1.0  # about 12 characters a second
        nxt.ts = attempt.ts + 2.0 + (rng.uniform(0.3, 0.9) if barged else answer_s + rng.uniform(0.5, 1.5))
        return None, nxt, 0

    def _audio_attempts(self, day: int, user: User, goal: Goal, first: _Attempt, tried: list[int],
                        rng: random.Random) -> tuple[bool | None, _Attempt | None, int]:  # fmt: skip
        """Attempts through the microphone, one stream: each reply is said while (or after) the answer
        plays, through ``react``. A reply the speaker never hears (no wake word) ends the stream; the
        user then tries their next phrasing in a new one."""
        assert self.voices is not None
        voices = self.voices
        pending: list[_Attempt] = [first]  # said, waiting for the turn the speaker makes of it
        seen: dict[str, tuple[_Attempt | None, Turn | None]] = {}  # turn id -> what was said, its plan without learning
        result: list[bool] = []
        last_request: list[str | None] = [first.rephrase_of]  # the turn a rephrase says again (never an answer)
        heard_at: dict[str, float] = {}  # turn id -> where in the stream (s) the speaker had heard it

        def sim_ts(turn: Turn) -> float:
            # simulated time follows the audio, not how long the machine took to process it: the same
            # seed gives the same rephrase windows however loaded the CPU is
            return first.ts + heard_at.get(turn.turn_id, self.speaker.audio_position_s())

        def react(turn: Turn, answer_s: float) -> tuple[float, np.ndarray] | None:
            heard_at[turn.turn_id] = self.speaker.audio_position_s()
            if not pending:  # the speaker's own: its question timed out while the user, who gave up, kept quiet
                seen[turn.turn_id] = (None, None)
                return None
            attempt = pending.pop(0)
            seen[turn.turn_id] = (attempt, self.speaker.take_plan(turn.turn_id))
            correct = is_correct(goal, turn, self.home.state)
            if correct and turn.outcome is Outcome.ASKED:  # "The lamp or the ceiling light?": say which
                name = next(e.name for e in turn.resolution.candidates if e.unique_id in goal.entities)  # type: ignore[union-attr]
                pending.append(_Attempt(-1, f"the {name}", None, 0.0, None))
                return answer_s + rng.uniform(0.3, 0.8), voices.say(user.voice, f"The {name}.")
            if attempt.phrasing is not None:
                last_request[0] = turn.turn_id
            nxt = None if correct else self._next(user, goal, tried, rng, last_request[0])
            if nxt is None:
                result.append(correct)
                return None
            barge = answer_s > 0.8 and _barges_in(user, turn, rng)
            delay = rng.uniform(0.3, min(0.8, answer_s - 0.3)) if barge else answer_s + rng.uniform(0.5, 1.5)
            pending.append(nxt)
            return delay, voices.say(user.voice, WAKE + _sentence(nxt.said))

        self.speaker.clock.now = max(self.speaker.clock.now, first.ts)
        turns = self.speaker.assistant_turns(voices.say(user.voice, WAKE + _sentence(first.said)), react)
        for turn in turns:
            attempt, plan = seen[turn.turn_id]
            turn = dataclasses.replace(turn, started_at=sim_ts(turn))
            if attempt is not None:  # a turn of something the user said (not the silence after a question)
                barged = bool(turn.response is not None and turn.response.interrupted)
                self._judge(day, user, goal, attempt, turn, plan, barged)
            self.speaker.finished(turn)
        if result and not pending:
            return result[0], None, 0
        # What was said last was not heard (the wake word missed it): the next phrasing, in a new stream.
        unheard = pending[0] if pending else first
        _LOG.info("request %d: %s said %r, the speaker did not hear it", self._session, user.name, unheard.said)
        nxt = self._next(user, goal, tried, rng, last_request[0])
        if nxt is not None:
            nxt.ts = first.ts + self.speaker.audio_position_s() + rng.uniform(1.0, 3.0)
        return (None if nxt is not None else False), nxt, 1


def _barges_in(user: User, turn: Turn, rng: random.Random) -> bool:
    """Cut a wrong answer off? Always when it claims success ("Turned on the hallway light": the
    speaker cannot know otherwise), else as often as this user does."""
    claims_success = turn.outcome in (Outcome.DONE, Outcome.ANSWERED)
    return rng.random() < user.barge_in or claims_success


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(("?", ".", "!")) else ".")


def _labelled(record: TurnRecord, event: Any | None) -> TurnRecord:
    """The record with the speaker's own view of the turn (its final feedback event)."""
    if event is None:
        return record
    return dataclasses.replace(
        record, detected_rephrase_of=event.rephrase_of, detected_failure_point=event.failure_point,
        defects=tuple(event.defects), labelled=True,
    )  # fmt: skip
