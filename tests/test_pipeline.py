"""End to end: analyze -> plan -> execute -> verify -> write, on real Scaper soundscapes."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

import audioedit
from audioedit.audio import load_audio
from audioedit.errors import UserInputError
from audioedit.scene import load_scene, save_scene
from audioedit.evals.fixtures import street_scene
from tests.scaper_util import scaper_soundscape

REQUEST = "remove the siren and make the car horn 6 dB louder"
EVENTS = [("siren", 1.0, 3.0, 6), ("car_horn", 6.0, 1.0, 6), ("dog_bark", 8.5, 0.6, 3)]


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_stems_edit_equals_stem_level_reference(tmp_path):
    wav, jams_path, stems = scaper_soundscape(tmp_path, EVENTS)
    before = {p: _sha(p) for p in [wav, jams_path, *stems.iterdir()]}
    out = tmp_path / "out" / "edited.wav"
    outcome = audioedit.edit(wav, REQUEST, out, annotation=jams_path, stems=stems)
    assert outcome.status == "ok", outcome.report.messages
    assert [s.backend for s in outcome.report.steps] == ["dsp.stems", "dsp.stems"]

    scene = load_scene(wav, annotation=jams_path, stems_dir=stems)
    siren, horn = scene.stems["foreground0_siren"].samples, scene.stems["foreground1_car_horn"].samples
    reference = scene.audio.samples - siren + (10 ** (6 / 20) - 1) * horn
    result = load_audio(out).samples
    rms_error = float(np.sqrt(np.mean((result - reference) ** 2)))
    assert rms_error < 1e-4
    assert {p: _sha(p) for p in before} == before  # inputs untouched
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["status"] == "ok" and len(report["plan"]["steps"]) == 2
    assert "siren" not in {e["label"] for e in report["scene_after"]["events"]}
    assert out.with_suffix(".jams").is_file()


def test_mixture_only_edit_is_exact_outside_the_spans(tmp_path):
    wav, jams_path, _ = scaper_soundscape(tmp_path, EVENTS)
    out = tmp_path / "edited.wav"
    outcome = audioedit.edit(wav, REQUEST, out, annotation=jams_path)
    assert outcome.status == "ok", outcome.report.messages
    assert [s.backend for s in outcome.report.steps] == ["dsp.mixture", "dsp.mixture"]
    src, res = load_audio(wav), load_audio(out)
    horn_gain_db = res.slice_s(6.0, 7.0).rms_db() - src.slice_s(6.0, 7.0).rms_db()
    assert horn_gain_db == pytest.approx(6.0, abs=1.0)
    siren_drop_db = src.slice_s(1.0, 4.0).rms_db() - res.slice_s(1.0, 4.0).rms_db()
    assert siren_drop_db > 3.0
    keep = np.ones(src.num_frames, bool)
    for step in outcome.report.steps:
        for start_s, end_s in step.attempts[-1].edited_spans_s:
            keep[src.frame(start_s) : src.frame(end_s)] = False
    assert keep.mean() > 0.4
    assert np.array_equal(src.samples[:, keep], res.samples[:, keep])


def test_overlapping_events_without_stems_fail_honestly(tmp_path, dev_data):
    folder = dev_data / "scaper" / "regression"
    out = tmp_path / "o.wav"
    outcome = audioedit.edit(folder / "soundscape_20200501_22050.wav", "make the car horn 6 dB louder", out,
                             annotation=folder / "soundscape_20200501_22050.jams", executor="dsp")
    assert outcome.status == "failed"
    assert "overlap" in outcome.report.steps[0].attempts[-1].error
    assert not out.exists() and out.with_suffix(".json").exists()


def test_three_step_request_with_add(tmp_path):
    scene = street_scene(sample_rate_hz=22050, num_channels=2)
    wav, jams_path, stems = save_scene(scene, tmp_path / "in.wav")
    outcome = audioedit.edit(wav, "drop the siren, make the dog quieter and add a bird at 8.5 s", tmp_path / "o.wav",
                             annotation=jams_path, stems=stems)
    assert outcome.status == "ok", outcome.report.messages
    assert [s.op for s in outcome.report.steps] == ["remove", "loudness", "add"]
    labels = [e.label for e in outcome.scene.events]
    assert "siren" not in labels and "bird" in labels
    assert outcome.audio.num_channels == 2 and outcome.audio.sample_rate_hz == 22050


def test_unresolvable_requests(tmp_path):
    wav, jams_path, _ = save_scene(street_scene(), tmp_path / "in.wav")
    with pytest.raises(UserInputError, match="nothing in the request"):
        audioedit.edit(wav, "make it pop", tmp_path / "o.wav", annotation=jams_path)
    with pytest.raises(UserInputError):
        audioedit.edit(wav, "   ", tmp_path / "o.wav", annotation=jams_path)
    with pytest.raises(UserInputError, match="input file"):
        audioedit.edit(wav, "remove the siren", wav, annotation=jams_path)
    outcome = audioedit.edit(wav, "remove the siren and remove the trumpet", tmp_path / "o.wav", annotation=jams_path)
    assert outcome.status == "partial"
    assert any("trumpet" in m for m in outcome.report.messages)


def test_plan_only():
    plan = audioedit.plan(street_scene(), "make the car horn a bit quieter")
    assert plan.steps[0].op == "loudness" and plan.steps[0].gain_db == -3
    assert plan.steps[0].target.event_ids == ["foreground1_car_horn"]


def test_detection_without_annotation(tmp_path):
    from audioedit.agents.detect import ground_request
    from audioedit.clap import default_clap
    from audioedit.demo import compose_street_scene

    if default_clap() is None:
        pytest.skip("no shipped small CLAP")
    wav, _, _ = compose_street_scene(tmp_path, seed=0)  # siren 1-5 s, car horn 6-6.8 s, footsteps 7.5-9.5 s
    scene = ground_request(load_scene(wav), "remove the siren and quieten the footsteps")
    assert scene.events_from == "detected"
    siren = [e for e in scene.events if e.label == "siren"]
    assert siren and all(e.onset_s < 5.0 and e.offset_s > 1.0 for e in siren)
    outcome = audioedit.edit(wav, "remove the siren", tmp_path / "o.wav")
    assert outcome.report.steps[0].op == "remove"
    assert any("detected with CLAP" in m for m in outcome.report.messages)
