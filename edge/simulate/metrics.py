"""What the simulator knows about each turn, and the day's measures computed from it.

``TurnRecord`` pairs the truth of a turn (who said what, meaning what, and
whether it worked) with what the speaker made of it (its rephrase link, its
failure point, its rewrite). ``day_metrics`` reduces one day's records:

- ``defect_rate``: turns that did not do what the user meant / turns;
- ``rewrite_wins`` / ``rewrite_losses``: turns whose text was rewritten
  before NLU, where the rewrite made a defect into the intended action (win)
  or broke a request that would have worked as heard (loss); "would have"
  is the same text planned by the pipeline without the rewrite step;
  ``rewrites_wrong``: rewritten turns that were still wrong (a loss, or a
  rewrite of a defect into another defect);
- ``rephrase_precision`` / ``rephrase_recall``: the speaker's ``rephrase_of``
  links against the true ones (a user's next attempt at the same request
  links to their previous attempt);
- ``defect_precision`` / ``defect_recall``: the speaker's own defect labels
  (any ``Defect`` on the turn's final feedback event) against the truth;
- ``failure_point_accuracy``: over the turns that are defective and that the
  speaker found defective, how often its failure point is the true one (a
  defect it never noticed is charged to ``defect_recall``, not here);
  ``failure_point_accuracy_all``: over every labelled turn, the correct ones
  included, unnoticed defects too.

A measure with nothing to measure (no links detected, no defects) is None
(JSON null), never a made-up 0 or 1. Pure: no I/O.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Mapping, Sequence


@dataclass(frozen=True, slots=True)
class TurnRecord:
    day: int
    session: int  # the request this turn belongs to (one goal of one user), numbered over the whole run
    attempt: int  # 0 for the first try, then each rephrase; -1 for the answer to a question
    user: str
    goal: str
    kind: str  # the phrasing's kind (canonical, nickname, vague, misheard; "answer")
    said: str
    heard: str  # the transcript (audio), or the text given to the pipeline
    turn_id: str
    ts: float  # simulated unix time
    outcome: str
    intent: str | None
    entities: tuple[str, ...]
    correct: bool
    true_failure_point: str
    true_rephrase_of: str | None  # turn id of the attempt this one rephrases
    barged_in: bool  # the user cut the answer off
    rewrite_source: str | None = None  # "table", "personal", "global", "taught"
    rewritten: str | None = None  # the text NLU got instead
    counterfactual_correct: bool | None = None  # the heard text, without the rewrite step, would have worked
    detected_rephrase_of: str | None = None  # the speaker's link (from its feedback event)
    detected_failure_point: str | None = None
    defects: tuple[str, ...] = ()
    labelled: bool = False  # the speaker produced a feedback event for this turn
    asr_logprob: float | None = None  # Whisper's average log-probability of the transcript (audio turns)
    nlu_confidence: float | None = None  # the interpretation's calibrated confidence
    answer: str | None = None  # what the speaker said back
    command_s: float | None = None  # seconds of audio Whisper got for the command (audio turns)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["entities"] = list(self.entities)
        d["defects"] = list(self.defects)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TurnRecord:
        values = dict(d)
        values["entities"] = tuple(values.get("entities", ()))
        values["defects"] = tuple(values.get("defects", ()))
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in names})

    @property
    def rewrite_win(self) -> bool:
        return self.rewrite_source is not None and self.correct and self.counterfactual_correct is False

    @property
    def rewrite_loss(self) -> bool:
        return self.rewrite_source is not None and not self.correct and self.counterfactual_correct is True


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return round(2 * p * r / (p + r), 4) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class DayMetrics:
    day: int
    turns: int
    sessions: int
    defect_rate: float | None
    task_success: float | None  # requests that ended in what the user meant
    gave_up: int  # requests the user abandoned
    missed_wakes: int  # attempts the speaker never heard (no turn)
    rewrites: int
    rewrite_wins: int
    rewrite_losses: int
    rewrites_wrong: int  # rewritten turns that still did not do what the user meant (losses among them)
    rephrase_precision: float | None
    rephrase_recall: float | None
    rephrase_f1: float | None
    defect_precision: float | None
    defect_recall: float | None
    failure_point_accuracy: float | None
    failure_point_accuracy_all: float | None
    table_version: int  # the rewrite table the speaker used that day (0: none yet)
    table_rewrites: int
    wall_s: float = 0.0
    failure_points: Mapping[str, int] = field(default_factory=dict)  # true failure points of the day's defects

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["failure_points"] = dict(self.failure_points)
        return d


def day_metrics(
    day: int,
    records: Sequence[TurnRecord],
    sessions: Iterable[tuple[bool, bool]],  # (ended correct, gave up) per request of the day
    *,
    missed_wakes: int = 0,
    table_version: int = 0,
    table_rewrites: int = 0,
    wall_s: float = 0.0,
) -> DayMetrics:
    sessions = list(sessions)
    n = len(records)
    defects = [r for r in records if not r.correct]
    rewritten = [r for r in records if r.rewrite_source is not None]
    true_links = {(r.turn_id, r.true_rephrase_of) for r in records if r.true_rephrase_of}
    found_links = {(r.turn_id, r.detected_rephrase_of) for r in records if r.detected_rephrase_of}
    hits = len(true_links & found_links)
    precision, recall = _ratio(hits, len(found_links)), _ratio(hits, len(true_links))
    labelled = [r for r in records if r.labelled]
    flagged = [r for r in labelled if r.defects]  # the speaker's own: something went wrong here
    found = [r for r in flagged if not r.correct]  # ... and it did
    return DayMetrics(
        day=day,
        turns=n,
        sessions=len(sessions),
        defect_rate=_ratio(len(defects), n),
        task_success=_ratio(sum(ok for ok, _ in sessions), len(sessions)),
        gave_up=sum(g for _, g in sessions),
        missed_wakes=missed_wakes,
        rewrites=len(rewritten),
        rewrite_wins=sum(r.rewrite_win for r in rewritten),
        rewrite_losses=sum(r.rewrite_loss for r in rewritten),
        rewrites_wrong=sum(not r.correct for r in rewritten),
        rephrase_precision=precision,
        rephrase_recall=recall,
        rephrase_f1=_f1(precision, recall),
        defect_precision=_ratio(len(found), len(flagged)),
        defect_recall=_ratio(len(found), sum(not r.correct for r in labelled)),
        failure_point_accuracy=_ratio(sum(r.detected_failure_point == r.true_failure_point for r in found), len(found)),
        failure_point_accuracy_all=_ratio(
            sum(r.detected_failure_point == r.true_failure_point for r in labelled), len(labelled)
        ),
        table_version=table_version,
        table_rewrites=table_rewrites,
        wall_s=round(wall_s, 1),
        failure_points=dict(sorted(Counter(r.true_failure_point for r in defects).items())),
    )


def rewrite_summary(records: Iterable[TurnRecord]) -> list[dict[str, Any]]:
    """Per rewrite (heard -> rewritten, source): how often it fired, its wins and losses; most used first."""
    rows: dict[tuple[str, str, str], Counter[str]] = {}
    for r in records:
        if r.rewrite_source is None or r.rewritten is None:
            continue
        c = rows.setdefault((r.heard, r.rewritten, r.rewrite_source), Counter())
        c["support"] += 1
        c["wins"] += r.rewrite_win
        c["losses"] += r.rewrite_loss
    out = [
        {"source": s, "target": t, "kind": k, "support": c["support"], "wins": c["wins"], "losses": c["losses"]}
        for (s, t, k), c in rows.items()
    ]
    out.sort(key=lambda x: (-x["support"], -x["wins"], x["source"]))
    return out
