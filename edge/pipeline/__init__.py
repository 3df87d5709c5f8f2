"""The loop: audio front end -> turn processor, orchestrated by the Assistant."""

from edge.pipeline.front import AudioFront, CapturedCommand, ListenState
from edge.pipeline.processor import TurnProcessor, strip_wake_phrase

__all__ = ["AudioFront", "CapturedCommand", "ListenState", "TurnProcessor", "strip_wake_phrase"]
