"""Errors of the learning side (outbox, sync, hub, signed tables); all are ``EdgeError`` with their own code."""

from __future__ import annotations

from edge.errors import EdgeError


class LearningError(EdgeError):
    code = "learning"


class FeedbackError(LearningError):
    """The feedback outbox or its sync cannot work (disk, secret, broker settings)."""

    code = "feedback"


class SignatureError(LearningError):
    """A rewrite table that must not be used: unsigned, tampered, signed by another key, malformed."""

    code = "signature"


class StaleTableError(SignatureError):
    """A correctly signed table that is not newer than the one the speaker already has."""

    code = "stale_table"


class PayloadError(LearningError):
    """A feedback payload the hub cannot use; the hub logs it and skips it."""

    code = "payload"

    def __init__(self, topic: str, reason: str) -> None:
        super().__init__(f"feedback payload on {topic!r} skipped: {reason}")
        self.topic = topic
        self.reason = reason
