"""Tests of CLAP grounding (events from similarity curves, calibration, synthetic scenes) and of the
CLAP step checks, on the debug model."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from audioedit.audio import Audio
from tests.test_clap import _tone


def test_curve_to_events_thresholds_merges_and_drops_short():
    from audioedit.clap.grounding import GroundingConfig, curve_to_events

    cfg = GroundingConfig(threshold=1.0, hop_s=0.25, smooth_windows=1, min_duration_s=0.4, merge_gap_s=0.3)
    centres = 0.5 + 0.25 * np.arange(20)
    scores = np.zeros(20)
    scores[4:8] = 2.0  # 1.5-2.5 s
    scores[9] = 2.0  # 0.25 s gap: merged into the first event
    scores[15] = 3.0  # a lone 0.25 s window: too short
    events = curve_to_events(scores, centres, "dog bark", cfg, duration_s=6.0)
    assert [(e.onset_s, e.offset_s) for e in events] == [(1.375, 2.875)]
    assert events[0].source == "detected" and 0.5 < events[0].confidence < 1


def test_event_f1_matches_onsets_within_tolerance():
    from audioedit.clap.grounding import event_f1, f1_from_counts
    from audioedit.scene import Event

    ref = [Event(id="a", label="siren", onset_s=2.0, offset_s=4.0), Event(id="b", label="horn", onset_s=5.0, offset_s=5.5)]
    est = [Event(id="x", label="siren", onset_s=2.4, offset_s=3.0), Event(id="y", label="siren", onset_s=5.0, offset_s=6.0)]
    assert event_f1(ref, est) == (1, 2, 2)
    assert f1_from_counts(1, 2, 2) == 0.5


def test_ground_runs_on_the_debug_model(debug_model):
    from audioedit.clap.grounding import GroundingConfig, ground

    audio = Audio(np.concatenate([np.zeros(16_000, np.float32), _tone(440, 2.0).samples[0]])[None], 16_000)
    events = ground(debug_model, audio, ["a tone", "a dog barks"], GroundingConfig(threshold=-10.0))
    assert events and all(0 <= e.onset_s < e.offset_s <= audio.duration_s + 1e-6 for e in events)
    assert {e.label for e in events} == {"a tone", "a dog barks"}  # threshold below every score


def test_grounding_calibration_searches_the_grid_and_the_model_keeps_its_settings(debug_model, monkeypatch):
    from audioedit.clap import grounding_eval
    from audioedit.clap.grounding import GroundingConfig, ground
    from audioedit.scene import Event

    audio = Audio(np.concatenate([_tone(440, 2.0).samples[0], np.zeros(32_000, np.float32)])[None], 16_000)
    scenes = [(audio, [Event(id="r", label="a tone", onset_s=0.0, offset_s=2.0)], ["a tone"])]
    # a threshold below every score detects one event from 0 s; above every score, none; events
    # shorter than 4.5 s are dropped: only (-50, 0.25) finds the reference
    grid = {"threshold": (50.0, -50.0), "min_duration_s": (4.5, 0.25)}
    cfg, f1 = grounding_eval.calibrate(debug_model, scenes, GroundingConfig(merge_gap_s=10.0), grid=grid)
    assert (cfg.threshold, cfg.min_duration_s, f1) == (-50.0, 0.25, 1.0)
    # window lengths are searched too, each embedded once; on a tie the shorter window is kept
    embedded = []
    real_scored = grounding_eval._scored
    monkeypatch.setattr(grounding_eval, "_scored",
                        lambda model, sc, base: embedded.append(base.window_s) or real_scored(model, sc, base))
    cfg, f1 = grounding_eval.calibrate(debug_model, scenes, GroundingConfig(merge_gap_s=10.0),
                                       grid={**grid, "window_s": (0.5, 2.0)})
    assert embedded == [0.5, 2.0] and (cfg.window_s, cfg.threshold, f1) == (0.5, -50.0, 1.0)
    # the grounding a model ships with is the default of ground()
    calls = []
    monkeypatch.setattr("audioedit.clap.grounding.curve_to_events",
                        lambda scores, centres, label, cfg, duration_s, id_prefix: calls.append(cfg) or [])
    monkeypatch.setattr(debug_model, "grounding", {"threshold": 2.25, "smooth_windows": 5}, raising=False)
    ground(debug_model, audio, "a tone")
    assert (calls[0].threshold, calls[0].smooth_windows) == (2.25, 5)


def test_synthetic_grounding_scenes_are_mixed_like_scaper(tmp_path):
    from audioedit.clap.data import AudioCache, ClipRecord
    from audioedit.clap.grounding_eval import SceneStyle, loudness_lufs, synthetic_scenes

    sr = 16_000
    rng = np.random.default_rng(0)
    files = {"street_traffic": 0.05 * rng.standard_normal(4 * sr),
             "siren": 0.3 * np.sin(2 * np.pi * 700 * np.arange(2 * sr) / sr),
             "dog_bark": 0.2 * rng.standard_normal(sr // 2)}
    records = []
    for key, x in files.items():
        sf.write(tmp_path / f"{key}.wav", x.astype(np.float32), sr)
        records.append(ClipRecord(str(tmp_path / f"{key}.wav"), key, key, "test", "heldout", "file"))
    records.append(ClipRecord(str(tmp_path / "siren.wav"), "siren", "s", "test", "train", "file"))
    style = SceneStyle(snr_db_range=(10.0, 10.0), background_only_prob=0.3, max_events=1)
    scenes = synthetic_scenes(records, AudioCache(sr), 40, seed=1, style=style)
    counts = {len(events) for _, events, _ in scenes}
    assert counts == {0, 1}  # background-only scenes and one-event scenes
    assert any(events and events[0].label == "siren" for _, events, _ in scenes)
    for audio, events, queries in scenes:
        assert audio.duration_s == pytest.approx(10.0) and float(np.max(np.abs(audio.samples))) <= 0.99
        assert len(queries) == len(events) + 1 and queries[-1] not in {e.label for e in events}
        if events and events[0].label == "siren":  # a whole clip at 10 dB over the -30 LUFS bed
            e = events[0]
            assert e.offset_s - e.onset_s == pytest.approx(2.0)
            span = audio.samples[0, int(e.onset_s * sr) : int(e.offset_s * sr)]
            assert loudness_lufs(span, sr) == pytest.approx(-20.0, abs=1.0)


def test_clap_step_checks_and_threshold_calibration(debug_model):
    from audioedit.clap.checks import ClapCheckConfig, calibrate_thresholds, clap_step_checks

    before = Audio(np.concatenate([_tone(440, 2.0).samples[0], np.zeros(16_000, np.float32)])[None], 16_000)
    after = Audio(np.zeros((1, 48_000), np.float32), 16_000)
    checks = clap_step_checks(debug_model, before, after, "replace", (0.0, 2.0), "a tone", "a dog barks",
                              ClapCheckConfig(min_drop=-100, min_rise=100))
    assert [c.name for c in checks] == ["clap_target_drop", "clap_added_rise"]
    assert checks[0].passed and not checks[1].passed
    assert clap_step_checks(debug_model, before, after, "speed", (0.0, 2.0), "a tone") == []
    # the other sounds in the span: their smallest presence change, against min_kept
    from audioedit.clap.checks import clap_presence

    kept = ["a dog barks", "rain"]
    change = (clap_presence(debug_model, after, kept, (0.0, 2.0)) - clap_presence(debug_model, before, kept, (0.0, 2.0)))
    for min_kept, passed in ((-100.0, True), (100.0, False)):
        got = clap_step_checks(debug_model, before, after, "remove", (0.0, 2.0), "a tone", kept_labels=kept,
                               cfg=ClapCheckConfig(min_kept=min_kept))
        assert [c.name for c in got] == ["clap_target_drop", "clap_others_kept"]
        assert got[1].measured == pytest.approx(float(change.min()), abs=1e-3) and got[1].passed is passed
    threshold, bacc = calibrate_thresholds([2.0, 3.0, 1.5], [0.1, -0.5, 1.0])
    assert 1.0 < threshold < 1.5 and bacc == 1.0
