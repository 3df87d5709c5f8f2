"""TimerManager: the timers' logic, with the clock passed in. No threads, no audio.

Times are wall-clock seconds (``time.time``), because a timer must survive a
restart and monotonic time does not. Every change goes to the store at once.
A timer that ended while the speaker was off is not lost: ``take_missed()``
hands it over once after start ("Your 5 minute timer finished while I was
off.") and it is then gone. Changes are announced to listeners (the ringing
thread, the speaker's Home Assistant sensor); listeners run on the caller's thread.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Sequence

from edge.errors import EdgeError
from edge.timers.durations import MAX_TIMER_S, say_duration, timer_label

if TYPE_CHECKING:
    from edge.timers.store import TimerStore

_LOG = logging.getLogger("edge.timers")


class TimerError(EdgeError):
    """A request about timers that cannot be done; ``message`` is fit to be spoken."""

    code = "timers"


class TimerNotFound(TimerError):
    pass


class TimerAmbiguous(TimerError):
    def __init__(self, message: str, matches: Sequence[Timer]) -> None:
        super().__init__(message)
        self.matches = tuple(matches)


@dataclass(frozen=True, slots=True)
class Timer:
    timer_id: str
    name: str  # "" for an unnamed timer
    duration_s: int  # the length it was set to: what "your 5 minute timer" names
    created_s: float  # wall clock
    ends_s: float | None  # wall clock when it rings; None while paused
    remaining_s: float  # time left when it was paused (or last changed)

    @property
    def paused(self) -> bool:
        return self.ends_s is None

    def left_s(self, now_s: float) -> float:
        return self.remaining_s if self.ends_s is None else max(0.0, self.ends_s - now_s)

    @property
    def label(self) -> str:
        """ "pasta timer", "5 minute timer"."""
        return f"{self.name} timer" if self.name else f"{timer_label(self.duration_s)} timer"

    def to_dict(self, now_s: float) -> dict[str, object]:
        return {
            "id": self.timer_id, "name": self.name, "duration_s": self.duration_s,
            "left_s": round(self.left_s(now_s), 1), "paused": self.paused,
        }


def clean_name(name: object) -> str:
    text = " ".join(str(name or "").split()).strip(" .,!?")
    for article in ("the ", "my ", "a ", "an "):
        if text.casefold().startswith(article):
            text = text[len(article):]
    return text.casefold()


class TimerManager:
    def __init__(self, store: TimerStore | None, clock: Callable[[], float]) -> None:
        """store None: timers live in memory only (``edge nlu``)."""
        self._store = store
        self._clock = clock
        self._lock = threading.RLock()
        self._timers: dict[str, Timer] = {}
        self._missed: list[Timer] = []
        self._listeners: list[Callable[[], None]] = []
        now = clock()
        for t in store.load() if store else ():
            if t.ends_s is not None and t.ends_s <= now:
                self._missed.append(t)
                store.delete(t.timer_id)  # type: ignore[union-attr]
                _LOG.info("timer %s (%s) finished while edge was off", t.timer_id, t.label)
            else:
                self._timers[t.timer_id] = t
        if self._timers:
            _LOG.info("restored %d timer(s)", len(self._timers))

    # -- reading ------------------------------------------------------------------------
    def now(self) -> float:
        return self._clock()

    def timers(self) -> list[Timer]:
        with self._lock:
            return list(self._timers.values())  # in the order they were set

    def next_end_s(self) -> float | None:
        with self._lock:
            ends = [t.ends_s for t in self._timers.values() if t.ends_s is not None]
        return min(ends) if ends else None

    def take_missed(self) -> list[Timer]:
        """Timers that ended while edge was off, once."""
        with self._lock:
            missed, self._missed = self._missed, []
        return missed

    def add_listener(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    # -- changes ------------------------------------------------------------------------
    def start(self, duration_s: int, name: str = "") -> Timer:
        if not 1 <= duration_s <= MAX_TIMER_S:
            raise TimerError(f"A timer can be between 1 second and {say_duration(MAX_TIMER_S)}.")
        now = self._clock()
        timer = Timer(uuid.uuid4().hex[:12], clean_name(name), int(duration_s), now, now + duration_s, float(duration_s))
        self._put(timer)
        _LOG.info("timer %s started: %s, %d s", timer.timer_id, timer.label, duration_s)
        return timer

    def cancel(self, name: str = "", duration_s: int | None = None) -> Timer:
        (timer,) = self._select(name, duration_s, "cancel")
        self._drop(timer)
        _LOG.info("timer %s cancelled", timer.timer_id)
        return timer

    def cancel_all(self) -> list[Timer]:
        timers = self.timers()
        for t in timers:
            self._drop(t)
        _LOG.info("cancelled %d timer(s)", len(timers))
        return timers

    def pause(self, name: str = "", duration_s: int | None = None) -> Timer:
        (timer,) = self._select(name, duration_s, "pause", only=lambda t: not t.paused)
        now = self._clock()
        paused = replace(timer, ends_s=None, remaining_s=timer.left_s(now))
        self._put(paused)
        return paused

    def resume(self, name: str = "", duration_s: int | None = None) -> Timer:
        (timer,) = self._select(name, duration_s, "resume", only=lambda t: t.paused)
        resumed = replace(timer, ends_s=self._clock() + timer.remaining_s)
        self._put(resumed)
        return resumed

    def adjust(self, delta_s: int, name: str = "", duration_s: int | None = None) -> Timer:
        """Add (or, negative, take off) time; a timer taken down to nothing rings at once."""
        (timer,) = self._select(name, duration_s, "change")
        now = self._clock()
        left = max(0.0, timer.left_s(now) + delta_s)
        if left > MAX_TIMER_S:
            raise TimerError(f"A timer can run for at most {say_duration(MAX_TIMER_S)}.")
        changed = replace(timer, remaining_s=left, ends_s=None if timer.paused else now + left)
        self._put(changed)
        return changed

    def status(self, name: str = "", duration_s: int | None = None) -> list[Timer]:
        """The timers asked about: all of them when the question names none."""
        if not name and duration_s is None:
            timers = self.timers()
            if not timers:
                raise TimerNotFound("You have no timers running.")
            return timers
        return self._select(name, duration_s, "check", allow_many=True)

    def due(self) -> list[Timer]:
        """Running timers whose time is up, removed (each is returned exactly once)."""
        now = self._clock()
        with self._lock:
            done = [t for t in self._timers.values() if t.ends_s is not None and t.ends_s <= now]
            for t in done:
                self._drop(t, notify=False)
        if done:
            self._notify()
        return sorted(done, key=lambda t: t.ends_s or 0.0)

    # -- internals ----------------------------------------------------------------------
    def _select(
        self,
        name: str,
        duration_s: int | None,
        verb: str,
        only: Callable[[Timer], bool] | None = None,
        allow_many: bool = False,
    ) -> list[Timer]:
        wanted = clean_name(name)
        timers = self.timers()
        if not timers:
            raise TimerNotFound("You have no timers running.")
        found = [t for t in timers if (not wanted or t.name == wanted) and (duration_s is None or t.duration_s == duration_s)]
        if not found:
            what = f"{wanted} timer" if wanted else f"{timer_label(duration_s or 0)} timer"
            raise TimerNotFound(f"There's no {what}.")
        if only is not None and len(found) > 1:
            found = [t for t in found if only(t)] or found
        if len(found) > 1 and not allow_many:
            names = " and ".join(f"the {t.label}" for t in found[:3]) if len(found) <= 3 else f"{len(found)} timers"
            raise TimerAmbiguous(f"You have {names}. Which one should I {verb}?", found)
        return found

    def _put(self, timer: Timer) -> None:
        with self._lock:
            self._timers[timer.timer_id] = timer
            if self._store is not None:
                self._store.save(timer)
        self._notify()

    def _drop(self, timer: Timer, notify: bool = True) -> None:
        with self._lock:
            self._timers.pop(timer.timer_id, None)
            if self._store is not None:
                self._store.delete(timer.timer_id)
        if notify:
            self._notify()

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # a listener must not break the timer that changed
                _LOG.exception("timer listener failed")
