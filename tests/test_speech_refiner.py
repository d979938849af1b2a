"""The learned refiner over DFN3's speech layer (executor/speech/refiner*.py; reports/speech amendment 9)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from audioedit.audio import Audio
from audioedit.executor.speech import refiner as refiner_module
from audioedit.executor.speech.refiner import RefinerConfig, istft, new_refiner, refine, save_refiner, stft

REPO = Path(__file__).resolve().parents[1]
TINY = RefinerConfig(hidden=16, gru=8, layers=1)


@pytest.fixture
def untrained_export(tmp_path):
    import torch

    torch.manual_seed(0)
    folder = tmp_path / "refiner"
    save_refiner(new_refiner(TINY), folder)
    return folder


def test_stft_and_istft_are_transparent():
    import torch

    x = torch.randn(2, 16000)
    assert float((istft(stft(x), 16000) - x).abs().max()) < 1e-5


def test_an_untrained_refiner_returns_dfn3s_layer_plus_a_trace_of_the_rest(untrained_export):
    """At any rate and channel count: same shape, below 8 kHz D + ~2 % of R, above 8 kHz D untouched."""
    rng = np.random.default_rng(0)
    x = (0.1 * rng.standard_normal((2, 44100))).astype(np.float32)
    d = (0.5 * x).astype(np.float32)  # a "speech layer": half of the recording
    audio, speech = Audio(x, 44100), Audio(d, 44100)
    out = refine(audio, speech, untrained_export)
    assert out.samples.shape == x.shape and out.sample_rate_hz == 44100 and np.all(np.isfinite(out.samples))
    change = out.samples - d
    share = np.sum(change.astype(np.float64) ** 2) / np.sum((x - d).astype(np.float64) ** 2)
    assert 1e-5 < share < 1e-3  # sigmoid(-4)^2 ~ 3e-4 of the rest's energy, below 8 kHz only
    spectrum = np.abs(np.fft.rfft(change[0]))
    freqs = np.fft.rfftfreq(change.shape[1], 1 / 44100)
    assert spectrum[freqs > 9000].max() < 0.05 * spectrum[freqs < 7000].max()


def test_the_split_with_the_refiner_still_remixes_exactly(untrained_export, monkeypatch):
    from audioedit.executor.speech import layers

    monkeypatch.setattr(refiner_module, "EXPORT_DIR", untrained_export)
    rng = np.random.default_rng(1)
    audio = Audio((0.05 * rng.standard_normal((1, 32000))).astype(np.float32), 16000)
    plain = layers.split_layers(audio, replace(layers.DEFAULT_SPLIT, refine=False))
    refined = layers.split_layers(audio, replace(layers.DEFAULT_SPLIT, refine=True))
    assert not np.array_equal(plain.speech.samples, refined.speech.samples)
    np.testing.assert_allclose(refined.speech.samples + refined.rest.samples, audio.samples, atol=1e-6)


def test_a_missing_export_is_a_clear_error(tmp_path):
    from audioedit.errors import ExecutionError

    audio = Audio(np.zeros((1, 1600), np.float32), 16000)
    with pytest.raises(ExecutionError, match="refiner_train"):
        refine(audio, audio, tmp_path / "none")


def test_training_sources_stay_outside_the_speech_suites_splits_and_esc50_fold_5(tmp_path):
    from audioedit.errors import UserInputError
    from audioedit.evals.speech_data import SPLITS
    from audioedit.executor.speech.refiner_data import background_files

    config = yaml.safe_load((REPO / "configs" / "speech" / "refiner.yaml").read_text())
    split_specs = [spec for split in SPLITS.values() for kind in split.values() for spec in kind]
    split_languages = {spec.split(":")[1] for spec in split_specs if spec.startswith("ktuberling:")}
    assert split_languages and not split_languages & set(config["speech"]["languages"])
    split_folders = {spec.rsplit("/", 1)[0] if "*" in spec else spec for spec in split_specs}
    assert not split_folders & {spec.rsplit("/", 1)[0] if "*" in spec else spec for spec in config["backgrounds"]}
    assert 5 not in config["esc50"]["folds"]
    (tmp_path / "esc50_16k").mkdir()
    (tmp_path / "esc50_16k" / "metadata.csv").write_text("path,label,split\nesc50_16k/dog/5-1-A-0.ogg,dog,5\n")
    with pytest.raises(UserInputError, match="fold 5"):
        background_files(tmp_path, {"backgrounds": [], "esc50": {"folds": [4, 5], "exclude": []}})
    assert background_files(tmp_path, {"backgrounds": [], "esc50": {"folds": [4], "exclude": []}}) == []


def _fake_segments(run_dir: Path, n: int = 12, samples: int = 16000) -> Path:
    """Speech = harmonic tones, DFN3's layer = speech + a third of the noise, mix = speech + noise."""
    rng = np.random.default_rng(0)
    t = np.arange(samples) / 16000
    speech = np.stack([0.1 * np.sin(2 * np.pi * rng.uniform(120, 300) * t) * (np.sin(2 * np.pi * 2 * t) > 0)
                       for _ in range(n)])
    noise = 0.05 * rng.standard_normal((n, samples))
    run_dir.mkdir(parents=True, exist_ok=True)
    np.savez(run_dir / "segments.npz", mix=(speech + noise).astype(np.float16), speech=speech.astype(np.float16),
             dfn=(speech + noise / 3).astype(np.float16))
    return run_dir / "segments.npz"


@pytest.mark.slow
def test_training_learns_the_residual_noise_resumes_and_exports(tmp_path, monkeypatch):
    """The command on fake segments: the held-out loss ends below DFN3's own, a second call resumes at the
    checkpoint's step and trains on to the new step count, and ``--export`` writes a loadable export."""
    from audioedit.executor.speech import refiner_data, refiner_train

    config = yaml.safe_load((REPO / "configs" / "speech" / "refiner.yaml").read_text())
    config["model"] = {"hidden": 16, "gru": 8, "layers": 1}
    config["train"].update(steps=60, batch=4, crop_s=0.5, lr=0.01, log_every=10, heldout_every=30, checkpoint_every=30,
                           heldout=0.25)
    cfg = tmp_path / "refiner.yaml"
    cfg.write_text(yaml.safe_dump(config))
    monkeypatch.setattr(refiner_data, "build_segments", lambda root, config, run_dir: _fake_segments(run_dir))
    run = tmp_path / "run"
    refiner_train.main(["--config", str(cfg), "--run", str(run)])
    config["train"]["steps"] = 90
    cfg.write_text(yaml.safe_dump(config))
    refiner_train.main(["--config", str(cfg), "--run", str(run), "--export", str(tmp_path / "export")])
    rows = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    held = [r for r in rows if "heldout_loss" in r]
    assert [r["step"] for r in held] == [30, 60, 90] and [r["step"] for r in rows if "loss" in r][-1] == 90
    assert held[-1]["heldout_loss"] < 0.8 * held[-1]["heldout_dfn3_loss"]
    model = refiner_module.load_refiner(tmp_path / "export")
    assert model.config == RefinerConfig(hidden=16, gru=8, layers=1)
    assert (tmp_path / "export" / "train_config.yaml").is_file()


def test_a_tilt_changes_only_the_top_of_the_spectrum_and_held_out_languages_stay_out_of_training():
    from audioedit.executor.speech.refiner_data import _tilted, heldout_count

    rng = np.random.default_rng(0)
    x = rng.standard_normal(16000).astype(np.float32)
    y = _tilted(x, -8.0)
    spec_x, spec_y = np.abs(np.fft.rfft(x)), np.abs(np.fft.rfft(y))
    f = np.fft.rfftfreq(x.size, 1 / 16000)
    low, high = f < 300, f > 6000
    assert abs(20 * np.log10(spec_y[low].mean() / spec_x[low].mean())) < 0.5
    assert 20 * np.log10(spec_y[high].mean() / spec_x[high].mean()) < -6
    config = yaml.safe_load((REPO / "configs" / "speech" / "refiner2.yaml").read_text())
    held = set(config["speech"]["heldout_languages"])
    assert held and held <= set(config["speech"]["languages"])  # held out of the same pool, never trained on
    assert heldout_count(3600, config["train"]["heldout"]) == 180
