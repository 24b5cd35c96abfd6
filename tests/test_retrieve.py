"""Hybrid retrieval: three searches, the ranking model, glossary, filters, result hygiene, follow-ups."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder, make_pdf

from assistant.config import Settings
from assistant.ingest import ingest
from assistant.retrieve import RANK_FEATURES, REFERENCE_LIST, Filters, Retriever, ranking_model, with_interactions
from assistant.text import split_sentences


class BlindEmbedder(FakeEmbedder):
    """Every text gets the same vector: dense search knows nothing, so only BM25 can find anything."""

    def embed(self, texts, progress=None):  # type: ignore[no-untyped-def]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        out[:, 0] = 1.0
        return out


def test_lexical_half_finds_acronyms_the_dense_half_cannot(briefings: Settings) -> None:
    blind = Retriever(briefings, BlindEmbedder())
    assert blind.search("NCMP results", mode="bm25")[0].chunk.doc == "pdf/ncmp-2018.pdf"
    assert blind.search("NCMP results", mode="hybrid")[0].chunk.doc == "pdf/ncmp-2018.pdf"
    assert blind.search("tooth decay", mode="hybrid")[0].chunk.doc == "pdf/oral-health-2018.pdf"
    # Dense alone, blind, ranks by row order only: the fused ranking differs from it.
    dense = [h.chunk.id for h in blind.search("tooth decay", mode="dense")]
    hybrid = [h.chunk.id for h in blind.search("tooth decay", mode="hybrid")]
    assert dense != hybrid


def test_filters(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    assert {h.chunk.kind for h in retriever.search("children", filters=Filters(kinds=("chapter",)))} == {"chapter"}
    assert {h.chunk.doc for h in retriever.search("deaths", filters=Filters(year_from=2019))} == {
        "pdf/drugs-summary-2019.pdf"
    }
    assert not retriever.search("deaths", filters=Filters(year_to=2010))
    recs = retriever.search("children school nurseries", filters=Filters(recommendations=True))
    assert recs and all(h.chunk.recommendation for h in recs)
    trafford = retriever.search("children", filters=Filters(publisher="trafford"))
    assert {h.chunk.doc for h in trafford} == {"pdf/drugs-summary-2019.pdf"}
    one = retriever.search("obese", filters=Filters(docs=("pdf/ncmp-2018.pdf",)))
    assert {h.chunk.doc for h in one} == {"pdf/ncmp-2018.pdf"}


def test_near_duplicates_collapse_and_documents_are_capped(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    hits = retriever.search("drug misuse deaths", k=8)
    texts = [h.chunk.text for h in hits]
    assert sum("rose to 84" in t for t in texts) == 1  # summary and body say the same: shown once
    assert all(a.doc != h.chunk.doc for h in hits for a in h.also_in)  # a summary in its own report: no note
    assert sum(h.chunk.doc == "pdf/drugs-summary-2019.pdf" for h in hits) == 4  # under the default cap of 5
    capped = retriever.search("drug misuse deaths", k=8, per_doc=2)
    assert sum(h.chunk.doc == "pdf/drugs-summary-2019.pdf" for h in capped) == 2
    one_doc = retriever.search("drug deaths", k=8, filters=Filters(docs=("pdf/drugs-summary-2019.pdf",)))
    assert len(one_doc) == 4  # no cap inside one document; the duplicate still collapses


def test_follow_up_search_uses_the_conversation(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    alone = retriever.search("what about in Arun?", k=1)
    followed = retriever.search("what about in Arun?", k=1, history=["dental caries in five-year-olds"])
    assert followed[0].chunk.doc == "pdf/oral-health-2018.pdf"
    assert followed[0].similarity > alone[0].similarity  # the conversation's topic brought it closer


def test_passages_of_one_page_merge_into_one_hit(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "pdf").mkdir(parents=True)
    long_page = " ".join(f"Smoking prevalence in district {n} was {n}.5 per cent in 2019." for n in range(40))
    make_pdf(corpus / "pdf" / "smoking.pdf", [[("h1", "Smoking"), ("body", long_page)], [("body", "Quit rates rose.")]])
    settings = Settings(corpus=corpus, index=tmp_path / "index", model="fake")
    ingest(settings, FakeEmbedder())
    retriever = Retriever(settings, FakeEmbedder())
    assert sum(c.page_start == 1 for c in retriever.snapshot.chunks) > 1  # the page is several passages
    hits = retriever.search("smoking prevalence district per cent", k=5)
    pages = [(h.chunk.doc, h.chunk.page_start) for h in hits]
    assert len(pages) == len(set(pages))  # at most one place per page
    first = hits[0]
    assert first.chunk.page_start == 1 and len(first.page_passages) > 1
    assert first.chunk in first.page_passages and first.similarity >= max(0.0, hits[-1].similarity)
    assert all(c.page_start == 1 for c in first.page_passages)
    sentences = {
        sentence for c in first.page_passages for sentence in split_sentences(c.text) if "district" in sentence
    }
    assert all(first.text.count(sentence) == 1 for sentence in sentences)  # all of them, their overlap once
    assert [p["page_start"] for p in first.to_dict()["page_passages"]] == [c.page_start for c in first.page_passages]


def test_candidates_carry_the_ranking_features_of_their_three_searches(briefings: Settings) -> None:
    retriever = Retriever(briefings, FakeEmbedder())
    found = retriever.candidates("obese children in Crawley")
    assert found and all(set(c.features) == set(RANK_FEATURES) for c in found)
    chunks = retriever.snapshot.chunks
    for c in found:
        f, chunk = c.features, chunks[c.row]
        assert 0.0 <= f["words"] <= 1.0 and 0.0 <= f["bm25_score"] <= 1.0
        assert f["place"] == float("crawley" in f"{chunk.title} {chunk.text}".lower())
        assert f["document"] == max(
            (g.features["dense"] + g.features["bm25"]) / 2 for g in found if chunks[g.row].doc == chunk.doc
        )
        sentences = retriever.snapshot.sentences_of(chunk)
        vector = retriever.embed_query("obese children in Crawley")
        assert abs(f["sentence"] - max([0.0, *(float(v @ vector) for _, v in sentences)])) < 1e-5
    words = {chunks[c.row].id: c.features["words"] for c in found}
    assert max(words.values()) == 1.0  # a passage holding every word of the question
    # Each similarity's standing among the question's candidates: how many deviations above their mean.
    similarity = np.array([c.features["similarity"] for c in found])
    standing = [c.features["similarity_standing"] for c in found]
    assert standing == pytest.approx(((similarity - similarity.mean()) / similarity.std()).tolist(), abs=1e-5)
    limited = retriever.candidates("obese children in Crawley", Filters(kinds=("chapter",)))
    assert limited and all(chunks[c.row].kind == "chapter" for c in limited) and len(limited) < len(found)


def test_the_shipped_ranking_model_rewards_each_search_and_the_question_words() -> None:
    model = ranking_model()
    assert model.features == RANK_FEATURES and "dev questions" in model.note
    # Features combine (document x words, ...), so single weights may be negative: the probability must still rise
    # with each search's place, the question's words, the place and the document, the others held where they were.
    middle = {"dense": 0.5, "bm25": 0.5, "sentence_rank": 0.5, "similarity": 0.5, "bm25_score": 0.4, "sentence": 0.5}
    middle |= {"words": 0.4, "place": 0.0, "recommendation": 0.0, "document": 0.6, "similarity_standing": 1.0}
    middle |= {"reference_list": 0.0}

    def probability(**changed: float) -> float:
        return model.probability(with_interactions(middle | changed))

    for name, better in (("dense", 0.9), ("bm25", 0.9), ("sentence_rank", 0.9), ("words", 0.9), ("place", 1.0)):
        assert probability(**{name: better}) > probability(), name
    assert probability(document=0.9) > probability()
    assert probability(similarity_standing=2.0) > probability()  # standing out from the other candidates
    assert probability(reference_list=1.0) < probability() / 2  # a bibliography cites evidence; it is not evidence


@pytest.mark.parametrize(
    ("heading", "listed"),
    [
        ("References", True),
        ("10.References", True),
        ("Chapter One: Key References", True),
        ("Bibliography", True),
        ("FURTHER READING:", True),
        ("Notes and references", True),
        ("Terms of reference", False),
        ("Referrals to services", False),
        ("Loneliness", False),
    ],
)
def test_a_reference_list_is_known_by_its_heading(heading: str, listed: bool) -> None:
    assert bool(REFERENCE_LIST.search(heading)) is listed


def test_a_reference_list_ranks_below_the_pages_it_cites_for(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "pdf").mkdir(parents=True)
    body = "Loneliness among young people: 13.5% of those aged 10 to 11 in the county often felt lonely."
    # A source cited for the finding, in the question's words more often than the finding itself.
    cited = (
        "Turner, S. (2024). Loneliness among young people: what causes loneliness among young people. "
        "Youth Services Review, 157."
    )
    pages = [[("h1", "Loneliness"), ("body", body)], [("h1", "References"), ("body", cited)]]
    make_pdf(corpus / "pdf" / "young-people.pdf", pages)
    settings = Settings(corpus=corpus, index=tmp_path / "index", model="fake")
    ingest(settings, FakeEmbedder())
    retriever = Retriever(settings, FakeEmbedder())
    question = "loneliness among young people"
    found = retriever.candidates(question)
    marked = {retriever.snapshot.chunks[c.row].section: c.features["reference_list"] for c in found}
    assert marked["References"] == 1.0 and marked["Loneliness"] == 0.0 and sum(marked.values()) == 1.0
    sections = [h.chunk.section for h in retriever.search(question, k=5)]
    assert sections.index("Loneliness") < sections.index("References")


def test_a_passage_repeated_in_another_document_is_shown_once_with_where_else(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "pdf").mkdir(parents=True)
    body = "Emergency admissions for falls in people aged 65 and over rose to 2,310 per 100,000 in Worthing in 2017."
    make_pdf(corpus / "pdf" / "falls-draft.pdf", [[("h1", "Falls"), ("body", body)]])
    make_pdf(corpus / "pdf" / "falls-final.pdf", [[("h1", "Falls"), ("body", body + " Final version.")]])
    make_pdf(corpus / "pdf" / "smoking.pdf", [[("h1", "Smoking"), ("body", "Smoking fell in Adur to 12 per cent.")]])
    settings = Settings(corpus=corpus, index=tmp_path / "index", model="fake")
    ingest(settings, FakeEmbedder())
    retriever = Retriever(settings, FakeEmbedder())
    assert retriever.snapshot.manifest.versions == (("pdf/falls-final.pdf", "pdf/falls-draft.pdf"),)
    hits = retriever.search("falls admissions in Worthing", k=5)
    falls = [h for h in hits if "falls" in h.chunk.doc]
    assert len(falls) == 1  # the same passage, once, from the final version
    (other,) = falls[0].also_in
    assert (falls[0].chunk.doc, other.doc) == ("pdf/falls-final.pdf", "pdf/falls-draft.pdf")
    assert falls[0].to_dict()["also_in"] == [
        {"doc": other.doc, "title": other.title, "year": other.year, "page_start": 1, "page_end": 1}
    ]


def test_the_newest_version_leads_unless_the_question_names_another_year(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "pdf").mkdir(parents=True)
    body = "Emergency admissions for falls in people aged 65 and over were higher in Worthing than in England."
    for year in (2017, 2019):
        make_pdf(corpus / "pdf" / f"falls-{year}.pdf", [[("h1", "Falls"), ("body", body)]], title=f"Falls {year}")
    settings = Settings(corpus=corpus, index=tmp_path / "index", model="fake")
    ingest(settings, FakeEmbedder())
    retriever = Retriever(settings, FakeEmbedder())
    assert retriever.snapshot.manifest.versions == (("pdf/falls-2019.pdf", "pdf/falls-2017.pdf"),)
    for question, shown, also in (
        ("falls admissions in Worthing", 2019, 2017),
        ("falls admissions in Worthing in 2017", 2017, 2019),
        ("falls admissions in Worthing 2016/17", 2017, 2019),
    ):
        (hit,) = retriever.search(question, k=5)
        assert (hit.chunk.year, [c.year for c in hit.also_in]) == (shown, [also]), question


def test_the_question_s_place_picks_its_profile_when_profiles_share_a_passage(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "pdf").mkdir(parents=True)
    shared = "Emergency admissions for falls in people aged 65 and over are counted from hospital episode statistics."
    for place, figure in (("Adur", "2,310"), ("Arun", "1,980")):
        own = f"In {place} there were {figure} admissions for falls among people aged 65 and over last year."
        pages = [[("h1", "Falls"), ("body", shared)], [("h1", "Local figures"), ("body", own)]]
        # The file name says which district; the title and the shared passage do not, so the searches cannot.
        make_pdf(corpus / "pdf" / f"{place.lower()}-profile.pdf", pages, title="Local health profile")
    settings = Settings(corpus=corpus, index=tmp_path / "index", model="fake")
    ingest(settings, FakeEmbedder())
    retriever = Retriever(settings, FakeEmbedder())
    assert retriever.snapshot.manifest.versions == ()  # profiles of two places are not versions
    for place in ("Adur", "Arun"):
        hits = retriever.search(f"how are emergency admissions for falls counted in {place}", k=5)
        (counted,) = [h for h in hits if "hospital episode statistics" in h.text]
        assert counted.chunk.doc == f"pdf/{place.lower()}-profile.pdf" and len(counted.also_in) == 1, place


def test_pages_citing_an_asked_code_come_first_and_hits_are_tagged_with_their_codes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "pdf").mkdir(parents=True)
    obesity = "Obesity among primary school age children in Year 6 rose to 19 per cent in Crawley."
    make_pdf(
        corpus / "pdf" / "targets.pdf",
        [
            [
                ("h1", "Local Area Agreement targets"),
                ("body", "NI 117 young people not in employment: 4.4% in 2006/07."),
            ],
            [("h1", "Child obesity"), ("body", obesity * 3)],
            [("h1", "Annex"), ("body", "Performance against National Indicator NI56 (Year 6 obesity): 18.3% in 2008.")],
        ],
    )
    settings = Settings(corpus=corpus, index=tmp_path / "index", model="fake")
    ingest(settings, FakeEmbedder())
    retriever = Retriever(settings, FakeEmbedder())
    plain = retriever.search("obesity in Year 6", k=3)
    assert plain[0].chunk.page_start == 2  # without the code, the page that says most about it leads
    coded = retriever.search("NI 56 Year 6 obesity", k=3)
    assert coded[0].chunk.page_start == 3 and coded[0].codes == ("NI 56",)
    assert coded[0].to_dict()["codes"] == ["NI 56"]
    assert [h.codes for h in coded if h.chunk.page_start == 1] in ([], [("NI 117",)])
    # Only the code: the page citing it is found although it shares no other word with the question.
    assert retriever.search("NI 117", k=3)[0].chunk.page_start == 1
