"""Tests of the CLAP interface and backends (small, hf, laion), training and resuming."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audioedit.audio import Audio
from audioedit.clap import load_clap
from audioedit.clap.base import read_config
from audioedit.clap.small import SHIPPED_DIR, has_weights
from audioedit.errors import UserInputError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
DEBUG = ROOT / "configs" / "clap" / "debug.yaml"
SHIPPED_HAS_WEIGHTS = has_weights(SHIPPED_DIR)
BANK = ROOT / "audioedit" / "assets" / "bank"


def _tone(freq_hz: float, seconds: float = 1.5, sr: int = 16_000, stereo: bool = False) -> Audio:
    t = np.arange(int(seconds * sr)) / sr
    x = 0.3 * np.sin(2 * np.pi * freq_hz * t).astype(np.float32)
    return Audio(np.stack([x, x]) if stereo else x[None], sr)


def test_small_shapes_normalised_and_consistent(debug_model):
    audios = [_tone(440), _tone(1000, 3.0, sr=22_050, stereo=True), _tone(200, 0.1)]
    a = debug_model.embed_audio(audios)
    t = debug_model.embed_text(["a dog barks", "a siren wails"])
    assert a.shape == (3, 32) and t.shape == (2, 32)
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    assert np.allclose(np.linalg.norm(t, axis=1), 1, atol=1e-5)
    sim = debug_model.similarity(audios, ["a dog barks", "a siren wails"])
    assert sim.shape == (3, 2) and np.allclose(sim, a @ t.T, atol=1e-5)
    assert not np.allclose(a[0], a[1])  # different sounds, different embeddings


def test_small_is_deterministic(debug_model):
    other = load_clap(DEBUG)
    audio = [_tone(440)]
    assert np.allclose(debug_model.embed_audio(audio), other.embed_audio(audio), atol=1e-6)
    assert np.allclose(debug_model.embed_text(["rain"]), other.embed_text(["rain"]), atol=1e-6)


def test_small_hears_every_input_at_one_level(debug_model):
    from audioedit.clap.small import INPUT_LEVEL_DBFS, MAX_BOOST_DB, normalise_level

    loud, quiet = _tone(440), Audio(_tone(440).samples * 0.01, 16_000)
    assert np.allclose(debug_model.embed_audio([loud]), debug_model.embed_audio([quiet]), atol=1e-5)
    rms_db = 20 * np.log10(np.sqrt(np.mean(normalise_level(quiet.samples[0]) ** 2)))
    assert rms_db == pytest.approx(INPUT_LEVEL_DBFS, abs=0.1)
    hiss = np.random.default_rng(0).standard_normal(16_000).astype(np.float32) * 1e-6  # -120 dBFS
    assert np.max(np.abs(normalise_level(hiss))) < 1e-6 * 10 ** (MAX_BOOST_DB / 20) * 5  # boost capped


def test_bad_config_type_names_the_value():
    with pytest.raises(UserInputError, match="'nope'"):
        load_clap({"type": "nope", "config": {}})


def _toy_bank(root: Path) -> Path:
    """Three very different classes, 5 files each, in Scaper layout."""
    rng = np.random.default_rng(0)
    sr = 16_000
    t = np.arange(int(1.5 * sr)) / sr
    makers = {
        "tone": lambda i: 0.3 * np.sin(2 * np.pi * (300 + 40 * i) * t),
        "hiss": lambda i: 0.1 * rng.standard_normal(len(t)),
        "clicks": lambda i: np.where(np.arange(len(t)) % (800 + 50 * i) < 20, 0.8, 0.0),
    }
    for label, make in makers.items():
        folder = root / "bank" / "foreground" / label
        folder.mkdir(parents=True)
        for i in range(5):
            sf.write(folder / f"{label}_{i}.wav", make(i).astype(np.float32), sr)
    return root / "bank"


def _toy_config(bank: Path, max_steps: int) -> dict:
    cfg = copy.deepcopy(read_config(DEBUG))
    cfg["config"]["train"].update(bank_dirs=[str(bank)], max_steps=max_steps)
    return cfg


def test_training_lowers_loss_and_resume_continues(tmp_path):
    from audioedit.clap.train import train

    bank = _toy_bank(tmp_path)
    out = tmp_path / "run"
    first = train(_toy_config(bank, 30), out, resume=True)
    assert first.name == "step_0000030.pt"
    rows = [json.loads(x) for x in (out / "train_log.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in rows if "loss" in r]
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.1
    second = train(_toy_config(bank, 34), out, resume=True)
    assert second.name == "step_0000034.pt"
    steps = [json.loads(x)["step"] for x in (out / "train_log.jsonl").read_text().splitlines()]
    assert steps[-4:] == [31, 32, 33, 34]
    assert (out / "loss.png").is_file() and (out / "split.json").is_file()
    model = load_clap({"type": "small", "config": {"checkpoint": str(out)}})
    assert model.embed_audio([_tone(440)]).shape == (1, 32)


def test_evaluation_scores_the_held_out_files_with_an_interval(tmp_path):
    from audioedit.clap.evaluate import evaluate, format_table, wilson_interval
    from audioedit.clap.train import train

    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)  # the textbook values
    assert wilson_interval(42, 54) == pytest.approx((0.6506, 0.8680), abs=1e-4)
    bank = _toy_bank(tmp_path)
    train(_toy_config(bank, 3), tmp_path / "run", warm_start=None)
    result = evaluate(tmp_path / "run", tmp_path / "no-dev-corpus", bank_dirs=[bank])
    held = result.bank_heldout  # one file of five per class is held out
    assert result.dev_file_split is None and held.n_clips == 3 and held.n_classes == 3
    assert held.top1_names_ci95 == pytest.approx(wilson_interval(round(held.top1_names * 3), 3))
    assert "starter bank, file split" in format_table(result)


def test_seed_override_trains_another_network_on_the_same_split(tmp_path):
    import torch

    from audioedit.clap.train import train

    bank = _toy_bank(tmp_path)
    paths = {seed: train(_toy_config(bank, 2), tmp_path / f"seed{seed}", warm_start=None, seed=seed) for seed in (0, 3)}
    ckpts = {seed: torch.load(p, map_location="cpu", weights_only=True) for seed, p in paths.items()}
    assert ckpts[3]["config"]["train"]["seed"] == 3 and ckpts[0]["config"]["train"]["seed"] == 0
    assert not torch.allclose(ckpts[0]["model"]["audio_proj.linear1.weight"], ckpts[3]["model"]["audio_proj.linear1.weight"])
    assert (tmp_path / "seed0" / "split.json").read_text() == (tmp_path / "seed3" / "split.json").read_text()


def test_warm_start_from_an_export_continues_step_and_weights(tmp_path):
    """A new machine has no run folder: training seeds itself from the export, or logs why not."""
    import torch
    from safetensors.torch import load_file

    from audioedit.clap.export import export
    from audioedit.clap.train import train

    bank = _toy_bank(tmp_path)
    train(_toy_config(bank, 30), tmp_path / "run", warm_start=None)
    exported = export(tmp_path / "run", tmp_path / "export", data_root=None, cache_dir=None, run_eval=False)
    assert read_config(exported / "config.yaml")["config"]["trained_steps"] == 30
    same = train(_toy_config(bank, 30), tmp_path / "same", warm_start=exported)  # no update: the weights as exported
    ckpt = torch.load(same, weights_only=True)
    assert same.name == "step_0000030.pt" and ckpt["examples"] == 30 * 8 and ckpt["elapsed_s"] > 0
    weights = load_file(str(exported / "model.safetensors"))
    assert all(torch.equal(ckpt["model"][k], v) and torch.equal(ckpt["ema"][k], v) for k, v in weights.items())

    out = tmp_path / "new"
    assert train(_toy_config(bank, 33), out, warm_start=exported).name == "step_0000033.pt"
    rows = [json.loads(x) for x in (out / "train_log.jsonl").read_text().splitlines()]
    seam = next(i for i, r in enumerate(rows) if r.get("kind") == "warm_start")
    assert rows[seam]["step"] == 30 and rows[seam]["from"] == str(exported) and rows[0]["step"] == 1
    before = [r["loss"] for r in rows[:seam] if "loss" in r]
    after = [r["loss"] for r in rows[seam:] if "loss" in r]
    assert [r["step"] for r in rows[seam + 1 :]] == [31, 32, 33]
    # continues from the trained weights, not from init (the export is the EMA, which lags 30 steps of training)
    assert np.mean(after) < np.mean(before[:3]) - 0.05

    other = _toy_config(bank, 1)
    other["config"]["model"]["channels"] = [8, 16, 24]
    assert train(other, tmp_path / "scratch", warm_start=exported).name == "step_0000001.pt"
    first = json.loads((tmp_path / "scratch" / "train_log.jsonl").read_text().splitlines()[0])
    assert first["kind"] == "from_scratch" and "channels" in first["reason"]


SPLIT = {"trained_classes": ["tone"], "heldout": []}


def _member_export(folder: Path, sample_rate_hz: int, seed: int, split: dict = SPLIT) -> Path:
    """A one-member export of a random-init debug CLAP at ``sample_rate_hz``."""
    from audioedit.clap.small import SmallClap, export_weights

    model_cfg = dict(read_config(DEBUG)["config"]["model"], sample_rate_hz=sample_rate_hz)
    export_weights(SmallClap.from_config({"model": model_cfg, "seed": seed}).nets[0], folder)
    (folder / "heldout_split.json").write_text(json.dumps(split))
    return folder


def test_members_hear_their_own_rate_and_average_their_similarities(tmp_path):
    """Two towers at 16 and 22.05 kHz joined into one model: its similarity is the mean of theirs."""
    from audioedit.clap.export import export_members
    from audioedit.clap.small import SmallClap

    a = _member_export(tmp_path / "a", 16_000, seed=1)
    b = _member_export(tmp_path / "b", 22_050, seed=2)
    stale = tmp_path / "joint"
    stale.mkdir()
    (stale / "model.safetensors").write_bytes(b"left from an older export")
    joint = export_members([a, b], stale, data_root=None, cache_dir=None, run_eval=False)
    assert sorted(p.name for p in joint.iterdir()) == ["DATA_CARD.md", "cnn", "cnn-2", "config.yaml",
                                                       "heldout_split.json"]
    assert has_weights(joint) and "2 audio towers" in (joint / "DATA_CARD.md").read_text()
    model = load_clap({"type": "small", "config": {"checkpoint": str(joint)}})
    alone = [SmallClap.from_config({"checkpoint": str(m)}) for m in (a, b)]
    assert model.sample_rate_hz == 22_050 and [n.cfg.sample_rate_hz for n in model.nets] == [16_000, 22_050]
    audios, texts = [_tone(440, sr=44_100), _tone(3000, 2.0, stereo=True)], ["a dog barks", "a siren wails"]
    emb = model.embed_audio(audios)
    assert emb.shape == (2, 64) and np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-5)
    mean = (alone[0].similarity(audios, texts) + alone[1].similarity(audios, texts)) / 2
    assert np.allclose(model.similarity(audios, texts), mean, atol=1e-5)
    assert not np.allclose(alone[0].similarity(audios, texts), alone[1].similarity(audios, texts), atol=1e-3)


def test_members_of_different_splits_are_refused(tmp_path):
    from audioedit.clap.export import export_members

    a = _member_export(tmp_path / "a", 16_000, seed=1)
    b = _member_export(tmp_path / "b", 16_000, seed=2, split={"trained_classes": ["hiss"], "heldout": []})
    with pytest.raises(UserInputError, match="different splits"):
        export_members([a, b], tmp_path / "joint", data_root=None, cache_dir=None, run_eval=False)
    with pytest.raises(UserInputError, match="not a one-member export"):
        export_members([a, tmp_path], tmp_path / "joint", data_root=None, cache_dir=None, run_eval=False)
    assert not (tmp_path / "joint").exists()


def test_training_warm_starts_from_the_member_it_fits(tmp_path):
    from audioedit.clap.export import export, export_members
    from audioedit.clap.train import train

    bank = _toy_bank(tmp_path)
    other = _member_export(tmp_path / "other", 22_050, seed=1)
    train(_toy_config(bank, 5), tmp_path / "run", warm_start=None)
    fits = export(tmp_path / "run", tmp_path / "fits", data_root=None, cache_dir=None, run_eval=False)
    (fits / "heldout_split.json").write_text(json.dumps(SPLIT))  # one split for both members
    joint = export_members([other, fits], tmp_path / "joint", data_root=None, cache_dir=None, run_eval=False)
    assert train(_toy_config(bank, 6), tmp_path / "new", warm_start=joint).name == "step_0000006.pt"
    rows = [json.loads(x) for x in (tmp_path / "new" / "train_log.jsonl").read_text().splitlines()]
    seam = next(r for r in rows if r.get("kind") == "warm_start")
    assert seam["from"] == str(joint / "cnn-2") and seam["step"] == 5


def test_a_config_of_member_recipes_trains_each_tower_and_exports_them_joined(tmp_path):
    """configs/clap/cpu.yaml's shape: one recipe per tower, trained into OUT/<name>, exported as one model."""
    import yaml

    from audioedit.clap.export import export
    from audioedit.clap.train import train

    bank = _toy_bank(tmp_path)
    for name, rate in (("low", 16_000), ("high", 22_050)):
        recipe = _toy_config(bank, 3)
        recipe["config"]["model"]["sample_rate_hz"] = rate
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(recipe))
    joint_cfg = tmp_path / "joint.yaml"
    joint_cfg.write_text(yaml.safe_dump({"type": "small", "config": {"member_recipes": {"low": "low.yaml",
                                                                                        "high": "high.yaml"}}}))
    train(_toy_config(bank, 1), tmp_path / "one-tower", warm_start=None)
    with pytest.raises(UserInputError, match="holds the run of one tower"):
        train(joint_cfg, tmp_path / "one-tower", warm_start=None)
    train(joint_cfg, tmp_path / "run", warm_start=None)
    assert all((tmp_path / "run" / name / "checkpoints" / "step_0000003.pt").is_file() for name in ("low", "high"))
    joint = export(tmp_path / "run", tmp_path / "export", data_root=None, cache_dir=None, run_eval=False)
    model = load_clap({"type": "small", "config": {"checkpoint": str(joint)}})
    assert sorted(n.cfg.sample_rate_hz for n in model.nets) == [16_000, 22_050]
    assert model.embed_audio([_tone(440)]).shape == (1, 64)


HF_TINY = {"projection_dim": 16,
           "text_config": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
                           "intermediate_size": 64, "projection_dim": 16, "max_position_embeddings": 130},
           "audio_config": {"patch_embeds_hidden_size": 16, "hidden_size": 32, "depths": [1, 1],
                            "num_attention_heads": [2, 2], "window_size": 8, "spec_size": 256,
                            "num_mel_bins": 64, "projection_dim": 16}}


def test_hf_backend_from_tiny_config_offline():
    model = load_clap({"type": "hf", "config": {"tiny": HF_TINY, "seed": 0}})
    assert model.sample_rate_hz == 48_000
    audios = [_tone(440, 2.0), _tone(880, 12.0, sr=16_000, stereo=True)]  # the long one is windowed
    a = model.embed_audio(audios)
    t = model.embed_text(["a dog barks", "rain on a roof", "a siren"])
    assert a.shape == (2, 16) and t.shape == (3, 16)
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    assert not np.allclose(t[0], t[1])
    assert model.similarity(audios, ["x"]).shape == (2, 1)


def test_degenerate_tokenizer_is_refused():
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    from audioedit.clap.hf_backend import check_tokenizer

    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 4}
    tok = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(WordLevel(vocab, unk_token="<unk>")))
    with pytest.raises(UserInputError, match="only 5 tokens"):
        check_tokenizer(tok, "test")


def test_laion_backend_without_package_raises_install_hint(tmp_path):
    try:
        import laion_clap  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("laion-clap is installed here; the missing-package path cannot be exercised")
    with pytest.raises(ImportError, match="pip install .*laion-clap"):
        load_clap({"type": "laion", "config": {"checkpoint": str(tmp_path / "x.pt")}})


@pytest.mark.skipif(not SHIPPED_HAS_WEIGHTS, reason="shipped small-CLAP weights not exported yet")
def test_shipped_model_ranks_bank_clips():
    from audioedit.audio import load_audio

    model = load_clap(ROOT / "configs" / "clap" / "cpu.yaml")
    labels = ["siren", "speech", "cat", "car horn", "rain"]
    clips = {"siren": "foreground/siren/siren_synthetic_01.flac", "speech": "foreground/speech/speech_real_01.flac",
             "cat": "foreground/cat/cat_real_01.flac"}
    sim = model.similarity([load_audio(BANK / p) for p in clips.values()], labels)
    assert [labels[i] for i in sim.argmax(axis=1)] == list(clips)


def test_training_with_the_vocabulary_loss_lowers_loss(tmp_path):
    from audioedit.clap.train import train

    cfg = _toy_config(_toy_bank(tmp_path), 30)
    cfg["config"]["train"]["vocab_loss_weight"] = 1.0
    train(cfg, tmp_path / "run", warm_start=None)
    losses = [r["loss"] for r in map(json.loads, (tmp_path / "run" / "train_log.jsonl").read_text().splitlines())
              if "loss" in r]
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.1
