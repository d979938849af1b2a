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
