"""Entity resolution: which devices does the interpreted request mean?"""

from edge.resolve.resolver import DEVICE_INTENTS, QUESTION_INTENTS, NamedDevice, resolve

__all__ = ["DEVICE_INTENTS", "QUESTION_INTENTS", "NamedDevice", "resolve"]
