"""The gaps report: declined and weak answers logged (question and time only), grouped by wording alike."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

from conftest import FakeEmbedder

from assistant import gaps
from assistant.model import Answer

DECLINED = Answer("The documents do not clearly answer this question.", abstained=True, doubt=0.9)
WEAK = Answer("Some sentence. [1]", doubt=0.6)
GOOD = Answer("Some sentence. [1]", doubt=0.1)


def _at(hour: int) -> datetime:
    return datetime(2026, 12, 4, hour, 0, tzinfo=UTC)


def test_only_declined_and_weak_answers_are_logged_with_question_and_time_only(tmp_path: Path) -> None:
    assert gaps.record(tmp_path, "bus routes to Gatwick", DECLINED, _at(9))
    assert gaps.record(tmp_path, "  fuel   poverty in Adur ", WEAK, _at(10))
    assert not gaps.record(tmp_path, "how many people smoke", GOOD, _at(11))
    assert not gaps.record(tmp_path, "", DECLINED)
    lines = [json.loads(line) for line in gaps.log_path(tmp_path).read_text().splitlines()]
    assert lines == [
        {"time": "2026-12-04T09:00:00+00:00", "question": "bus routes to Gatwick", "outcome": "declined"},
        {"time": "2026-12-04T10:00:00+00:00", "question": "fuel poverty in Adur", "outcome": "weak"},
    ]


def test_questions_worded_alike_are_one_gap_the_most_asked_first(tmp_path: Path) -> None:
    for hour, question in enumerate(["fuel poverty in Adur", "bus routes", "Fuel poverty in Adur", "bus routes"]):
        gaps.record(tmp_path, question, DECLINED if hour % 2 else WEAK, _at(hour + 1))
    gaps.record(tmp_path, "gambling harm", DECLINED, _at(9))
    found = gaps.report(gaps.read_log(tmp_path), FakeEmbedder().embed)
    assert [(g.question, g.count) for g in found] == [
        ("bus routes", 2),
        ("Fuel poverty in Adur", 2),
        ("gambling harm", 1),
    ]
    fuel = found[1]
    assert (fuel.declined, fuel.weak, fuel.first, fuel.last) == (0, 2, "2026-12-04T01:00:00+00:00", fuel.last)
    assert fuel.wordings == ("Fuel poverty in Adur", "fuel poverty in Adur")
    assert found[0].to_dict()["wordings"] == ["bus routes"]


def test_a_torn_line_is_skipped_and_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    gaps.log_path(tmp_path).write_text('{"time": "x", "question": "kept", "outcome": "declined"}\n{"tim\n')
    threads = [
        threading.Thread(target=lambda n=n: [gaps.record(tmp_path, f"q{n}-{i}", DECLINED) for i in range(20)])
        for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = gaps.read_log(tmp_path)
    assert entries[0]["question"] == "kept" and len(entries) == 1 + 80
    assert gaps.read_log(tmp_path / "none") == [] and gaps.report([], FakeEmbedder().embed) == []
