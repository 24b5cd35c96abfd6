"""Versions and near-copies: which documents are grouped, which leads, and what is never grouped."""

from __future__ import annotations

from dataclasses import replace

from conftest import FakeEmbedder

from assistant.model import Chunk, DocumentInfo
from assistant.versions import find_groups, is_draft

REPORT = [
    "Emergency admissions for falls in people aged 65 and over rose to 2,310 per 100,000 in 2017, above England.",
    "Hip fractures cost the local health system an estimated 12 million pounds each year in acute care alone.",
    "Strength and balance classes reduced falls by a quarter among those who completed the twelve week course.",
    "The chapter recommends a single falls pathway across the county, with referral from ambulance crews.",
]


def _doc(path: str, title: str, year: int | None) -> DocumentInfo:
    return DocumentInfo(path=path, title=title, kind="chapter", year=year, publisher="Council", sha256=path)


def _infos(docs: dict[str, tuple[str, int | None]]) -> dict[str, DocumentInfo]:
    """Documents by path from {path: (title, year)}."""
    return {path: _doc(path, title, year) for path, (title, year) in docs.items()}


def _chunks(path: str, info: DocumentInfo, texts: list[str]) -> list[Chunk]:
    base = Chunk("", path, info.title, info.kind, info.year, info.publisher, 1, 1, "", "")
    return [replace(base, id=f"{path}-{n}", page_start=n + 1, page_end=n + 1, text=t) for n, t in enumerate(texts)]


def _groups(documents: dict[str, list[str]], infos: dict[str, DocumentInfo]) -> list[tuple[str, ...]]:
    chunks = [c for path, texts in documents.items() for c in _chunks(path, infos[path], texts)]
    vectors = FakeEmbedder().embed([c.text for c in chunks])
    return [g.docs for g in find_groups(chunks, vectors, infos)]


def test_a_draft_a_final_and_a_summary_restating_them_are_one_group_led_by_the_newest_final() -> None:
    infos = _infos(
        {
            "pdf/falls-draft-2018.pdf": ("Falls needs assessment (draft)", 2018),
            "pdf/falls-2018.pdf": ("Falls needs assessment", 2018),
            "pdf/falls-summary-2018.pdf": ("Falls: executive summary", 2018),
            "pdf/smoking.pdf": ("Tobacco control", 2016),
        }
    )
    documents = {
        "pdf/falls-draft-2018.pdf": REPORT[:3],
        "pdf/falls-2018.pdf": [*REPORT, "Annex: the data sources used in this assessment and their known limits."],
        "pdf/falls-summary-2018.pdf": [REPORT[0], REPORT[3]],
        "pdf/smoking.pdf": ["Smoking fell in Adur to 12 per cent of adults in 2019, the lowest in the county."],
    }
    assert _groups(documents, infos) == [
        ("pdf/falls-2018.pdf", "pdf/falls-summary-2018.pdf", "pdf/falls-draft-2018.pdf")
    ]
    assert is_draft("pdf/falls-draft-2018.pdf", None) and not is_draft(
        "pdf/falls-2018.pdf", infos["pdf/falls-2018.pdf"]
    )


def test_the_newest_year_leads_a_renamed_copy() -> None:
    infos = _infos({"pdf/a.pdf": ("Falls", 2017), "pdf/b.pdf": ("Falls (updated)", 2019)})
    assert _groups({"pdf/a.pdf": REPORT, "pdf/b.pdf": REPORT}, infos) == [("pdf/b.pdf", "pdf/a.pdf")]


def test_profiles_of_different_places_from_one_template_are_not_versions() -> None:
    infos = _infos(
        {
            "pdf/adur.pdf": ("Adur district profile", 2019),
            "pdf/arun.pdf": ("Arun district profile", 2019),
            "pdf/untitled-1.pdf": ("District profile", 2019),
            "pdf/untitled-2.pdf": ("District profile", 2019),
        }
    )
    template = "In {place} {smoke}% of adults smoke and {obese}% of children in Year 6 are obese, against England."
    text = {
        "adur": template.format(place="Adur", smoke="12.3", obese="19.1"),
        "arun": template.format(place="Arun", smoke="15.2", obese="21.7"),
    }
    same_words = {"pdf/adur.pdf": [text["adur"], REPORT[2]], "pdf/arun.pdf": [text["adur"], REPORT[2]]}
    assert _groups(same_words, infos) == []  # even word for word: the titles name different places
    figures = {"pdf/untitled-1.pdf": [text["adur"]], "pdf/untitled-2.pdf": [text["arun"]]}
    assert _groups(figures, infos) == []  # close in meaning, different place and figures
    # untitled, but the file names say which district each is about
    named = _infos(
        {path: ("Local health profile", 2019) for path in ("pdf/Horsham_profile.pdf", "pdf/MidSussex_profile.pdf")}
    )
    assert _groups({path: REPORT for path in named}, named) == []
    shared = [*REPORT, *REPORT]  # the template's common text; then what each says of its own district
    about = {
        "pdf/a.pdf": [*shared, *(f"In Crawley {t}" for t in REPORT[:3])],
        "pdf/b.pdf": [*shared, *(f"In Worthing {t}" for t in REPORT[:3])],
    }
    untitled = {path: _doc(path, "Local health profile", 2019) for path in about}
    assert _groups(about, untitled) == []


def test_any_english_council_s_district_profiles_are_not_versions() -> None:
    """Leicestershire's districts, whose names the corpora this was built on never use, word for word alike."""
    paths = ("pdf/Charnwood_profile.pdf", "pdf/HinckleyAndBosworth_profile.pdf", "pdf/NorthWestLeicestershire.pdf")
    untitled = {path: _doc(path, "District health profile", 2019) for path in paths}
    assert _groups({path: REPORT for path in paths}, untitled) == []  # the file names say which district
    titled = _infos({"pdf/a.pdf": ("Melton profile", 2019), "pdf/b.pdf": ("Oadby and Wigston profile", 2019)})
    assert _groups({"pdf/a.pdf": REPORT, "pdf/b.pdf": REPORT}, titled) == []
    copies = _infos({"pdf/c.pdf": ("Melton profile", 2018), "pdf/d.pdf": ("Melton profile (revised)", 2019)})
    assert _groups({"pdf/c.pdf": REPORT, "pdf/d.pdf": REPORT}, copies) == [("pdf/d.pdf", "pdf/c.pdf")]


def test_reports_of_other_data_from_one_template_are_not_versions() -> None:
    template = (
        "Of the pupils who answered the survey, {}% said they had eaten breakfast this morning, {}% said they had "
        "five portions of fruit and vegetables yesterday and {}% said they had been physically active for an hour "
        "on every day of the last week, according to the school health check of this year."
    )
    infos = {path: _doc(path, "School health check report", 2025) for path in ("pdf/year8.pdf", "pdf/year12.pdf")}
    figures = {"pdf/year8.pdf": (61, 22, 17), "pdf/year12.pdf": (48, 19, 9)}
    documents = {path: [template.format(*(f + n for f in figs)) for n in range(4)] for path, figs in figures.items()}
    assert _groups(documents, infos) == []
    same = {path: documents["pdf/year8.pdf"] for path in infos}  # the same figures: a copy
    assert len(_groups(same, infos)) == 1


def test_a_shared_line_is_not_a_version() -> None:
    infos = _infos({"pdf/a.pdf": ("Falls", 2017), "pdf/b.pdf": ("Diabetes", 2019)})
    footer = "West Sussex County Council public health."
    documents = {"pdf/a.pdf": [footer, *REPORT], "pdf/b.pdf": [footer, "Diabetes prevalence rose to 7 per cent."]}
    assert _groups(documents, infos) == []
