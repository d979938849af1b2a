"""Training / evaluation pairs for the editor, generated on the fly from real clips.

A pair is a 16 kHz mono scene of ``clip_s`` seconds: a background (Speech Commands /
UrbanSound8K salience-2 / starter-bank textures) plus 1-3 foreground events (UrbanSound8K
salience-1 clips + starter-bank events), one of which is the target. Ops:

- ``remove``:   target = mixture - target event
- ``loudness``: target = mixture + (10^(g/20) - 1) * target event, g in +-[3, 12] dB
- ``extract``:  target = the target event alone

A fraction ``p_background_target`` of the pairs edit the background instead (a named texture under
the whole clip, 0-3 foreground events on top; the span is the whole clip): "remove the rain" must
keep the events and drop the texture. A fraction ``p_synth`` come from scenes made by
``audioedit synth pairs`` (``synth_dirs``; see ``audioedit.executor.ldm.scenes``).

Half the pairs (``p_overlap``) place another foreground event over the target. The split is
deterministic: a clip file is held out when the hash of its recording id (UrbanSound8K
``fsID``, else the file name) falls in the lowest ``heldout_fraction``; training never sees
held-out recordings. ``synthetic_only`` (debug) uses tones and noise and needs no files.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from audioedit.paths import PACKAGE_DIR, data_root
from audioedit.executor.ldm.config import DataConfig

log = logging.getLogger(__name__)

US8K_NAMES = {
    "air_conditioner": ["air conditioner", "air conditioning", "AC unit"],
    "car_horn": ["car horn", "horn", "honking"],
    "children_playing": ["children playing", "kids", "children's voices"],
    "dog_bark": ["dog bark", "dog", "barking"],
    "drilling": ["drilling", "drill", "power drill"],
    "engine_idling": ["engine idling", "engine", "idling engine"],
    "gun_shot": ["gunshot", "gun shot", "shot"],
    "jackhammer": ["jackhammer", "pneumatic drill", "jack hammer"],
    "siren": ["siren", "ambulance", "police siren"],
    "street_music": ["street music", "music", "street musician"],
}
# Speech Commands noise files by stem; files without names (dude_miaowing) stay backgrounds only.
SPEECHCOMMANDS_NAMES = {
    "doing_the_dishes": ["dishes", "clattering dishes", "doing the dishes"],
    "exercise_bike": ["exercise bike", "bike", "whirring exercise bike"],
    "running_tap": ["running tap", "running water", "tap water"],
}
STARTER_BANK = PACKAGE_DIR / "assets" / "bank"
SR = 16_000


def heldout(path: str | Path, fraction: float) -> bool:
    """Deterministic split: the recording id's SHA-1 mapped to [0, 1) below ``fraction``."""
    name = Path(path).name
    key = name.split("-")[0] if name[0].isdigit() and "-" in name else Path(name).stem
    return heldout_key(key, fraction)


def heldout_key(key: str, fraction: float) -> bool:
    """``key`` (a recording id) is held out: its SHA-1 mapped to [0, 1) falls below ``fraction``."""
    return int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < fraction


@dataclass
class Clip:
    label: str
    samples: np.ndarray  # (frames,) float32 at 16 kHz, peak-normalised
    path: str
    group: str = ""  # speech: the speaker (clips of one group are joined into one voice)
    f0_hz: float = 0.0  # speech: median F0 (0: unvoiced / not measured)


@dataclass
class Corpus:
    """Clips in memory: foreground events by label, backgrounds, and display names by label."""

    foreground: dict[str, list[Clip]] = field(default_factory=dict)
    background: list[Clip] = field(default_factory=list)
    names: dict[str, list[str]] = field(default_factory=dict)
    background_names: dict[str, list[str]] = field(default_factory=dict)  # backgrounds that can be targets
    scenes: list = field(default_factory=list)  # audioedit.executor.ldm.scenes.SynthScene, from cfg.synth_dirs
    captions: dict[str, list[str]] = field(default_factory=dict)  # label -> sentences ("a cow moos"), broad corpus

    def num_clips(self) -> int:
        return sum(len(v) for v in self.foreground.values()) + len(self.background)

    def named_backgrounds(self) -> list[Clip]:
        return [c for c in self.background if c.label in self.background_names]


def _load(path: Path) -> np.ndarray:
    import soundfile as sf
    import soxr

    x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    x = x.mean(1)
    if sr != SR:
        x = soxr.resample(x, sr, SR).astype(np.float32)
    peak = float(np.abs(x).max()) if x.size else 0.0
    return x / peak if peak > 1e-4 else x


def load_corpus(cfg: DataConfig, split: str) -> Corpus:
    """All clips of ``split`` ("train" | "heldout") from the dev corpus and the starter bank."""
    want_held = split == "heldout"
    if cfg.synthetic_only:
        corpus = synthetic_corpus(seed=1 if want_held else 0)
    elif cfg.corpus == "broad":
        from audioedit.executor.ldm.broad import load_broad_corpus

        corpus = load_broad_corpus(cfg, want_held)
    else:
        corpus = _file_corpus(cfg, want_held)
    if cfg.synth_dirs and not want_held:
        from audioedit.executor.ldm.scenes import load_synth_scenes

        corpus.scenes = load_synth_scenes(cfg.synth_dirs, cfg.synth_max_scenes)
    log.info("%s corpus: %d clips, %d foreground labels, %d named backgrounds, %d synth scenes", split,
             corpus.num_clips(), len(corpus.foreground), len(corpus.background_names), len(corpus.scenes))
    return corpus


def _file_corpus(cfg: DataConfig, want_held: bool) -> Corpus:
    corpus = Corpus()
    root = data_root(cfg.dev_root)
    files: list[tuple[str, str, Path]] = []  # (role, label, path)
    us8k = root / "urbansound8k_subset"
    for p in sorted((us8k / "foreground").glob("*/*.wav")):
        files.append(("foreground", p.parent.name, p))
    for p in sorted((us8k / "background_salience").glob("*/*.wav")):
        files.append(("background", p.parent.name, p))
    for p in sorted((root / "speechcommands_bg").glob("*.wav")):
        files.append(("background", p.stem, p))
    names = {k: list(v) for k, v in US8K_NAMES.items()} | {k: list(v) for k, v in SPEECHCOMMANDS_NAMES.items()}
    if cfg.use_starter_bank and STARTER_BANK.is_dir():
        meta = json.loads((STARTER_BANK / "labels.json").read_text())
        for role in ("foreground", "background"):
            for p in sorted((STARTER_BANK / role).glob("*/*.flac")):
                files.append((role, p.parent.name, p))
        for label, info in meta.items():
            names.setdefault(label, [])
            names[label] = list(dict.fromkeys(names[label] + [info["name"]] + info["synonyms"][:3]))
    if not files:
        raise FileNotFoundError(f"no training audio under {root} (dev corpus) or the starter bank")
    for role, label, p in files:
        if heldout(p, cfg.heldout_fraction) != want_held:
            continue
        try:
            clip = Clip(label, _load(p), str(p))
        except Exception as exc:  # a bank being rebuilt, a broken file: skip it, say so
            log.warning("skipping unreadable clip %s: %s", p, exc)
            continue
        if len(clip.samples) < SR // 4:
            continue
        if role == "foreground":
            corpus.foreground.setdefault(label, []).append(clip)
        else:
            corpus.background.append(clip)
    corpus.names = {k: v for k, v in names.items() if k in corpus.foreground}
    corpus.background_names = {c.label: names[c.label] for c in corpus.background if c.label in names}
    return corpus


def synthetic_corpus(seed: int) -> Corpus:
    """Tones and noise bursts (no files): for the debug config and tests."""
    rng = np.random.default_rng(seed)
    t = np.arange(SR) / SR
    fg = {
        "siren": [Clip("siren", np.sin(2 * np.pi * np.cumsum(700 + 300 * np.sin(2 * np.pi * 1.5 * t)) / SR)
                       .astype(np.float32), "synthetic")],
        "car_horn": [Clip("car_horn", (np.sign(np.sin(2 * np.pi * 420 * t)) * 0.5).astype(np.float32), "synthetic")],
        "dog_bark": [Clip("dog_bark", (rng.standard_normal(SR) * np.exp(-t * 8)).astype(np.float32), "synthetic")],
    }
    bg = [Clip("noise", (rng.standard_normal(4 * SR) * 0.3).astype(np.float32), "synthetic")]
    names = {"siren": ["siren"], "car_horn": ["car horn"], "dog_bark": ["dog bark"]}
    return Corpus(fg, bg, names, {"noise": ["noise", "hiss"]})


TEMPLATES = {
    "remove": ["remove the {x}", "take out the {x}", "delete the {x}", "get rid of the {x}",
               "drop the {x}", "remove the sound of the {x}", "erase the {x} from the recording"],
    "extract": ["extract the {x}", "isolate the {x}", "keep only the {x}", "separate the {x}",
                "extract the {x} sound", "keep the {x} and remove everything else"],
    "louder": ["make the {x} {g} dB louder", "turn the {x} up by {g} dB", "increase the {x} by {g} dB",
               "raise the {x} by {g} dB", "boost the {x} {g} dB"],
    "quieter": ["make the {x} {g} dB quieter", "turn the {x} down by {g} dB", "decrease the {x} by {g} dB",
                "lower the {x} by {g} dB", "attenuate the {x} by {g} dB"],
    "vague": {3: ["make the {x} a bit {w}", "make the {x} slightly {w}"], 6: ["make the {x} {w}"],
              12: ["make the {x} much {w}", "make the {x} a lot {w}"]},
}


def instruction(op: str, name: str, gain_db: float, rng: np.random.Generator) -> str:
    """An atomic instruction sentence for ``op`` on the sound called ``name``."""
    if op in ("remove", "extract"):
        return str(rng.choice(TEMPLATES[op])).format(x=name)
    g = abs(int(round(gain_db)))
    if g in TEMPLATES["vague"] and rng.random() < 0.3:
        word = "louder" if gain_db > 0 else "quieter"
        return str(rng.choice(TEMPLATES["vague"][g])).format(x=name, w=word)
    return str(rng.choice(TEMPLATES["louder" if gain_db > 0 else "quieter"])).format(x=name, g=g)


@dataclass
class Pair:
    source: np.ndarray  # (frames,) float32 mixture
    target: np.ndarray  # (frames,) float32 what the edit should produce
    instruction: str
    op: str
    overlap: bool
    span_s: tuple[float, float]  # the target event's span
    label: str
    gain_db: float = 0.0
    others: list[tuple[str, float, float]] = field(default_factory=list)  # (label, onset_s, offset_s)
    target_role: str = "foreground"  # "background": the texture under the whole clip is the target
    stems: list[np.ndarray] | None = None  # mixture pairs: the sources (target = sum(gains * stems))
    gains: list[float] | None = None


def _crop(x: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    if len(x) <= n:
        return np.tile(x, int(np.ceil(n / max(len(x), 1))) + 1)[:n] if len(x) < n // 2 else x
    start = int(rng.integers(0, len(x) - n + 1))
    return x[start : start + n]


def _scale_to(x: np.ndarray, db: float) -> np.ndarray:
    r = float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) + 1e-9
    return (x * (10 ** (db / 20) / r)).astype(np.float32)


def _event(clip: Clip, rng: np.random.Generator, cfg: DataConfig) -> np.ndarray:
    dur = float(rng.uniform(0.5, 2.0))
    x = _crop(clip.samples, int(dur * SR), rng).copy()
    ramp = min(len(x) // 4, int(0.01 * SR))
    x[:ramp] *= np.linspace(0, 1, ramp)
    x[len(x) - ramp :] *= np.linspace(1, 0, ramp)
    return _scale_to(x, float(rng.uniform(*cfg.event_db)))


def finish_pair(tgt_stem: np.ndarray, others: np.ndarray, op: str, name: str, rng: np.random.Generator, *,
                overlap: bool, span_s: tuple[float, float], label: str,
                other_events: list[tuple[str, float, float]] | None = None, target_role: str = "foreground") -> Pair:
    """The pair for ``op`` on a mixture ``others + tgt_stem`` (both (frames,) float32), peak <= 0.99."""
    source = others + tgt_stem
    gain_db = 0.0
    if op == "remove":
        target = others.copy()
    elif op == "extract":
        target = tgt_stem.copy()
    else:
        gain_db = float(rng.integers(3, 13)) * (1 if rng.random() < 0.5 else -1)
        target = source + (10 ** (gain_db / 20) - 1) * tgt_stem
    peak = max(float(np.abs(source).max()), float(np.abs(target).max()))
    if peak > 0.99:
        source, target = source * (0.99 / peak), target * (0.99 / peak)
    return Pair(source.astype(np.float32), target.astype(np.float32), instruction(op, name, gain_db, rng),
                op, overlap, span_s, label, gain_db, list(other_events or []), target_role)


def make_pair(corpus: Corpus, cfg: DataConfig, rng: np.random.Generator, op: str | None = None,
              overlap: bool | None = None) -> Pair:
    """One random (source, target, instruction) pair; see the module docstring. With
    ``level_jitter_db`` the whole pair is scaled by a random gain (peak capped at 0.99)."""
    pair = _make_pair(corpus, cfg, rng, op, overlap)
    if cfg.level_jitter_db is None:
        return pair
    g = 10 ** (float(rng.uniform(*cfg.level_jitter_db)) / 20)
    peak = max(float(np.abs(pair.source).max()), float(np.abs(pair.target).max()), 1e-9)
    g = min(g, 0.99 / peak)
    pair.source, pair.target = (pair.source * g).astype(np.float32), (pair.target * g).astype(np.float32)
    if pair.stems is not None:
        pair.stems = [(x * g).astype(np.float32) for x in pair.stems]
    return pair


def _make_pair(corpus: Corpus, cfg: DataConfig, rng: np.random.Generator, op: str | None,
               overlap: bool | None) -> Pair:
    if op is None and overlap is None and cfg.p_mixture > 0 and rng.random() < cfg.p_mixture:
        from audioedit.executor.ldm.mixtures import mixture_pair

        return mixture_pair(corpus, cfg, rng)
    op = op or str(rng.choice(cfg.ops, p=np.asarray(cfg.op_weights) / sum(cfg.op_weights)))
    if corpus.scenes and overlap is None and rng.random() < cfg.p_synth:
        from audioedit.executor.ldm.scenes import scene_pair

        return scene_pair(corpus.scenes, cfg, rng, op)
    if overlap is None and corpus.named_backgrounds() and rng.random() < cfg.p_background_target:
        return background_pair(corpus, cfg, rng, op)
    n = int(cfg.clip_s * SR)
    overlap = bool(rng.random() < cfg.p_overlap) if overlap is None else overlap
    labels = sorted(corpus.foreground)
    label = str(rng.choice(labels))
    bg_clip = corpus.background[int(rng.integers(len(corpus.background)))]
    bg = _scale_to(np.resize(_crop(bg_clip.samples, n, rng), n), float(rng.uniform(*cfg.background_db)))
    fg = corpus.foreground[label]
    tgt = _event(fg[int(rng.integers(len(fg)))], rng, cfg)
    on = int(rng.integers(0, max(1, n - len(tgt))))
    tgt_stem = np.zeros(n, np.float32)
    tgt_stem[on : on + len(tgt)] = tgt[: n - on]
    span = (on / SR, min(n, on + len(tgt)) / SR)
    others = np.zeros(n, np.float32)
    other_events: list[tuple[str, float, float]] = []
    n_other = int(rng.integers(cfg.num_events[0], cfg.num_events[1] + 1)) - 1
    other_labels = [x for x in labels if x != label] or labels
    for k in range(max(n_other, 1 if overlap else 0)):
        lab = str(rng.choice(other_labels))
        ev = _event(corpus.foreground[lab][int(rng.integers(len(corpus.foreground[lab])))], rng, cfg)
        if overlap and k == 0:  # starts inside the target's span
            o = int(rng.integers(max(0, on - len(ev) // 2), max(on + 1, min(n - 1, on + len(tgt) - 1))))
        else:  # somewhere outside the target's span, when it fits
            gaps = [(0, on - len(ev)), (on + len(tgt), n - len(ev))]
            gaps = [g for g in gaps if g[1] > g[0]]
            if not gaps:
                continue
            a, b = gaps[int(rng.integers(len(gaps)))]
            o = int(rng.integers(a, b))
        o = max(0, o)
        others[o : o + len(ev)] += ev[: n - o]
        other_events.append((lab, o / SR, min(n, o + len(ev)) / SR))
    name = str(rng.choice(corpus.names.get(label) or [label.replace("_", " ")]))
    return finish_pair(tgt_stem, bg + others, op, name, rng, overlap=overlap, span_s=span, label=label,
                       other_events=other_events)


def background_pair(corpus: Corpus, cfg: DataConfig, rng: np.random.Generator, op: str) -> Pair:
    """The background is the target: a named texture under the whole clip, 0-3 events anywhere on top."""
    n = int(cfg.clip_s * SR)
    clips = corpus.named_backgrounds()
    clip = clips[int(rng.integers(len(clips)))]
    level_db = float(rng.uniform(cfg.background_db[0], cfg.event_db[1]))  # from quiet bed to dominant texture
    tgt_stem = _scale_to(np.resize(_crop(clip.samples, n, rng), n), level_db)
    others = np.zeros(n, np.float32)
    other_events: list[tuple[str, float, float]] = []
    labels = sorted(corpus.foreground)
    for _ in range(int(rng.integers(0, cfg.num_events[1] + 1))):
        lab = str(rng.choice(labels))
        ev = _event(corpus.foreground[lab][int(rng.integers(len(corpus.foreground[lab])))], rng, cfg)
        o = int(rng.integers(0, max(1, n - len(ev))))
        others[o : o + len(ev)] += ev[: n - o]
        other_events.append((lab, o / SR, min(n, o + len(ev)) / SR))
    name = str(rng.choice(corpus.background_names[clip.label]))
    return finish_pair(tgt_stem, others, op, name, rng, overlap=bool(other_events), span_s=(0.0, cfg.clip_s),
                       label=clip.label, other_events=other_events, target_role="background")


def heldout_pairs(cfg: DataConfig, per_case: int, seed: int = 1234, backgrounds: bool = False,
                  mixtures: bool = False) -> list[Pair]:
    """The fixed evaluation set: ``per_case`` pairs per (op, overlap) from held-out recordings, and
    with ``backgrounds`` ``per_case`` background-target pairs per op after them; with ``mixtures``
    (and ``p_mixture`` > 0) ``per_case`` LCR-like mixtures with one and with several targets."""
    corpus = load_corpus(cfg, "heldout")
    rng = np.random.default_rng(seed)
    pairs = [make_pair(corpus, cfg, rng, op, ov) for op in cfg.ops for ov in (False, True) for _ in range(per_case)]
    if backgrounds and corpus.named_backgrounds():
        pairs += [background_pair(corpus, cfg, rng, op) for op in cfg.ops for _ in range(per_case)]
    if mixtures and cfg.p_mixture > 0:
        from audioedit.executor.ldm.mixtures import mixture_pair

        for multi in (False, True):
            for _ in range(per_case):
                pair = mixture_pair(corpus, cfg, rng, multi=multi)
                pair.overlap = multi  # evaluation rows: one target (no) / several (yes)
                pairs.append(pair)
    return pairs
