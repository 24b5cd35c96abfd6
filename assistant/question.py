"""A question as people type it, read for searching: in its conversation, without courtesies or what its writer
says of themselves.

- A follow-up ("what about for children?", "and in Crawley") is joined to the last question that stood on its own.
- Courtesies are left out (:func:`without_courtesies`): a greeting, thanks, "please", "could you tell me". Each word
  of a question counts in its search and in the decision to decline, and "thanks" is on no page about unpaid carers.
  With courtesies around every dev question (``bench/robustness.py``), answerable questions declined rose 2.0% ->
  18.3%; left out, 2.0%.
- What the writer says of themselves before or after the part that asks is left out (:func:`the_ask`): "We're a
  small carers' charity in Crawley applying to the council's community fund. Is there a local figure for ...?",
  "GP here - what's ...", "... in Crawley? I need a recent figure for a funding application." On the dev folds,
  hit@5 0.952 -> 0.964 and MRR 0.822 -> 0.830 (24 of 335 questions open so). So is the writer's role or need at
  the head of the part that asks (:data:`PREAMBLE`): "As a GP, how many ...", "For our funding bid we need the
  number of ...".
- Shorthand is written out in the documents' words (:func:`written_out`: "no. of ppl" -> "number of people", "5yo"
  -> "5 year olds"), and a dash between figures is a hyphen, as documents are read ("2017–18" pasted from a
  document).

Misspelt words are put right later, from the index's own words (:mod:`assistant.spelling`, by the retriever).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.lexical import topic_words
from assistant.places import as_named, places_in

FOLLOW_UP = re.compile(
    r"^(?:and|but|also|what about|how about|what of|and what about|what if|same for|is that|is it|are they|"
    r"does it|do they|how does (?:that|this|it)|why|for|in|among|amongst|compared)\b",
    re.IGNORECASE,
)
# A question's sentences and clauses ("GP here - what's ...", "As commissioner I need to know: what ..."): those
# before the first that asks, or after the last, say who is asking when each begins so. A sentence may begin in
# lower case: a question typed all in lower case had kept its writer's introduction.
CLAUSE = re.compile(r"(?<=[.!?])\s+|\s+[-–—]\s+|:\s+")
ASKS = re.compile(
    r"\?|^\W*(?:how|what|what's|which|why|where|when|who|whose|is|are|was|were|does|do|did|can|could|should|has|"
    r"have|will|would|tell|list|give|show|find|explain)\b",
    re.IGNORECASE,
)
ABOUT_ME = re.compile(
    r"^\W*(?:(?:i|i'm|i’m|i've|i’ve|we|we're|we’re|we've|we’ve|our|my|me|us)\b|"
    r"as (?:an? |the |our )?[\w' ,-]{0,40}?(?:i|we)\b|[\w'-]+(?: [\w'-]+)? here\b)",
    re.IGNORECASE,
)
MIN_ASK_WORDS = 5
MIN_WORDS_AFTER_PREAMBLE = 2  # a role or need says less of the topic than a sentence of its own
# The writer's role or need at the head of the part that asks: "As a GP, how many ...", "As a school nurse what
# ...", "As a commissioner [I'd like to know] exercise levels ...", "I work for a carers' charity and I need to know
# how many ...", "For our funding bid we need the number of ...". What follows the need is the ask; a need with
# nothing after it ("we need help") is no preamble. A role ends at a comma, at "I", "we" or a question word, or
# after the name of a role people asking of a JSNA hold (a courtesy left out between it and the ask).
ROLE_NAMES = (
    r"gp|doctor|nurse|midwife|health visitor|pharmacist|dentist|clinician|therapist|paramedic|social worker|"
    r"councillor|commissioner|officer|manager|director|lead|coordinator|co-ordinator|analyst|researcher|student|"
    r"teacher|volunteer|trustee|carer|parent|resident|member|worker|practitioner|chair|governor|journalist"
)
PREAMBLE = re.compile(
    r"^\W*(?P<role>(?:speaking\s+)?as\s+(?:an?|the|our|my)\s+(?!(?:percentage|proportion|share|rate|result|whole|number|"
    r"total|comparison)\b)(?:[^,.?!:;]{1,40}?(?:,\s*|\s+(?=(?:i|we|how|what|which|where|when|who|is|are|do|does|can)"
    rf"\b))|(?:[\w'’-]+\s+){{0,3}}?(?:{ROLE_NAMES})s?\b[\s,]*))?"
    r"(?P<need>(?:(?:i|i'm|i’m|we|we're|we’re|my|our|for|to)\b[^,.?!:;]{0,80}?[\s,]+)?"
    r"(?:i|we)(?:'d|’d)?\s+(?:really\s+)?(?:need|want|would\s+like|like|(?:am|are|'m|’m|'re|’re)\s+looking)\s+"
    r"(?:to\s+(?:know|find\s+out|understand|see|get)\b|for\b|(?=(?:the|a|an|some|any|local|recent)\b))[\s,:]*)?",
    re.IGNORECASE,
)
# Courtesies: what a question says to the reader rather than of its topic ("Hi there, could you please tell me ...?
# Thanks so much!").
GREETING = re.compile(
    r"^\W*(?:hi|hello|hey|hiya|greetings|dear\s+\w+|good\s+(?:morning|afternoon|evening))"
    r"(?:\s+(?:there|all|everyone|team|folks))?\b[\s,.!:;-]*",
    re.IGNORECASE,
)
THANKS = re.compile(
    r"[\s,.!;-]*\b(?:(?:many\s+)?thanks|thank\s+you|cheers|much\s+appreciated)"
    r"(?:\s+(?:so|very)\s+much|\s+in\s+advance|\s+a\s+lot|\s+for\s+(?:your|any)\s+help)?[\s.!]*$",
    re.IGNORECASE,
)
REQUEST = re.compile(
    r"\b(?:(?:could|can|would|will)\s+you\s+(?:please\s+|kindly\s+)?(?:tell|show|give|let)\s+me(?:\s+know)?|"
    r"please\s+(?:tell|show|give|let)\s+me(?:\s+know)?|i(?:'d|’d|\s+would)\s+like\s+to\s+know|"
    r"i\s+(?:was\s+)?wondering\s+(?:if|whether)\s+you\s+(?:could|can)\s+tell\s+me|do\s+you\s+know|please)\b[\s,:]*",
    re.IGNORECASE,
)
RANGE_DASH = re.compile(r"(?<=\d)[–—‒](?=\d)")  # "2017–18" pasted from a document, as the documents are read: "2017-18"
# Shorthand typed in a hurry, in the documents' words: no page says "ppl" or "no. of", and the speller leaves words
# of under five letters alone. Contractions typed without their apostrophe get it back: "whats" is on no page either,
# and read as a word the documents lack.
WORDS = {"avg": "average", "stats": "statistics", "info": "information", "govt": "government", "hosp": "hospital"}
CONTRACTIONS = {  # as the writer would have had it
    "whats": "what's",
    "hows": "how's",
    "whos": "who's",
    "wheres": "where's",
    "whens": "when's",
    "theres": "there's",
    "thats": "that's",
    "ive": "I've",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "isnt": "isn't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "cant": "can't",
    "wont": "won't",
}
W, E = r"(?<![\w%/.@])", r"(?![\w/@]|\.\w)"  # a word's bounds, for words that hold "%" and "/"; not an address
SHORTHAND = (  # (pattern, written out); "" for a word of WORDS or CONTRACTIONS
    (rf"{W}ppls?{E}", "people"),
    (rf"{W}nos?\.(?=\s+of\b)", "number"),
    (rf"{W}yrs{E}", "years"),
    (rf"{W}yr{E}", "year"),
    (rf"(?<=\d)\s*(?:yo|y/o|yrs?\s+olds?){E}", " year olds"),
    (rf"{W}approx\.?(?!\w)", "approximately"),
    (rf"{W}est\.(?=\s)", "estimated"),
    (rf"{W}%age{E}", "percentage"),
    (rf"{W}(?:btwn|b/w){E}", "between"),
    (rf"{W}w/o{E}", "without"),
    (rf"{W}w/(?=\s)", "with"),
    (rf"{W}(?:{'|'.join(WORDS)}){E}", ""),
    (rf"{W}(?:{'|'.join(CONTRACTIONS)}|(?-i:[Ii]m)){E}", ""),  # "im", not "IM" (intramuscular)
)
SHORTHAND_WORDS = re.compile("|".join(f"(?P<s{n}>{pattern})" for n, (pattern, _) in enumerate(SHORTHAND)), re.I)
# The places :func:`the_ask` keeps from around the ask, after it in brackets ("... (Crawley, Adur)"), which
# :func:`asked_places` reads back: one format, written and read here only.
CONTEXT = re.compile(r"\s\(([^()]+)\)$")
CONTEXT_SEPARATOR = ", "
A_WORD = re.compile(r"[A-Za-z0-9]{2,}")  # something left to search
PRONOUN = re.compile(r"\b(?:it|its|they|them|their|those|these)\b", re.IGNORECASE)  # not "there": "are there"

# Longer is not a question but a pasted document. The model reads about 1,000 characters of it anyway, and
# matching glossary terms, places and indicators costs time in proportion (100,000 characters: seconds).
MAX_QUESTION_CHARS = 2000


def the_ask(question: str) -> str:
    """The part of ``question`` that asks, without what its writer says about themselves before it ("We're a small
    carers' charity in Crawley applying to the council's community fund. Is there a local figure for ...?", "GP
    here - what's ...", "As commissioner I need to know: what ...") or after it ("... in Crawley? We're putting in
    a bid."), and the writer's role or need at its head ("As a GP, how many ...", "I work for a charity and I need
    to know how many ..."). When the part that asks names no place, the places named around it are kept ("...
    (Crawley)"). A question with no such opening or ending, or whose asking part says too little on its own (fewer
    than ``MIN_ASK_WORDS`` words besides places: "My son has autism. What help is there?"; fewer than
    ``MIN_WORDS_AFTER_PREAMBLE`` when only a role or need is left out: "As a dementia carer, what help is there?"),
    is returned as it is."""
    parts = [p for p in CLAUSE.split(question) if p.strip()]
    preambles = [PREAMBLE.match(part) for part in parts]
    openings = [m.group() if m else "" for m in preambles]
    # A need asks ("I need to know the number of ..."), unless something asks before it or it names too little
    # ("I'm a GP and I need some figures. How many ...?").
    asks = [i for i, part in enumerate(parts) if ASKS.search(part)]
    needs = [
        i
        for i, (part, m) in enumerate(zip(parts, preambles, strict=True))
        if m and m.group("need") and i < min(asks, default=len(parts)) and _says_enough(part[m.end() :])
    ]
    asking = sorted({*asks, *needs})
    if not asking:
        return question
    start, end = asking[0], asking[-1] + 1
    if not all(ABOUT_ME.match(part) for part in parts[:start]):
        start = 0
    if not all(ABOUT_ME.match(part) for part in parts[end:]):
        end = len(parts)
    opening = openings[start]
    whole = (start, end) == (0, len(parts))
    if whole and not opening:
        return question
    ask = " ".join([parts[start][len(opening) :], *parts[start + 1 : end]])
    named = places_in(ask)
    # "My son has autism. What help is there?"; "As a dementia carer, what help is there?"
    if not _says_enough(ask, MIN_WORDS_AFTER_PREAMBLE if whole else MIN_ASK_WORDS, named):
        return question
    kept = [] if named else places_in(" ".join([*parts[:start], opening, *parts[end:]]))
    ask = ask[:1].upper() + ask[1:] if opening[:1].isupper() else ask
    return f"{ask} ({CONTEXT_SEPARATOR.join(kept)})" if kept else ask


def asked_places(query: str) -> list[str]:
    """The places a searched question (:func:`contextualize`) asks about: not those :func:`the_ask` kept from what
    its writer says of themselves ("I run a youth club in Bognor. What do local teenagers say ...?" is searched as
    "... (Bognor Regis)"): where the writer works steers the search, but pages need not be about it to answer."""
    kept = CONTEXT.search(query)
    # Only when every bracketed name is a place: "smoking in Adur (a district)" brackets words of the ask.
    if kept and len(places_in(kept.group(1))) == len(kept.group(1).split(CONTEXT_SEPARATOR)):
        return places_in(query[: kept.start()])
    return places_in(query)


def _says_enough(text: str, words: int = MIN_WORDS_AFTER_PREAMBLE, places: Sequence[str] | None = None) -> bool:
    """``text`` holds at least ``words`` topic words besides its places (``places``: those it names)."""
    return len(topic_words(text, places_in(text) if places is None else places)) >= words


def without_courtesies(question: str) -> str:
    """``question`` without a greeting, thanks, "please" or "could you tell me" (the rest as it is, or the whole when
    nothing else is left): they are about the reader, not the topic, and each word of a question counts in its
    search and in the decision to decline ("thanks" is in no page about unpaid carers)."""
    stripped = REQUEST.sub("", THANKS.sub("", GREETING.sub("", question))).strip()
    return stripped if A_WORD.search(stripped) else question


def written_out(question: str) -> str:
    """``question`` with shorthand in the documents' words ("no. of ppl" -> "number of people", "5yo" -> "5 year
    olds"), places as the gazetteer names them ("W Sussex" -> "West Sussex", "Bognor" -> "Bognor Regis") and a dash
    between figures as a hyphen ("2017–18" pasted from a document)."""
    return RANGE_DASH.sub("-", as_named(SHORTHAND_WORDS.sub(_written, question)))


def _written(match: re.Match[str]) -> str:
    word = match.group().lower()
    return SHORTHAND[int(str(match.lastgroup)[1:])][1] or WORDS.get(word) or CONTRACTIONS.get(word, "I'm")


def contextualize(question: str, history: Sequence[str] = ()) -> str:
    """The question to search for, cut to ``MAX_QUESTION_CHARS``: a follow-up is joined to the last question that
    stood on its own; courtesies and what its writer says of themselves are left out (:func:`without_courtesies`,
    :func:`the_ask`); shorthand is written out and a dash between figures is a hyphen (:func:`written_out`). Every
    search and indicator lookup goes through here."""
    question = the_ask(without_courtesies(written_out(" ".join(question[:MAX_QUESTION_CHARS].split()))))
    if not history:
        return question
    words = re.findall(r"[a-z0-9]+", question.lower())
    if FOLLOW_UP.match(question) or len(words) <= 3 or (PRONOUN.search(question) and len(words) <= 8):
        return f"{contextualize(history[-1], history[:-1])} {question}"
    return question
