"""The JSNA field's vocabulary: acronyms and synonyms, used to expand queries (place names: :mod:`assistant.places`).

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
