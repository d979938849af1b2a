"""Sound classes the small CLAP is trained on (from the vocabulary table), and caption templates.

Each ``SoundClass`` has a plain ``name`` (the zero-shot prompt "class name"), noun-phrase and
sentence paraphrases used for training captions, and ``eval_paraphrases`` that training never
sees (the zero-shot "paraphrased class names" prompts).

    >>> rng = np.random.default_rng(0)
    >>> isinstance(single_caption(CLASSES["dog_bark"], rng), str)
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from audioedit.clap import vocabulary


@dataclass(frozen=True)
class SoundClass:
    key: str
    name: str
    noun_phrases: tuple[str, ...]
    sentences: tuple[str, ...]
    eval_paraphrases: tuple[str, ...] = field(default_factory=tuple)


def _from_entry(e: dict) -> SoundClass:
    return SoundClass(e["key"], e["name"], tuple(e["synonyms"]), tuple(e["captions"]), tuple(e["eval_paraphrases"]))


# every class of the vocabulary table (audioedit/clap/vocabulary.json); CORE_KEYS: the shipped CLAP's 30
CLASSES: dict[str, SoundClass] = {e["key"]: _from_entry(e) for e in vocabulary.entries()}
CORE_KEYS: tuple[str, ...] = tuple(e["key"] for e in vocabulary.entries(("core",)))

ALIASES: dict[str, str] = vocabulary.table()["aliases"]

NP_TEMPLATES = ("{}", "{}", "the sound of {}", "{} can be heard", "a recording of {}", "{} nearby")
PAIR_TEMPLATES = ("{a_s} and {b_s}", "{a_np} and {b_np}", "{a_s} while {b_s}", "{a_np} together with {b_np}",
                  "{a_np}, {b_np}")
SEQUENCE_TEMPLATES = ("{a_s}, then {b_s}", "{a_np} followed by {b_np}", "first {a_np}, then {b_np}")
BACKGROUND_TEMPLATES = ("{a_s} with {b_np} in the background", "{a_np} over {b_np}",
                        "{a_np} with {b_np} in the background")


def sound_class(label: str) -> SoundClass:
    """The known class for ``label``, or a generic one built from the label's words."""
    label = ALIASES.get(label, label)
    if label in CLASSES:
        return CLASSES[label]
    words = label.replace("_", " ").replace("-", " ").strip()
    return SoundClass(label, words, (words, f"the sound of {words}", f"{words} sounds"), (), ())


def _np(cls: SoundClass, rng: np.random.Generator) -> str:
    return str(rng.choice(cls.noun_phrases + (cls.name,)))


def _sentence(cls: SoundClass, rng: np.random.Generator) -> str:
    return str(rng.choice(cls.sentences)) if cls.sentences and rng.random() < 0.5 else _np(cls, rng)


def single_caption(cls: SoundClass, rng: np.random.Generator) -> str:
    """A training caption for one sound class."""
    if cls.sentences and rng.random() < 0.3:
        return str(rng.choice(cls.sentences))
    return str(rng.choice(NP_TEMPLATES)).format(_np(cls, rng))


def pair_caption(a: SoundClass, b: SoundClass, rng: np.random.Generator, kind: str) -> str:
    """A caption for two classes; ``kind`` is ``overlap``, ``sequence`` (a before b) or ``background``."""
    templates = {"overlap": PAIR_TEMPLATES, "sequence": SEQUENCE_TEMPLATES, "background": BACKGROUND_TEMPLATES}[kind]
    template = str(rng.choice(templates))
    return template.format(a_s=_sentence(a, rng), b_s=_sentence(b, rng), a_np=_np(a, rng), b_np=_np(b, rng))


def class_prompts(keys: list[str], paraphrase_index: int | None = None) -> list[str]:
    """Zero-shot prompts: the plain names (``None``) or each class's n-th eval paraphrase."""
    out = []
    for key in keys:
        cls = sound_class(key)
        if paraphrase_index is None or not cls.eval_paraphrases:
            out.append(cls.name)
        else:
            out.append(cls.eval_paraphrases[paraphrase_index % len(cls.eval_paraphrases)])
    return out
