"""BM25 over the chunks: scores, document frequencies, IDF, how well passages cover a question, save and load."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.lexical import FULL_COVERAGE, Lexical, lexical_text, tokenize
from assistant.model import Chunk

TEXTS = [
    "Smoking prevalence among adults in Adur was 14 per cent.",
    "Hip fractures in people aged 65 and over in Worthing.",
    "Dental caries affects one in four five-year-olds in Arun.",
]


def test_tokens_are_stemmed_and_stopwords_dropped() -> None:
    assert tokenize(["The smokers and the smoking"]) == [["smoker", "smoke"]]


def test_the_passage_sharing_the_rare_word_scores_highest() -> None:
    lexical = Lexical.build_texts(TEXTS)
    scores = lexical.scores("hip fracture rates", len(TEXTS))
    assert int(np.argmax(scores)) == 1 and scores[0] == scores[2] == 0.0
    assert not lexical.scores("bus timetable", len(TEXTS)).any()


def test_document_frequency_and_idf() -> None:
    lexical = Lexical.build_texts([*TEXTS, "Smoking in pregnancy in Arun."])
    assert lexical.document_frequency("smoke") == 2 and lexical.document_frequency("mpox") == 0
    assert lexical.idf("mpox") > lexical.idf("cari") > lexical.idf("smoke") > 0


def test_coverage_of_a_question_by_the_top_passages() -> None:
    lexical = Lexical.build_texts(TEXTS)
    covered = lexical.coverage("smoking prevalence in Adur", TEXTS[:1], rare_df=5, places=["Adur"])
    assert covered == FULL_COVERAGE
    gap = lexical.coverage("mpox cases in Adur", TEXTS[:1], rare_df=5, places=["Adur"])
    assert gap.unmatched == ("mpox", "case") and gap.share == 1 / 3 and gap.focus == 0.0


def test_the_title_and_section_are_matched_with_the_text() -> None:
    chunk = Chunk("c", "pdf/x.pdf", "Oral health", "chapter", 2018, "", 1, 1, "Tooth decay", "One in four.")
    assert lexical_text(chunk) == "Oral health\nTooth decay\nOne in four."


def test_saved_and_loaded_it_scores_the_same(tmp_path: Path) -> None:
    lexical = Lexical.build_texts(TEXTS)
    lexical.save(tmp_path / "bm25")
    again = Lexical.load(tmp_path / "bm25")
    assert np.array_equal(again.scores("caries in Arun", 3), lexical.scores("caries in Arun", 3))


def test_an_index_of_nothing_saves_loads_and_scores_zero(tmp_path: Path) -> None:
    Lexical.build_texts([]).save(tmp_path / "bm25")
    empty = Lexical.load(tmp_path / "bm25")
    assert empty.bm25 is None and not empty.scores("smoking", 0).any() and empty.document_frequency("smoke") == 0
