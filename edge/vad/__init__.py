"""Voice activity detection (Silero ONNX from the openwakeword wheel) and endpointing."""

from edge.vad.endpointer import Endpointer, EndpointReason, EndpointState
from edge.vad.silero import SileroVad

__all__ = ["Endpointer", "EndpointReason", "EndpointState", "SileroVad"]
