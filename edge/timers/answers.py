"""Timer intents -> what the speaker does and says. Pure apart from the manager it is given."""

from __future__ import annotations

from typing import Any, Mapping

from edge.timers.durations import duration_from_slots, say_duration
from edge.timers.manager import Timer, TimerError, TimerManager, TimerNotFound

TIMER_INTENTS = frozenset(
    {
        "HassStartTimer", "HassCancelTimer", "HassCancelAllTimers", "HassPauseTimer", "HassUnpauseTimer",
        "HassTimerStatus", "HassIncreaseTimer", "HassDecreaseTimer",
    }
)
CHANGES = frozenset(TIMER_INTENTS - {"HassTimerStatus"})


def _the(timer: Timer) -> str:
    return f"the {timer.label}"


def _left(timer: Timer, now_s: float) -> str:
    left = say_duration(timer.left_s(now_s))
    if timer.paused:
        return f"{_the(timer).capitalize()} is paused with {left} left."
    return f"You have {left} left on {_the(timer)}."


def _status(timers: list[Timer], now_s: float) -> str:
    if len(timers) == 1:
        return _left(timers[0], now_s)
    parts = [f"{_the(t)}, {say_duration(t.left_s(now_s))}{' (paused)' if t.paused else ''}" for t in timers]
    return f"You have {len(timers)} timers: " + "; ".join(parts) + "."


def answer_timer(intent: str, slots: Mapping[str, Any], timers: TimerManager) -> tuple[bool, str]:
    """(succeeded, the answer) for one timer intent; a timer that cannot be found is not a success."""
    name = str(slots.get("name") or "")
    asked_s = duration_from_slots(slots, prefix="start_")  # "cancel the 5 minute timer"
    try:
        if intent == "HassStartTimer":
            duration = duration_from_slots(slots)
            if duration is None:
                return False, "For how long should I set the timer?"
            timer = timers.start(duration, name)
            what = f"{timer.name.capitalize()} timer" if timer.name else "Timer"
            return True, f"{what} set for {say_duration(duration)}."
        if intent == "HassCancelAllTimers":
            cancelled = timers.cancel_all()
            if not cancelled:
                return False, "You have no timers running."
            return True, "Timer cancelled." if len(cancelled) == 1 else f"Cancelled all {len(cancelled)} timers."
        if intent == "HassCancelTimer":
            timer = timers.cancel(name, asked_s)
            return True, f"{_the(timer).capitalize()} is cancelled." if timer.name else "Timer cancelled."
        if intent == "HassPauseTimer":
            timer = timers.pause(name, asked_s)
            return True, f"Paused {_the(timer)} with {say_duration(timer.remaining_s)} left."
        if intent == "HassUnpauseTimer":
            timer = timers.resume(name, asked_s)
            return True, f"Resumed {_the(timer)}: {say_duration(timer.remaining_s)} left."
        if intent in ("HassIncreaseTimer", "HassDecreaseTimer"):
            delta = duration_from_slots(slots)
            if delta is None:
                return False, "How much time should I " + ("add?" if intent == "HassIncreaseTimer" else "take off?")
            sign = 1 if intent == "HassIncreaseTimer" else -1
            timer = timers.adjust(sign * delta, name, asked_s)
            verb = "Added" if sign > 0 else "Took"
            where = "to" if sign > 0 else "off"
            return True, f"{verb} {say_duration(delta)} {where} {_the(timer)}. " + _left(timer, timers.now())
        if intent == "HassTimerStatus":
            return True, _status(timers.status(name, asked_s), timers.now())
    except TimerNotFound as exc:
        return False, exc.message
    except TimerError as exc:
        return False, exc.message
    raise ValueError(f"{intent} is not a timer intent")
