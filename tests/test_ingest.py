"""Ingest: incremental by content, crash-safe, and a bad file never costs the rest of the corpus."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder, bad_files, make_pdf, make_scanned_pdf

from assistant import store
from assistant.chunk import READING_VERSION, embedding_text
from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.ingest import ingest
from assistant.parse import ocr_available
from assistant.recommendations import extract
from assistant.retrieve import Retriever


def test_first_ingest_indexes_every_document(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    report = ingest(settings, fake_embedder)
    assert report.added == ("pdf/falls-briefing-2017.pdf", "pdf/tobacco-2019.pdf")
    assert report.chunks == report.chunks_embedded > 0 and report.sentences_embedded > 0
    snap = store.load(settings.index)
    views = {text for item in snap.recommendations for text in extract.views(item)}
    assert snap.recommendation_vectors.shape == (len(snap.recommendations), len(extract.VIEWS), fake_embedder.dimension)
    passages = {embedding_text(c.title, c.section, c.text) for c in snap.chunks}
    # Each passage, sentence and view of a recommendation item embedded once.
    assert sorted(fake_embedder.embedded) == sorted(passages | set(snap.sentences.texts) | views)
    assert len(fake_embedder.embedded) > report.chunks_embedded + report.sentences_embedded
    assert len(set(snap.sentences.texts)) == report.sentences_embedded
    assert {c.doc for c in snap.chunks} == set(report.added)
    assert snap.manifest.documents["pdf/tobacco-2019.pdf"].pages == 4
    assert snap.manifest.documents["pdf/tobacco-2019.pdf"].year == 2019
    rec = [c for c in snap.chunks if c.recommendation]
    assert rec and all(c.page_start == 3 for c in rec)


def test_nothing_changed_means_nothing_embedded_or_written(settings: Settings) -> None:
    ingest(settings, FakeEmbedder())
    version = store.current_version(settings.index)
    again = FakeEmbedder()
    report = ingest(settings, again)
    assert again.embedded == [] and not report.changed
    assert len(report.unchanged) == 2
    assert store.current_version(settings.index) == version


def test_changed_added_removed_and_renamed_documents(settings: Settings, small_corpus: Path) -> None:
    ingest(settings, FakeEmbedder())
    before = store.load(settings.index)
    falls_ids = {c.id for c in before.chunks if c.doc == "pdf/falls-briefing-2017.pdf"}
    pdf = small_corpus / "pdf"
    make_pdf(pdf / "tobacco-2019.pdf", [[("h1", "Tobacco"), ("body", "Smoking in pregnancy fell to 9 per cent.")]])
    make_pdf(
        pdf / "new-sexual-health.pdf",
        [[("h1", "Sexual health"), ("body", "Chlamydia detection rates rose.")]],
    )
    (pdf / "falls-briefing-2017.pdf").rename(pdf / "falls-2017-final.pdf")

    embedder = FakeEmbedder()
    report = ingest(settings, embedder)
    assert report.updated == ("pdf/tobacco-2019.pdf",)
    assert report.added == ("pdf/new-sexual-health.pdf",)
    assert report.moved == ("pdf/falls-2017-final.pdf",)
    assert report.removed == ("pdf/falls-briefing-2017.pdf",)
    # Only the changed and new documents were embedded; the renamed one kept its chunks and vectors.
    assert all("Falls" not in text for text in embedder.embedded)
    after = store.load(settings.index)
    moved = [c for c in after.chunks if c.doc == "pdf/falls-2017-final.pdf"]
    assert {c.id for c in moved} == falls_ids
    old_rows = [i for i, c in enumerate(before.chunks) if c.id in falls_ids]
    new_rows = [i for i, c in enumerate(after.chunks) if c.id in falls_ids]
    assert np.allclose(before.vectors()[old_rows], after.vectors()[new_rows])
    kept = [(t, v) for c in before.chunks if c.id in falls_ids for t, v in before.sentences_of(c)]
    assert kept and [t for t, _ in kept] == [t for c in moved for t, _ in after.sentences_of(c)]
    assert np.allclose([v for _, v in kept], [v for c in moved for _, v in after.sentences_of(c)])
    own = {t for t, _ in kept if "65 and over" in t}  # the running header is a sentence of the new ones too
    assert own and not own & set(embedder.embedded)  # reused, not embedded again
    assert not any("14.2 per cent" in c.text for c in after.chunks)

    (pdf / "new-sexual-health.pdf").unlink()
    report = ingest(settings, FakeEmbedder())
    assert report.removed == ("pdf/new-sexual-health.pdf",)
    assert "pdf/new-sexual-health.pdf" not in store.load(settings.index).manifest.documents


def test_manifest_metadata_change_reindexes_that_document(settings: Settings, small_corpus: Path) -> None:
    ingest(settings, FakeEmbedder())
    (small_corpus / "MANIFEST.csv").write_text(
        "file,kind,title,publisher,year\npdf/falls-briefing-2017.pdf,briefing,Falls in Worthing,Test Council,2018\n"
    )
    report = ingest(settings, FakeEmbedder())
    assert report.updated == ("pdf/falls-briefing-2017.pdf",) and report.unchanged == ("pdf/tobacco-2019.pdf",)
    chunk = next(c for c in store.load(settings.index).chunks if c.doc == "pdf/falls-briefing-2017.pdf")
    assert (chunk.title, chunk.publisher, chunk.year, chunk.kind) == (
        "Falls in Worthing",
        "Test Council",
        2018,
        "briefing",
    )


def test_another_backend_rebuilds_everything(settings: Settings) -> None:
    ingest(settings.replace(backend="torch"), FakeEmbedder())
    report = ingest(settings.replace(backend="onnx-int8"), FakeEmbedder())
    assert report.rebuilt_because == "the model or chunk settings changed"  # int8 and float32 vectors never mix
    with pytest.raises(store.IndexMismatchError, match="backend"):
        store.load(settings.index, expect=settings.replace(backend="torch").chunking())


def test_backends_making_the_same_vectors_share_an_index(settings: Settings) -> None:
    ingest(settings.replace(backend="onnx"), FakeEmbedder())
    embedder = FakeEmbedder()
    report = ingest(settings.replace(backend="openvino"), embedder)  # float32 and bfloat16 vectors: the same
    assert report.rebuilt_because == "" and not report.updated and not embedder.embedded
    for backend in ("torch", "openvino", "onnx"):
        assert store.load(settings.index, expect=settings.replace(backend=backend).chunking()).chunks


def test_changed_chunk_settings_rebuild_everything(settings: Settings) -> None:
    ingest(settings, FakeEmbedder())
    embedder = FakeEmbedder()
    report = ingest(settings.replace(chunk_tokens=120), embedder)
    assert report.rebuilt_because == "the model or chunk settings changed"
    assert len(report.updated) == 2 and embedder.embedded
    with pytest.raises(store.IndexMismatchError, match="jsna ingest --full"):
        Retriever(settings, FakeEmbedder()).search("smoking")


def test_an_index_read_by_an_older_reader_is_read_again(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    ingest(settings, FakeEmbedder())
    monkeypatch.setattr("assistant.ingest.READING_VERSION", READING_VERSION + 1)
    embedder = FakeEmbedder()
    report = ingest(settings, embedder)
    assert report.rebuilt_because.startswith("this version of the assistant reads documents better")
    assert len(report.updated) == 2 and embedder.embedded
    assert store.load(settings.index).manifest.chunking["reading"] == READING_VERSION + 1
    Retriever(settings, FakeEmbedder()).search("smoking")  # the settings alone still match it


def test_sentences_read_in_their_passage_cost_no_embedding_of_their_own(settings: Settings) -> None:
    alone = ingest(settings, FakeEmbedder())
    embedder = FakeEmbedder()
    report = ingest(settings.replace(sentence_vectors="in_passage"), embedder)
    assert report.rebuilt_because == "the model or chunk settings changed"
    snap = store.load(settings.index, expect=settings.replace(sentence_vectors="in_passage").chunking())
    passages = {embedding_text(c.title, c.section, c.text) for c in snap.chunks}
    views = {text for item in snap.recommendations for text in extract.views(item)}
    # The passages and the recommendation items' views: no sentence embedded alone.
    assert report.chunks_embedded == alone.chunks and passages <= set(embedder.embedded) <= passages | views
    assert len(snap.sentences.texts) == report.sentences_embedded >= alone.sentences_embedded > 0
    row = next(row for row in range(len(snap.chunks)) if snap.sentences.of(row))
    text, vector = snap.sentences.of(row)[0]
    assert vector @ FakeEmbedder().embed([f"{snap.chunks[row].title.split()[0]} {text}"])[0] > 0.999
    with pytest.raises(store.IndexMismatchError, match="sentence_vectors"):
        store.load(settings.index, expect=settings.chunking())


def test_an_index_from_before_the_setting_counts_as_sentences_alone(settings: Settings) -> None:
    ingest(settings, FakeEmbedder())
    manifest = settings.index / store.current_version(settings.index) / store.MANIFEST  # type: ignore[operator]
    data = json.loads(manifest.read_text())
    del data["chunking"]["sentence_vectors"]
    manifest.write_text(json.dumps(data))
    again = FakeEmbedder()
    assert not ingest(settings, again).changed and again.embedded == []
    assert store.load(settings.index, expect=settings.chunking(), verify=False).chunks


def test_full_rebuild_embeds_everything_again(settings: Settings) -> None:
    first = FakeEmbedder()
    ingest(settings, first)
    embedder = FakeEmbedder()
    report = ingest(settings, embedder, full=True)
    assert sorted(embedder.embedded) == sorted(first.embedded) and report.rebuilt_because


def test_duplicate_content_is_indexed_once(settings: Settings, small_corpus: Path) -> None:
    shutil.copy(small_corpus / "pdf" / "tobacco-2019.pdf", small_corpus / "copy-of-tobacco.pdf")
    report = ingest(settings, FakeEmbedder())
    assert [s.path for s in report.skipped] == ["pdf/tobacco-2019.pdf"]
    assert "same content as copy-of-tobacco.pdf" in report.skipped[0].reason


def test_bad_files_are_named_and_the_rest_is_indexed(settings: Settings, small_corpus: Path) -> None:
    bad = bad_files(small_corpus / "incoming", small_corpus / "pdf" / "falls-briefing-2017.pdf")
    report = ingest(settings.replace(max_file_mb=1), FakeEmbedder())
    reasons = {s.path: s.reason for s in report.skipped}
    for path, words in bad.values():
        rel = path.relative_to(small_corpus).as_posix()
        assert words in reasons[rel], (rel, reasons)
    assert set(report.added) == {"pdf/falls-briefing-2017.pdf", "pdf/tobacco-2019.pdf"}
    assert store.load(settings.index).manifest.skipped == report.skipped


class Boom(Exception):
    pass


class FailingEmbedder(FakeEmbedder):
    def embed(self, texts, progress=None):  # type: ignore[no-untyped-def]
        raise Boom("power cut")


def test_a_crash_mid_ingest_leaves_the_previous_index_loadable(settings: Settings, small_corpus: Path) -> None:
    ingest(settings, FakeEmbedder())
    before = store.load(settings.index)
    results = Retriever(settings, FakeEmbedder()).search("smoking prevalence Adur")
    make_pdf(small_corpus / "pdf" / "extra.pdf", [[("body", "Another document about loneliness.")]])
    with pytest.raises(Boom):
        ingest(settings, FailingEmbedder())
    after = store.load(settings.index)
    assert after.version == before.version and after.chunks == before.chunks
    assert Retriever(settings, FakeEmbedder()).search("smoking prevalence Adur") == results
    # The next ingest cleans up and finishes the job.
    report = ingest(settings, FakeEmbedder())
    assert report.added == ("pdf/extra.pdf",)
    assert not [p for p in settings.index.iterdir() if p.name.startswith(".build-")]


def test_missing_corpus_folder_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist") as error:
        ingest(Settings(corpus=tmp_path / "nope", index=tmp_path / "index", model="fake"), FakeEmbedder())
    assert "--corpus" in error.value.advice


def test_an_empty_corpus_builds_an_empty_index(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    settings = Settings(corpus=tmp_path / "corpus", index=tmp_path / "index", model="fake")
    report = ingest(settings, FakeEmbedder())
    assert report.chunks == 0
    assert Retriever(settings, FakeEmbedder()).search("anything") == []


def test_indicator_files_are_loaded_reused_and_reloaded(settings: Settings, small_corpus: Path) -> None:
    folder = small_corpus / "indicators"
    folder.mkdir()
    source = Path(__file__).resolve().parent.parent / "corpus" / "indicators"
    shutil.copy(source / "fingertips-export-campylobacter-incidence-countyua-2015-2017.csv", folder / "campy.csv")
    first = ingest(settings, FakeEmbedder())
    assert first.indicator_rows > 500
    snap = store.load(settings.index)
    assert snap.indicators is not None and snap.indicator_vectors is not None
    assert set(snap.indicators["source"]) == {"indicators/campy.csv"}
    again = FakeEmbedder()
    assert not ingest(settings, again).changed and again.embedded == []  # unchanged: nothing re-read or embedded
    (folder / "broken.xlsx").write_bytes(b"not a workbook")
    report = ingest(settings, FakeEmbedder())
    assert any(s.path.startswith("indicators/broken.xlsx") for s in report.skipped)
    assert report.indicator_rows == first.indicator_rows  # the good file still loads


def test_embedding_progress_counts_every_text_embedded(settings: Settings, small_corpus: Path) -> None:
    folder = small_corpus / "indicators"
    folder.mkdir()
    source = Path(__file__).resolve().parent.parent / "corpus" / "indicators"
    shutil.copy(source / "fingertips-export-campylobacter-incidence-countyua-2015-2017.csv", folder / "campy.csv")
    embedder, events = FakeEmbedder(), []
    ingest(settings, embedder, progress=lambda e: events.append(e) if e.stage == "embed" else None)
    totals = {e.total for e in events}
    # Passages, sentences, recommendation items and the indicator catalogue: one count, ending where it says (a text
    # in two of them, an item's section that is also a sentence, counts in both but is embedded once).
    total = totals.pop()
    assert not totals and events[-1].done == total and len(embedder.embedded) <= total <= len(embedder.embedded) + 2
    assert [e.done for e in events] == sorted(e.done for e in events)


def test_a_new_indicator_loader_rereads_unchanged_files(
    settings: Settings, small_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = small_corpus / "indicators"
    folder.mkdir()
    source = Path(__file__).resolve().parent.parent / "corpus" / "indicators"
    shutil.copy(source / "fingertips-export-campylobacter-incidence-countyua-2015-2017.csv", folder / "campy.csv")
    ingest(settings, FakeEmbedder())
    monkeypatch.setattr("assistant.ingest.LOADER_VERSION", 10_000)  # an upgrade that reads files differently
    upgraded = FakeEmbedder()
    report = ingest(settings, upgraded)
    assert report.indicator_rows > 500 and upgraded.embedded  # the catalogue was read and embedded again
    assert store.load(settings.index).manifest.indicator_loader == 10_000
    assert not ingest(settings, FakeEmbedder()).changed


def test_a_new_grouping_rule_groups_again_without_reading_or_embedding(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(settings, FakeEmbedder())
    before = store.load(settings.index)
    monkeypatch.setattr("assistant.ingest.GROUPING_VERSION", 10_000)
    upgraded = FakeEmbedder()
    ingest(settings, upgraded)
    after = store.load(settings.index)
    assert after.version != before.version and after.manifest.grouping == 10_000
    assert upgraded.embedded == [] and after.chunks == before.chunks


@pytest.mark.skipif(not ocr_available(), reason="Tesseract is not installed (make ocr)")
def test_an_image_only_pdf_is_indexed_by_ocr_and_its_hits_say_so(settings: Settings, small_corpus: Path) -> None:
    lines = ["Smoking prevalence in Adur fell to 12 per cent.", "Hospital admissions for falls rose in Worthing."]
    make_scanned_pdf(small_corpus / "pdf" / "scanned-poster.pdf", lines)
    report = ingest(settings, FakeEmbedder())
    assert "pdf/scanned-poster.pdf" in report.added and not report.skipped
    chunks = [c for c in store.load(settings.index).chunks if c.doc == "pdf/scanned-poster.pdf"]
    assert chunks and all(c.ocr for c in chunks) and any("Worthing" in c.text for c in chunks)
    assert not any(c.ocr for c in store.load(settings.index).chunks if c.doc != "pdf/scanned-poster.pdf")
    hits = Retriever(settings, FakeEmbedder()).search("hospital admissions for falls in Worthing", k=20)
    scanned = [h for h in hits if h.chunk.doc == "pdf/scanned-poster.pdf"]
    assert scanned and scanned[0].to_dict()["ocr"] is True
