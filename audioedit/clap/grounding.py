"""Grounding: where does a free-text sound occur in a recording? (sliding-window CLAP similarity)

    >>> events = ground(model, audio, "a dog barks")                     # doctest: +SKIP
    >>> [(e.onset_s, e.offset_s, round(e.confidence, 2)) for e in events]  # doctest: +SKIP
    [(1.25, 2.5, 0.81)]

For each window (``window_s`` long, every ``hop_s``) the score of a query is its cosine similarity
minus the mean similarity of a fixed set of reference prompts (the names of the trained classes),
divided by their spread: a z-score, so one threshold works across queries and recordings.
Scores are median-smoothed, thresholded, gaps shorter than ``merge_gap_s`` merged, events shorter
than ``min_duration_s`` dropped. The threshold and the post-processing are calibrated per model on
synthetic scenes (``audioedit.clap.grounding_eval``; the export ships them as ``grounding.json``,
which ``ground`` uses by default). Each event's ``confidence`` is a logistic of its peak score.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from audioedit.audio import Audio
from audioedit.clap.base import ClapModel
from audioedit.scene import Event, EventSource


class GroundingConfig(BaseModel):
    window_s: float = 1.0
    hop_s: float = 0.25
    threshold: float = 1.5  # z-score; a model's calibrated settings (model.grounding) take precedence
    smooth_windows: int = 3
    min_duration_s: float = 0.25
    merge_gap_s: float = 0.5
    reference_prompts: list[str] | None = None  # default: names of the built-in classes


def default_references() -> list[str]:
    """The names of the vocabulary's core classes (what the shipped CLAP was trained on); an
    export trained on more lists its own ``reference_prompts`` in its grounding.json."""
    from audioedit.clap.captions import CORE_KEYS, CLASSES

    return sorted({CLASSES[k].name for k in CORE_KEYS})


def window_embeddings(model: ClapModel, audio: Audio, window_s: float, hop_s: float) -> tuple[np.ndarray, np.ndarray]:
    """``(centres_s (n,), embeddings (n, dim))`` of windows ``[t, t + window_s)`` every ``hop_s``.

    A recording shorter than one window gives a single window over all of it.
    """
    mono = audio.to_mono()
    duration_s = mono.duration_s
    starts = np.arange(0.0, max(duration_s - window_s, 0.0) + 1e-9, hop_s)
    windows = [mono.slice_s(float(s), float(min(s + window_s, duration_s))) for s in starts]
    centres = np.minimum(starts + window_s / 2, duration_s / 2 if duration_s < window_s else np.inf)
    return centres, model.embed_audio(windows)


def score_curve(model: ClapModel, window_emb: np.ndarray, queries: list[str],
                references: list[str] | None = None) -> np.ndarray:
    """``(n_windows, n_queries)`` z-scores of each query against the reference prompts."""
    references = references or default_references()
    q = window_emb @ model.embed_text(queries).T
    r = window_emb @ model.embed_text(references).T
    return (q - r.mean(axis=1, keepdims=True)) / np.maximum(r.std(axis=1, keepdims=True), 1e-4)


def _median_smooth(x: np.ndarray, k: int) -> np.ndarray:
    if k <= 1 or len(x) < 3:
        return x
    pad = k // 2
    padded = np.pad(x, pad, mode="edge")
    return np.array([np.median(padded[i : i + k]) for i in range(len(x))])


def curve_to_events(scores: np.ndarray, centres_s: np.ndarray, label: str, cfg: GroundingConfig,
                    duration_s: float, id_prefix: str = "detected") -> list[Event]:
    """Threshold a ``(n_windows,)`` score curve into events with onset/offset in seconds."""
    smooth = _median_smooth(scores, cfg.smooth_windows)
    active = smooth >= cfg.threshold
    spans: list[list[float]] = []
    for i in np.flatnonzero(active):  # each window speaks for the hop around its centre
        on = max(0.0, centres_s[i] - cfg.hop_s / 2)
        off = min(duration_s, centres_s[i] + cfg.hop_s / 2)
        if spans and on - spans[-1][1] <= cfg.merge_gap_s:
            spans[-1][1] = max(spans[-1][1], off)
            spans[-1][2] = max(spans[-1][2], float(smooth[i]))
        else:
            spans.append([on, off, float(smooth[i])])
    events = []
    for on, off, peak in spans:
        if off - on >= cfg.min_duration_s:
            confidence = float(1 / (1 + np.exp(-(peak - cfg.threshold))))
            events.append(Event(id=f"{id_prefix}{len(events)}_{label.replace(' ', '_')}", label=label,
                                onset_s=round(on, 3), offset_s=round(off, 3), source=EventSource.DETECTED,
                                confidence=round(confidence, 4)))
    return events


def ensemble_curve(model: ClapModel, window_emb: np.ndarray, texts_by_label: dict[str, list[str]],
                   references: list[str] | None = None) -> np.ndarray:
    """``(n_windows, n_labels)`` z-scores of each label queried by all its texts at once: the mean of
    their unit text embeddings, renormalised (prompt ensembling), against the reference prompts."""
    from audioedit.clap.prompts import ensemble_embeddings

    references = references or default_references()
    q = window_emb @ ensemble_embeddings(model, [list(t) for t in texts_by_label.values()]).T
    r = window_emb @ model.embed_text(references).T
    return (q - r.mean(axis=1, keepdims=True)) / np.maximum(r.std(axis=1, keepdims=True), 1e-4)


def ground(model: ClapModel, audio: Audio, labels: str | list[str] | dict[str, list[str]],
           cfg: GroundingConfig | None = None) -> list[Event]:
    """Detected events of each free-text label in ``audio``, sorted by onset. ``labels`` may map each
    label to several texts (its synonyms and captions), queried together (``ensemble_curve``).
    ``cfg`` defaults to the settings calibrated for ``model`` (its ``grounding``), else ``GroundingConfig()``."""
    cfg = cfg or GroundingConfig(**(model.grounding or {}))
    centres, emb = window_embeddings(model, audio, cfg.window_s, cfg.hop_s)
    if isinstance(labels, dict):
        scores = ensemble_curve(model, emb, labels, cfg.reference_prompts)
        labels = list(labels)
    else:
        labels = [labels] if isinstance(labels, str) else list(labels)
        scores = score_curve(model, emb, labels, cfg.reference_prompts)
    events = []
    for j, label in enumerate(labels):
        events += curve_to_events(scores[:, j], centres, label, cfg, audio.duration_s, id_prefix=f"detected{j}_")
    return sorted(events, key=lambda e: e.onset_s)


def event_f1(reference: list[Event], estimated: list[Event], onset_tolerance_s: float = 0.5) -> tuple[int, int, int]:
    """``(true positives, n_reference, n_estimated)``: greedy one-to-one matching of same-label
    events whose onsets differ by at most ``onset_tolerance_s``."""
    used: set[int] = set()
    tp = 0
    for ref in sorted(reference, key=lambda e: e.onset_s):
        best, best_d = None, onset_tolerance_s
        for j, est in enumerate(estimated):
            d = abs(est.onset_s - ref.onset_s)
            if j not in used and est.label == ref.label and d <= best_d:
                best, best_d = j, d
        if best is not None:
            used.add(best)
            tp += 1
    return tp, len(reference), len(estimated)


def f1_from_counts(tp: int, n_ref: int, n_est: int) -> float:
    if n_ref + n_est == 0:
        return 1.0
    return 2 * tp / (n_ref + n_est)
