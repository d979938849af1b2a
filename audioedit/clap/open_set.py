"""Open-set grounding: is a named sound in a recording at all, how sure, and where.

    >>> found = detect(model, audio, "a cow mooing")          # doctest: +SKIP
    >>> found.present, round(found.confidence, 2), [(e.onset_s, e.offset_s) for e in found.events]  # doctest: +SKIP
    (False, 0.03, [])

Any phrase is a query (the text tower reads any text). ``detect`` runs ``ground`` with the
model's calibrated settings; a query is *present* when grounding finds an event, and its
``confidence`` (probability that the sound is present) is a logistic of the query's peak smoothed
z-score, fitted on calibration scenes where the queried sound is present or absent
(``calibrate_open_set``; stored in the export's ``grounding.json`` under ``presence``). A sound
the model never heard of scores like any absent sound and comes back ``present=False`` ("not
found"), not as a false event.

Scenes (``open_set_scenes``): a 10 s bed (a Moodist ambience, its held-out last 10 s), 1-3 whole
foreground clips of distinct classes (trimmed to their active part) at 5-20 dB loudness SNR over
the bed, and one query per scene: a class in the scene, or (``absent_prob``) one absent from it
and from the bed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel

from audioedit.audio import Audio
from audioedit.clap.base import ClapModel
from audioedit.clap.captions import sound_class
from audioedit.clap.data import AudioCache, ClipRecord
from audioedit.clap.grounding import GroundingConfig, _median_smooth, curve_to_events, event_f1, f1_from_counts
from audioedit.clap.grounding import score_curve, window_embeddings
from audioedit.scene import Event

MAX_FALSE_ALARM = 0.08  # calibration keeps false alarms on absent queries below this (the target is 10 %)
OPEN_SET_GRID = {"window_s": (0.5, 1.0, 2.0), "threshold": tuple(np.round(np.arange(1.0, 5.01, 0.25), 2)),
                 "smooth_windows": (1, 3, 5), "min_duration_s": (0.25, 0.5), "merge_gap_s": (0.5, 1.0)}


class Presence(BaseModel):
    """P(present) = 1 / (1 + exp(-(a * peak_z + b)))."""
    a: float = 1.0
    b: float = -2.0

    def probability(self, peak_z: float) -> float:
        return float(1 / (1 + np.exp(-np.clip(self.a * peak_z + self.b, -60.0, 60.0))))


class Detection(BaseModel):
    query: str
    present: bool
    confidence: float  # P(the sound is present), from the calibrated presence model
    peak_score: float  # the query's highest smoothed z-score over the recording
    events: list[Event]


@dataclass(frozen=True)
class Scene:
    audio: Audio
    events: list[Event]  # the reference events of the query only
    query: str
    present: bool
    bed: str


def detect(model: ClapModel, audio: Audio, query: str, cfg: GroundingConfig | None = None,
           presence: Presence | None = None) -> Detection:
    """Whether ``query`` sounds in ``audio``, with confidence and events (see module docstring)."""
    grounding = dict(model.grounding or {})
    cfg = cfg or GroundingConfig(**{k: v for k, v in grounding.items() if k in GroundingConfig.model_fields})
    presence = presence or Presence(**(grounding.get("presence") or {"b": -cfg.threshold}))
    centres, emb = window_embeddings(model, audio, cfg.window_s, cfg.hop_s)
    curve = score_curve(model, emb, [query], cfg.reference_prompts)[:, 0]
    peak = float(np.max(_median_smooth(curve, cfg.smooth_windows)))
    events = curve_to_events(curve, centres, query, cfg, audio.duration_s)
    return Detection(query=query, present=bool(events), confidence=presence.probability(peak), peak_score=peak,
                     events=events)


def active_part(x: np.ndarray, sample_rate_hz: int, floor_db: float = 30.0) -> np.ndarray:
    """``x`` without its leading and trailing 50 ms frames more than ``floor_db`` below the loudest."""
    hop = max(1, int(0.05 * sample_rate_hz))
    n = len(x) // hop
    if n < 2:
        return x
    rms_db = 10 * np.log10(np.mean(np.square(x[: n * hop].reshape(n, hop)), axis=1) + 1e-12)
    loud = np.flatnonzero(rms_db >= rms_db.max() - floor_db)
    return x[loud[0] * hop : (loud[-1] + 1) * hop]


def open_set_scenes(foreground: list[ClipRecord], beds: list[ClipRecord], cache: AudioCache, n: int,
                    seed: int = 0, duration_s: float = 10.0, absent_prob: float = 0.25,
                    snr_db_range: tuple[float, float] = (5.0, 20.0), bed_lufs: float = -30.0) -> list[Scene]:
    """``n`` scenes (see module docstring) at ``cache``'s rate; classes by their vocabulary names."""
    from audioedit.clap.grounding_eval import loudness_lufs

    sr = cache.sample_rate_hz
    rng = np.random.default_rng(seed)
    by_class: dict[str, list[ClipRecord]] = {}
    for r in foreground:
        by_class.setdefault(r.class_key, []).append(r)
    keys = sorted(by_class)
    frames = int(duration_s * sr)
    scenes = []
    for _ in range(n):
        bed = beds[rng.integers(len(beds))]
        tail = cache.region(bed)
        mix = np.tile(tail, -(-frames // max(len(tail), 1)))[:frames].astype(np.float32)  # a shorter tail loops
        mix = mix * 10 ** ((bed_lufs - loudness_lufs(mix, sr)) / 20)
        allowed = [k for k in keys if k != bed.class_key]
        chosen = [allowed[i] for i in rng.choice(len(allowed), size=int(rng.integers(1, 4)), replace=False)]
        events = []
        for key in chosen:
            x = active_part(cache.region(by_class[key][rng.integers(len(by_class[key]))]), sr)[: frames // 2]
            start = int(rng.integers(0, frames - len(x) + 1))
            mix[start : start + len(x)] += x * 10 ** ((bed_lufs + rng.uniform(*snr_db_range) - loudness_lufs(x, sr)) / 20)
            events.append(Event(id=f"ref_{key}", label=sound_class(key).name, onset_s=start / sr,
                                offset_s=(start + len(x)) / sr))
        present = rng.random() >= absent_prob
        if present:
            query_key = chosen[rng.integers(len(chosen))]
        else:
            absent = [k for k in allowed if k not in chosen]
            query_key = absent[rng.integers(len(absent))]
        name = sound_class(query_key).name
        peak = float(np.max(np.abs(mix)))
        mix = mix * (0.99 / peak) if peak > 0.99 else mix
        scenes.append(Scene(audio=Audio(mix[None], sr), events=[e for e in events if e.label == name],
                            query=name, present=present, bed=bed.class_key))
    return scenes


def score_scenes(model: ClapModel, scenes: list[Scene], window_s: float, hop_s: float,
                 references: list[str] | None, extra_queries: list[str] = ()) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per scene: ``(centres_s, z-scores (windows, 1 + len(extra_queries)))``; column 0 is the scene's query."""
    out = []
    for scene in scenes:
        centres, emb = window_embeddings(model, scene.audio, window_s, hop_s)
        out.append((centres, score_curve(model, emb, [scene.query, *extra_queries], references)))
    return out


class OpenSetCounts(BaseModel):
    tp: int
    n_reference: int
    n_estimated: int
    n_absent: int
    false_alarms: int  # absent-query scenes with at least one detected event

    @property
    def f1(self) -> float:
        return f1_from_counts(self.tp, self.n_reference, self.n_estimated)

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / max(self.n_absent, 1)


def count(scenes: list[Scene], scored: list[tuple], cfg: GroundingConfig, column: int = 0) -> OpenSetCounts:
    tp = n_ref = n_est = n_absent = alarms = 0
    for scene, (centres, scores) in zip(scenes, scored):
        detected = curve_to_events(scores[:, column], centres, scene.query, cfg, scene.audio.duration_s)
        a, b, c = event_f1(scene.events, detected)
        tp, n_ref, n_est = tp + a, n_ref + b, n_est + c
        if not scene.present:
            n_absent += 1
            alarms += bool(detected)
    return OpenSetCounts(tp=tp, n_reference=n_ref, n_estimated=n_est, n_absent=n_absent, false_alarms=alarms)


def peak_scores(scored: list[tuple], smooth_windows: int, column: int = 0) -> np.ndarray:
    return np.array([float(np.max(_median_smooth(s[:, column], smooth_windows))) for _, s in scored])


def fit_presence(peaks: np.ndarray, present: np.ndarray, steps: int = 200) -> Presence:
    """Logistic regression of ``present`` (0/1) on peak z-scores (Newton steps, a little L2)."""
    x = np.stack([peaks, np.ones_like(peaks)], axis=1)
    w = np.array([1.0, 0.0])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        grad = x.T @ (p - present) + 1e-3 * w
        hess = x.T @ (x * (p * (1 - p))[:, None]) + 1e-3 * np.eye(2)
        w = w - np.linalg.solve(hess, grad)
    return Presence(a=float(w[0]), b=float(w[1]))


def calibrate_open_set(model: ClapModel, scenes: list[Scene], references: list[str] | None,
                       grid: dict | None = None, max_false_alarm: float = MAX_FALSE_ALARM
                       ) -> tuple[GroundingConfig, Presence, OpenSetCounts]:
    """The grounding settings with the best event F1 among those whose false-alarm rate on absent
    queries is at most ``max_false_alarm`` (none: the fewest false alarms), and the presence model."""
    grid = dict(OPEN_SET_GRID if grid is None else grid)
    best = None
    for window_s in grid.pop("window_s"):
        base = GroundingConfig(window_s=window_s, hop_s=0.25, reference_prompts=references)
        scored = score_scenes(model, scenes, window_s, 0.25, references)
        for values in itertools.product(*grid.values()):
            cfg = base.model_copy(update=dict(zip(grid, values)))
            counts = count(scenes, scored, cfg)
            key = (counts.false_alarm_rate <= max_false_alarm, counts.f1 if counts.false_alarm_rate <= max_false_alarm
                   else -counts.false_alarm_rate)
            if best is None or key > best[0]:
                best = (key, cfg, counts, scored)
    _, cfg, counts, scored = best
    presence = fit_presence(peak_scores(scored, cfg.smooth_windows), np.array([s.present for s in scenes], float))
    return cfg, presence, counts
