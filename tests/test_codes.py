"""Indicator codes: finding them in text whatever their spelling, the shipped lookup, names and Fingertips IDs."""

from __future__ import annotations

import re

from assistant.codes import codes_in, fingertips_ids, lookup, resolve, with_names


def test_codes_are_found_in_their_canonical_spelling_each_once_in_order() -> None:
    text = (
        "Targets: NI56 and NI 56 again; phof c09a, PHOF indicator 2.06i, VS B 09, "
        "Fingertips indicator ID: 93014 and indicator 90366."
    )
    assert codes_in(text) == ["NI 56", "PHOF C09a", "PHOF 2.06i", "VS B09", "Fingertips 93014", "Fingertips 90366"]


def test_text_without_codes_cites_none() -> None:
    # Years, ages, page numbers and a five-digit count are not codes.
    assert codes_in("In 2019, 12,345 people aged 65 and over (page 56) were admitted; NINE wards.") == []


def test_every_row_of_the_shipped_lookup_is_a_canonical_named_sourced_code() -> None:
    rows = lookup()
    assert len(rows) >= 100
    for code, row in rows.items():
        assert codes_in(code) == [code] == [row.code], code  # a code the lookup holds is one codes_in finds
        assert row.scheme and row.name and row.source, code
        assert re.fullmatch(r"(\d{5})?", row.fingertips_id), code
    schemes = {row.scheme for row in rows.values()}
    assert {"National Indicator Set", "Public Health Outcomes Framework"} <= schemes


def test_fingertips_ids_come_from_the_code_or_the_lookup() -> None:
    assert fingertips_ids("Fingertips 93014 in Crawley") == ["93014"]
    assert fingertips_ids("PHOF C09a and PHOF 2.06i") == ["20601"]  # two numberings of one indicator, once
    assert fingertips_ids("NI 56 in Year 6") == []  # a National Indicator with no Fingertips equivalent listed
    assert fingertips_ids("obesity in Year 6") == []


def test_with_names_adds_what_a_known_code_measures() -> None:
    assert with_names("NI 56 in Crawley") == "NI 56 in Crawley Obesity among primary school age children in Year 6"
    assert with_names("obesity in Crawley") == "obesity in Crawley"
    assert with_names("NI 999") == "NI 999"  # not in the lookup: nothing to add


def test_resolve_names_a_code_from_the_lookup_the_data_or_not_at_all() -> None:
    assert resolve("NI 56", {}).label == "NI 56: Obesity among primary school age children in Year 6"
    found = resolve("Fingertips 93014", {"93014": "Percentage of physically active adults"})
    assert (found.scheme, found.name, found.fingertips_id) == (
        "Fingertips",
        "Percentage of physically active adults",
        "93014",
    )
    unknown = resolve("NI 999", {})
    assert (unknown.scheme, unknown.name, unknown.label) == ("National Indicator Set", "", "NI 999")
