"""Voice-detector files annotated by construction (reports/speech/README.md, amendment 4).

Single utterances of the dev corpus are trimmed to their own speech by energy and placed at known
times with gaps of at least ``MIN_GAP_S``; the annotation is the placement. Each file is rendered
clean and over a speech-free background bed at ``SNRS_DB``.

    >>> for f in placed_files(root, "dev"):           # PlacedFile(id, condition, audio, segments)
    ...     ...

``place`` and ``trim`` work on any list of clips, so the construction can be checked on other audio.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audioedit.audio import Audio, load_audio

RATE_HZ = 16000
FRAME_S = 0.01
HIGHPASS_HZ = 100.0  # below any voice's energy; some clips carry microphone rumble before the word
SMOOTH_FRAMES = 5
TRIM_BELOW_PEAK_DB = 25.0
FLOOR_MARGIN_DB = 6.0
MIN_BELOW_PEAK_DB = 15.0
MAX_PAUSE_S = 0.3  # a clip with an inner energy pause this long is not one utterance (the scorer's merge gap)
FADE_S = 0.01
ACTIVE_RMS_DBFS = -26.0
PER_FILE = 8
MIN_GAP_S, MAX_GAP_S = 1.0, 2.5
EDGE_S = 1.0
SNRS_DB = (10.0, 5.0, 0.0)
CONDITIONS = ("clean",) + tuple(f"{s:g}dB" for s in SNRS_DB)

_KT = sorted(["da", "de", "el", "en", "es", "fi", "ga", "gl", "it", "nds", "nl", "pt", "ro", "ru", "sl", "sr", "sv", "wa"])
SPLITS = {
    "dev": {
        "speech": [f"ktuberling_speech/{lang}/*.ogg" for lang in _KT[0::2]]
                  + ["misc_small_real/pyroomacoustics_cmu_arctic/cmu_arctic_us_aew_*.wav"],
        "background": [f"kitchen20/{c}/*.ogg" for c in ("blender", "chopping", "clean_dishes", "frying_pan",
                                                          "water_flowing", "sweep")]
                      + [f"moodist_ambience/{c}/*.ogg" for c in ("light_rain", "howling_wind", "rain_on_umbrella",
                                                                  "waterfall", "keyboard", "laundry_room", "campfire",
                                                                  "bubbles")],
    },
    "test": {
        "speech": [f"ktuberling_speech/{lang}/*.ogg" for lang in _KT[1::2]]
                  + ["misc_small_real/pyroomacoustics_cmu_arctic/cmu_arctic_us_axb_*.wav",
                     "misc_small_real/audiomentations/speech_p286_011.wav",
                     "scaper/audio/foreground/human_voice/*.wav"],
        "background": [f"speechcommands_bg/{c}.wav" for c in ("doing_the_dishes", "running_tap", "exercise_bike")]
                      + [f"kitchen20/{c}/*.ogg" for c in ("boiling_water", "cutlery", "dishwasher", "drawer", "cupboard")]
                      + [f"moodist_ambience/{c}/*.ogg" for c in ("inside_a_train", "typewriter", "washing_machine",
                                                                  "river", "road", "rain_on_leaves", "wind_in_trees",
                                                                  "train", "windshield_wipers", "paper",
                                                                  "walk_on_gravel")],
    },
}


@dataclass(frozen=True)
class PlacedFile:
    id: str
    condition: str
    audio: Audio
    segments: tuple[tuple[float, float], ...]


def _frames_db(x: np.ndarray) -> np.ndarray:
    hop = int(FRAME_S * RATE_HZ)
    n = x.size // hop
    return 10 * np.log10(np.mean(x[: n * hop].astype(np.float64).reshape(n, hop) ** 2, axis=1) + 1e-12)


def trim(x: np.ndarray) -> tuple[np.ndarray, bool] | None:
    """(the clip's speech span, normalised and faded; whether it is one utterance), or None if silent.

    The span: frames whose energy, smoothed over ``SMOOTH_FRAMES``, exceeds
    ``max(peak - TRIM_BELOW_PEAK_DB, min(floor + FLOOR_MARGIN_DB, peak - MIN_BELOW_PEAK_DB))`` with
    floor = the 10th-percentile smoothed frame (the clip's own room tone and breaths stay outside),
    on the clip high-passed at ``HIGHPASS_HZ`` (zero phase), which is also what is placed."""
    from scipy.signal import butter, sosfiltfilt

    x = sosfiltfilt(butter(4, HIGHPASS_HZ, "highpass", fs=RATE_HZ, output="sos"), x.astype(np.float64))
    raw = _frames_db(x)
    if raw.size == 0 or raw.max() < -80:
        return None
    db = 10 * np.log10(np.convolve(10 ** (raw / 10), np.ones(SMOOTH_FRAMES) / SMOOTH_FRAMES, "same") + 1e-12)
    peak = db.max()
    thr = max(peak - TRIM_BELOW_PEAK_DB, min(np.percentile(db, 10) + FLOOR_MARGIN_DB, peak - MIN_BELOW_PEAK_DB))
    active = np.flatnonzero(db > thr)
    hop = int(FRAME_S * RATE_HZ)
    single = bool(np.all(np.diff(active) * FRAME_S < MAX_PAUSE_S + FRAME_S))
    span = x[active[0] * hop : (active[-1] + 1) * hop].astype(np.float64)
    rms = np.sqrt(np.mean(span[np.repeat(db[active[0] : active[-1] + 1] > thr, hop)] ** 2))
    span = span * (10 ** (ACTIVE_RMS_DBFS / 20) / max(rms, 1e-9))
    k = min(int(FADE_S * RATE_HZ), span.size // 2)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, k))
    span[:k] *= ramp
    span[span.size - k :] *= ramp[::-1]
    return span.astype(np.float32), single


def place(utterances: list[np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The utterances one after the other with random gaps; (signal, [(onset_s, offset_s)])."""
    gaps = rng.uniform(MIN_GAP_S, MAX_GAP_S, size=max(len(utterances) - 1, 0))
    parts, segs, t = [np.zeros(int(EDGE_S * RATE_HZ), np.float32)], [], int(EDGE_S * RATE_HZ)
    for k, u in enumerate(utterances):
        segs.append((t / RATE_HZ, (t + u.size) / RATE_HZ))
        parts.append(u)
        t += u.size
        pad = int(gaps[k] * RATE_HZ) if k < len(gaps) else int(EDGE_S * RATE_HZ)
        parts.append(np.zeros(pad, np.float32))
        t += pad
    return np.concatenate(parts), segs


def mix_over(signal: np.ndarray, segs: list[tuple[float, float]], bed: np.ndarray, snr_db: float,
             rng: np.random.Generator) -> np.ndarray:
    """``signal`` over a random stretch of ``bed`` with active-speech RMS / bed RMS = ``snr_db``."""
    mask = np.zeros(signal.size, bool)
    for a, b in segs:
        mask[int(a * RATE_HZ) : int(b * RATE_HZ)] = True
    if bed.size < signal.size:
        bed = np.tile(bed, -(-signal.size // bed.size))
    start = int(rng.integers(0, bed.size - signal.size + 1))
    noise = bed[start : start + signal.size].astype(np.float64)
    speech_rms = np.sqrt(np.mean(signal[mask].astype(np.float64) ** 2))
    noise = noise * speech_rms / max(np.sqrt(np.mean(noise**2)), 1e-12) / 10 ** (snr_db / 20)
    out = signal + noise
    return (out / max(1.0, float(np.max(np.abs(out))) / 0.99)).astype(np.float32)


def _mono16k(path: Path) -> np.ndarray:
    return load_audio(path).to_mono().resample(RATE_HZ).samples[0]


def utterances(root: Path, split: str) -> tuple[list[tuple[str, np.ndarray]], int]:
    """(name, trimmed utterance) of the split's single-utterance clips, and how many clips were left out."""
    out, left_out = [], 0
    for spec in SPLITS[split]["speech"]:
        for p in sorted(root.glob(spec)):
            t = trim(_mono16k(p))
            if t is None or not t[1]:
                left_out += 1
                continue
            out.append((str(p.relative_to(root)), t[0]))
    return out, left_out


def beds(root: Path, split: str) -> list[tuple[str, np.ndarray]]:
    """(name, bed) per background entry; a kitchen20 category's clips are joined into one bed."""
    out = []
    for spec in SPLITS[split]["background"]:
        paths = sorted(root.glob(spec))
        if paths:
            out.append((spec.split("/")[1].split(".")[0], np.concatenate([_mono16k(p) for p in paths])))
    return out


def placed_files(root: str | Path, split: str, limit: int | None = None) -> Iterator[PlacedFile]:
    """Every file of ``split`` in every condition (clean, then each SNR); ``limit``: at most this many files."""
    root = Path(root)
    utts, _ = utterances(root, split)
    bed_list = beds(root, split)
    if not utts or not bed_list:
        return
    rng = np.random.default_rng(0)
    order = rng.permutation(len(utts))
    n_files = -(-len(utts) // PER_FILE)
    for f in range(n_files if limit is None else min(limit, n_files)):
        chosen = [utts[int(i)][1] for i in order[f * PER_FILE : (f + 1) * PER_FILE]]
        signal, segs = place(chosen, rng)
        bed_name, bed = bed_list[f % len(bed_list)]
        fid = f"{split}/file{f:03d}"
        yield PlacedFile(fid, "clean", Audio(signal, RATE_HZ), tuple(segs))
        for snr in SNRS_DB:
            yield PlacedFile(f"{fid}+{bed_name}", f"{snr:g}dB", Audio(mix_over(signal, segs, bed, snr, rng), RATE_HZ),
                             tuple(segs))
