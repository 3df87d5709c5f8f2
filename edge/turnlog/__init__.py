"""The interaction log: every turn in SQLite, durable across a power cut."""

from edge.turnlog.store import TurnLog

__all__ = ["TurnLog"]
