"""Tests of the pretrained aiSFX trunk, the frozen-trunk feature pool and band-limiting."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch

from audioedit.clap.aisfx import (TRUNK_WEIGHTS, AisfxFrontend, FrozenTrunk, Trunk, htk_mel_filters,
                                  load_trunk_weights)
from audioedit.clap.feature_pool import FeaturePool
from audioedit.clap.mixing import band_limit
from audioedit.clap.small_model import SmallClapConfig, SmallClapNet


needs_weights = pytest.mark.skipif(not TRUNK_WEIGHTS.is_file(), reason=f"no aiSFX trunk weights at {TRUNK_WEIGHTS}")


def test_the_package_ships_the_trunk_weights_with_their_credit():
    assert TRUNK_WEIGHTS.is_file(), "audioedit/assets/aisfx/trunk.safetensors is part of the package"
    credits = (TRUNK_WEIGHTS.parent / "CREDITS.md").read_text()
    assert "CC BY 4.0" in credits and "Ma" in credits and "Lerch" in credits
    assert "Attribution 4.0 International" in (TRUNK_WEIGHTS.parent / "LICENSE.txt").read_text()
    assert set(load_trunk_weights()) == set(Trunk().state_dict())


def test_mel_filters_are_unit_area_triangles_in_rising_order():
    fb = htk_mel_filters()
    assert fb.shape == (96, 1025)
    np.testing.assert_allclose(fb.sum(axis=1), 1.0, rtol=1e-5)
    peaks = fb.argmax(axis=1)
    assert np.all(np.diff(peaks) >= 0) and peaks[-1] * 44_100 / 2048 > 20_000  # the top band centres above 20 kHz


def test_frontend_ignores_level_and_keeps_the_trunk_input_scale():
    t = np.arange(44_100) / 44_100
    wave = torch.tensor(np.sin(2 * np.pi * 1000 * t), dtype=torch.float32)[None]
    front = AisfxFrontend()
    loud, quiet = front(wave), front(0.01 * wave)
    torch.testing.assert_close(loud, quiet, rtol=0, atol=1e-4)
    assert loud.shape == (1, 96, 44) and 0.0 <= float(loud.min()) and float(loud.max()) <= 1.0
    band = int(loud[0, :, 20].argmax())  # a 1 kHz tone peaks in the band whose centre is nearest 1 kHz
    centres_hz = htk_mel_filters().argmax(axis=1) * 44_100 / 2048
    assert abs(centres_hz[band] - 1000) < 150


@needs_weights
def test_trunk_port_reproduces_the_original_aisfx_network():
    original = pytest.importorskip("aisfx.models.cnn2d")
    reference = original.EmbeddingNet("max", 3, 1, 64).eval()
    weights = load_trunk_weights()
    reference.load_state_dict(weights)
    ours = Trunk().eval()
    ours.load_state_dict(weights)  # strict: same names and shapes
    spec = torch.rand(2, 96, 120)
    with torch.no_grad():
        expected = reference(spec.transpose(1, 2))  # aiSFX takes (batch, time, freq) and max-pools time
        torch.testing.assert_close(ours(spec).amax(dim=-1), expected, rtol=1e-4, atol=1e-4)


def test_frozen_trunk_is_shared_not_trained_and_not_saved():
    cfg = SmallClapConfig(encoder="aisfx", sample_rate_hz=44_100, pretrained_trunk=False, width=16, embed_dim=8)
    net = SmallClapNet(cfg, text_dim=12)
    assert not any(k.startswith("audio_encoder.trunk") for k in net.state_dict())
    ema = copy.deepcopy(net)
    assert ema.audio_encoder.trunk is net.audio_encoder.trunk
    before = {k: v.clone() for k, v in net.audio_encoder.trunk.module.state_dict().items()}
    net.train()
    wave = torch.randn(2, 44_100) * 0.1
    emb = net.encode_audio(wave)
    emb.sum().backward()
    assert emb.shape == (2, 8) and net.audio_encoder.out.weight.grad is not None
    for k, v in net.audio_encoder.trunk.module.state_dict().items():  # BN statistics untouched in train mode
        torch.testing.assert_close(v, before[k])
    with pytest.raises(ValueError, match="44100"):
        SmallClapConfig(encoder="aisfx", sample_rate_hz=16_000)


def test_frozen_trunk_random_init_follows_the_torch_seed():
    torch.manual_seed(1)
    a = FrozenTrunk(pretrained=False)
    torch.manual_seed(1)
    b = FrozenTrunk(pretrained=False)
    spec = torch.rand(1, 96, 40)
    torch.testing.assert_close(a(spec), b(spec))
    assert a(spec).shape == (1, 512, 5)


def test_feature_pool_is_deterministic_and_resumes_missing_shards(tmp_path):
    calls = []

    def examples(n, rng):
        calls.append(n)
        waves = rng.standard_normal((n, 8)).astype(np.float32)
        return waves, [f"caption {w[0]:.3f}" for w in waves], [str(int(w[0] > 0)) for w in waves]

    def features(waves, rng):
        return np.repeat(waves[:, None, :], 3, axis=1)  # (n, 3, 8)

    pool = FeaturePool.build(tmp_path / "pool", 10, seed=4, examples=examples, features=features, shard_size=4, chunk=2)
    assert len(pool) == 10 and pool.features.shape == (10, 3, 8) and pool.features.dtype == np.float16
    assert sum(calls) == 12  # three shards of 4, the last one cut to 10 rows
    shards = sorted((tmp_path / "pool").glob("shard_*.npz"))
    assert len(shards) == 3
    shards[1].unlink()
    calls.clear()
    again = FeaturePool.build(tmp_path / "pool", 10, seed=4, examples=examples, features=features, shard_size=4, chunk=2)
    assert calls == [2, 2]  # only the missing shard is drawn again ...
    np.testing.assert_array_equal(again.features, pool.features)  # ... and it is drawn the same
    assert again.captions == pool.captions and again.keys == pool.keys
    feats, captions, keys = pool.batch(4, np.random.default_rng(0))
    assert feats.dtype == np.float32 and len(set(captions)) == 4 and len(keys) == 4


def test_training_on_a_feature_pool_lowers_loss(tmp_path):
    from audioedit.clap.train import train
    from tests.test_clap import _toy_bank, _toy_config

    cfg = _toy_config(_toy_bank(tmp_path), 40)
    cfg["config"]["model"].update(encoder="aisfx", sample_rate_hz=44_100, pretrained_trunk=False)
    cfg["config"]["train"].update(feature_pool=64)
    out = tmp_path / "run"
    train(cfg, out, warm_start=None)
    rows = [json.loads(x) for x in (out / "train_log.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in rows if "loss" in r]
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.1
    assert len(list((out / "feature_pool").glob("shard_*.npz"))) == 1


def test_band_limit_removes_only_what_lies_above_the_cutoff():
    sr = 44_100
    t = np.arange(sr) / sr
    low, high = np.sin(2 * np.pi * 1000 * t), np.sin(2 * np.pi * 12_000 * t)
    out = band_limit((low + high).astype(np.float32), sr, 8_000.0)
    np.testing.assert_allclose(out, low, atol=1e-3)


def test_resuming_a_run_of_another_model_is_refused_with_the_way_out(tmp_path):
    from audioedit.clap.train import train
    from audioedit.errors import UserInputError
    from tests.test_clap import _toy_bank, _toy_config

    bank = _toy_bank(tmp_path)
    train(_toy_config(bank, 2), tmp_path / "run", warm_start=None)  # the CNN encoder
    cfg = _toy_config(bank, 4)
    cfg["config"]["model"].update(encoder="aisfx", sample_rate_hz=44_100, pretrained_trunk=False)
    with pytest.raises(UserInputError, match="encoder.*--no-resume"):
        train(cfg, tmp_path / "run", warm_start=None)
    import yaml
    from typer.testing import CliRunner

    from audioedit.cli import app

    (tmp_path / "aisfx.yaml").write_text(yaml.safe_dump(cfg))
    result = CliRunner().invoke(app, ["train", "clap", "--config", str(tmp_path / "aisfx.yaml"), "--out", str(tmp_path / "run")])
    assert result.exit_code == 2 and "another model" in result.output


def _mean_max_34_net(train_block4: bool) -> SmallClapNet:
    torch.manual_seed(0)
    cfg = SmallClapConfig(encoder="aisfx", sample_rate_hz=44_100, pretrained_trunk=False, width=16, embed_dim=8,
                          pooling="mean_max_34", train_block4=train_block4)
    return SmallClapNet(cfg, text_dim=12).eval()


def test_mean_max_34_head_gives_the_same_embedding_whichever_part_the_pool_caches():
    frozen, tuned = _mean_max_34_net(False), _mean_max_34_net(True)
    tuned.audio_encoder.trunk = frozen.audio_encoder.trunk  # one random trunk for both
    tuned.audio_encoder.block4.load_state_dict(frozen.audio_encoder.trunk.module.conv_block4.state_dict())
    tuned.load_state_dict(frozen.state_dict(), strict=False)  # the head and projections
    spec = torch.rand(2, 96, 64)
    cached_frozen, cached_tuned = frozen.audio_encoder.frozen_features(spec), tuned.audio_encoder.frozen_features(spec)
    assert cached_frozen.shape == (2, 1536) and cached_tuned.shape == (2, 256, 8, 12)
    with torch.no_grad():
        torch.testing.assert_close(tuned.audio_encoder.head(cached_tuned), frozen.audio_encoder.head(cached_frozen))
        torch.testing.assert_close(tuned.audio_encoder(spec), frozen.audio_encoder(spec))
    assert not any(k.startswith("audio_encoder.block4") for k in frozen.state_dict())
    assert any(k.startswith("audio_encoder.block4.conv1") for k in tuned.state_dict())
    with pytest.raises(ValueError, match="train_block4"):
        SmallClapConfig(encoder="aisfx", sample_rate_hz=44_100, train_block4=True)


def test_a_trained_block4_learns_but_keeps_its_pretrained_statistics():
    net = _mean_max_34_net(True).train()
    block4 = net.audio_encoder.block4
    assert not block4.bn1.training and not block4.bn2.training and net.audio_encoder.out.training
    stats = block4.bn2.running_mean.clone()
    net.audio_encoder.head(torch.rand(3, 256, 8, 12)).sum().backward()
    assert block4.conv2.weight.grad is not None and torch.equal(block4.bn2.running_mean, stats)


def test_map_augment_crops_the_batch_to_one_length_and_masks_each_item():
    from audioedit.clap.augment import map_augment

    maps = np.ones((4, 3, 27, 12), np.float32)
    out = map_augment(maps, np.random.default_rng(0))
    assert out.shape[:2] == (4, 3) and out.shape[3] == 12 and 19 <= out.shape[2] <= 27
    assert (out == 0).any() and maps.min() == 1.0  # the cached maps are left alone
    np.testing.assert_array_equal(out, map_augment(maps, np.random.default_rng(0)))


@pytest.mark.parametrize("train_block4", [False, True])
def test_training_on_pooled_blocks_3_and_4_lowers_the_names_loss_and_resumes(tmp_path, train_block4):
    from audioedit.clap.train import train
    from tests.test_clap import _toy_bank, _toy_config

    cfg = _toy_config(_toy_bank(tmp_path), 40)
    cfg["config"]["model"].update(encoder="aisfx", sample_rate_hz=44_100, pretrained_trunk=False,
                                  pooling="mean_max_34", train_block4=train_block4)
    cfg["config"]["train"].update(feature_pool=32, contrastive_loss_weight=0.0, vocab_loss_weight=1.0,
                                  map_augment=train_block4, lr=3e-3)
    out = tmp_path / "run"
    assert train(cfg, out, warm_start=None).name == "step_0000040.pt"
    rows = [json.loads(x) for x in (out / "train_log.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in rows if "loss" in r]
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.1
    with np.load(next((out / "feature_pool").glob("shard_*.npz"))) as shard:  # maps, or pooled values
        assert shard["features"].shape[1:] == ((256, 5, 12) if train_block4 else (1536,))  # 1 s: 5 frames
    cfg["config"]["train"]["max_steps"] = 42
    assert train(cfg, out, warm_start=None).name == "step_0000042.pt"
