"""Validate the retrieval dev set ``bench/questions.jsonl`` against the real corpus.

Each line is one JSON object::

    {"id": "q001", "question": "...", "type": "figure", "gold": [{"doc": "pdf/x.pdf", "pages": [3, 7]}],
     "answer": "...", "evidence": "a verbatim snippet from the first gold page",
     "indicators": [{"source": "indicators/x.csv", "indicator_id": "93356"}]}

``indicators`` lists the indicators in the corpus's data that measure what the question asks (most questions:
none, ``[]``); a table of any of them is a relevant table to show beside the answer.

Checks
------
* JSON shape: exactly the keys above, right value types, non-empty strings; ids ``qNNN`` (``hNNN`` in the
  held-out set) and unique;
  questions unique; ``type`` one of figure / recommendation / inequality / explanation / out_of_scope /
  indicator_only (answered by indicator data, not a passage: no gold, the evidence says which data).
* In-scope questions: at least one gold entry, every gold doc exists in the corpus (and only once per
  question), every page is a unique int within that document's page count (as ``assistant.parse`` reads
  it), a non-empty answer, and an evidence snippet of 8-25 words found on the FIRST page of the FIRST gold
  doc (whitespace-normalised, case-insensitive).
* ``indicators``: a list of ``{"source", "indicator_id"}`` naming indicators that exist in the corpus's indicator
  files (as ``assistant`` loads them), each at most once.
* Out-of-scope questions: empty gold, answer and evidence.
* Set-level targets (not with ``--heldout``): >= 88 in-scope and >= 12 out-of-scope questions, >= 34 documents
  covered, and no document the primary (first) gold doc of more than 5 questions.

It prints counts per type and per document, then every problem; the exit status is 1 when there is any.

How to run
----------
    python bench/check_questions.py [--corpus DIR] [--questions FILE] [--heldout]

The default corpus is ``../shared/corpus`` relative to the repository root, resolved from this file's
location so it works from any cwd.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from assistant.config import BUNDLED_MODEL
from assistant.embed import model_words
from assistant.parse import read_document

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
DEFAULT_QUESTIONS = REPO_ROOT / "bench" / "questions.jsonl"

TYPES = ("figure", "recommendation", "inequality", "explanation", "out_of_scope", "indicator_only")
KEYS = {"id", "question", "type", "gold", "answer", "evidence", "indicators"}
MIN_IN_SCOPE, MIN_OUT_OF_SCOPE, MIN_DOCS, MAX_PER_DOC = 88, 12, 34, 5
EVIDENCE_WORDS = (8, 25)


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


class Corpus:
    """Page texts of corpus documents, parsed on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._pages: dict[str, dict[int, str] | None] = {}
        self._indicators: set[tuple[str, str]] | None = None

    def indicators(self) -> set[tuple[str, str]]:
        """(source, indicator_id) of every indicator in the corpus's indicator files, loaded on first use."""
        if self._indicators is None:
            from assistant.indicators import load_folder

            table, _ = load_folder(self.root / "indicators", self.root)
            self._indicators = set(zip(table["source"], table["indicator_id"], strict=True))
        return self._indicators

    def pages(self, doc: str) -> dict[int, str] | None:
        """Page number -> normalised text, or None when the document is missing or unreadable."""
        if doc not in self._pages:
            path = self.root / doc
            if not path.is_file():
                self._pages[doc] = None
            else:
                parsed = read_document(path, vocabulary=model_words(BUNDLED_MODEL))  # as ingest reads it
                self._pages[doc] = {page.number: norm(page.text) for page in parsed.pages}
        return self._pages[doc]


def check_record(rec: Any, where: str, corpus: Corpus) -> list[str]:
    """Problems with one parsed line (empty when it is valid)."""
    if not isinstance(rec, dict):
        return [f"{where}: not a JSON object"]
    problems: list[str] = []
    if set(rec) != KEYS:
        problems.append(f"{where}: keys {sorted(rec)} != {sorted(KEYS)}")
        return problems
    for key in ("id", "question", "type", "answer", "evidence"):
        if not isinstance(rec[key], str):
            problems.append(f"{where}: {key} is not a string")
    problems.extend(check_indicators(rec["indicators"], where, corpus))
    if problems:
        return problems
    if not re.fullmatch(r"[a-z]\d{3,}", rec["id"]):
        problems.append(f"{where}: id {rec['id']!r} is not like q001 or h001")
    if not rec["question"].strip():
        problems.append(f"{where}: empty question")
    if rec["type"] not in TYPES:
        problems.append(f"{where}: type {rec['type']!r} not in {TYPES}")
    gold = rec["gold"]
    if not isinstance(gold, list):
        return [*problems, f"{where}: gold is not a list"]
    if rec["type"] == "out_of_scope":
        if gold or rec["answer"] or rec["evidence"]:
            problems.append(f"{where}: out_of_scope needs empty gold, answer and evidence")
        return problems
    if rec["type"] == "indicator_only":
        if gold or not rec["evidence"].strip():
            problems.append(f"{where}: indicator_only needs empty gold and evidence naming the indicator data")
        return problems
    if not gold:
        problems.append(f"{where}: in-scope question with no gold")
    if not rec["answer"].strip():
        problems.append(f"{where}: empty answer")
    seen_docs: set[str] = set()
    for n, entry in enumerate(gold):
        at = f"{where} gold[{n}]"
        if not isinstance(entry, dict) or set(entry) != {"doc", "pages"}:
            problems.append(f"{at}: must be {{'doc': str, 'pages': [int, ...]}}")
            continue
        doc, pages = entry["doc"], entry["pages"]
        if not isinstance(doc, str) or not isinstance(pages, list) or not pages:
            problems.append(f"{at}: doc must be a string and pages a non-empty list")
            continue
        if doc in seen_docs:
            problems.append(f"{at}: {doc} listed twice")
        seen_docs.add(doc)
        texts = corpus.pages(doc)
        if texts is None:
            problems.append(f"{at}: {doc} not found in {corpus.root}")
            continue
        if any(not isinstance(p, int) or isinstance(p, bool) for p in pages):
            problems.append(f"{at}: pages must be ints, got {pages}")
            continue
        if len(set(pages)) != len(pages):
            problems.append(f"{at}: duplicate pages {pages}")
        bad = [p for p in pages if p not in texts]
        if bad:
            problems.append(f"{at}: pages {bad} outside {doc} (1-{len(texts)})")
    evidence = norm(rec["evidence"])
    words = len(evidence.split())
    if not EVIDENCE_WORDS[0] <= words <= EVIDENCE_WORDS[1]:
        problems.append(f"{where}: evidence has {words} words, want {EVIDENCE_WORDS[0]}-{EVIDENCE_WORDS[1]}")
    first = gold[0] if gold else None
    pages = first.get("pages") if isinstance(first, dict) else None
    if isinstance(first, dict) and isinstance(first.get("doc"), str) and isinstance(pages, list) and pages:
        first_doc, first_page = first["doc"], pages[0]
        page_text = (corpus.pages(first_doc) or {}).get(first_page) if isinstance(first_page, int) else None
        if page_text is not None and evidence not in page_text:
            problems.append(f"{where}: evidence not found on {first_doc} page {first_page}: {rec['evidence']!r}")
    return problems


def check_indicators(labels: Any, where: str, corpus: Corpus) -> list[str]:
    """Problems with a question's ``indicators`` labels."""
    if not isinstance(labels, list):
        return [f"{where}: indicators is not a list"]
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for n, label in enumerate(labels):
        at = f"{where} indicators[{n}]"
        if not isinstance(label, dict) or set(label) != {"source", "indicator_id"}:
            problems.append(f"{at}: must be {{'source': str, 'indicator_id': str}}")
            continue
        key = (label["source"], label["indicator_id"])
        if key in seen:
            problems.append(f"{at}: {key} listed twice")
        seen.add(key)
        if key not in corpus.indicators():
            problems.append(f"{at}: no indicator {label['indicator_id']!r} in {label['source']}")
    return problems


def set_problems(
    in_scope: list[dict[str, Any]], types: Counter[str], primary: Counter[str], anywhere: Counter[str]
) -> list[str]:
    """The dev set's size and spread targets (not asked of a small held-out set)."""
    problems: list[str] = []
    if len(in_scope) < MIN_IN_SCOPE:
        problems.append(f"only {len(in_scope)} in-scope questions, want >= {MIN_IN_SCOPE}")
    if types["out_of_scope"] < MIN_OUT_OF_SCOPE:
        problems.append(f"only {types['out_of_scope']} out_of_scope questions, want >= {MIN_OUT_OF_SCOPE}")
    if len(anywhere) < MIN_DOCS:
        problems.append(f"only {len(anywhere)} documents covered, want >= {MIN_DOCS}")
    problems.extend(
        f"{doc} is the first gold doc of {n} questions, want <= {MAX_PER_DOC}"
        for doc, n in primary.items()
        if n > MAX_PER_DOC
    )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder (holds pdf/)")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="the JSONL file to check")
    parser.add_argument("--heldout", action="store_true", help="a small held-out set: skip the set-level targets")
    args = parser.parse_args()
    corpus = Corpus(args.corpus.resolve())
    problems: list[str] = []
    records: list[dict[str, Any]] = []
    seen: list[tuple[str, str]] = []  # (key, value) of every id and question, valid record or not
    for lineno, line in enumerate(args.questions.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            problems.append(f"line {lineno}: blank line")
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {lineno}: invalid JSON ({exc})")
            continue
        where = f"line {lineno} ({rec.get('id', '?') if isinstance(rec, dict) else '?'})"
        found = check_record(rec, where, corpus)
        problems.extend(found)
        if isinstance(rec, dict):
            seen.extend((key, rec[key]) for key in ("id", "question") if isinstance(rec.get(key), str))
        if not found:
            records.append(rec)

    for (key, value), n in Counter((k, norm(v)) for k, v in seen).items():
        if n > 1:
            problems.append(f"duplicate {key} ({n}x): {value!r}")

    types = Counter(r["type"] for r in records)
    in_scope = [r for r in records if r["type"] not in ("out_of_scope", "indicator_only")]
    primary = Counter(r["gold"][0]["doc"] for r in in_scope)
    anywhere = Counter(g["doc"] for r in in_scope for g in r["gold"])
    print(f"{len(records)} valid questions: " + ", ".join(f"{t} {types[t]}" for t in TYPES))
    print(f"{len(anywhere)} documents in gold ({len(primary)} as first gold doc); first / any:")
    for doc in sorted(anywhere):
        print(f"  {primary[doc]:2d} / {anywhere[doc]:2d}  {doc}")

    if not args.heldout:
        problems.extend(set_problems(in_scope, types, primary, anywhere))

    if problems:
        print(f"\n{len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
