"""The interpreter the loop uses, as configured by ``[nlu] engine``."""

from __future__ import annotations

from typing import Any

from edge.config import NluSettings


def build_interpreter(settings: NluSettings) -> Any:
    """``combined``: our ONNX model, then hassil's exact template matches among its likeliest intents
    (final unless a wildcard took the words), the model for the rest (measured best, see
    models/nlu/README.md); ``templates``: hassil alone."""
    from edge.nlu.templates import TemplateMatcher

    matcher = TemplateMatcher(settings.language, cache_size=settings.match_cache)
    if settings.engine == "templates":
        return matcher
    from edge.nlu.model import CombinedInterpreter, ModelInterpreter

    return CombinedInterpreter(matcher, ModelInterpreter(threads=settings.threads))
