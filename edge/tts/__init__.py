"""Text to speech: Piper (the assistant's voice) and espeak-ng (a second voice for tests)."""

from edge.tts.cache import AudioCache
from edge.tts.espeak import espeak_synthesize
from edge.tts.synthesizer import Synthesizer, resolve_voice

__all__ = ["AudioCache", "Synthesizer", "espeak_synthesize", "resolve_voice"]
