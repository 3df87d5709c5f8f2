"""The interpreter the loop uses, as configured by ``[nlu] engine``."""

from __future__ import annotations

from typing import Any

from edge.config import NluSettings


def build_interpreter(settings: NluSettings) -> Any:
    """``combined``: exact template matches first (the model checks those that filled a wildcard),
    our ONNX model for the rest (measured best, see models/nlu/README.md); ``templates``: hassil alone."""
    from edge.nlu.templates import TemplateMatcher

    matcher = TemplateMatcher(settings.language, cache_size=settings.match_cache)
    if settings.engine == "templates":
        return matcher
    from edge.nlu.model import CombinedInterpreter, ModelInterpreter

    return CombinedInterpreter(matcher, ModelInterpreter())
