"""The broad-corpus CLAP pieces: vocabulary table, corpus scan (fold 5 kept out), open-set grounding."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from audioedit.audio import Audio
from audioedit.clap import load_clap
from audioedit.clap.data import AudioCache, ClipRecord

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "data" / "dev"
DEBUG = ROOT / "configs" / "clap" / "debug.yaml"
needs_dev = pytest.mark.skipif(not (DEV / "esc50_16k" / "metadata.csv").is_file(),
                               reason="dev corpus (../shared/data/dev with esc50_16k) not present")


def test_vocabulary_table_is_generated_from_its_script():
    from audioedit.clap.vocabulary_build import main

    assert main(["--check"]) == 0, "vocabulary.json is stale: run python -m audioedit.clap.vocabulary_build"


def test_vocabulary_maps_labels_and_phrases():
    from audioedit.clap.captions import CLASSES, CORE_KEYS
    from audioedit.clap.vocabulary import source_key
    from audioedit.planner.vocab import canonical_label

    assert len(CORE_KEYS) == 30 and len(CLASSES) > 130
    assert source_key("esc50_16k", "dog") == "dog_bark" and source_key("esc50_16k", "cow") == "cow"
    assert source_key("ufoai_foley", "footsteps_gravel") == "footsteps"
    assert source_key("gcompris", "eraser") is None and source_key("index_only_folder", "x") is None
    assert source_key("ktuberling_speech", "apple") == "speech"
    assert canonical_label("remove the cow") == "cow"  # the planner's matching reads the same table
    assert canonical_label("footsteps on gravel") == "footsteps"
    assert canonical_label("a quasar") is None


def test_licences_count_as_permissive_only_when_free():
    from audioedit.clap.broad_data import is_permissive

    for free in ("CC0", "CC-BY-SA-3.0", "GPL-2+", "public-domain", "CC-BY-3.0 and CC0-1.0", "CC BY 4.0"):
        assert is_permissive(free), free
    for not_free in ("CC BY-NC 3.0", "free-art", "MIT", "unclear (Freesound clips)", "Pixabay Content License or CC0",
                     "CC-sampling-plus-1.0"):
        assert not is_permissive(not_free), not_free


@needs_dev
def test_broad_corpus_never_holds_esc50_fold5_or_its_recordings():
    from audioedit.clap.broad_data import fold5_freesound_ids, freesound_id, scan_broad

    banned = fold5_freesound_ids(DEV)
    rows = scan_broad(DEV)
    assert len(banned) > 300 and len(rows) > 3000
    assert not [r for r, _ in rows if freesound_id(r.source, r.path) in banned]
    assert all(lic for _, lic in rows)
    permissive = scan_broad(DEV, permissive=True)
    assert permissive and not [r for r, _ in permissive if r.source in {"esc50_16k", "kitchen20", "moodist_ambience"}]


def test_active_part_trims_silence_and_presence_fit_orders_scores():
    from audioedit.clap.open_set import active_part, fit_presence

    sr = 16_000
    x = np.zeros(sr * 3, np.float32)
    x[sr : 2 * sr] = 0.5 * np.sin(np.arange(sr) * 0.1)
    trimmed = active_part(x, sr)
    assert abs(len(trimmed) - sr) <= int(0.05 * sr)
    rng = np.random.default_rng(0)
    peaks = np.concatenate([rng.normal(4, 1, 200), rng.normal(0, 1, 200)])
    presence = fit_presence(peaks, np.r_[np.ones(200), np.zeros(200)])
    assert presence.probability(5.0) > 0.9 > 0.1 > presence.probability(-1.0)


def _records(tmp_path: Path, sr: int) -> tuple[list[ClipRecord], list[ClipRecord]]:
    import soundfile as sf

    rng = np.random.default_rng(0)
    fg = []
    for k, freq in (("dog_bark", 500.0), ("siren", 1200.0), ("cow", 200.0)):
        for i in range(2):
            x = np.zeros(2 * sr, np.float32)
            x[sr // 2 : sr + sr // 2] = 0.4 * np.sin(2 * np.pi * freq * np.arange(sr) / sr)
            path = tmp_path / f"{k}_{i}.wav"
            sf.write(path, x, sr)
            fg.append(ClipRecord(str(path), k, f"g{k}{i}", "test", "heldout", "file"))
    bed_path = tmp_path / "bed.wav"
    sf.write(bed_path, (0.05 * rng.standard_normal(12 * sr)).astype(np.float32), sr)
    return fg, [ClipRecord(str(bed_path), "rain", "bed", "moodist_ambience", "heldout", "time", 2.0, None)]


def test_open_set_scenes_query_present_or_absent_sounds_and_detect_reports_confidence(tmp_path):
    from audioedit.clap.open_set import calibrate_open_set, detect, open_set_scenes

    model = load_clap(DEBUG)
    fg, beds = _records(tmp_path, model.sample_rate_hz)
    scenes = open_set_scenes(fg, beds, AudioCache(model.sample_rate_hz), n=12, seed=0, duration_s=4.0, absent_prob=0.5)
    assert {s.present for s in scenes} == {True, False}
    for s in scenes:
        assert s.audio.duration_s == pytest.approx(4.0)
        assert bool(s.events) == s.present  # the reference events are the query's only
    grid = {"window_s": (1.0,), "threshold": (1.0, 3.0), "smooth_windows": (1,), "min_duration_s": (0.25,),
            "merge_gap_s": (0.5,)}
    cfg, presence, counts = calibrate_open_set(model, scenes, ["dog bark", "siren", "cow", "rain"], grid)
    assert counts.n_absent == sum(not s.present for s in scenes)
    found = detect(model, scenes[0].audio, "a cow mooing", cfg, presence)
    assert 0.0 <= found.confidence <= 1.0 and found.present == bool(found.events)


def test_detect_says_not_found_when_nothing_scores_above_threshold():
    from audioedit.clap.grounding import GroundingConfig
    from audioedit.clap.open_set import detect

    model = load_clap(DEBUG)
    quiet = Audio(np.zeros((1, 3 * model.sample_rate_hz), np.float32), model.sample_rate_hz)
    found = detect(model, quiet, "a helicopter", GroundingConfig(threshold=1e6))
    assert not found.present and found.events == []
