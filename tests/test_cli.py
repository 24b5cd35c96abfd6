"""The jsna command, in process with the fake embedder: summaries, exit codes, the JSON interface."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FakeEmbedder, indicator_table

from assistant import cli, embed
from assistant.answer import Response
from assistant.cli import format_profile, format_response
from assistant.indicators import IndicatorProfile, ProfileRow
from assistant.model import Answer
from assistant.profile import AreaProfile

HIT_FIELDS = set(
    "doc title kind year page_start page_end section text score similarity recommendation ocr codes page_passages "
    "also_in newer_data".split()
)


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, small_corpus: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(embed, "load_embedder", lambda settings: FakeEmbedder())
    monkeypatch.setenv("JSNA_CORPUS", str(small_corpus))
    monkeypatch.setenv("JSNA_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("JSNA_MODEL", "fake")
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(cli.main, list(args), input=input, catch_exceptions=False)

    return invoke


def test_ingest_prints_a_summary_and_is_incremental(run) -> None:  # type: ignore[no-untyped-def]
    first = run("ingest")
    assert first.exit_code == 0
    assert "Documents: 2 added, 0 updated, 0 moved, 0 removed, 0 unchanged, 0 skipped" in first.output
    second = run("ingest")
    assert "2 unchanged" in second.output and "already up to date" in second.output
    assert "0 embedded now" in second.output


def test_strict_fails_when_a_file_was_skipped(run, small_corpus: Path) -> None:  # type: ignore[no-untyped-def]
    (small_corpus / "pdf" / "broken.pdf").write_bytes(b"not a pdf at all")
    lenient = run("ingest")
    assert lenient.exit_code == 0 and "pdf/broken.pdf: not a PDF" in lenient.output
    strict = run("ingest", "--strict")
    assert strict.exit_code == 1


def test_search_json_is_the_documented_shape(run) -> None:  # type: ignore[no-untyped-def]
    run("ingest")
    result = run("search", "smoking prevalence in Adur", "--json", "--k", "3")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert set(data) == {"id", "question", "hits", "answer", "tables", "corrected"}
    assert data["corrected"] == []
    assert len(data["hits"]) == 3 and set(data["hits"][0]) == HIT_FIELDS
    top = data["hits"][0]
    assert top["doc"] == "pdf/tobacco-2019.pdf" and top["page_start"] == 2
    assert set(data["answer"]) == {"text", "citations", "abstained", "doubt", "caution"}


def test_batch_mode_reads_jsonl_and_keeps_going_after_a_bad_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("ingest")
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "a", "question": "hip fractures in older people"}\nnot json\n\n'
        '{"id": 7, "question": "commission a stop smoking service for routine and manual workers"}\n'
    )
    result = run("search", "--questions", str(questions), "--json")
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line.get("id") for line in lines] == ["a", None, 7]
    assert lines[0]["hits"][0]["doc"] == "pdf/falls-briefing-2017.pdf"
    assert "error" in lines[1] and "line 2" in lines[1]["error"]
    assert lines[2]["hits"][0]["recommendation"] is True


def test_search_without_an_index_gives_advice_not_a_traceback(run) -> None:  # type: ignore[no-untyped-def]
    result = run("search", "anything")
    assert result.exit_code == 2
    assert "No index" in result.output and "jsna ingest" in result.output
    assert "Traceback" not in result.output


def test_a_misspelt_word_is_put_right_and_said_so(run) -> None:  # type: ignore[no-untyped-def]
    run("ingest")
    right = json.loads(run("search", "smoking prevalence in Adur", "--json").output)
    slipped = json.loads(run("search", "smoking prevalnce in Adur", "--json").output)
    assert slipped["corrected"] == [{"from": "prevalnce", "to": "prevalence"}]
    assert slipped["hits"] == right["hits"]
    said = run("search", "smoking prevalnce in Adur").output
    assert said.startswith('Searched for "prevalence" (you wrote "prevalnce").')


def test_human_search_output_cites_title_and_page(run) -> None:  # type: ignore[no-untyped-def]
    run("ingest")
    result = run("search", "hip fractures")
    assert "[1] Falls Briefing (2017), p. 2" in result.output


def test_status_lists_documents(run) -> None:  # type: ignore[no-untyped-def]
    run("ingest")
    result = run("status")
    assert (
        "2 documents" in result.output
        and "pdf/tobacco-2019.pdf: Tobacco Control Needs Assessment 2019" in result.output
    )
    assert "(0 read by OCR)" in result.output and "'backend': 'openvino'" in result.output
    assert re.search(r"\b[1-9]\d* sentences", result.output)
    assert "0 groups of versions" in result.output
    assert "rebuild" not in result.output.lower()  # none was started from the staff page


def test_status_says_how_the_last_staff_rebuild_went(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import sys

    from assistant import jobs

    run("ingest")
    index = tmp_path / "index"
    job = jobs.start(index, "ann@council.gov.uk", [sys.executable, "-c", "import time; time.sleep(30)"])
    assert f"Rebuild running: started by ann@council.gov.uk at {job.started} (Starting)" in run("status").output
    jobs.cancel(index, "bo")
    assert "Last rebuild from the staff page: cancelled, started by ann@council.gov.uk" in run("status").output


def test_status_lists_groups_of_versions_with_the_lead_first(run, small_corpus: Path) -> None:  # type: ignore[no-untyped-def]
    from conftest import make_pdf

    body = (
        "Smoking prevalence among adults in Adur was 14.2 per cent in 2019, above the England average of 13.9 per cent."
    )
    pages = [[("h1", "1 Smoking prevalence"), ("body", body * 3)]]
    make_pdf(small_corpus / "pdf" / "tobacco-draft.pdf", pages, title="Tobacco Control Needs Assessment (draft)")
    run("ingest")
    result = run("status")
    assert "1 group of versions" in result.output
    line = next(line for line in result.output.splitlines() if " leads; also: " in line)
    assert line.index("[pdf/tobacco-2019.pdf]") < line.index("[pdf/tobacco-draft.pdf]")


def test_filters_and_the_recommendations_register(run) -> None:  # type: ignore[no-untyped-def]
    run("ingest")
    only_falls = json.loads(run("search", "older people", "--json", "--doc", "pdf/falls-briefing-2017.pdf").output)
    assert {h["doc"] for h in only_falls["hits"]} == {"pdf/falls-briefing-2017.pdf"}
    assert json.loads(run("search", "smoking", "--json", "--year-to", "2000").output)["hits"] == []
    recs = json.loads(run("search", "smoking", "--json", "--recommendations").output)["hits"]
    assert recs and all(h["recommendation"] for h in recs)
    register = run("recommendations")
    assert "Tobacco Control Needs Assessment 2019  [pdf/tobacco-2019.pdf]" in register.output  # the year once
    assert "Commission a stop smoking service" in register.output
    lines = [json.loads(line) for line in run("recommendations", "--json", "--kind", "briefing").output.splitlines()]
    assert lines == []  # the only recommendations are in a chapter


def test_a_topic_says_how_many_more_may_be_on_it_and_lists_them_when_asked(run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from assistant.calibrated import LogisticModel
    from assistant.recommendations import register

    strict = LogisticModel(("similarity",), (0.0,), (1.0,), (0.0,), -30.0, threshold=0.5)  # lists nothing
    monkeypatch.setattr(register, "topic_model", lambda: strict)
    run("ingest")
    topic = "commission a stop smoking service for routine and manual workers"
    plain = run("recommendations", topic).output
    assert f"No recommendations found on {topic!r}." in plain
    assert re.search(r"\b1 more may be on .*add --possible", " ".join(plain.split()))
    [item] = [json.loads(line) for line in run("recommendations", topic, "--json", "--possible").output.splitlines()]
    assert item["text"].startswith("Commission a stop smoking service")
    assert run("recommendations", topic, "--json").output == ""


def test_the_register_as_json_items_and_as_csv_excel_and_word(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io

    import docx
    import openpyxl

    run("ingest")
    items = [json.loads(line) for line in run("recommendations", "--json").output.splitlines()]
    assert items and {"doc", "title", "year", "page", "section", "text", "also_in"} <= set(items[0])
    assert items[0]["text"].startswith("Commission a stop smoking service for routine and manual workers.")
    assert run("recommendations", "--json", "--kind", "briefing").output == ""  # the only ones are in a chapter
    rows = list(csv.DictReader(io.StringIO(run("recommendations", "--format", "csv").output.lstrip("\ufeff"))))
    assert [row["Recommendation"] for row in rows] == [item["text"] for item in items]
    assert rows[0]["Page"] == f"p. {items[0]['page']}"
    assert f"({items[0]['year']}) {items[0]['title']}" in rows[0]["Reference"]
    for fmt in ("xlsx", "docx"):
        out = tmp_path / f"register.{fmt}"
        run("recommendations", "--format", fmt, "--output", str(out))
        if fmt == "xlsx":
            sheet = openpyxl.load_workbook(out).active
            assert [cell.value for cell in sheet[2]][0] == items[0]["text"]
        else:
            paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
            assert any(p.startswith(items[0]["text"]) for p in paragraphs)


def test_indicator_tables_in_search_json_and_their_own_command(run, small_corpus: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    (small_corpus / "indicators").mkdir()
    source = Path(__file__).resolve().parent.parent / "corpus" / "indicators"
    shutil.copy(
        source / "fingertips-export-campylobacter-incidence-countyua-2015-2017.csv", small_corpus / "indicators"
    )
    assert "Indicators:" in run("ingest").output
    question = (
        "campylobacter incidence rate in Brighton"  # the indicator's own words: the fake embedder knows no synonyms
    )
    data = json.loads(run("search", question, "--json").output)
    assert data["tables"] and data["tables"][0]["area"] == "Brighton and Hove"
    result = json.loads(run("indicators", question, "--json").output)
    table = result["tables"][0]
    assert {
        "indicator_id",
        "indicator_name",
        "area",
        "source",
        "period",
        "value",
        "lower_ci",
        "upper_ci",
        "england_value",
        "comparison",
        "rows",
    } <= set(table)
    assert table["lower_ci"] <= table["value"] <= table["upper_ci"]
    assert table["comparison"] in {"Better", "Similar", "Worse", "Higher", "Lower"}
    assert "Campylobacter" in run("indicators", question).output


def test_a_figure_the_indicator_data_has_overtaken_carries_the_newer_one(run, small_corpus: Path) -> None:  # type: ignore[no-untyped-def]
    # The falls briefing says "rose to 2,310 per 100,000 in 2016/17 in Worthing"; the data has that and 2017/18.
    (small_corpus / "indicators").mkdir()
    header = "Indicator ID,Indicator Name,Area Code,Area Name,Area Type,Sex,Age,Time period,Value,Lower CI 95.0 limit,"
    rows = [
        "Upper CI 95.0 limit,Count,Denominator",
        "22401,Emergency hospital admissions for falls in people aged 65 and over,E07000229,Worthing,District,"
        "Persons,65+ yrs,2016/17,2310.4,2200.1,2420.9,900,39000",
        "22401,Emergency hospital admissions for falls in people aged 65 and over,E07000229,Worthing,District,"
        "Persons,65+ yrs,2017/18,2398.2,2290.5,2510.0,950,39600",
    ]
    (small_corpus / "indicators" / "falls.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    run("ingest")
    question = "emergency hospital admissions for falls in people aged 65 and over in Worthing"
    data = json.loads(run("search", question, "--json", "--k", "3").output)
    falls = next(hit for hit in data["hits"] if hit["doc"] == "pdf/falls-briefing-2017.pdf")
    [note] = falls["newer_data"]
    assert (note["quoted"], note["quoted_period"], note["area"], note["period"]) == (
        "2,310",
        "2016/17",
        "Worthing",
        "2017/18",
    )
    assert note["value"] == 2398.2 and note["indicator_id"] == "22401"
    assert all(hit["newer_data"] == [] for hit in data["hits"] if hit is not falls)
    text = run("search", question, "--k", "3").output
    expected = "Newer data: Worthing 2017/18: 2,398 (95% CI 2,290 to 2,510) - Emergency hospital admissions for falls"
    assert expected in " ".join(text.split()) and "the passage quotes 2,310 for 2016/17." in " ".join(text.split())


def test_gaps_lists_groups_of_unanswered_questions_as_text_and_json(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from assistant import gaps
    from assistant.model import Answer

    empty = run("gaps")
    assert empty.exit_code == 0 and "No declined or weakly answered questions" in empty.output
    declined = Answer("No.", abstained=True, doubt=0.95)
    for question in ("bus routes to Gatwick", "bus routes to Gatwick", "tuberculosis in Crawley"):
        gaps.record(tmp_path / "index", question, declined)
    text = run("gaps")
    assert text.output.splitlines()[0].startswith("- bus routes to Gatwick  [asked 2x (2 declined, 0 weak)")
    lines = [json.loads(line) for line in run("gaps", "--json").output.splitlines()]
    assert [(g["question"], g["count"]) for g in lines] == [
        ("bus routes to Gatwick", 2),
        ("tuberculosis in Crawley", 1),
    ]
    assert set(lines[0]) == {"question", "count", "declined", "weak", "first", "last", "wordings"}


def test_admin_set_password_stores_a_hash_the_app_then_accepts(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from assistant import staff
    from assistant.config import load_settings

    config = tmp_path / "server.toml"
    config.write_text('index = "index"\n', encoding="utf-8")
    short = run("--config", str(config), "admin", "set-password", input="short\nshort\n")
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    done = run("--config", str(config), "admin", "set-password", input="a good long password\na good long password\n")
    assert done.exit_code == 0 and f"written to {config}" in done.output
    assert "a good long password" not in config.read_text(encoding="utf-8")
    assert staff.check_password("a good long password", load_settings(config_file=config, environ={}))


def test_serve_flags_serve_a_product_from_the_settings() -> None:
    from assistant.cli import serve_flags
    from assistant.config import Settings

    flags = serve_flags(Settings(address="0.0.0.0", port=8600, base_url_path="/jsna/", max_file_mb=25.5))
    pairs = dict(zip(flags[::2], flags[1::2], strict=True))
    assert pairs["--server.address"] == "0.0.0.0" and pairs["--server.port"] == "8600"
    assert pairs["--server.baseUrlPath"] == "jsna" and pairs["--server.maxUploadSize"] == "26"
    assert pairs["--client.toolbarMode"] == "viewer" and pairs["--server.enableXsrfProtection"] == "true"
    assert pairs["--browser.gatherUsageStats"] == "false"


def test_a_profile_line_without_a_period_reads_name_then_value() -> None:
    rows = (
        ProfileRow(indicator_table(indicator_name="% lone parent households", period="", trend=()), "Households"),
        ProfileRow(indicator_table(), "Health improvement"),
    )
    text = format_profile(AreaProfile(IndicatorProfile("West Sussex", "County & UA", rows)))
    assert "- % lone parent households: " in text and ", :" not in text
    assert "- Emergency hospital admissions for intentional self-harm, 2022/23: " in text  # a period, named


def test_the_human_answer_shows_its_caution() -> None:
    said = "These sentences are about West Sussex, not Worthing."
    response = Response([], Answer("In West Sussex 20% were obese. [1]", caution=said), [])
    assert said in format_response(response).split("\n")
