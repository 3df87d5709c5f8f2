"""NLU on Home Assistant's own English test sentences: hassil alone, our model alone, the shipped combination.

The sentences are the test cases of https://github.com/home-assistant/intents (its ``tests/en`` folder).
They are HELD OUT for evaluation only: never train or tune on them. This script ships none of them; it reads
them from a checkout the user supplies, and prints the combined system's misses only with ``--misses``.

The home: ``_fixtures.yaml`` (and the older ``_common.yaml``, and the entities and areas a test file declares
itself) becomes our vocabulary, one ``VocabularyEntry(name, domain, area, device_class)`` per entity name
(hassil's ``[x]`` / ``(a|b)`` name templates expanded). An area enters hassil's list only through an entity in
it, and floors have no place in our vocabulary: both are counted, not faked.

Per test case: its ``sentences`` and the expected ``intent: name:`` (``intents:`` in some files; the folder's
name in the older one-folder-per-intent layout). A ``context: area:`` (the satellite's area, under the test or
its intent) is passed as ``interpret(text, area=...)``. Expected intents our model does not have are counted
apart, not in the accuracy; what cannot be read is skipped and counted with the reason.

Usage: python benchmarks/nlu_ha_tests.py DIR [--misses] [--threads 2]   (DIR: a checkout's tests/en folder)
"""

from __future__ import annotations

import argparse
import itertools
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import edge  # noqa: E402,F401  (privacy environment before onnxruntime)
from edge.config import NluSettings  # noqa: E402
from edge.nlu import TemplateMatcher, VocabularyEntry  # noqa: E402
from edge.nlu.model import ARTIFACTS, CombinedInterpreter, ModelInterpreter  # noqa: E402
from edge.turn import NluResult  # noqa: E402

FIXTURES = ("_fixtures.yaml", "_common.yaml")
SYSTEMS = ("hassil", "model", "combined")


@dataclass(frozen=True)
class Case:
    file: str
    intent: str
    text: str
    area: str  # the satellite's area from the test's context, "" without one


def expand(name: str) -> list[str]:
    """hassil's name templates as plain names: ``Desk Lamp[s]`` -> ``Desk Lamp``, ``Desk Lamps``."""
    parts = re.split(r"(\[[^\]]*\]|\([^)]*\))", name)
    options = [[p] if not p.startswith(("[", "(")) else
               ([""] if p.startswith("[") else []) + p[1:-1].split("|") for p in parts]
    return sorted({re.sub(r"\s+", " ", "".join(c)).strip() for c in itertools.product(*options)} - {""})


def load(path: Path, skipped: Counter[str]) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        skipped[f"{path.name}: unreadable YAML ({type(e).__name__})"] += 1
        return None
    if not isinstance(data, dict):
        skipped[f"{path.name}: not a YAML mapping"] += 1
        return None
    return data


class Home:
    """Areas, floors and entities as the fixture files give them; ``entries()`` is our vocabulary of them."""

    def __init__(self) -> None:
        self.areas: dict[str, str] = {}  # id (or name) -> display name
        self.floors: set[str] = set()
        self.entities: list[dict[str, Any]] = []

    def add(self, data: dict[str, Any]) -> None:
        for floor in data.get("floors") or []:
            if isinstance(floor, dict) and floor.get("name"):
                self.floors.add(str(floor["name"]))
        for area in data.get("areas") or []:
            if isinstance(area, dict) and area.get("name"):
                name = str(area["name"])
                self.areas[str(area.get("id") or name)] = self.areas[name] = name
        self.entities.extend(e for e in data.get("entities") or [] if isinstance(e, dict) and e.get("name"))

    def entries(self) -> list[VocabularyEntry]:
        out: dict[VocabularyEntry, None] = {}
        for e in self.entities:
            domain = str(e.get("domain") or str(e.get("id", "")).partition(".")[0])
            attributes = e.get("attributes") if isinstance(e.get("attributes"), dict) else {}
            device_class = str(e.get("device_class") or attributes.get("device_class") or "")
            area = self.areas.get(str(e.get("area") or ""), "")
            names = e["name"] if isinstance(e["name"], list) else [e["name"]]
            for name in names:
                for plain in expand(str(name)):
                    out[VocabularyEntry(plain, domain, area, device_class)] = None
        return list(out)


def read_cases(root: Path, skipped: Counter[str]) -> tuple[list[Case], Home, int]:
    """Every sentence of every test file under ``root``, the home the fixtures describe, the number of files."""
    home = Home()
    for name in FIXTURES:
        if (root / name).is_file() and (data := load(root / name, skipped)) is not None:
            home.add(data)
    files = sorted(p for p in root.rglob("*.yaml") if not p.name.startswith("_"))
    cases: list[Case] = []
    for path in files:
        rel = str(path.relative_to(root))
        data = load(path, skipped)
        if data is None:
            continue
        home.add(data)  # the older layout declares its entities and areas per file
        tests = data.get("tests")
        if not isinstance(tests, list):
            skipped[f"{rel}: no tests list"] += 1
            continue
        folder = path.parent.name if path.parent != root else ""
        for test in tests:
            if not isinstance(test, dict) or not isinstance(test.get("sentences"), list):
                skipped["test case without a sentences list"] += 1
                continue
            intent = test.get("intent") or test.get("intents") or {}
            intent = intent if isinstance(intent, dict) else {}
            name = str(intent.get("name") or (folder if folder.startswith("Hass") else ""))
            if not name:
                skipped["test case without an intent name"] += len(test["sentences"])
                continue
            context = test.get("context") or intent.get("context") or {}
            area = str(context.get("area") or "") if isinstance(context, dict) else ""
            for text in test["sentences"]:
                if not isinstance(text, str) or not text.strip():
                    skipped["sentence not a non-empty string"] += 1
                elif "{" in text:
                    skipped["sentence with a {placeholder}"] += 1
                else:
                    cases.append(Case(rel, name, text, area))
    return cases, home, len(files)


def version_note(root: Path) -> str:
    """The commit of the git checkout ``root`` lies in, if it lies in one."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()
    try:
        return f"git checkout {git('rev-parse', '--show-toplevel')} at {git('log', '-1', '--format=%H (%cs)')}"
    except (OSError, subprocess.SubprocessError):
        return "not a git checkout: no commit to report"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", type=Path, help="a checkout's tests/en folder")
    ap.add_argument("--misses", action="store_true", help="list the combined system's misses (evaluation data: "
                                                          "read them to judge, never to tune)")
    ap.add_argument("--threads", type=int, default=NluSettings().threads, help="ONNX Runtime threads")
    ap.add_argument("--artifacts", type=Path, default=ARTIFACTS)
    args = ap.parse_args()
    root: Path = args.dir.resolve()
    if not root.is_dir():
        ap.error(f"{root} is not a folder")

    skipped: Counter[str] = Counter()
    cases, home, n_files = read_cases(root, skipped)
    vocab = home.entries()
    matcher = TemplateMatcher("en")
    matcher.set_vocabulary(vocab)
    model = ModelInterpreter(args.artifacts, threads=args.threads)
    combined = CombinedInterpreter(matcher, model)
    known = set(model.intents) - {model.ood_label}

    lacking = Counter(c.intent for c in cases if c.intent not in known)
    scored = [c for c in cases if c.intent in known]
    results: dict[str, list[NluResult]] = {s: [] for s in SYSTEMS}
    for c in scored:
        exact, _ = matcher.match_detail(c.text, area=c.area)
        results["hassil"].append(exact if exact.intent is not None else matcher.partial(c.text, area=c.area))
        results["model"].append(model.interpret(c.text, area=c.area))
        results["combined"].append(combined.interpret(c.text, area=c.area))

    in_areas = {e.area for e in vocab if e.area}
    print(f"read {root} ({version_note(root)}): {n_files} test files, "
          f"{len(cases)} sentences ({len({c.text.casefold() for c in cases})} distinct), "
          f"{sum(c.area != '' for c in cases)} with a context area")
    print(f"vocabulary: {len(vocab)} names from {len(home.entities)} entities; "
          f"{len(in_areas)} of {len(set(home.areas.values()))} areas reach hassil's area list (only through an "
          f"entity in them); {len(home.floors)} floors not representable in our vocabulary")
    print(f"intents we do not have: {sum(lacking.values())} sentences, {len(lacking)} intents, not scored")
    for intent, n in lacking.most_common():
        print(f"  {intent:32} {n:5}")
    print(f"skipped: {sum(skipped.values())}" + "".join(f"\n  {r}: {n}" for r, n in skipped.most_common()))
    print()
    print(f"{'system':10} {'sentences':>9} {'acc %':>7} {'f-rej %':>8}")
    for s in SYSTEMS:
        res = results[s]
        acc = sum(r.intent == c.intent for r, c in zip(res, scored)) / max(1, len(scored))
        rej = sum(r.intent is None for r in res) / max(1, len(scored))
        print(f"{s:10} {len(scored):9} {100 * acc:7.1f} {100 * rej:8.1f}")
    print()
    print(f"{'intent':32} {'n':>5} " + " ".join(f"{s + ' %':>10}" for s in SYSTEMS))
    for intent, n in Counter(c.intent for c in scored).most_common():
        idx = [i for i, c in enumerate(scored) if c.intent == intent]
        accs = (100 * sum(results[s][i].intent == intent for i in idx) / n for s in SYSTEMS)
        print(f"{intent:32} {n:5} " + " ".join(f"{a:10.1f}" for a in accs))
    if args.misses:
        print("\ncombined system's misses (held-out evaluation sentences: do not tune on them)")
        for c, r in zip(scored, results["combined"]):
            if r.intent != c.intent:
                where = f" [area {c.area}]" if c.area else ""
                print(f"  {c.file}: expected {c.intent}, got {r.intent}: {c.text!r}{where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
