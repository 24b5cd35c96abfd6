"""The glossary: acronyms and synonyms for query expansion, and the place names questions use."""

from __future__ import annotations

from assistant.glossary import expansions, places_in


def test_glossary_and_places() -> None:
    assert "national child measurement programme" in expansions("NCMP in Crawley")
    assert "dental caries" in expansions("tooth decay in children")
    assert places_in("obesity in mid sussex and Crawley") == ["Mid Sussex", "Crawley"]
    assert places_in("obesity in England") == []
