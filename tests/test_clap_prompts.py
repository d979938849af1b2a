"""Prompt ensembling (``audioedit.clap.prompts``), label smoothing, joined feature pools and the
ESC-50 evaluation's selection set (reports/clap-broad, amendment 5)."""

import csv
import json
import shutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from audioedit.clap.feature_pool import FeaturePool
from audioedit.clap.prompts import class_embeddings, class_texts, ensemble_embeddings, ensemble_tensor
from audioedit.clap.small_model import vocabulary_loss


class _HashText:
    """A stand-in model: each text a fixed random unit vector."""

    def embed_text(self, texts):
        out = np.stack([np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(8) for t in texts])
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_class_texts_name_is_the_entry_name_and_ensemble_adds_synonyms_and_captions():
    assert class_texts("dog_bark", "name") == ["dog bark"]
    texts = class_texts("dog_bark", "ensemble")
    assert texts[0] == "dog bark" and len(texts) > 2 and len(set(texts)) == len(texts)


def test_ensemble_embeddings_are_renormalised_means_and_match_the_torch_twin():
    model = _HashText()
    groups = [["a", "b", "c"], ["d"]]
    emb = ensemble_embeddings(model, groups)
    assert emb.shape == (2, 8) and np.allclose(np.linalg.norm(emb, axis=1), 1.0)
    assert np.allclose(emb[1], model.embed_text(["d"])[0])
    mean = model.embed_text(["a", "b", "c"]).mean(0)
    assert np.allclose(emb[0], mean / np.linalg.norm(mean))
    twin = ensemble_tensor(torch.from_numpy(model.embed_text(["a", "b", "c", "d"])), [3, 1]).numpy()
    assert np.allclose(twin, emb, atol=1e-6)
    assert class_embeddings(model, ["dog_bark", "siren"], "name").shape == (2, 8)


def test_label_smoothing_penalises_a_confident_right_answer_and_zero_changes_nothing():
    names = F.normalize(torch.eye(3), dim=-1)
    scale = torch.tensor(4.0)
    plain = vocabulary_loss(names[[0]], names, scale, ["a"], ["a", "b", "c"])
    assert torch.isclose(vocabulary_loss(names[[0]], names, scale, ["a"], ["a", "b", "c"], 0.0), plain)
    assert vocabulary_loss(names[[0]], names, scale, ["a"], ["a", "b", "c"], 0.1) > plain


def test_feature_pools_join_row_by_row():
    a = FeaturePool(np.zeros((2, 3), np.float16), ["x", "y"], ["k1", "k2"])
    b = FeaturePool(np.ones((1, 3), np.float16), ["z"], ["k3"])
    joined = a.join(b)
    assert len(joined) == 3 and joined.keys == ["k1", "k2", "k3"] and joined.features[2].tolist() == [1, 1, 1]


@pytest.mark.slow
def test_esc50_eval_selection_set_and_prompt_ensemble(tiny_corpus, tmp_path, capsys):
    from audioedit.clap.esc50_eval import main

    root = tmp_path / "corpus"
    shutil.copytree(tiny_corpus / "esc50_16k", root / "esc50_16k")
    with open(root / "esc50_16k" / "metadata.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:  # pretend these are folds 1-4 clips: half held out by a run's split
        r["split"] = "2"
    with open(root / "esc50_16k" / "metadata.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    split = [{"path": str(root / r["path"]), "source": "esc50_16k", "split": "heldout" if i % 2 else "train"}
             for i, r in enumerate(rows)]
    (tmp_path / "split.json").write_text(json.dumps(split))
    main(["--checkpoint", "audioedit/assets/clap_small/cnn", "--data-root", str(root), "--cache-dir",
          str(tmp_path / "cache"), "--selection", str(tmp_path / "split.json"), "--prompts", "ensemble",
          "--json", str(tmp_path / "e.json")])
    assert "(prompts: ensemble)" in capsys.readouterr().out
    result = json.loads((tmp_path / "e.json").read_text())
    assert result["n_clips"] == len(rows) // 2 and result["clip_set"].startswith("held out by")


def test_training_runs_with_ensembled_names_smoothing_and_an_extra_pool(tmp_path):
    from audioedit.clap.train import train
    from tests.test_clap import _toy_bank, _toy_config

    cfg = _toy_config(_toy_bank(tmp_path), 30)
    cfg["config"]["model"].update(encoder="aisfx", sample_rate_hz=44_100, pretrained_trunk=False, pooling="mean_max_34")
    cfg["config"]["train"].update(feature_pool=32, contrastive_loss_weight=0.0, vocab_loss_weight=1.0, lr=3e-3,
                                  name_prompts="ensemble", label_smoothing=0.1, train_heldout_sources=["bank"],
                                  extra_pool={"size": 16, "mixing": {"crop_s": 0.5, "kind_probs": {"background": 1.0}}})
    out = tmp_path / "run"
    train(cfg, out, warm_start=None)
    losses = [r["loss"] for r in map(json.loads, (out / "train_log.jsonl").read_text().splitlines()) if "loss" in r]
    assert len(losses) > 3 and np.isfinite(losses).all()
    split = json.loads((out / "split.json").read_text())
    assert not [r for r in split if r["source"] == "bank" and r["split_kind"] == "file" and r["split"] == "heldout"]
    assert [r for r in split if r["source"] == "bank" and r["split_kind"] == "file"]
    with np.load(next((out / "feature_pool_extra").glob("shard_*.npz"))) as shard:
        assert shard["features"].shape == (16, 1536) and all("+" in k for k in shard["keys"])
