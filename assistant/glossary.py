"""The JSNA field's vocabulary: acronyms, synonyms and place names, used to expand and steer queries.

People type "tooth decay" where the chapter says "dental caries", and "NCMP" where it spells out the National
Child Measurement Programme. Expanding the query with both forms lets lexical search match either way.
"""

from __future__ import annotations

import re
from functools import cache

ACRONYMS: dict[str, str] = {
    "ae": "accident and emergency",
    "a&e": "accident and emergency",
    "adhd": "attention deficit hyperactivity disorder",
    "apc": "admitted patient care",
    "aphr": "annual public health report",
    "asc": "adult social care",
    "asd": "autism spectrum disorder",
    "bame": "black asian and minority ethnic",
    "bmi": "body mass index",
    "camhs": "child and adolescent mental health services",
    "ccg": "clinical commissioning group",
    "chd": "coronary heart disease",
    "ci": "confidence interval",
    "cmo": "chief medical officer",
    "copd": "chronic obstructive pulmonary disease",
    "cvd": "cardiovascular disease",
    "cyp": "children and young people",
    "daly": "disability adjusted life years",
    "dmft": "decayed missing filled teeth",
    "dphar": "director of public health annual report",
    "drd": "drug related deaths",
    "dsr": "directly standardised rate",
    "ehcp": "education health and care plan",
    "gbd": "global burden of disease",
    "gp": "general practice",
    "hea": "health equity audit",
    "hiv": "human immunodeficiency virus",
    "hna": "health needs assessment",
    "hwb": "health and wellbeing board",
    "ics": "integrated care system",
    "icb": "integrated care board",
    "imd": "index of multiple deprivation",
    "ipc": "infection prevention and control",
    "jsna": "joint strategic needs assessment",
    "ksi": "killed or seriously injured",
    "lac": "looked after children",
    "larc": "long acting reversible contraception",
    "lgbt": "lesbian gay bisexual transgender",
    "lgbtq": "lesbian gay bisexual transgender queer",
    "lsoa": "lower super output area",
    "ltc": "long term conditions",
    "mecc": "making every contact count",
    "msm": "men who have sex with men",
    "ncmp": "national child measurement programme",
    "neet": "not in education employment or training",
    "nhs": "national health service",
    "nrt": "nicotine replacement therapy",
    "ohid": "office for health improvement and disparities",
    "ons": "office for national statistics",
    "pcn": "primary care network",
    "phe": "public health england",
    "phof": "public health outcomes framework",
    "pna": "pharmaceutical needs assessment",
    "prep": "pre exposure prophylaxis",
    "ptsd": "post traumatic stress disorder",
    "qof": "quality and outcomes framework",
    "sen": "special educational needs",
    "send": "special educational needs and disabilities",
    "smi": "severe mental illness",
    "sti": "sexually transmitted infection",
    "stis": "sexually transmitted infections",
    "ypp": "young people",
    "yll": "years of life lost",
    "yld": "years lived with disability",
}

# Each group: ways people say the same thing. A query containing one gains the others.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("tooth decay", "dental caries", "decayed missing or filled teeth", "oral health"),
    ("teenage pregnancy", "under 18 conceptions", "teenage conceptions"),
    ("obesity", "overweight", "excess weight", "healthy weight"),
    ("smoking", "tobacco", "smokers", "cigarettes"),
    ("vaping", "e-cigarettes"),
    ("drinking", "alcohol"),
    ("drugs", "substance misuse", "drug misuse"),
    ("deprivation", "deprived", "index of multiple deprivation", "poverty"),
    ("suicide", "suicides", "took their own life"),
    ("self-harm", "self harm", "self-injury"),
    ("mental health", "mental wellbeing", "emotional wellbeing"),
    ("life expectancy", "how long people live"),
    ("deaths", "mortality", "died"),
    ("older people", "elderly", "aged 65 and over", "over 65s"),
    ("children", "young people", "child"),
    ("pharmacy", "pharmacies", "pharmaceutical"),
    ("falls", "hip fractures", "fall"),
    ("homeless", "homelessness", "rough sleeping", "no fixed abode"),
    ("physical activity", "exercise", "inactive", "active"),
    ("sexual health", "sexually transmitted infections", "chlamydia", "contraception"),
    ("breastfeeding", "breast feeding"),
    ("immunisation", "vaccination", "vaccine", "vaccinations"),
    ("air pollution", "air quality", "pm2.5", "particulate matter"),
    ("veterans", "armed forces", "ex-service"),
    ("gypsies", "travellers", "gypsy and traveller"),
    ("prison", "prisoners", "offenders"),
    ("disability", "disabled", "disabilities"),
    ("learning disability", "learning disabilities"),
    ("looked after children", "children in care", "care leavers"),
    ("heart disease", "cardiovascular disease", "coronary heart disease"),
    ("dementia", "alzheimer's"),
    ("loneliness", "social isolation"),
    ("carers", "unpaid care"),
)

# Places in and around the shipped and shared corpora (indicator matching has its own gazetteer, from the data).
PLACES: tuple[str, ...] = (
    "Adur",
    "Arun",
    "Chichester",
    "Crawley",
    "Horsham",
    "Mid Sussex",
    "Worthing",
    "West Sussex",
    "East Sussex",
    "Brighton and Hove",
    "Sussex",
    "Bognor Regis",
    "Littlehampton",
    "Burgess Hill",
    "Haywards Heath",
    "East Grinstead",
    "Shoreham",
    "Lancing",
    "Selsey",
    "Midhurst",
    "Petworth",
    "Pulborough",
    "Storrington",
    "Trafford",
    "Manchester",
    "Greater Manchester",
    "Stretford",
    "Altrincham",
    "Urmston",
    "Partington",
    "Kent",
    "Medway",
    "Surrey",
    "Hampshire",
    "Coastal West Sussex",
    "HMP Ford",
)  # not "England" (every comparison names it) nor names that are common words ("Sale", "Ford")


# Places that belong together: a document about any of a group may answer a question that names another of it
# ("Crawley" from a West Sussex document). A question naming a place answered only from documents about other
# places ("Surrey" from West Sussex's) is not answered.
PLACE_GROUPS: tuple[frozenset[str], ...] = (
    frozenset(
        "West Sussex|Sussex|Coastal West Sussex|Adur|Arun|Chichester|Crawley|Horsham|Mid Sussex|Worthing|Bognor Regis|"
        "Littlehampton|Burgess Hill|Haywards Heath|East Grinstead|Shoreham|Lancing|Selsey|Midhurst|Petworth|"
        "Pulborough|Storrington|HMP Ford".split("|")
    ),
    frozenset({"East Sussex", "Sussex", "Brighton and Hove"}),
    frozenset({"Trafford", "Manchester", "Greater Manchester", "Stretford", "Altrincham", "Urmston", "Partington"}),
    frozenset({"Kent", "Medway"}),
)


def place_group(place: str) -> set[str]:
    """The place and every place that shares a group with it."""
    return {place}.union(*(group for group in PLACE_GROUPS if place in group))


def _phrase(text: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])" + re.escape(text.lower()) + r"(?![a-z0-9])")


@cache
def _synonym_patterns() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    return tuple((_phrase(term), group) for group in SYNONYMS for term in group)


def expansions(query: str) -> list[str]:
    """Terms to add to a query: spelled-out acronyms and synonyms of phrases in it, without repeats."""
    lowered = query.lower()
    words = re.findall(r"[a-z0-9&]+", lowered)
    extra: list[str] = []
    for word in words:
        if word in ACRONYMS:
            extra.append(ACRONYMS[word])
    for pattern, group in _synonym_patterns():
        if pattern.search(lowered):
            extra.extend(term for term in group if not _phrase(term).search(lowered))
    seen: set[str] = set()
    return [term for term in extra if not (term in seen or seen.add(term))]  # type: ignore[func-returns-value]


def places_in(query: str, places: tuple[str, ...] = PLACES) -> list[str]:
    """Place names mentioned in a query, longest first ("Mid Sussex" before "Sussex")."""
    lowered = query.lower()
    found: list[str] = []
    for place in sorted(places, key=len, reverse=True):
        pattern = _phrase(place)
        if pattern.search(lowered) and not any(_phrase(place).search(f.lower()) for f in found):
            found.append(place)
    return found
