"""Tests of the paired-data synthesis pipeline (synth/): banks, Scaper scenes, the six ops'
pairs, declarative examples, manifests, determinism, bad input, atomicity, pool and Ray runs."""

from __future__ import annotations

import filecmp
import json
import os
from pathlib import Path

import numpy as np
import pytest

from audioedit.audio import load_audio
from audioedit.errors import UserInputError
from audioedit.scene import load_scene, read_annotation
from audioedit.steps import EditStepAdapter, Plan, select_events
from audioedit.executor.dsp import execute_dsp
from audioedit.synth.banks import SynthBank, dev_corpus_bank, open_bank
from audioedit.synth.declarative import RECIPES, make_declarative, run_plan_steps
from audioedit.audio import Audio, save_audio
from audioedit.synth.manifest import example_seed, read_manifest
from audioedit.synth.pairs import SUBTYPES, PairOptions, make_pair
from audioedit.synth.run import synth_benchmark, synth_pairs
from audioedit.synth.scenes import SceneSpec, make_scene

SR = 16000
FAST = PairOptions(scene=SceneSpec(duration_s=6.0, sample_rate_hz=SR, event_duration_s=(0.4, 1.5)))


def _tone_bank(root: Path, seconds: float = 1.0) -> Path:
    """A tiny Scaper-layout bank of generated tones and noise (16 kHz mono)."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * SR)) / SR
    sounds = {
        ("foreground", "beep"): 0.3 * np.sin(2 * np.pi * 880 * t),
        ("foreground", "chirp"): 0.3 * np.sin(2 * np.pi * (300 + 900 * t / seconds) * t),
        ("foreground", "buzz"): 0.3 * np.sign(np.sin(2 * np.pi * 120 * t)),
        ("background", "hiss"): 0.05 * rng.standard_normal(int(8 * SR)),
    }
    for (role, label), x in sounds.items():
        save_audio(Audio(x.astype(np.float32)[None], SR), root / role / label / f"{label}_01.wav")
    return root


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> SynthBank:
    try:
        return open_bank("starter")
    except (UserInputError, ImportError):
        return SynthBank(_tone_bank(tmp_path_factory.mktemp("tonebank")))


@pytest.fixture(scope="module")
def pairs(bank, tmp_path_factory):
    out = tmp_path_factory.mktemp("pairs")
    records = []
    for k, (op, subtypes) in enumerate(SUBTYPES.items()):
        for j, subtype in enumerate(subtypes):
            opts = FAST.model_copy(update={"overlap_share": 0.5})
            records.append(make_pair(bank, op, 100 + 10 * k + j, out, f"{op}-{subtype}", opts, subtype=subtype))
    return out, records


def _scene(folder: Path, name: str):
    return load_scene(folder / f"{name}.wav", annotation=folder / f"{name}.jams", stems_dir=folder / f"{name}_events")


# --------------------------------------------------------------------------------------------
# pairs: properties


def test_target_is_the_stem_rendering_of_the_step(bank, pairs):
    out, records = pairs
    for rec in records:
        folder = out / rec.name
        source, target = _scene(folder, "source"), _scene(folder, "target")
        step = EditStepAdapter.validate_json((folder / "step.json").read_text())
        again = execute_dsp(source, step, bank=bank, rng=np.random.default_rng(rec.exec_seed), mode="stems")
        assert np.array_equal(again.scene.audio.samples, target.audio.samples), rec.name
        for scene in (source, target):  # reverb off: the mixture is the sum of the stems
            total = sum(s.samples for s in scene.stems.values())
            assert np.max(np.abs(scene.audio.samples - total)) < 1e-5, rec.name
        assert rec.instruction == step.instruction == (folder / "instruction.txt").read_text().strip()
        assert rec.sample_rate_hz == SR and rec.source_duration_s == pytest.approx(6.0)


def test_jams_agree_with_the_step(pairs):
    out, records = pairs
    for rec in records:
        folder = out / rec.name
        source, target = _scene(folder, "source"), _scene(folder, "target")
        assert len(read_annotation(folder / "source.jams")) == len(source.events)
        step = EditStepAdapter.validate_python(rec.steps[0])
        edited, src = set(rec.edited_event_ids), {e.id: e for e in source.events}
        tgt = {e.id: e for e in target.events}
        assert set(rec.event_map) == set(tgt)
        for t_id, s_id in rec.event_map.items():  # the rest is identical, stems included
            if s_id is not None and s_id not in edited:
                a, b = src[s_id], tgt[t_id]
                assert (a.label, a.role) == (b.label, b.role)
                assert a.onset_s == pytest.approx(b.onset_s, abs=1e-3)
                assert a.offset_s == pytest.approx(b.offset_s, abs=1e-3)
                assert np.array_equal(source.stems[s_id].samples, target.stems[t_id].samples), rec.name
        kept = {s: t for t, s in rec.event_map.items() if s is not None}
        new = [tgt[t] for t, s in rec.event_map.items() if s is None]
        if rec.op in ("add", "remove", "replace"):
            assert all(e in edited for e in [s for s in src if s not in kept])  # only edited events vanish
        if rec.op == "add":
            assert not edited and [(e.label, e.role) for e in new] == [(step.sound, step.role)]
        elif rec.op == "remove":
            assert len(edited) == 1 and not (edited & set(kept)) and not new
        elif rec.op == "replace":
            (old,) = edited
            assert old not in kept and [e.label for e in new] == [step.sound]
            assert new[0].onset_s == pytest.approx(src[old].onset_s, abs=0.05)
        elif rec.op == "loudness":
            (ev,) = edited
            gain = 10 ** (step.gain_db / 20)
            np.testing.assert_allclose(target.stems[kept[ev]].samples, source.stems[ev].samples * gain, atol=1e-6)
        elif rec.op == "speed":
            (ev,) = edited
            after = tgt[kept[ev]]
            if after.offset_s < target.audio.duration_s - 0.05:  # not cut at the end of the scene
                assert after.duration_s == pytest.approx(src[ev].duration_s / step.factor, rel=0.05)
        elif rec.op == "reorder":
            order = [tgt[kept[select_events(source.events, ref)[0].id]].onset_s for ref in step.targets]
            assert order == sorted(order) and len(edited) == 2


def test_every_op_and_subtype_is_covered_with_overlap_marked(pairs):
    out, records = pairs
    assert {(r.op, r.subtype) for r in records} == {(op, st) for op, sts in SUBTYPES.items() for st in sts}
    for rec in records:
        source = _scene(out / rec.name, "source")
        fg = [e for e in source.events if e.role == "foreground"]
        edited = [e for e in fg if e.id in rec.edited_event_ids]
        overlapping = any(a.overlaps(b) for a in edited for b in fg if b.id not in rec.edited_event_ids)
        assert rec.overlap or not overlapping, rec.name  # a source overlap is always marked
    assert any(r.overlap for r in records)


# --------------------------------------------------------------------------------------------
# declarative


def test_declarative_examples_render_every_step(bank, tmp_path):
    for k, recipe in enumerate(RECIPES):
        rec = make_declarative(bank, 7 + k, tmp_path, recipe, FAST, recipe=recipe)
        folder = tmp_path / recipe
        plan = Plan.model_validate_json((folder / "plan.json").read_text())
        assert 2 <= len(plan.steps) <= 4 and plan.request == rec.instruction
        assert rec.intermediates == [f"step{i}.wav" for i in range(1, len(plan.steps))]
        results = run_plan_steps(bank, _scene(folder, "source"), plan.steps, rec.exec_seed)
        rendered = rec.intermediates + ["target.wav"]
        for result, name in zip(results, rendered):
            assert np.array_equal(result.scene.audio.samples, load_audio(folder / name).samples), (recipe, name)
        _scene(folder, "target")  # JAMS + stems load back


# --------------------------------------------------------------------------------------------
# datasets: manifest, determinism, resume, workers, Ray


def test_benchmark_regenerates_byte_identically_and_resumes(bank, tmp_path):
    a = synth_benchmark(bank, tmp_path / "a", n_per_op=1, n_declarative=1)
    b = synth_benchmark(bank, tmp_path / "b", n_per_op=1, n_declarative=1)
    assert a.written == b.written == 7 and a.failed == 0
    assert _identical(tmp_path / "a", tmp_path / "b")
    records = read_manifest(tmp_path / "a")
    assert [r["op"] for r in records] == ["add", "remove", "replace", "reorder", "loudness", "speed", "declarative"]
    for r in records:
        assert (tmp_path / "a" / r["source"]).is_file() and (tmp_path / "a" / r["target"]).is_file()
        assert {"instruction", "steps", "seed", "overlap", "sample_rate_hz", "target_duration_s"} <= set(r)
    again = synth_benchmark(bank, tmp_path / "a", n_per_op=1, n_declarative=1)
    assert (again.written, again.skipped) == (0, 7)


def _identical(a: Path, b: Path) -> bool:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return files_a == files_b and all(filecmp.cmp(a / f, b / f, shallow=False) for f in files_a)


def test_seeds_are_per_example(bank, tmp_path):
    assert example_seed(0, 1) != example_seed(0, 2) != example_seed(1, 1)
    make_pair(bank, "loudness", 5, tmp_path / "x", "e", FAST)
    make_pair(bank, "loudness", 6, tmp_path / "y", "e", FAST)
    assert not filecmp.cmp(tmp_path / "x/e/source.wav", tmp_path / "y/e/source.wav", shallow=False)


@pytest.mark.slow
def test_process_pool_gives_the_serial_dataset(bank, tmp_path):
    serial = synth_pairs(bank, ["remove", "speed"], 3, tmp_path / "s", seed=3, duration_s=6.0)
    pooled = synth_pairs(bank, ["remove", "speed"], 3, tmp_path / "p", seed=3, duration_s=6.0, workers=2)
    assert (serial.backend, pooled.backend) == ("serial", "process")
    assert serial.written == pooled.written == 3 and serial.by_op == {"remove": 2, "speed": 1}
    assert _identical(tmp_path / "s", tmp_path / "p")


@pytest.mark.slow
def test_ray_path_gives_the_same_dataset(bank, tmp_path):
    pytest.importorskip("ray", reason="ray is an optional extra: pip install 'audioedit[scale]'")
    serial = synth_pairs(bank, ["loudness", "remove"], 2, tmp_path / "s", seed=4, duration_s=6.0)
    on_ray = synth_pairs(bank, ["loudness", "remove"], 2, tmp_path / "r", seed=4, duration_s=6.0,
                         workers=2, ray_address="local")
    assert on_ray.backend == "ray" and on_ray.written == serial.written == 2
    assert _identical(tmp_path / "s", tmp_path / "r")


# --------------------------------------------------------------------------------------------
# bad input and atomicity


def test_empty_bank_and_unknown_bank(tmp_path):
    (tmp_path / "empty" / "foreground" / "dog").mkdir(parents=True)
    with pytest.raises(UserInputError, match="empty"):
        SynthBank(tmp_path / "empty")
    with pytest.raises(UserInputError, match="not found"):
        open_bank(tmp_path / "nowhere")


def test_label_without_clips_is_named(tmp_path):
    bank = SynthBank(_tone_bank(tmp_path / "b"))
    (tmp_path / "b" / "foreground" / "cat").mkdir()
    bank = SynthBank(tmp_path / "b")
    with pytest.raises(UserInputError, match="'cat' has no usable clips"):
        bank.clips("foreground", "cat")
    with pytest.raises(UserInputError, match="'cow' is not in bank"):
        make_scene(bank, FAST.scene, 0, tmp_path / "o" / "s.wav", labels=["cow"])


def test_unreadable_file_is_named(tmp_path):
    root = _tone_bank(tmp_path / "b")
    bad = root / "foreground" / "beep" / "broken.wav"
    bad.write_bytes(b"RIFF not really audio")
    with pytest.raises(UserInputError, match="broken.wav"):
        SynthBank(root)


def test_clip_shorter_than_the_span(tmp_path):
    bank = SynthBank(_tone_bank(tmp_path / "b", seconds=0.5))
    spec = FAST.scene.model_copy(update={"event_duration_s": (2.0, 3.0)})
    with pytest.raises(UserInputError, match=r"no clip of foreground label 'beep'.*lasts 2.00 s.*beep_01.wav"):
        make_scene(bank, spec, 0, tmp_path / "o" / "s.wav", labels=["beep"])


def test_failed_example_leaves_no_record(tmp_path):
    root = _tone_bank(tmp_path / "b")
    bank = SynthBank(root)
    for f in (root / "foreground").rglob("*.wav"):  # corrupted after the bank was scanned
        f.write_bytes(b"RIFF garbage")
    out = tmp_path / "out"
    with pytest.raises(UserInputError, match="rendering failed"):
        make_pair(bank, "remove", 0, out, "000000", FAST)
    assert list(out.iterdir()) == []
    summary = synth_pairs(bank, ["remove"], 2, out, seed=0, duration_s=6.0)
    assert summary.failed == 2 and summary.written == 0 and "beep_01.wav" in summary.failures[0].error
    assert sorted(os.listdir(out)) == ["manifest.jsonl"] and read_manifest(out) == []


def test_existing_complete_example_is_not_overwritten(bank, tmp_path):
    first = make_pair(bank, "remove", 1, tmp_path, "e", FAST)
    before = (tmp_path / "e" / "example.json").read_text()
    with pytest.raises(UserInputError, match="already exists"):
        make_pair(bank, "speed", 2, tmp_path, "e", FAST)
    assert (tmp_path / "e" / "example.json").read_text() == before and first.op == "remove"
    assert sorted(os.listdir(tmp_path)) == ["e"]


def test_bad_ops_and_sizes(bank, tmp_path):
    with pytest.raises(UserInputError, match="unknown ops"):
        synth_pairs(bank, ["explode"], 1, tmp_path)
    with pytest.raises(UserInputError, match="unknown benchmark version"):
        synth_benchmark(bank, tmp_path, version="v0")


# --------------------------------------------------------------------------------------------
# the dev corpus adapter


def test_dev_corpus_bank_is_symlinks(dev_data, tmp_path):
    bank = dev_corpus_bank(dev_data, cache_dir=tmp_path)
    fg = bank.labels("foreground")
    assert {"speech", "bird", "baby_cry", "dog_bark", "siren", "car_horn"} <= set(fg)
    assert {"street", "dishes", "music"} <= set(bank.labels("background"))
    files = [p for p in bank.root.rglob("*") if p.is_file() and p.suffix != ".json" and p.suffix != ".txt"]
    assert files and all(p.is_symlink() for p in files)
    assert bank.info("speech").synonyms and json.loads((bank.root / "labels.json").read_text())["baby_cry"]
    scene, _ = make_scene(bank, SceneSpec(duration_s=4.0, fg_labels=["baby_cry", "dog_bark"]), 1, tmp_path / "s.wav")
    assert scene.has_stems and {e.label for e in scene.events if e.role == "foreground"} <= {"baby_cry", "dog_bark"}
