"""What the speaker answers by itself, without a device: timers, the time, the date.

``LocalSkills`` is the one object the turn processor asks about such intents:
``handles(intent)`` and ``answer(nlu) -> (Outcome, text)``. The clock is passed in.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Callable

from edge.respond.clock import say_date, say_time
from edge.timers.answers import TIMER_INTENTS, answer_timer
from edge.timers.manager import TimerManager
from edge.turn import NluResult, Outcome

_LOG = logging.getLogger("edge.skills")
CLOCK_INTENTS = frozenset({"HassGetCurrentTime", "HassGetCurrentDate"})


class LocalSkills:
    def __init__(
        self,
        timers: TimerManager | None,
        *,
        hour_24: bool = False,
        now: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self.timers = timers
        self.hour_24 = hour_24
        self._now = now
        self.intents = CLOCK_INTENTS | (TIMER_INTENTS if timers is not None else frozenset())

    def handles(self, intent: str | None) -> bool:
        return intent in self.intents

    def answer(self, nlu: NluResult) -> tuple[Outcome, str]:
        intent = nlu.intent or ""
        if intent == "HassGetCurrentTime":
            return Outcome.ANSWERED, say_time(self._now(), self.hour_24)
        if intent == "HassGetCurrentDate":
            return Outcome.ANSWERED, say_date(self._now())
        if self.timers is None or intent not in TIMER_INTENTS:
            raise ValueError(f"{intent!r} is not a local intent")
        ok, text = answer_timer(intent, nlu.slots, self.timers)
        if not ok:
            _LOG.info("timer request %s %s not done: %s", intent, dict(nlu.slots), text)
            return Outcome.NO_DEVICE, text
        return (Outcome.ANSWERED if intent == "HassTimerStatus" else Outcome.DONE), text
