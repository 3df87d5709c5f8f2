"""Interpretation stage: text -> Home Assistant intent + slots.

``TemplateMatcher``: hassil over the English templates of ``home-assistant-intents``,
with the name and area lists filled from the device registry. ``edge.nlu.model``:
our ONNX intent + slot model (``ModelInterpreter``) and ``CombinedInterpreter``, the
two together as the loop runs them (``edge.nlu.factory.build_interpreter``).
"""

from edge.nlu.templates import TemplateMatcher, VocabularyEntry

__all__ = ["TemplateMatcher", "VocabularyEntry"]
