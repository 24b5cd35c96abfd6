"""The gaps report: what people looked for and the JSNA could not answer, for the team writing the next one.

Each question the app declines, or answers only weakly (the calibrated decision of :mod:`assistant.evidence`
puts the chance that the documents do not answer it at one half or more, though under the line where it
declines), is appended to ``gaps.jsonl`` beside the index: the question as searched (a follow-up with the
question it follows) and the time, nothing else: no user, session or address. The ``gaps_log`` setting turns it
off. The report groups questions worded alike (their vectors from the passages' model, cosine at least
:data:`SAME_GAP`), the largest group first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from assistant import logs
from assistant.model import Answer

LOG_NAME = "gaps.jsonl"
WEAK = 0.5  # the decision's chance that the documents do not answer: from here on an answer is weak
SAME_GAP = 0.75  # questions this close in meaning are one gap
DECLINED, WEAKLY = "declined", "weak"


@dataclass(frozen=True)
class Gap:
    """A group of questions worded alike that went unanswered or weakly answered."""

    question: str  # the most recent wording
    count: int
    declined: int
    weak: int
    first: str  # ISO times
    last: str
    wordings: tuple[str, ...]  # every distinct wording, most recent first

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["wordings"] = list(self.wordings)
        return data


def outcome(answer: Answer) -> str | None:
    """ "declined", "weak" or None (answered well) for an answer."""
    if answer.abstained:
        return DECLINED
    return WEAKLY if answer.doubt is not None and answer.doubt >= WEAK else None


def log_path(index: Path) -> Path:
    return index / LOG_NAME


def record(index: Path, query: str, answer: Answer, when: datetime | None = None) -> bool:
    """Append the question to the log when its answer was declined or weak; True when it was logged. Safe with
    many server threads or processes writing at once."""
    kind = outcome(answer)
    if kind is None or not query.strip():
        return False
    moment = (when or datetime.now(UTC)).isoformat(timespec="seconds")
    logs.append(log_path(index), {"time": moment, "question": " ".join(query.split()), "outcome": kind})
    return True


def read_log(index: Path) -> list[dict[str, str]]:
    """The logged questions, oldest first; a line that cannot be read (a torn write) is skipped."""
    return [
        {k: str(entry.get(k, "")) for k in ("time", "question", "outcome")}
        for entry in logs.read(log_path(index))
        if isinstance(entry.get("question"), str) and entry["question"].strip()
    ]


def report(entries: Sequence[dict[str, str]], embed: Callable[[list[str]], np.ndarray]) -> list[Gap]:
    """The logged questions grouped by wording alike, the largest group first (then the most recent)."""
    if not entries:
        return []
    wordings = list(dict.fromkeys(e["question"].casefold() for e in entries))
    vectors = embed(wordings)
    leaders: list[int] = []  # each group's first wording; a wording joins the closest leader it is near enough
    group_of: dict[str, int] = {}
    for n, wording in enumerate(wordings):
        near = [(float(vectors[n] @ vectors[lead]), lead) for lead in leaders]
        best = max(near, default=(0.0, -1))
        if best[0] >= SAME_GAP:
            group_of[wording] = best[1]
        else:
            leaders.append(n)
            group_of[wording] = n
    grouped: dict[int, list[dict[str, str]]] = {}
    for entry in entries:
        grouped.setdefault(group_of[entry["question"].casefold()], []).append(entry)
    gaps = []
    for members in grouped.values():
        latest_first = sorted(members, key=lambda e: e["time"], reverse=True)
        gaps.append(
            Gap(
                question=latest_first[0]["question"],
                count=len(members),
                declined=sum(e["outcome"] == DECLINED for e in members),
                weak=sum(e["outcome"] == WEAKLY for e in members),
                first=latest_first[-1]["time"],
                last=latest_first[0]["time"],
                wordings=tuple(dict.fromkeys(e["question"] for e in latest_first)),
            )
        )
    gaps.sort(key=lambda g: g.last, reverse=True)
    return sorted(gaps, key=lambda g: -g.count)  # stable: among equals, the most recent first
