"""The ``speech`` suite's items: clean dev-corpus speech over dev-corpus backgrounds at given SNRs.

Splits are fixed by source (reports/speech/README.md): ``dev`` for tuning, ``test`` for reporting.
Everything is mono 16 kHz, at most ``MAX_ITEM_S`` long. ``mixtures(root, split)`` yields
``SpeechMix`` (the mixture, the clean speech and the scaled background) for every item and SNR.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audioedit.audio import Audio, load_audio, looped_crop
from audioedit.errors import UserInputError

RATE_HZ = 16000
MAX_ITEM_S = 8.0
SNRS_DB = (0.0, 5.0, 10.0)
BACKGROUNDS_PER_SPEECH = 4
WORD_GAP_S = 0.3
SPLITS = {
    "dev": {
        "speech": ["misc_small_real/pyroomacoustics_cmu_arctic/*.wav", "ktuberling:en:0", "ktuberling:en:1"],
        "background": [f"kitchen20/{c}/*" for c in ("blender", "chopping", "clean_dishes", "frying_pan", "water_flowing", "sweep")]
                      + ["moodist_ambience/light_rain/*", "moodist_ambience/howling_wind/*"],
    },
    "test": {
        "speech": ["librosa_data/198-209-0000.hq.ogg", "librosa_data/3436-172162-0000.hq.ogg",
                   "librosa_data/5703-47212-0000.hq.ogg", "misc_small_real/audiomentations/speech_p286_011.wav",
                   "ktuberling:de:0", "ktuberling:de:1"],
        "background": ["speechcommands_bg/doing_the_dishes.wav", "speechcommands_bg/running_tap.wav",
                       "speechcommands_bg/exercise_bike.wav"]
                      + [f"moodist_ambience/{c}/*" for c in ("inside_a_train", "typewriter", "washing_machine", "river", "road")],
    },
}


@dataclass(frozen=True)
class SpeechMix:
    id: str
    split: str
    speech_name: str
    background_name: str
    snr_db: float
    mixture: Audio
    speech: Audio
    background: Audio


def _mono16k(path: Path) -> Audio:
    return load_audio(path).to_mono().resample(RATE_HZ)


def _expand(root: Path, spec: str) -> list[tuple[str, Audio]]:
    if spec.startswith("ktuberling:"):
        _, lang, k = spec.split(":")
        words = sorted((root / "ktuberling_speech" / lang).glob("*.ogg"))[int(k) * 5 : int(k) * 5 + 5]
        if not words:
            return []
        gap = np.zeros(int(WORD_GAP_S * RATE_HZ), np.float32)
        parts = [np.concatenate([_mono16k(w).samples[0], gap]) for w in words]
        return [(f"ktuberling-{lang}-{k}", Audio(np.concatenate([gap, *parts]), RATE_HZ))]
    paths = sorted(root.glob(spec)) if "*" in spec else [root / spec]
    return [(p.name.split(".")[0], _mono16k(p)) for p in paths if p.is_file()]


def clips(root: Path, split: str, kind: str) -> list[tuple[str, Audio]]:
    """(name, mono 16 kHz audio) of the split's ``speech`` or ``background`` clips (first file per glob for backgrounds)."""
    out = []
    for spec in SPLITS[split][kind]:
        found = _expand(root, spec)
        out += found if kind == "speech" else found[:1]
    return out


def mixtures(root: str | Path, split: str, snrs_db=SNRS_DB, limit: int | None = None) -> Iterator[SpeechMix]:
    """Every (speech, background, SNR) item of ``split``; ``limit``: at most this many speech clips."""
    root = Path(root)
    if split not in SPLITS:
        raise UserInputError(f"unknown speech split {split!r}; accepted: {', '.join(SPLITS)}")
    speech, backgrounds = clips(root, split, "speech"), clips(root, split, "background")
    if not speech or not backgrounds:
        raise UserInputError(f"the dev corpus at {str(root)!r} has none of the {split!r} split's speech or backgrounds")
    rng = np.random.default_rng(0)
    for s_name, s_audio in speech[:limit]:
        s = s_audio.samples[0][: int(MAX_ITEM_S * RATE_HZ)]
        chosen = rng.choice(len(backgrounds), size=min(BACKGROUNDS_PER_SPEECH, len(backgrounds)), replace=False)
        for b in sorted(int(i) for i in chosen):
            b_name, b_audio = backgrounds[b]
            noise = looped_crop(b_audio.samples[0], s.size, rng)
            for snr in snrs_db:
                gain = np.sqrt(np.sum(s.astype(np.float64) ** 2) / max(np.sum(noise.astype(np.float64) ** 2), 1e-12) / 10 ** (snr / 10))
                bg = (noise * gain).astype(np.float32)
                mix = s + bg
                peak = max(1.0, float(np.max(np.abs(mix))) / 0.99)
                yield SpeechMix(id=f"{split}/{s_name}+{b_name}@{snr:g}dB", split=split, speech_name=s_name,
                                background_name=b_name, snr_db=snr, mixture=Audio(mix / peak, RATE_HZ),
                                speech=Audio(s / peak, RATE_HZ), background=Audio(bg / peak, RATE_HZ))
