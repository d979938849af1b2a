"""The speech refiner's training segments (``configs/speech/refiner.yaml``; reports/speech amendment 9).

Each segment: KTuberling words (languages outside the speech suite's splits; optionally with a random spectral
tilt, and with the ``heldout_languages`` kept for the held-out segments only) with short gaps, over one
or two backgrounds of the config's folders (or synthetic coloured noise) at a random SNR and level,
16 kHz mono, and DFN3's speech layer of the mixture as the shipped split computes it (``DEFAULT_SPLIT``,
without the refiner). ``build_segments`` writes ``segments.npz`` (float16 ``mix``, ``speech``, ``dfn``)
in the run folder; a finished file is reused.
"""

from __future__ import annotations

import csv
import glob
import json
from pathlib import Path

import numpy as np

from audioedit.audio import Audio, load_audio, looped_crop
from audioedit.errors import UserInputError

RATE_HZ = 16000
SEGMENTS_FILE = "segments.npz"
TILT_HZ = 2000.0


def _mono16k(path: str | Path) -> np.ndarray:
    return load_audio(path).to_mono().resample(RATE_HZ).samples[0]


def speech_files(root: Path, languages: list[str]) -> list[Path]:
    return [Path(p) for lang in languages for p in sorted(glob.glob(str(root / "ktuberling_speech" / lang / "*.ogg")))]


def heldout_count(segments: int, share: float) -> int:
    """How many of the last segments are held out of the gradient (the loss monitor)."""
    return max(1, int(round(segments * share)))


def _tilted(x: np.ndarray, tilt_db: float) -> np.ndarray:
    """``x`` with a first-order shelf: everything above ``TILT_HZ`` raised (or lowered) by ``tilt_db``."""
    from scipy.signal import butter, lfilter

    b, a = butter(1, TILT_HZ / (RATE_HZ / 2), btype="highpass")
    return (x + (10 ** (tilt_db / 20) - 1) * lfilter(b, a, x)).astype(np.float32)


def background_files(root: Path, config: dict) -> list[Path]:
    files = [Path(p) for spec in config["backgrounds"] for p in sorted(glob.glob(str(root / spec)))]
    esc = config.get("esc50")
    if esc:
        with open(root / "esc50_16k" / "metadata.csv", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        folds = {str(k) for k in esc["folds"]}
        if "5" in folds:
            raise UserInputError("ESC-50 fold 5 is the held-out test of every model here: not for training")
        files += [root / r["path"] for r in rows if r["split"] in folds and r["label"] not in set(esc["exclude"])]
    return files


def _coloured_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """White, pink or brown noise (power falling as f^0, f^-1, f^-2)."""
    exponent = rng.choice([0.0, 1.0, 2.0])
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.maximum(np.fft.rfftfreq(n), 1.0 / n)
    return np.fft.irfft(spec / f ** (exponent / 2), n).astype(np.float32)


def _speech(words: list[np.ndarray], n: int, config: dict, rng: np.random.Generator) -> np.ndarray:
    lo, hi = config["speech"]["words"]
    g_lo, g_hi = config["speech"]["gap_s"]
    out = np.zeros(n, np.float32)
    pos = int(rng.uniform(0.0, 0.5) * RATE_HZ)
    for k in rng.choice(len(words), size=int(rng.integers(lo, hi + 1)), replace=False):
        w = words[k][: n - pos]
        out[pos : pos + w.size] = w
        pos += w.size + int(rng.uniform(g_lo, g_hi) * RATE_HZ)
        if pos >= n:
            break
    return out


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)) + 1e-12)


def make_segment(words, backgrounds, config: dict, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(mixture, clean speech) of one segment."""
    n = int(config["segment_s"] * RATE_HZ)
    speech = _speech(words, n, config, rng)
    if config.get("speech_tilt_db"):  # no spectral shape tells speech from background (amendment 10)
        speech = _tilted(speech, rng.uniform(*config["speech_tilt_db"]))
    if rng.random() < config["synthetic_noise"]:
        bg = _coloured_noise(n, rng)
    else:
        bg = looped_crop(backgrounds[int(rng.integers(len(backgrounds)))], n, rng)
        if rng.random() < config["second_background"]:
            other = looped_crop(backgrounds[int(rng.integers(len(backgrounds)))], n, rng)
            bg = bg + other * (_rms(bg) / _rms(other) * 10 ** (-rng.uniform(0, 6) / 20))
    level = 10 ** (rng.uniform(*config["speech_level_dbfs"]) / 20)
    speech = speech * (level / _rms(speech))
    snr_db = rng.uniform(*config["snr_db"])
    mix = speech + bg * (_rms(speech) / _rms(bg) * 10 ** (-snr_db / 20))
    peak = max(1.0, float(np.max(np.abs(mix))) / 0.99)
    return (mix / peak).astype(np.float32), (speech / peak).astype(np.float32)


def build_segments(root: Path, config: dict, run_dir: Path) -> Path:
    """``run_dir/segments.npz`` with ``config["segments"]`` segments (reused when it exists)."""
    from audioedit.executor.speech.dfn import enhance
    from audioedit.executor.speech.layers import DFN_SPLIT

    out = run_dir / SEGMENTS_FILE
    if out.is_file():
        return out
    held_langs = config["speech"].get("heldout_languages", [])
    words = [_mono16k(p) for p in speech_files(root, [x for x in config["speech"]["languages"] if x not in held_langs])]
    held_words = [_mono16k(p) for p in speech_files(root, held_langs)] or words  # unseen speech for the monitor
    bg_files = background_files(root, config)
    if len(words) < 20 or not bg_files:
        raise UserInputError(f"the dev corpus at {str(root)!r} lacks the refiner's speech or backgrounds")
    backgrounds = [x for x in (_mono16k(p) for p in bg_files) if _rms(x) > 1e-5]
    rng = np.random.default_rng(config["seed"])
    mixes, speeches, dfns = [], [], []
    first_held = config["segments"] - heldout_count(config["segments"], config["train"]["heldout"])
    for k in range(config["segments"]):
        mix, speech = make_segment(held_words if k >= first_held else words, backgrounds, config, rng)
        dfn = enhance(Audio(mix, RATE_HZ), atten_lim_db=DFN_SPLIT.atten_lim_db, warmup_s=DFN_SPLIT.warmup_s,
                      post_filter_beta=DFN_SPLIT.post_filter_beta).samples[0]
        mixes.append(mix), speeches.append(speech), dfns.append(dfn)
    run_dir.mkdir(parents=True, exist_ok=True)
    tmp = run_dir / (SEGMENTS_FILE + ".tmp.npz")
    np.savez(tmp, mix=np.stack(mixes).astype(np.float16), speech=np.stack(speeches).astype(np.float16),
             dfn=np.stack(dfns).astype(np.float16))
    tmp.replace(out)
    (run_dir / "segments.json").write_text(json.dumps(
        {"segments": len(mixes), "speech_files": len(words), "heldout_speech_files": len(held_words) if held_langs else 0,
         "background_files": len(bg_files)}), encoding="utf-8")
    return out
