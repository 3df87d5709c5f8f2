"""Interpretation stage: text -> Home Assistant intent + slots.

First version: hassil over the English templates of ``home-assistant-intents``,
with the name and area lists filled from the device registry.
"""

from edge.nlu.templates import TemplateMatcher, VocabularyEntry

__all__ = ["TemplateMatcher", "VocabularyEntry"]
