"""Make real Scaper soundscapes (JAMS + isolated stems) from a tiny generated bank."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import soundfile as sf

from audioedit.executor.dsp.toy import tone


def tiny_bank(root: Path, sr: int = 22050) -> Path:
    """foreground/{siren,car_horn,dog_bark}/ and background/street/ of generated clips."""
    rng = np.random.default_rng(0)
    for label, dur_s, freq_hz in (("siren", 3.0, 700.0), ("car_horn", 1.0, 420.0), ("dog_bark", 0.6, 600.0)):
        d = root / "foreground" / label
        d.mkdir(parents=True, exist_ok=True)
        sf.write(d / f"{label}.wav", (0.1 * tone(freq_hz, dur_s, sr)).astype(np.float32), sr)
    d = root / "background" / "street"
    d.mkdir(parents=True, exist_ok=True)
    sf.write(d / "street.wav", (0.1 * rng.standard_normal(12 * sr)).astype(np.float32), sr)
    return root


def scaper_soundscape(out_dir: Path, events, sr: int = 22050, seed: int = 0, duration_s: float = 10.0):
    """events: (label, onset_s, duration_s, snr_db). Returns (wav, jams, stems dir)."""
    from audioedit.compat import import_scaper

    scaper = import_scaper()

    bank = tiny_bank(out_dir / "bank", sr)
    sc = scaper.Scaper(duration_s, str(bank / "foreground"), str(bank / "background"), random_state=seed)
    sc.sr = sr
    sc.ref_db = -30
    sc.add_background(label=("const", "street"), source_file=("choose", []), source_time=("const", 0))
    for label, onset_s, dur_s, snr_db in events:
        sc.add_event(label=("const", label), source_file=("choose", []), source_time=("const", 0),
                     event_time=("const", onset_s), event_duration=("const", dur_s), snr=("const", snr_db),
                     pitch_shift=None, time_stretch=None)
    wav, jams_path, stems = out_dir / "sc.wav", out_dir / "sc.jams", out_dir / "sc_events"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc.generate(str(wav), str(jams_path), save_isolated_events=True, disable_instantiation_warnings=True)
    return wav, jams_path, stems
