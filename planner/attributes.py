"""Speaker attributes in a reference and in an event's description.

"the man with the low voice", "the fast-talking woman", "the person with an elevated tone", "the
speaker without emotion" name a speaker by what they sound like. Annotations describe sources in
the same terms (LCR: "male speaker with low pitch, high tempo, normal energy, and neutral
emotion"). Both sides are read into ``{attribute: value}`` with the same patterns; an event fits a
reference when every attribute the reference states agrees with the event's description.

    >>> phrase_attributes("the fast-talking man with a deep voice")
    {'sex': 'male', 'pitch': 'low', 'tempo': 'high'}
    >>> description_attributes("female speaker with high pitch, normal tempo, low energy")
    {'sex': 'female', 'pitch': 'high', 'tempo': 'normal', 'energy': 'low'}
"""

from __future__ import annotations

import re

_LEVEL = {"low": r"low|lower|reduced|little|weak|limited|minimal|subdued",
          "high": r"high|higher|elevated|great|strong|lots of|plenty of|intense|heightened",
          "normal": r"normal|regular|typical|average|moderate|medium|usual|standard|ordinary|neutral"}
ENERGY_NOUN = r"(?:energy|enthusiasm|vitality|vigou?r|liveliness|intensity|excitement|volume|loudness|delivery)"
TEMPO_NOUN = r"(?:tempo|pace|speed|rate|speaking rate)"
PITCH_NOUN = r"(?:pitch|tone|voice|register)"


def _level_patterns(noun: str) -> list[tuple[str, str]]:
    return [(value, rf"\b(?:{words})[- ](?:{noun})\b|\b(?:{noun}) (?:is |of )?(?:{words})\b")
            for value, words in _LEVEL.items()]


PATTERNS: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    "sex": [("female", r"\b(?:woman|women|woman's|female|lady|ladies|girl|she|her)\b"),
            ("male", r"\b(?:man|men|man's|male|guy|gentleman|boy|he|his|him)\b")],
    "pitch": [("low", r"\b(?:deep|deeper|low[- ]pitch(?:ed)?|bass|baritone|low[- ](?:voice|tone)|lower[- ]voice)\b"),
              ("high", r"\b(?:shrill|squeaky|high[- ]pitch(?:ed)?|high[- ](?:voice|tone)|elevated tone)\b"),
              *_level_patterns(PITCH_NOUN)],
    "tempo": [("high", r"\b(?:fast|quick|rapid|brisk|hurried)(?:[- ](?:talking|speaking|paced|talker|speaker))?\b|"
                       r"\bhigh[- ]paced\b|\b(?:talks|speaks|speaking|talking) (?:fast|quickly|rapidly)\b"),
              ("low", r"\b(?:slow|unhurried|leisurely)(?:[- ](?:talking|speaking|paced|talker|speaker))?\b|"
                      r"\blow[- ]paced\b|\b(?:talks|speaks|speaking|talking) slowly\b"),
              *_level_patterns(TEMPO_NOUN)],
    "energy": [("high", r"\b(?:energetic|enthusiastic|lively|animated|excited|vibrant|spirited|loud)\b"),
               ("low", r"\b(?:tired|lethargic|listless|subdued|flat|unenthusiastic|low-key|monotone|sluggish|soft-spoken)\b"),
               *_level_patterns(ENERGY_NOUN)],
    "emotion": [("contempt", r"\b(?:contempt(?:uous)?|scornful|disdainful|sneering|dismissive)\b"),
                ("neutral", r"\b(?:neutral(?: emotion(?:al)?(?: state| tone)?)?|without (?:any )?emotion|no emotion|"
                            r"emotionless|unemotional|calm emotion)\b"),
                ("surprised", r"\b(?:surprised?|astonished|amazed|shocked)\b"),
                ("happy", r"\b(?:happy|joyful|cheerful|glad|delighted)\b"),
                ("sad", r"\b(?:sad|sorrowful|unhappy|melancholic|gloomy)\b"),
                ("angry", r"\b(?:angry|furious|annoyed|irritated|mad)\b")],
}
COMPILED = {attr: [(value, re.compile(p) if isinstance(p, str) else p) for value, p in pats]
            for attr, pats in PATTERNS.items()}
PERSON_RE = re.compile(r"\b(?:speakers?|person|people|persons|man|men|woman|women|guy|lady|male|female|voices?|"
                       r"talkers?|narrators?|someone|somebody|one|individual|he|she|boy|girl|gentleman)\b")
FILLER_RE = re.compile(r"\b(?:with|who|that|is|has|having|speaks?|speaking|talks?|talking|sounds?|maintain(?:s|ing)?|"
                       r"exhibit(?:s|ing)?|show(?:s|ing)?|displaying|characteri[sz]ed|by|their|his|her|a|an|the|in|and|"
                       r"of|manner|state|delivery|emotion(?:al)?|tempo|pace|tone|pitch|voice|energy|s)\b")


def _read(text: str, order: tuple[str, ...]) -> dict[str, str]:
    text = re.sub(r"\s+", " ", text.lower())
    found: dict[str, str] = {}
    for attr in order:
        hits = [(m.start(), value) for value, pattern in COMPILED[attr] for m in pattern.finditer(text)]
        if hits:
            found[attr] = min(hits)[1]
    return found


def phrase_attributes(text: str) -> dict[str, str]:
    """The attributes a reference states ('the man with the low voice' -> sex male, pitch low)."""
    return _read(text, ("sex", "pitch", "tempo", "energy", "emotion"))


def description_attributes(text: str) -> dict[str, str]:
    """The attributes an annotation's description gives ('male speaker with low pitch, ...')."""
    return _read(text, ("sex", "pitch", "tempo", "energy", "emotion"))


def names_person(text: str) -> bool:
    """Whether a reference is about a speaker ('the man', 'the person with ...', 'the voice')."""
    return PERSON_RE.search(text.lower()) is not None


def leftover_words(text: str) -> str:
    """The reference without its attribute words, person nouns and fillers (what else it names)."""
    text = text.lower()
    for patterns in COMPILED.values():
        for _, pattern in patterns:
            text = pattern.sub(" ", text)
    text = FILLER_RE.sub(" ", PERSON_RE.sub(" ", text))
    return re.sub(r"[^a-z ]+", " ", re.sub(r"\s+", " ", text)).strip()


def fits(stated: dict[str, str], described: dict[str, str]) -> bool:
    """Every stated attribute agrees with the description (an attribute it does not give: no match)."""
    return all(described.get(attr) == value for attr, value in stated.items())


SPEECH_LABELS = frozenset({"speech", "human_voice", "voice", "speaker", "talking", "conversation", "narration"})


def description_of(event) -> str:
    """The words an event is described by: its annotation description (if any) and its label."""
    return f"{event.extra.get('description', '')} {event.label.replace('_', ' ')}".strip()


def described_events(events: list, phrase: str) -> tuple[list, str]:
    """``(events that fit, why not)`` for a reference stating attributes ('the low-pitched man');
    ``([], "")`` when the phrase states none. Speaker references look among speech events."""
    stated = phrase_attributes(phrase)
    if not stated:
        return [], ""
    pool = [e for e in events if e.label in SPEECH_LABELS] if names_person(phrase) or "sex" in stated else list(events)
    if not pool:
        return [], f"no speaker in this recording to match '{phrase}'"
    if not any(description_attributes(description_of(e)) for e in pool):
        if set(stated) == {"sex"}:  # "the man speaking" with nothing to tell speakers apart: the speech
            return pool, ""
        return [], (f"'{phrase}' describes a speaker, but the recording's speech events carry no descriptions "
                    "(an annotation with 'description' fields gives them)")
    hits = [e for e in pool if fits(stated, description_attributes(description_of(e)))]
    if hits:
        return hits, ""
    said = ", ".join(f"{k} {v}" for k, v in stated.items())
    known = "; ".join(description_of(e) for e in pool)
    return [], f"no speaker fits '{phrase}' ({said}); the speakers are: {known}"


def is_attribute_tail(part: str) -> bool:
    """'low enthusiasm', 'speaking in a normal volume': more attributes of the previous reference."""
    return bool(phrase_attributes(part)) and not names_person(part) and not leftover_words(part)
