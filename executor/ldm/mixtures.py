"""LCR-like training pairs: 2-4 whole-clip sources, one gain code per source, one instruction.

As in the Listen-Chat-Remix items: a ``clip_s`` mixture (5 s at 16 kHz for the broad recipe) of
0-2 voices and sounds / ambiences, each source with a code ``1`` keep, ``0`` remove, ``U`` x2,
``D`` x0.5 (at least one not ``1``); the target is ``sum(gain * source)``. With probability
``1 - p_multi_target`` exactly one source is edited (as a planned step edits one target); else every
source draws its code and the instruction names all of them ("remove the male speaker with low
pitch and the cow, and make the rain louder"). The span is the whole clip.

Voices are tracks of one speaker (clips of one ``Clip.group`` joined with short pauses); two
voices in one mixture differ in the measured sex or pitch, and are then named by their
description (``audioedit.executor.ldm.speakers``), so "the woman with the high voice" can be learned.
"""

from __future__ import annotations

import numpy as np

from audioedit.executor.ldm.config import DataConfig
from audioedit.executor.ldm.data import SR, Clip, Corpus, Pair, _crop
from audioedit.executor.ldm.speakers import describe, sex_and_pitch

CODES = ("1", "0", "U", "D")
GAINS = {"1": 1.0, "0": 0.0, "U": 2.0, "D": 0.5}
VERBS = {
    "0": ["remove {x}", "take out {x}", "get rid of {x}", "mute {x}", "drop {x}", "delete {x}", "eliminate {x}"],
    "U": ["make {x} louder", "turn up {x}", "increase the volume of {x}", "boost {x}", "make {x} 6 dB louder",
          "make {x} twice as loud", "amplify {x}", "raise the volume of {x}"],
    "D": ["make {x} quieter", "turn down {x}", "decrease the volume of {x}", "lower {x}", "make {x} 6 dB quieter",
          "make {x} half as loud", "reduce the volume of {x}", "soften {x}"],
}
KEEP_ONLY = ["keep only {x}", "isolate {x}", "extract {x}", "I only want to hear {x}", "remove everything except {x}"]


def _fade(x: np.ndarray) -> np.ndarray:
    ramp = min(len(x) // 4, int(0.01 * SR))
    if ramp:
        x[:ramp] *= np.linspace(0, 1, ramp)
        x[len(x) - ramp :] *= np.linspace(1, 0, ramp)
    return x


def voice_track(clips: list[Clip], n: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """One speaker's clips joined with 0.1-0.6 s pauses into ``n`` frames (from a random offset),
    and the speaker's median F0 (0 when none was measured)."""
    parts, total, used = [], 0, []
    start = int(rng.uniform(0, 0.8) * SR)
    while total < n + start:
        c = clips[int(rng.integers(len(clips)))]
        piece = _crop(c.samples, int(rng.uniform(2.0, 6.0) * SR), rng) if len(c.samples) > 6 * SR else c.samples
        parts += [piece, np.zeros(int(rng.uniform(0.1, 0.6) * SR), np.float32)]
        total += len(piece) + len(parts[-1])
        used.append(c.f0_hz)
    track = np.concatenate(parts)[start : start + n].astype(np.float32)
    f0s = [f for f in used if f > 0]
    return track, float(np.median(f0s)) if f0s else 0.0


def sound_track(clip: Clip, n: int, rng: np.random.Generator) -> np.ndarray:
    """A sound source over ``n`` frames: a crop of a long clip, else 1-3 occurrences of a short one."""
    x = clip.samples
    if len(x) >= n:
        return _crop(x, n, rng).astype(np.float32).copy()
    out = np.zeros(n, np.float32)
    reps = 1 if len(x) > n // 2 else int(rng.integers(1, 4))
    for _ in range(reps):
        piece = _fade(x.copy())
        o = int(rng.integers(0, max(1, n - len(piece))))
        out[o : o + len(piece)] += piece[: n - o]
    return out


def _level(track: np.ndarray, db: float) -> np.ndarray:
    """``track`` scaled so that its active part (frames above -40 dB of its peak) has RMS ``db``."""
    active = np.abs(track) > 0.01 * (float(np.abs(track).max()) + 1e-9)
    ref = track[active] if active.sum() > SR // 10 else track
    r = float(np.sqrt(np.mean(ref.astype(np.float64) ** 2))) + 1e-9
    return (track * (10 ** (db / 20) / r)).astype(np.float32)


def _join(names: list[str]) -> str:
    names = [f"the {x}" for x in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _name(corpus: Corpus, label: str, rng: np.random.Generator) -> str:
    caps = corpus.captions.get(label)
    if caps and rng.random() < 0.1:
        return "sound of " + str(rng.choice(caps))
    return str(rng.choice(corpus.names.get(label) or corpus.background_names.get(label) or [label.replace("_", " ")]))


def mixture_instruction(codes: list[str], names: list[str], rng: np.random.Generator) -> str:
    """One sentence for per-source ``codes`` on the sources called ``names`` (see module doc)."""
    kept = [nm for c, nm in zip(codes, names) if c == "1"]
    if kept and set(codes) == {"1", "0"} and rng.random() < 0.3:
        return str(rng.choice(KEEP_ONLY)).format(x=_join(kept))
    clauses = []
    for code in ("0", "U", "D"):
        group = [nm for c, nm in zip(codes, names) if c == code]
        if group:
            clauses.append(str(rng.choice(VERBS[code])).format(x=_join(group)))
    order = rng.permutation(len(clauses))
    clauses = [clauses[i] for i in order]
    sep = str(rng.choice([" and ", ", ", ". ", ", and "]))
    return sep.join(clauses)


def _draw_codes(k: int, cfg: DataConfig, rng: np.random.Generator, multi: bool) -> list[str]:
    w = np.asarray(cfg.code_weights, float)
    if not multi:
        codes = ["1"] * k
        codes[int(rng.integers(k))] = str(rng.choice(CODES[1:], p=w[1:] / w[1:].sum()))
        return codes
    while True:
        codes = [str(rng.choice(CODES, p=w / w.sum())) for _ in range(k)]
        if any(c != "1" for c in codes):
            return codes


def _voices(corpus: Corpus, count: int, rng: np.random.Generator) -> list[list[Clip]]:
    """``count`` speakers' clips; two speakers differ in measured sex or pitch when they can."""
    groups: dict[str, list[Clip]] = {}
    for c in corpus.foreground.get("speech", []):
        groups.setdefault(c.group or c.path, []).append(c)
    keys = sorted(groups)
    if not keys:
        return []
    chosen = [keys[int(rng.integers(len(keys)))]]
    for _ in range(20):
        if len(chosen) >= count:
            break
        k = keys[int(rng.integers(len(keys)))]
        f_a = np.median([c.f0_hz for c in groups[chosen[0]]])
        f_b = np.median([c.f0_hz for c in groups[k]])
        if k not in chosen and sex_and_pitch(f_a) and sex_and_pitch(f_b) and sex_and_pitch(f_a) != sex_and_pitch(f_b):
            chosen.append(k)
    return [groups[k] for k in chosen]


def mixture_pair(corpus: Corpus, cfg: DataConfig, rng: np.random.Generator, multi: bool | None = None) -> Pair:
    """One LCR-like pair (see module doc); ``multi``: several edited sources (None: ``p_multi_target``)."""
    n = int(cfg.clip_s * SR)
    lo, hi = cfg.mixture_sources
    k = int(rng.integers(lo, hi + 1))
    n_speech = min(k, int(rng.choice(3, p=np.asarray(cfg.mixture_speech) / sum(cfg.mixture_speech))))
    voices = _voices(corpus, n_speech, rng) if n_speech else []
    labels = [lb for lb in sorted(corpus.foreground) if lb != "speech"]
    backgrounds = corpus.named_backgrounds()
    tracks, names, labels_used = [], [], []
    for clips in voices:
        track, f0 = voice_track(clips, n, rng)
        desc = describe(f0, rng) if (len(voices) > 1 or rng.random() < 0.5) else None
        if len(voices) > 1 and desc is None:
            continue
        tracks.append(_level(track, float(rng.uniform(*cfg.source_db))))
        names.append(desc or _name(corpus, "speech", rng))
        labels_used.append("speech")
    for _ in range(50):  # distinct sounds with distinct names (fewer when the corpus runs out of them)
        if len(tracks) >= max(k, 2):
            break
        if backgrounds and rng.random() < 0.2:
            clip = backgrounds[int(rng.integers(len(backgrounds)))]
        else:
            lab = labels[int(rng.integers(len(labels)))]
            clip = corpus.foreground[lab][int(rng.integers(len(corpus.foreground[lab])))]
        name = _name(corpus, clip.label, rng)
        if clip.label in labels_used or name in names:
            continue
        tracks.append(_level(sound_track(clip, n, rng), float(rng.uniform(*cfg.source_db))))
        names.append(name)
        labels_used.append(clip.label)
    if len(tracks) < 2:
        raise ValueError("the corpus has too few distinct sounds for a mixture of two sources")
    multi = bool(rng.random() < cfg.p_multi_target) if multi is None else multi
    codes = _draw_codes(len(tracks), cfg, rng, multi)
    gains = [GAINS[c] for c in codes]
    source = np.sum(tracks, axis=0)
    target = np.sum([g * t for g, t in zip(gains, tracks)], axis=0)
    peak = max(float(np.abs(source).max()), float(np.abs(target).max()))
    scale = 0.99 / peak if peak > 0.99 else 1.0
    stems = [(t * scale).astype(np.float32) for t in tracks]
    return Pair((source * scale).astype(np.float32), (target * scale).astype(np.float32),
                mixture_instruction(codes, names, rng), "mixture", True, (0.0, cfg.clip_s),
                "+".join(f"{lb}:{c}" for lb, c in zip(labels_used, codes)), target_role="mixture",
                stems=stems, gains=gains)
