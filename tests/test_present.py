"""Presentation helpers: inert passage HTML with marks, the quotable headline, table frames, trend charts."""

from __future__ import annotations

from conftest import indicator_table

from assistant.indicators import IndicatorTable
from assistant.present import answer_sentences, comparison_colour, headline, passage_html, table_frame, trend_chart


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
    marked = answer_sentences("**Deaths rose to 84.** [2] Rates fell. [1]")
    assert marked == ["**Deaths rose to 84.**", "Rates fell."]
    out = passage_html(text, marked)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<mark>**Deaths rose to 84.**</mark>" in out and "<mark>Rates fell.</mark>" in out


def test_headline_reads_like_a_bid_quote() -> None:
    assert headline(_table()) == "West Sussex 9.1% (95% CI 8.5 to 9.7), England 10.6%: Better (2019)"
    no_ci = headline(_table(lower_ci=None, upper_ci=None, unit="per 100,000", value=1234.0, england_value=None))
    assert no_ci == "West Sussex 1,234 per 100,000: Better (2019)"


def test_table_frame_and_chart() -> None:
    frame = table_frame(_table())
    assert list(frame["area"]) == ["West Sussex", "South East", "England"]
    assert frame.loc[0, "lower 95% CI"] == 8.5
    assert trend_chart(_table()) is not None
    assert trend_chart(_table(trend=(("2019", 9.1),))) is None
    assert comparison_colour("Worse") != comparison_colour("Better") != comparison_colour("Similar")
