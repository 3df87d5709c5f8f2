"""The small subset of Home Assistant value templates that devices actually send.

Discovery configs carry Jinja templates such as ``{{ value_json.state }}``
(Zigbee2MQTT), ``{{value_json.POWER}}`` (Tasmota) or ``{{ value }}``. edge
does not embed Jinja: it supports a value or a ``value_json`` path
(``.key``, ``['key']``, ``[0]``) followed by the filters ``lower``, ``upper``,
``trim`` and ``string``. Anything else raises ``TemplateError`` at compile
time, so the caller knows the state of that entity cannot be read.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

_WRAPPED = re.compile(r"^\s*\{\{\s*(?P<expr>.*?)\s*\}\}\s*$", re.S)
_ROOT = re.compile(r"(?P<root>value_json|value)\b")
_STEP = re.compile(
    r"\s*(?:\.(?P<attr>[A-Za-z_][A-Za-z0-9_]*)"
    r"|\[\s*'(?P<sq>[^']*)'\s*\]"
    r'|\[\s*"(?P<dq>[^"]*)"\s*\]'
    r"|\[\s*(?P<idx>-?\d+)\s*\])"
)
_FILTER = re.compile(r"\s*\|\s*(?P<name>[a-z_]+)(?:\(\s*\))?")
_FILTERS = {"lower": str.lower, "upper": str.upper, "trim": str.strip, "string": str}


class TemplateError(ValueError):
    """A template outside the supported subset."""


@dataclass(frozen=True, slots=True)
class ValueTemplate:
    """A compiled template: ``render(payload)`` gives the value as text, None when the path is missing."""

    source: str
    uses_json: bool
    path: tuple[str | int, ...]
    filters: tuple[str, ...]

    def render(self, payload: str) -> str | None:
        value: Any = payload
        if self.uses_json:
            try:
                value = json.loads(payload)
            except ValueError:
                return None
            for step in self.path:
                if isinstance(step, int):
                    if not isinstance(value, list) or not -len(value) <= step < len(value):
                        return None
                elif not isinstance(value, dict) or step not in value:
                    return None
                value = value[step]
        text = _to_text(value)
        if text is None:
            return None
        for name in self.filters:
            text = _FILTERS[name](text)
        return text


def _to_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"  # how Jinja prints a Python bool
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)


@functools.lru_cache(maxsize=512)
def compile_template(source: str) -> ValueTemplate:
    """Compile a value template; raises TemplateError when it is outside the subset."""
    wrapped = _WRAPPED.match(source)
    if not wrapped:
        raise TemplateError(f"not a single {{{{ ... }}}} expression: {source!r}")
    expr = wrapped.group("expr")
    root = _ROOT.match(expr)
    if not root:
        raise TemplateError(f"unsupported template (only value / value_json paths): {source!r}")
    pos = root.end()
    path: list[str | int] = []
    if root.group("root") == "value_json":
        while step := _STEP.match(expr, pos):
            if step.group("attr") is not None:
                path.append(step.group("attr"))
            elif step.group("sq") is not None:
                path.append(step.group("sq"))
            elif step.group("dq") is not None:
                path.append(step.group("dq"))
            else:
                path.append(int(step.group("idx")))
            pos = step.end()
    filters: list[str] = []
    while flt := _FILTER.match(expr, pos):
        if flt.group("name") not in _FILTERS:
            raise TemplateError(f"unsupported filter {flt.group('name')!r} in {source!r}")
        filters.append(flt.group("name"))
        pos = flt.end()
    if expr[pos:].strip():
        raise TemplateError(f"unsupported template (cannot read {expr[pos:].strip()!r}): {source!r}")
    return ValueTemplate(source, root.group("root") == "value_json", tuple(path), tuple(filters))


def template_supported(source: str) -> bool:
    try:
        compile_template(source)
    except TemplateError:
        return False
    return True


def render(source: str, payload: str) -> str | None:
    """Render source against payload; an empty template returns the payload itself."""
    if not source:
        return payload
    try:
        return compile_template(source).render(payload)
    except TemplateError:
        return None
