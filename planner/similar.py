"""References in the user's own words, matched by meaning: "the pooch" -> dog_bark, "the rocket being
launched" -> missile_launch, when no rule of ``audioedit.planner.vocab`` matched.

Each candidate label is described by its name, its vocabulary phrases and its events' annotation
descriptions; the phrase and every description are embedded with all-MiniLM-L6-v2
(``audioedit.text_encoder``) and the label with the most similar description wins if that cosine
reaches ``MIN_SIMILARITY`` and beats the runner-up by ``MIN_MARGIN``. Otherwise the reference is
unresolved: a guess that edits the wrong sound is worse than a question.

The two thresholds were chosen on ``tests/data/reference_synonyms.tsv`` (synonyms that should
match, and absent sounds that should not) with ``python -m audioedit.planner.similar``, which prints the
accuracy of each setting.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MIN_SIMILARITY = 0.60  # 0.54-0.60 tie on the table (94.4 % of 54 cases); the strictest of them
MIN_MARGIN = 0.08


def label_texts(label: str, descriptions: Sequence[str] = ()) -> list[str]:
    from audioedit.planner.vocab import VOCAB, canonical_label, display_name

    concept = canonical_label(display_name(label)) or label
    return list(dict.fromkeys([display_name(label), *VOCAB.get(concept, ()), *(d for d in descriptions if d)]))


def scores(phrase: str, candidates: dict[str, list[str]]) -> dict[str, float]:
    """Best cosine of ``phrase`` against each candidate label's texts."""
    from audioedit.text_encoder import sentence_embeddings

    owners = [label for label, texts in candidates.items() for _ in texts]
    vectors = sentence_embeddings([phrase, *(t for texts in candidates.values() for t in texts)])
    sims = vectors[1:] @ vectors[0]
    best: dict[str, float] = {}
    for label, sim in zip(owners, sims):
        best[label] = max(best.get(label, -1.0), float(sim))
    return best


def closest_label(phrase: str, candidates: dict[str, list[str]], min_similarity: float = MIN_SIMILARITY,
                  min_margin: float = MIN_MARGIN) -> tuple[str | None, float]:
    """``(label, cosine)`` of the candidate ``phrase`` means, or ``(None, best cosine)`` when none is close enough."""
    if not phrase.strip() or not candidates:
        return None, 0.0
    ranked = sorted(scores(phrase, candidates).items(), key=lambda kv: -kv[1])
    best, sim = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else -1.0
    return (best if sim >= min_similarity and sim - runner_up >= min_margin else None), sim


def _calibrate(table: str) -> None:
    from pathlib import Path

    rows = [line.split("\t") for line in Path(table).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    cases = [(phrase, labels.split(","), None if want == "-" else want) for phrase, labels, want in rows]
    print(f"{len(cases)} cases from {table}")
    for min_sim in np.arange(0.45, 0.75, 0.03):
        for margin in (0.0, 0.04, 0.08, 0.12):
            right = sum(closest_label(p, {lab: label_texts(lab) for lab in labels}, min_sim, margin)[0] == want
                        for p, labels, want in cases)
            print(f"min_similarity {min_sim:.2f}  min_margin {margin:.2f}  accuracy {right / len(cases):.1%}")


if __name__ == "__main__":
    import sys

    _calibrate(sys.argv[1] if len(sys.argv) > 1 else "tests/data/reference_synonyms.tsv")
