"""Speech to text: Whisper on CTranslate2 with an encoder window that fits the command.

``Transcriber`` is the stage; ``resolve_model_dir`` finds (or, for ``base``,
assembles once) the local CTranslate2 model directory. See ``whisper.py`` for
why the window is short and ``bias.py`` for how the home's names are favoured.
"""

from edge.asr.models import resolve_model_dir
from edge.asr.transcriber import Transcriber

__all__ = ["Transcriber", "resolve_model_dir"]
