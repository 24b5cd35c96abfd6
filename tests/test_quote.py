"""Which sentences an answer quotes: by meaning, the sentence with the asked figure first, never two saying the same
thing, at most two a page; what counts as a figure; a table's row for an asked place."""

from __future__ import annotations

from conftest import sentence as _sentence

from assistant.quote import (
    SENTENCE_FEATURES,
    Asked,
    Row,
    Sentence,
    best_row,
    choose,
    numbers,
    sentence_model,
    table_rows,
)


def test_the_shipped_sentence_model_prefers_closer_sentences_with_the_asked_figure() -> None:
    model = sentence_model()
    assert model.features == SENTENCE_FEATURES and "dev fact questions" in model.note
    asked = Asked.of("how many children in Crawley were obese in 2018")
    base = _sentence(2, "Childhood obesity is a concern in Crawley.", 0.6, 0)
    closer = _sentence(2, "Childhood obesity in Crawley children is a concern.", 0.7, 0)
    figure = _sentence(2, "In Crawley 24 per cent of children were obese.", 0.6, 0)
    words = _sentence(2, "Childhood obesity is a concern in Crawley.", 0.6, 0, overlap=0.9)
    lower = _sentence(6, "Childhood obesity is a concern in Crawley.", 0.6, 0)
    p = {name: model.probability(asked.features(s)) for name, s in locals().items() if isinstance(s, Sentence)}
    assert p["closer"] > p["base"] and p["figure"] > p["base"] and p["words"] > p["base"] > p["lower"]
    assert asked.features(figure)["figure"] == 1.0 and asked.features(base)["figure"] == 0.0


def test_a_question_for_a_proportion_asks_for_a_percentage() -> None:
    proportion = Asked.of("What proportion of Crawley adults were physically inactive in 2016/17?")
    assert proportion.gives_unit("Inactivity was highest in Crawley (23.5%).")
    assert not proportion.gives_unit("In Crawley 2,300 adults were inactive, a rate of 23.5 per 1,000.")
    rate = Asked.of("teenage pregnancy rate in Adur")
    assert rate.gives_unit("The rate was 17.1 per 1,000 women.") and not Asked.of("smoking in Adur").gives_unit("5%")


def test_the_sentence_with_the_asked_figure_leads_over_one_with_the_question_words() -> None:
    words = _sentence(1, "Obesity in Year 6 children in Crawley is a concern for schools.", 0.62, 0)
    figure = _sentence(1, "In Crawley 24 per cent of Year 6 children were obese in 2018.", 0.58, 1)
    other = _sentence(2, "Schools should offer daily physical activity for every pupil.", 0.40, 2)
    chosen = choose("how many Year 6 children in Crawley are obese", [words, figure, other])
    assert chosen[0] is figure and words in chosen
    assert choose("why is obesity a concern in Crawley", [words, figure, other])[0] is words


def test_two_sentences_saying_the_same_thing_are_quoted_once() -> None:
    first = _sentence(1, "Deaths from drug misuse rose to 84 in the three years to 2017.", 0.7, 0)
    again = _sentence(2, "Deaths from drug misuse rose to 84 in the three years to 2017 across the county.", 0.69, 0)
    other = _sentence(2, "Most deaths were of men aged 30 to 49 living alone.", 0.5, 1)
    assert choose("drug deaths", [first, again, other]) == [first, other]


def test_at_most_two_sentences_come_from_one_page() -> None:
    page = [_sentence(1, f"Sentence number {n} about smoking in Adur.", 0.9 - n / 100, n) for n in range(4)]
    assert [s.number for s in choose("smoking in Adur", [*page, _sentence(2, "Smoking fell in Arun.", 0.3, 7)])] == [
        1,
        1,
        2,
    ]


def test_a_year_or_period_is_not_a_figure() -> None:
    assert numbers("24 per cent in 2018, 1,198 offences") == {"24", "1198"}
    assert numbers("In 2017/18 and 2019 the service was reviewed") == set()


def test_a_rates_denominator_is_a_unit_not_a_figure() -> None:
    asked = Asked.of("death rate from accidental falls in Mid Sussex")
    assert not asked.gives_figure("Rate of injuries due to falls per 100,000 population aged 65+ (2015/16)")
    assert asked.gives_figure("The rate was 8.93 per 100,000 in 2012-14.")


def test_the_digits_of_a_name_a_code_or_a_footnote_mark_are_not_a_figure() -> None:
    assert numbers("COVID-19 had a very significant impact on PM2.5 and Core20 areas (E01031429)") == set()
    assert numbers("256,398 children were seen in the 24 months prior31.") == {"256398", "24"}
    assert numbers("NHS 111 took 3,400 calls; £5m; aged 16-24") == {"111", "3400", "5", "16", "24"}
    asked = Asked.of("how many people in West Sussex had covid")
    assert not asked.gives_figure("COVID-19 infection has had a very significant impact on West Sussex.")
    assert asked.gives_figure("252,100 residents tested positive for COVID-19 at least once.")
    assert not asked.gives_figure("People with covid were cared for in children’s homes.70")  # a footnote's number


def test_a_label_s_number_is_not_a_figure() -> None:
    """Footnote markers, table, figure and section numbers, reference codes and a reference list's note numbers
    label rather than measure: a sentence holding only those gives no figure (these came first in answers)."""
    asked = Asked.of("breastfeeding rates at 6-8 weeks")
    for label in (
        "[17] Breastfeeding at 6-8 weeks is a measure in the Public Health Outcomes Framework reference 2.02ii.",
        "11 National Osteoporosis Society (2015).",
        "Analysis of available epidemiological data (Sections 8, 9, 10 and 11)",
        "Rates are higher along the coast (Figure 8.3 and Table 8.4).",
        "See page 12 and Appendix 5.",
    ):
        assert not asked.gives_figure(label), label
    for figure in (
        "In 2018/19, 56.7% of infants were breastfed [3].",
        "24 (52%) were breastfed",
        "Table 2 shows 36 open",
    ):
        assert asked.gives_figure(figure), figure


def test_an_age_a_school_year_or_a_span_of_time_is_not_a_figure() -> None:
    """Who and when a figure is about: a caption naming ages and a span of time gives no figure, and would
    otherwise have led the answer as the one with the asked figure."""
    asked = Asked.of("how many children have seen a dentist")
    for about in (
        "Rate of children (age 0-18 years) who had seen a dentist in the last 12 months by CCG of residence.",
        "Estimates of drinking levels by AUDIT risk group among adults aged 16+; West Sussex",
        "Dental decay among 5 year olds, over-65s and 16-34s in Year 6",
    ):
        assert not asked.gives_figure(about), about
    for figure in (
        "In 2016/17, 71% of children had seen a dentist in the 24 months prior.",
        "70.4% of adults (aged 19+) are active",
        "In Year 6, 20.1% were obese",
        "256,398 children aged 0-17 were seen",
    ):
        assert asked.gives_figure(figure), figure


# A page as its text reads a table (the MOD's Table 5 in the 2012 veterans' needs assessment: a row's cells run on
# into the next place's), with prose above it.
VETERANS_PAGE = [
    "Clearly not all veterans are in receipt of a pension, nationally some 340,000 people receive a pension.",
    "Table 5 People in receipt of an Armed Forces Pension (Source : MOD)",
    "Local Authority Armed Forces Pension Scheme Brighton and Hove 580 East Sussex 2,535",
    "West Sussex 4,895",
    "Adur 315 Arun 1,185 Chichester 1,375 Crawley 295 Horsham 705 Mid Sussex 495 Worthing 525 Sussex 8,010",
    "This indicates that Arun and notably Chichester may have far higher numbers of veterans than estimated.",
]


def test_a_table_row_is_the_asked_place_and_its_cells_under_the_tables_caption() -> None:
    asked = Asked.of("How many people in Chichester receive an Armed Forces Pension?")
    [row] = table_rows(2, VETERANS_PAGE, ["Chichester"], asked)
    assert (row.number, row.text, row.place) == (2, "Chichester 1,375", "Chichester")
    assert row.quoted == "Table 5 People in receipt of an Armed Forces Pension (Source : MOD): Chichester 1,375"
    assert "Table 5" in row.context and "Adur 315" in row.context
    # Each asked place its own row; prose naming a place without figures after it ("Arun and notably ...") is none.
    rows = table_rows(1, VETERANS_PAGE, ["Arun", "West Sussex"], asked)
    assert [r.text for r in rows] == ["West Sussex 4,895", "Arun 1,185"]
    # A figure in a sentence is the sentence's, quoted as one: not a row.
    prose = ["Prevalence of obesity was highest in Arun (18.5%) and lowest in Mid Sussex (11.6%)."]
    assert table_rows(1, prose, ["Arun", "Mid Sussex"], asked) == []


def test_a_caption_run_into_its_tables_rows_keeps_its_column_headings_and_a_pointer_to_a_table_is_none() -> None:
    """The 2019 IMD briefing's Table 2 is read as one line with a summary point before it."""
    line = (
        "Mid Sussex remains the least deprived area. Table 2 Overall Deprivation Ranking Lower Tier Authorities "
        "Rank 2015 Rank 2019 Adur 159 164 Arun 173 149 Chichester 222 227"
    )
    [row] = table_rows(1, [line], ["Arun"], Asked.of("Where does Arun rank on the 2019 IMD?"))
    assert row.quoted == "Table 2 Overall Deprivation Ranking Lower Tier Authorities Rank 2015 Rank 2019: Arun 173 149"
    pointer = ["Around 7,530 (9.6%) young people were disabled (Table 3).", "Worthing 1,020 10.6%"]
    assert table_rows(1, pointer, ["Worthing"], Asked.of("disabled young people in Worthing"))[0].caption == ""


def test_a_row_of_years_or_of_the_questions_own_numbers_is_no_figure_and_a_long_row_is_cut() -> None:
    asked = Asked.of("falls admissions aged 65 in Crawley")
    page = [
        "Crawley 2015 2016 2017",
        "Crawley 65",
        "Crawley - 406 2545.8 (2300.0) 2810.4 126 2067.2 1716.5 2467.5 280 2880.3 2542.7 3249.2 17.5% 9",
    ]
    [row] = table_rows(1, page, ["Crawley"], asked)
    assert row.text == "Crawley - 406 2545.8 (2300.0) 2810.4 126 2067.2 1716.5 2467.5 280 2880.3 2542.7 …"
    assert row.quoted.startswith("In a table: Crawley") and row.caption == ""


def test_the_best_row_is_the_one_whose_table_says_what_is_asked_a_higher_page_preferred() -> None:
    pension = Row(1, "Chichester 1,375", overlap=0.6)
    discharges = Row(3, "Chichester 53", overlap=0.75)
    compensation = Row(2, "Chichester 370 270", overlap=0.5)
    assert best_row([compensation, pension, discharges]) is pension  # 0.6 against 0.75 - 0.2 and 0.5 - 0.1
    assert best_row([compensation, Row(1, "Chichester 9", overlap=0.35)]) is compensation
    assert best_row([]) is None
