"""edge: an on-device voice assistant.

Privacy first: onnxruntime >= 1.29 resolves a telemetry host a few seconds after
it is loaded unless ``ORT_DISABLE_TELEMETRY=1`` is in the environment *before*
it is imported. openWakeWord, Piper and our own stages all import it, so the
package sets the variable here, before any submodule can import onnxruntime.
"""

import os as _os

_os.environ["ORT_DISABLE_TELEMETRY"] = "1"
# Never let a library reach a model hub: every model edge uses is on disk.
_os.environ.setdefault("HF_HUB_OFFLINE", "1")
_os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
# numpy's BLAS would start a thread per core for small products (rewrite retrieval, features) and fight
# ONNX Runtime and CTranslate2, which size their own pools ([asr] threads, the board profile).
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
