"""What the loop tells the outside while it runs: one small observer interface.

The Assistant and the audio front call these at each stage transition (wake,
listening state, after ASR, after NLU, when a turn is over). Observers
(Hermes events, the speaker's Home Assistant sensors) subclass ``LoopObserver``
and override what they need; ``Observers`` fans out to several and keeps an
observer's failure away from the loop. Calls come from the audio thread
(``woke``, ``state_changed``) and the worker thread (the rest): observers only
enqueue or publish, never block.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from edge.pipeline.front import ListenState
    from edge.turn import Turn
    from edge.wake import Detection

_LOG = logging.getLogger("edge.pipeline")


class LoopObserver:
    """Every method is a no-op here."""

    def woke(self, detection: Detection) -> None:
        """The wake word was detected and a command is being captured."""

    def state_changed(self, state: ListenState) -> None:
        """idle / listening / thinking / speaking."""

    def heard(self, turn: Turn) -> None:
        """ASR is done: ``turn.asr`` is set."""

    def understood(self, turn: Turn) -> None:
        """NLU is done: ``turn.nlu`` is set (its intent None when nothing matched)."""

    def finished(self, turn: Turn) -> None:
        """The turn is over: outcome and response are set."""


class Observers(LoopObserver):
    def __init__(self, observers: Iterable[LoopObserver] = ()) -> None:
        self.observers = list(observers)

    def add(self, observer: LoopObserver) -> None:
        self.observers.append(observer)

    def _each(self, method: str, *args: object) -> None:
        for o in self.observers:
            try:
                getattr(o, method)(*args)
            except Exception:  # an observer must never break a turn
                _LOG.exception("%s.%s failed", type(o).__name__, method)

    def woke(self, detection: Detection) -> None:
        self._each("woke", detection)

    def state_changed(self, state: ListenState) -> None:
        self._each("state_changed", state)

    def heard(self, turn: Turn) -> None:
        self._each("heard", turn)

    def understood(self, turn: Turn) -> None:
        self._each("understood", turn)

    def finished(self, turn: Turn) -> None:
        self._each("finished", turn)
