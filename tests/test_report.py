"""edge report: one self-contained HTML page from a simulation trace or a turn log."""

from __future__ import annotations

import json
import re

import pytest

from edge.report import from_trace, from_turn_log, load, render
from edge.report.data import ReportError
from edge.turn import EntityRef, NluResult, Outcome, Resolution, ResponseResult, RewriteResult, Turn


def day(n: int, rate: float, wins: int) -> dict:
    return {"type": "day", "day": n, "turns": 50, "sessions": 40, "defect_rate": rate, "rewrite_wins": wins,
            "rewrite_losses": 0, "rephrase_precision": 0.95, "rephrase_recall": None, "failure_point_accuracy": 0.9,
            "task_success": 0.9}  # fmt: skip


def write_trace(path, *, days=(0.4, 0.3, 0.2)):
    rows = [{"type": "simulation", "days": len(days), "seed": 3, "audio": True, "learning": True}]
    for i, rate in enumerate(days, 1):
        rows.append(day(i, rate, i))
    rows += [
        {"type": "turn", "day": 1, "turn_id": "a", "correct": False, "true_failure_point": "resolution",
         "detected_failure_point": "resolution"},
        {"type": "turn", "day": 1, "turn_id": "b", "correct": False, "true_failure_point": "asr",
         "detected_failure_point": "nlu"},
        {"type": "turn", "day": 1, "turn_id": "c", "correct": True, "true_failure_point": "correct",
         "detected_failure_point": "correct"},
        {"type": "table", "day": 1, "version": 1, "created_at": 0.0,
         "rewrites": [{"source": "turn on the big light", "target": "turn on the living room ceiling light",
                       "support": 4, "confidence": 0.8}], "examples": []},
        {"type": "rewrite", "source": "turn on the big light.", "target": "turn on the living room ceiling light",
         "kind": "table", "support": 9, "wins": 8, "losses": 1},
        {"type": "rewrite", "source": "it's dark <in> here", "target": "turn on the kitchen light", "kind": "personal",
         "support": 2, "wins": 2, "losses": 0},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_a_trace_gives_defects_by_day_failure_points_both_ways_and_rewrites_with_their_support(tmp_path):
    data = from_trace(write_trace(tmp_path / "t.jsonl"))
    assert data.days == ("day 1", "day 2", "day 3") and data.defect_rate == (0.4, 0.3, 0.2)
    assert data.failure_points == {"true": {"resolution": 1, "asr": 1}, "speaker": {"resolution": 1, "nlu": 1}}
    big = data.rewrites[0]
    assert (big["support"], big["wins"], big["mined_support"], big["confidence"]) == (9, 8, 4, 0.8)
    assert data.rewrites[1]["mined_support"] is None  # not from the table


def test_the_page_is_self_contained_with_one_chart_per_question(tmp_path):
    page = render(load(write_trace(tmp_path / "t.jsonl")))
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert set(re.findall(r"https?://[^\"' )]+", page)) <= {"http://www.w3.org/2000/svg"}
    assert page.count("<svg") >= 4  # defect rate, daily measures, wins/losses, failure points, top rewrites
    for title in ("Defect rate", "Failure points by stage", "Top rewrites"):
        assert title in page
    assert "it&#x27;s dark &lt;in&gt; here" in page  # user text is escaped
    assert "day 3 against day 1: 50 % fewer defects" in page  # 0.4 -> 0.2
    assert "50 % more defects" in render(load(write_trace(tmp_path / "u.jsonl", days=(0.2, 0.3))))


def test_a_turn_log_is_reported_with_the_speakers_own_labels(tmp_path):
    from edge.turnlog import TurnLog

    def t(n: int, text: str, outcome: Outcome, *, interrupted=False, rewrite=None) -> Turn:
        return Turn(
            turn_id=f"t{n}", device_id="s", area="Kitchen", started_at=1_767_225_600.0 + 10 * n + (86400 if n > 2 else 0),
            nlu=NluResult(text, "HassTurnOn" if outcome is Outcome.DONE else None, 1.0), rewrite=rewrite,
            resolution=Resolution((EntityRef("l", "Lamp", "", "light"),), "name") if outcome is Outcome.DONE else None,
            response=ResponseResult("ok", interrupted=interrupted), outcome=outcome,
        )  # fmt: skip

    path = tmp_path / "turns.db"
    with TurnLog(path) as log:
        log.append(t(1, "turn on the big light", Outcome.NO_DEVICE))
        log.append(t(2, "turn on the big lamp", Outcome.DONE))
        log.append(t(3, "turn on the lamp", Outcome.DONE, rewrite=RewriteResult("turn on the big light", "turn on the lamp", "table", 0.9)))
    data = from_turn_log(path)
    assert data.days == ("2026-01-01", "2026-01-02") and data.turns == (2, 1)
    assert data.defect_rate == (0.5, 0.0)
    assert sum(data.failure_points["speaker"].values()) == 1
    assert data.rewrites[0]["wins"] == 1
    assert "<svg" in render(load(path))


def test_a_file_that_is_neither_is_refused(tmp_path):
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"type": "simulation"}\n')
    with pytest.raises(ReportError):
        load(bad)


def test_edge_report_writes_the_page(tmp_path):
    from edge.cli import main

    out = tmp_path / "r.html"
    assert main(["report", str(write_trace(tmp_path / "t.jsonl")), "--out", str(out)]) == 0
    assert "<svg" in out.read_text()
    assert main(["report", str(tmp_path / "missing.jsonl"), "--out", str(out)]) == 2
