"""``audioedit demo``: compose a street scene from the starter bank with Scaper, run a 3-step
declarative request on it, and write before/after audio, the report and a spectrogram PNG."""

from __future__ import annotations

import warnings
from pathlib import Path

from pydantic import BaseModel

DEMO_REQUEST = "make this street recording calmer: drop the siren, bring the traffic down a bit and add birds near the end"
DEMO_DURATION_S = 10.0
DEMO_SAMPLE_RATE_HZ = 22050


class DemoResult(BaseModel):
    before: Path
    annotation: Path
    stems: Path
    after: Path
    report: Path
    spectrogram: Path
    status: str


def compose_street_scene(out_dir: Path, seed: int = 0) -> tuple[Path, Path, Path]:
    """A 10 s Scaper soundscape: traffic background, a siren, a car horn and footsteps.

    Returns (mixture wav, JAMS, stems folder). Deterministic per ``seed``.
    """
    from audioedit.compat import import_scaper

    scaper = import_scaper()

    from audioedit.bank import starter_bank

    bank = starter_bank()
    root = Path(bank.root)
    sc = scaper.Scaper(DEMO_DURATION_S, str(root / "foreground"), str(root / "background"), random_state=seed)
    sc.sr = DEMO_SAMPLE_RATE_HZ
    sc.ref_db = -30
    sc.add_background(label=("const", "traffic"), source_file=("choose", []), source_time=("const", 0))
    events = [("siren", 1.0, 4.0, 4), ("car_horn", 6.0, 0.8, 6), ("footsteps", 7.5, 2.0, 0)]
    for label, onset_s, duration_s, snr_db in events:
        sc.add_event(
            label=("const", label),
            source_file=("choose", []),
            source_time=("const", 0),
            event_time=("const", onset_s),
            event_duration=("const", duration_s),
            snr=("const", snr_db),
            pitch_shift=None,
            time_stretch=None,
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    wav, jams_path, stems = out_dir / "before.wav", out_dir / "before.jams", out_dir / "before_events"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc.generate(str(wav), str(jams_path), save_isolated_events=True, isolated_events_path=str(stems),
                    disable_instantiation_warnings=True, fix_clipping=True)
    return wav, jams_path, stems


VOICE_MEMO_REQUEST = "remove the hum, remove the background noise and trim the silence at the start"


def compose_voice_memo(path: Path) -> Path:
    """A plain recording, no annotation: two starter-bank voices after 1.5 s of room tone, over the bank's dishes
    (12 dB below the voice) and a 50 Hz mains hum with two harmonics. Deterministic."""
    import numpy as np

    from audioedit.audio import Audio, load_audio, save_audio
    from audioedit.paths import PACKAGE_DIR

    bank = PACKAGE_DIR / "assets" / "bank"
    speech = bank / "foreground" / "speech"
    voice = np.concatenate([load_audio(speech / f"speech_real_0{k}.flac").to_mono().resample(DEMO_SAMPLE_RATE_HZ).samples[0]
                            for k in (1, 3)])
    sr = DEMO_SAMPLE_RATE_HZ
    voice = np.concatenate([np.zeros(int(1.5 * sr)), voice, np.zeros(sr // 2)])
    dishes = load_audio(bank / "background" / "dishes" / "dishes_real_01.flac").to_mono().resample(sr).samples[0]
    dishes = np.resize(dishes, voice.size)
    dishes *= np.sqrt(np.mean(voice**2) / np.mean(dishes**2)) * 10 ** (-12 / 20)
    t = np.arange(voice.size) / sr
    hum = sum(0.01 / k * np.sin(2 * np.pi * 50 * k * t) for k in (1, 2, 3))
    mix = voice + dishes * np.where(t < 1.5, 0.1, 1.0) + hum  # the room quiet before the talking starts
    return save_audio(Audio((mix / np.max(np.abs(mix)) * 0.7)[None].astype(np.float32), sr), path)


def run_demo(out_dir: str | Path = "demo_out", seed: int = 0, request: str = DEMO_REQUEST) -> DemoResult:
    """Compose the scene, edit it, write everything to ``out_dir``; see the module docstring."""
    from audioedit.agents.pipeline import edit_request
    from audioedit.audio import load_audio
    from audioedit.viz import before_after_png

    out_dir = Path(out_dir)
    wav, jams_path, stems = compose_street_scene(out_dir, seed)
    after = out_dir / "after.wav"
    outcome = edit_request(wav, request, output=after, annotation=jams_path, stems=stems, seed=seed)
    spans = [
        (start_s, end_s, step.step_id)
        for step in outcome.report.steps
        if step.status == "ok"
        for start_s, end_s in step.attempts[-1].edited_spans_s
    ]
    png = before_after_png(load_audio(wav), outcome.audio, out_dir / "before_after.png", spans, title=request)
    return DemoResult(
        before=wav, annotation=jams_path, stems=stems, after=after, report=after.with_suffix(".json"),
        spectrogram=png, status=outcome.status,
    )
