"""The sound-label vocabulary and ``match_label``: free text -> one of a set of candidate labels.

The labels, their phrases and which labels may stand in for each other come from the one label
vocabulary (``audioedit/clap/vocabulary.json``, read through ``audioedit.clap.vocabulary``): every
entry's key is a canonical label (the CLAP's classes, Scaper's test labels, the starter bank's);
``VOCAB`` maps it to the phrases people use for it, ``RELATED`` to the labels that may stand in when
it is absent (the user says "traffic", the scene has ``street``), ``BROADER`` to the labels it is a
kind of (the user says "the violin", the scene has ``music``).

    >>> match_label("the barking pup", ["siren", "dog_bark"])
    'dog_bark'
    >>> match_label("horn", ["car_horn", "siren"])
    'car_horn'
    >>> match_label("the speaker", ["human_voice", "siren"])
    'human_voice'
    >>> match_label("traffic", ["street", "siren"])
    'street'
    >>> canonical_label("the mooing")
    'cow'
    >>> match_label("make it pop", ["siren", "car_horn"]) is None
    True

Matching order (first hit wins): exact label -> vocabulary concept (synonyms, plurals, the
longest phrase first) -> broader, then related concept -> shared words ("horn" -> ``car_horn``) -> difflib
fuzzy match (cutoff ``FUZZY_CUTOFF``). A phrase that matches nothing returns None.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from functools import lru_cache

from audioedit.clap import vocabulary

FUZZY_CUTOFF = 0.8  # difflib ratio for a whole phrase; "sirne" ~ "siren" (0.8) passes, "pop" ~ "park" does not
WORD_FUZZY_CUTOFF = 0.86  # stricter for single words inside a longer phrase ("being" !~ "beeping", 0.83)
MAX_PHRASE_WORDS = 4


def _phrases(e: dict) -> tuple[str, ...]:
    return tuple(e["words"]) or (e["name"], *e["synonyms"])


# entry key -> the phrases people use for it; entry key -> entries that may stand in for it when it is absent
VOCAB: dict[str, tuple[str, ...]] = {e["key"]: _phrases(e) for e in vocabulary.entries(vocabulary.ALL_SETS)}
RELATED: dict[str, tuple[str, ...]] = {key: vocabulary.related(key) for key in VOCAB if vocabulary.related(key)}
BROADER: dict[str, tuple[str, ...]] = {key: vocabulary.broader(key) for key in VOCAB if vocabulary.broader(key)}

# words that never carry the label ("the loud barking dog" -> "barking dog")
STOPWORDS = frozenset(
    "the a an some any that this those these its it's their his her my our your of all every each both "
    "sound sounds audio clip loud loudly annoying distracting distant nearby faint little short long big small "
    "constant continuous sudden brief single one whole entire".split()
)
TRAILING_GENERIC = frozenset({"noise", "noises", "sound", "sounds", "event", "events"})
_NON_WORD = re.compile(r"[^a-z0-9é]+")


def singular(word: str) -> str:
    """A crude English singular: 'barks' -> 'bark', 'puppies' -> 'puppy', 'dishes' -> 'dish'."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Lower-cased singular word tokens of ``text`` ('car_horn' -> ['car', 'horn']); possessives dropped."""
    text = text.lower().replace("'s ", " ").replace("’s ", " ")
    if text.endswith(("'s", "’s")):
        text = text[:-2]
    return [singular(w) for w in _NON_WORD.split(text.replace("_", " ")) if w]


def content_tokens(text: str) -> list[str]:
    """``tokens`` without stop words; a trailing 'noise'/'sound' goes when other words remain."""
    words = [w for w in tokens(text) if w not in STOPWORDS]
    while len(words) > 1 and words[-1] in TRAILING_GENERIC:
        words.pop()
    return words


def _build_index() -> dict[str, str]:
    """Singular phrase -> entry key; the first claim wins: every entry's informal words (as typed),
    then every key and name, then every synonym without its articles ("a cow mooing" -> "cow mooing")."""
    every = vocabulary.entries(vocabulary.ALL_SETS)
    claims = [tokens(w) for e in every for w in e["words"]]
    owners = [e["key"] for e in every for _ in e["words"]]
    for e in every:
        claims += [tokens(e["key"]), tokens(e["name"])]
        owners += [e["key"], e["key"]]
    for e in every:
        claims += [content_tokens(s) for s in e["synonyms"]]
        owners += [e["key"]] * len(e["synonyms"])
    index: dict[str, str] = {}
    for words, key in zip(claims, owners):
        if 0 < len(words) <= MAX_PHRASE_WORDS:
            index.setdefault(" ".join(words), key)
    return index


PHRASE_INDEX: dict[str, str] = _build_index()  # singular phrase -> canonical label
_KEYS_BY_INITIAL: dict[str, list[str]] = {}
for _key in PHRASE_INDEX:
    _KEYS_BY_INITIAL.setdefault(_key[0], []).append(_key)


def concepts_in(text: str) -> list[str]:
    """Canonical labels whose phrases occur in ``text``: longest phrase first, then by position."""
    words = tokens(text)
    found: list[tuple[int, int, str]] = []
    for n in range(min(MAX_PHRASE_WORDS, len(words)), 0, -1):
        for i in range(len(words) - n + 1):
            label = PHRASE_INDEX.get(" ".join(words[i : i + n]))
            if label is not None:
                found.append((-n, i, label))
    found.sort()
    return list(dict.fromkeys(label for _, _, label in found))


@lru_cache(maxsize=1024)
def canonical_label(text: str) -> str | None:
    """The vocabulary label ``text`` names, or None ('the barking pups' -> 'dog_bark')."""
    concepts = concepts_in(" ".join(content_tokens(text)) or text)
    if concepts:
        return concepts[0]
    key = " ".join(content_tokens(text))
    words = key.split()
    for probe, cutoff in ((key, FUZZY_CUTOFF), *((w, WORD_FUZZY_CUTOFF) for w in words if len(words) > 1)):
        close = _close_vocab_key(probe, cutoff)
        if close is not None:
            return PHRASE_INDEX[close]
    return None


def _close_vocab_key(probe: str, cutoff: float) -> str | None:
    """The vocabulary phrase closest to ``probe`` (same first letter, similar length), if close enough."""
    if len(probe) < 4:
        return None
    pool = [k for k in _KEYS_BY_INITIAL.get(probe[0], ()) if abs(len(k) - len(probe)) <= 2]
    close = difflib.get_close_matches(probe, pool, n=1, cutoff=cutoff)
    return close[0] if close else None


def display_name(label: str) -> str:
    """'car_horn' -> 'car horn'."""
    return label.replace("_", " ").strip()


def match_label(text: str, candidates: Sequence[str]) -> str | None:
    """The candidate label ``text`` refers to, or None when nothing fits well enough.

    ``candidates`` are scene labels (for removing/changing) or sound-bank labels (for adding);
    they may be vocabulary labels or anything else (``'helicopter'``, ``'crying_baby'``).
    """
    cands = list(dict.fromkeys(c for c in candidates if c))
    key = " ".join(content_tokens(text))
    if not cands or not key:
        return None
    cand_keys = {c: " ".join(tokens(c)) for c in cands}
    for c in cands:
        if cand_keys[c] == key:
            return c
    cand_concepts = {c: canonical_label(c) for c in cands}
    concepts = concepts_in(key)
    for concept in concepts:
        hits = [c for c in cands if cand_concepts[c] == concept]
        if hits:
            return min(hits, key=lambda c: c != concept)
    for concept in concepts:
        for related in (*BROADER.get(concept, ()), *RELATED.get(concept, ())):
            hits = [c for c in cands if cand_concepts[c] == related]
            if hits:
                return hits[0]
    return _overlap_match(key, cand_keys) or _fuzzy_match(key, cands, cand_keys, cand_concepts)


def _overlap_match(key: str, cand_keys: dict[str, str]) -> str | None:
    """The one candidate sharing the most words with ``key`` ('horn' -> 'car_horn'), else None."""
    words = set(key.split())
    scores = {c: len(words & set(k.split())) for c, k in cand_keys.items()}
    best = max(scores.values())
    if best == 0:
        squashed = key.replace(" ", "")
        hits = [c for c, k in cand_keys.items() if len(squashed) >= 4 and squashed in k.replace(" ", "")]
        return hits[0] if len(hits) == 1 else None
    winners = [c for c, s in scores.items() if s == best]
    return winners[0] if len(winners) == 1 else None


def _fuzzy_match(
    key: str, cands: list[str], cand_keys: dict[str, str], cand_concepts: dict[str, str | None]
) -> str | None:
    """difflib match of the phrase, then of each word, against the candidates and their synonyms."""
    names: dict[str, str] = {}
    for c in cands:
        names.setdefault(cand_keys[c], c)
        concept = cand_concepts[c]
        if concept is not None:
            for phrase in VOCAB.get(concept, ()):
                names.setdefault(" ".join(tokens(phrase)), c)
    words = [w for w in key.split() if len(w) >= 4] if " " in key else []
    for probe, cutoff in ((key, FUZZY_CUTOFF), *((w, WORD_FUZZY_CUTOFF) for w in words)):
        close = difflib.get_close_matches(probe, list(names), n=1, cutoff=cutoff)
        if close and len(probe) >= 4:
            return names[close[0]]
    return None
