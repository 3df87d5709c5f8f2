"""Timers: started, paused and asked about by voice, kept in SQLite, rung by a thread of their own."""

from edge.timers.durations import duration_from_slots, say_duration, timer_label
from edge.timers.manager import Timer, TimerError, TimerManager
from edge.timers.store import TimerStore

__all__ = ["Timer", "TimerError", "TimerManager", "TimerStore", "duration_from_slots", "say_duration", "timer_label"]
