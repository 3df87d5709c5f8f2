"""Wake word stage: openWakeWord ONNX models on ONNX Runtime."""

from edge.wake.detector import Detection, WakeWordDetector, builtin_models, resolve_wake_model

__all__ = ["Detection", "WakeWordDetector", "builtin_models", "resolve_wake_model"]
