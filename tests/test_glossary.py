"""The glossary: acronyms and synonyms for query expansion."""

from __future__ import annotations

from assistant.glossary import expansions


def test_acronyms_and_synonyms_expand_a_query() -> None:
    assert "national child measurement programme" in expansions("NCMP in Crawley")
    assert "dental caries" in expansions("tooth decay in children")
