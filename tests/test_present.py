"""Presentation helpers: inert passage HTML with marks, the quotable headline, table frames, trend charts."""

from __future__ import annotations

from conftest import indicator_table
from markdown_it import MarkdownIt

from assistant.indicators import IndicatorTable
from assistant.model import IngestReport, SkippedFile
from assistant.present import (
    codes_text,
    comparison_colour,
    escape_markdown,
    figures,
    format_number,
    format_report,
    headline,
    newer_text,
    passage_html,
    ranking_text,
    source_decimals,
    table_frame,
    trend_chart,
)


def _table(**changes: object) -> IndicatorTable:
    smoking = dict(
        indicator_name="Adults who smoke",
        unit="%",
        period="2019",
        value=9.1,
        lower_ci=8.5,
        upper_ci=9.7,
        count=None,
        denominator=None,
        england_value=10.6,
        region_value=10.0,
        comparison="Better",
        trend=(("2018", 9.5), ("2019", 9.1)),
    )
    return indicator_table(**{**smoking, **changes})


def test_passage_html_is_inert_and_marks_the_answer() -> None:
    text = "Rates fell. <script>x()</script> **Deaths rose to 84.** Other text."
    marked = ["**Deaths rose to 84.**", "Rates fell."]
    out = passage_html(text, marked)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<mark>**Deaths rose to 84.**</mark>" in out and "<mark>Rates fell.</mark>" in out


def test_a_quoted_sentence_is_marked_where_its_passage_keeps_the_source_s_footnote_marks() -> None:
    text = "Across the county, 19.3% of adults are inactive [33] with rates at or above 20% [34, 35]. Other text."
    quoted = "19.3% of adults are inactive with rates at or above 20%."  # as the answer quotes it
    out = passage_html(text, [quoted])
    assert "<mark>19.3% of adults are inactive [33] with rates at or above 20% [34, 35].</mark> Other text." in out
    assert "<mark>" not in passage_html(text, ["19.3% of adults are active."])


def test_headline_reads_like_a_bid_quote() -> None:
    assert headline(_table()) == "West Sussex 9.1% (95% CI 8.5 to 9.7), England 10.6%: Better (2019)"
    no_ci = headline(_table(lower_ci=None, upper_ci=None, unit="per 100,000", value=1234.0, england_value=None))
    assert no_ci == "West Sussex 1,234 per 100,000: Better (2019)"


def test_table_frame_and_chart() -> None:
    frame = table_frame(_table())
    assert list(frame["area"]) == ["West Sussex", "South East", "England"]
    assert frame.loc[0, "lower 95% CI"] == "8.5"
    assert frame.loc[0, "count"] == ""  # blank, never "None" or "nan"
    assert "None" not in frame.to_csv() and "nan" not in frame.to_csv()
    assert trend_chart(_table()) is not None
    assert trend_chart(_table(trend=(("2019", 9.1),))) is None
    assert comparison_colour("Worse") != comparison_colour("Better") != comparison_colour("Similar")


def test_escape_markdown_makes_markup_inert() -> None:
    escaped = escape_markdown("**bold** <script>alert(1)</script> `code` [link](x) _em_")
    assert escaped == "\\*\\*bold\\*\\* \\<script\\>alert(1)\\</script\\> \\`code\\` \\[link\\](x) \\_em\\_"
    html = MarkdownIt("commonmark").render(escaped)
    assert "<strong>" not in html and "<script>" not in html and "<code>" not in html and "<a " not in html
    assert "**bold** &lt;script&gt;" in html


def test_escape_markdown_line_starts() -> None:
    escaped = escape_markdown("# Not a heading\n> not a quote\n- not a list\n   1. not numbered\n    code?\n2.5%")
    assert escaped.split("\n") == [
        "\\# Not a heading",
        "\\> not a quote",
        "\\- not a list",
        "1\\. not numbered",
        "code?",
        "2.5%",
    ]
    html = MarkdownIt("commonmark").render(escaped)
    assert not any(tag in html for tag in ("<h1>", "<blockquote>", "<ul>", "<ol>", "<pre>"))


def test_numbers_read_as_people_quote_them() -> None:
    assert [format_number(v) for v in (9.1, 115.8123, 0.0, 1234.0, 1234567.0, None)] == [
        "9.1",
        "115.8",
        "0",
        "1,234",
        "1,234,567",
        "",
    ]


def test_figures_are_shown_at_the_sources_precision() -> None:
    # A Fingertips export carries 17.9003 (15.9291 to 20.0572); Fingertips publishes it as 17.9 (15.9 to 20.1).
    computed = _table(value=17.9003, lower_ci=15.9291, upper_ci=20.0572, england_value=21.1, region_value=None)
    assert headline(computed) == "West Sussex 17.9% (95% CI 15.9 to 20.1), England 21.1%: Better (2019)"
    # Figures written to two places keep them, 12.0 beside 9.25 included; counts are whole numbers.
    written = _table(value=12.0, lower_ci=9.25, upper_ci=14.5, count=1234.0, trend=(), england_value=None)
    assert figures(written)["value"] == "12.00" and figures(written)["lower"] == "9.25"
    assert figures(written)["count"] == "1,234" and figures(written)["england"] == ""
    assert source_decimals([0.012345, 0.0231]) == 4  # small computed fractions: 0.0231, three significant figures
    assert source_decimals([None]) is None
    assert format_number(83.2, 1) == "83.2" and format_number(12345.6, 1) == "12,346"


def test_a_ranking_shows_a_value_of_zero() -> None:
    ranked = _table(ranking=(("Adur", 3.25), ("Arun", 0.0), ("Crawley", None)))
    assert ranking_text(ranked) == "Adur 3.25, Arun 0.00"  # at the precision of the figures beside it


def test_ingest_summary_names_every_skipped_file_and_says_when_nothing_changed() -> None:
    skipped = (
        SkippedFile("pdf/b.pdf", "pdf/b.pdf: not a PDF"),
        SkippedFile("indicators/x.xlsx#Births", "dashboard sheet: no fixed table"),
    )
    summary = format_report(IngestReport(unchanged=("pdf/a.pdf",), skipped=skipped))
    assert "Documents: 0 added, 0 updated, 0 moved, 0 removed, 1 unchanged, 2 skipped" in summary
    assert "  skipped: pdf/b.pdf: not a PDF\n" in summary  # the file named once
    assert "  skipped: indicators/x.xlsx#Births: dashboard sheet: no fixed table" in summary
    assert "already up to date" in summary


def test_a_hit_lists_the_codes_its_passages_cite_with_their_names() -> None:
    from assistant.model import Chunk, Hit

    def passage(text: str) -> Chunk:
        return Chunk("1", "a.pdf", "A", "chapter", 2008, "", 3, 3, "", text)

    first, second = passage("Targets: NI 56 and NI 999."), passage("NI56 again; PHOF C09a.")
    hit = Hit(first, 1.0, passages=(first, second))  # the codes of every passage of the page, each once
    assert codes_text(hit) == (
        "Indicator codes: NI 56 (Obesity among primary school age children in Year 6); NI 999; "
        "PHOF C09a (Reception: prevalence of overweight (including obesity))"
    )
    assert codes_text(Hit(passage("No codes here, 2019."), 1.0)) == ""


def test_a_newer_figure_for_another_sex_says_whose_it_is() -> None:
    from assistant.indicators import NewerData

    table = indicator_table(sex="Male", unit="years", value=79.7, lower_ci=None, upper_ci=None, dataset="")
    note = newer_text(NewerData("79.1", "2021-2023", "…", table))
    assert note == (
        "Newer data: West Sussex (male) 2022/23: 79.7 years - Emergency hospital admissions for intentional "
        "self-harm; the passage quotes 79.1 for 2021-2023."
    )


def test_a_rebuild_job_s_progress_reads_the_same_everywhere() -> None:
    from assistant.present import job_progress

    assert job_progress("", 0, 0) == "Starting"
    assert job_progress("embed", 120, 5962).endswith(": 120/5962") and not job_progress("embed", 1, 2).startswith(
        "embed"
    )
