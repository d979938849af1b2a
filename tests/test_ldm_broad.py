"""The broad editor's data: the dev corpus index (ESC-50 fold 5 never loaded), the held-out split by
recording, LCR-like mixtures (target = sum of gain x source), speaker descriptions. A tiny fake dev
corpus in tmp_path; seconds."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import soundfile as sf

from audioedit.executor.ldm.broad import recording_id
from audioedit.executor.ldm.config import DataConfig, load_config
from audioedit.executor.ldm.data import heldout_key, load_corpus, make_pair
from audioedit.executor.ldm.mixtures import GAINS, mixture_instruction, mixture_pair
from audioedit.executor.ldm.speakers import describe, median_f0_hz, sex_and_pitch

SR = 16_000


def _voice(f0: float, seconds: float, seed: int) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    x = sum(np.sin(2 * np.pi * f0 * k * t + seed) / k for k in range(1, 8))
    return (0.3 * x / np.abs(x).max()).astype(np.float32)


@pytest.fixture(scope="module")
def dev_root(tmp_path_factory):
    """index.csv + esc50 metadata with folds 1-5, sounds, an ambience and two speakers."""
    root = tmp_path_factory.mktemp("dev")
    rng = np.random.default_rng(0)
    index, meta = [], []

    def put(rel: str, x: np.ndarray, source: str, label: str, role: str, split: str = "dev") -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        sf.write(root / rel, x, SR, format="WAV")
        index.append({"path": rel, "source": source, "label": label, "role": role})
        if source == "esc50_16k":
            meta.append({"path": rel, "label": label, "split": split})

    for fold in range(1, 6):
        for k, label in enumerate(["dog", "rooster", "rain"]):
            for take in range(4):
                x = (rng.standard_normal(SR) * np.exp(-np.arange(SR) / 3000)).astype(np.float32)
                put(f"esc50_16k/{label}/{fold}-{1000 * fold + 10 * k + take}-A-{k}.wav", x, "esc50_16k", label,
                    "foreground", str(fold))
    for amb in ("light_rain", "wind_in_trees", "river", "cafe", "road"):
        put(f"moodist_ambience/{amb}/{amb}.wav", (rng.standard_normal(6 * SR) * 0.1).astype(np.float32),
            "moodist_ambience", amb, "background")
    for lang, f0 in (("en", 110.0), ("de", 240.0), ("fr", 120.0), ("it", 230.0)):
        for w in range(6):
            put(f"ktuberling_speech/{lang}/word{w}.wav", _voice(f0, 1.2, w), "ktuberling_speech", f"word{w}", "speech")
    with (root / "index.csv").open("w", newline="") as f:
        wr = csv.DictWriter(f, ["path", "source", "label", "role"])
        wr.writeheader()
        wr.writerows(index)
    with (root / "esc50_16k" / "metadata.csv").open("w", newline="") as f:
        wr = csv.DictWriter(f, ["path", "label", "split"])
        wr.writeheader()
        wr.writerows(meta)
    return root


def _cfg(root, **kw) -> DataConfig:
    base = dict(corpus="broad", dev_root=str(root), use_starter_bank=False, clip_s=2.0, heldout_fraction=0.3,
                p_mixture=1.0)
    return DataConfig(**(base | kw))


def test_fold_5_is_never_loaded_and_the_split_is_by_recording(dev_root):
    cfg = _cfg(dev_root)
    train, held = load_corpus(cfg, "train"), load_corpus(cfg, "heldout")
    paths = {s: [c.path for v in corp.foreground.values() for c in v] + [c.path for c in corp.background]
             for s, corp in (("train", train), ("heldout", held))}
    assert paths["train"] and paths["heldout"]
    for p in paths["train"] + paths["heldout"]:
        assert "/5-" not in p, f"fold-5 file loaded: {p}"
    rec = {s: {recording_id(p.split("/")[-3] if "ktuberling" in p else p.split("/")[-3], p) for p in v}
           for s, v in paths.items()}
    assert not rec["train"] & rec["heldout"] and not set(paths["train"]) & set(paths["heldout"])
    assert all(heldout_key(recording_id("esc50_16k", p), 0.3) for p in paths["heldout"] if "esc50" in p)
    assert recording_id("esc50_16k", "esc50_16k/dog/1-100038-A-14.ogg") == "esc50_16k:100038"
    assert {"dog", "rooster", "speech"} <= set(train.foreground)
    assert "dog bark" in train.names["dog"] and "rooster" in train.names["rooster"]  # names from the vocabulary
    assert {c.group for c in train.foreground["speech"]} <= {f"ktuberling:{x}" for x in ("en", "de", "fr", "it")}


def test_a_mixture_pair_target_is_the_gain_weighted_sum_of_its_sources(dev_root):
    cfg = _cfg(dev_root)
    corpus = load_corpus(cfg, "train")
    rng = np.random.default_rng(3)
    for multi in (False, True, None):
        for _ in range(6):
            p = mixture_pair(corpus, cfg, rng, multi=multi)
            assert p.op == "mixture" and p.span_s == (0.0, 2.0) and len(p.source) == 2 * SR
            assert 2 <= len(p.stems) <= 4 and any(g != 1.0 for g in p.gains)
            np.testing.assert_allclose(p.source, np.sum(p.stems, 0), atol=1e-5)
            np.testing.assert_allclose(p.target, np.sum([g * s for g, s in zip(p.gains, p.stems)], 0), atol=1e-5)
            assert max(np.abs(p.source).max(), np.abs(p.target).max()) <= 0.99 + 1e-6
            if multi is False:
                assert sum(g != 1.0 for g in p.gains) == 1
    assert make_pair(corpus, cfg, rng).op == "mixture"  # p_mixture=1
    loud = _cfg(dev_root, level_jitter_db=[20.0, 30.0])  # scaled up to the peak cap, sum still exact
    p = make_pair(corpus, loud, rng)
    assert abs(max(np.abs(p.source).max(), np.abs(p.target).max()) - 0.99) < 1e-3
    np.testing.assert_allclose(p.target, np.sum([g * s for g, s in zip(p.gains, p.stems)], 0), atol=1e-5)
    assert make_pair(corpus, cfg, rng, op="remove").op == "remove"  # an explicit op: the single-target pair


def test_mixture_instructions_name_every_edited_source():
    rng = np.random.default_rng(0)
    text = mixture_instruction(["0", "U", "1", "0"], ["female speaker", "rain", "dog", "cow"], rng)
    assert "the female speaker" in text and "the cow" in text and "the rain" in text and "dog" not in text
    assert set(GAINS) == {"1", "0", "U", "D"} and GAINS["U"] == 2.0 and GAINS["D"] == 0.5


def test_speaker_descriptions_come_from_the_measured_pitch():
    assert abs(median_f0_hz(_voice(110.0, 1.0, 0)) - 110.0) < 5
    assert abs(median_f0_hz(_voice(240.0, 1.0, 0)) - 240.0) < 10
    assert median_f0_hz(np.zeros(SR, np.float32)) == 0.0
    assert sex_and_pitch(100.0) == ("male", "low") and sex_and_pitch(250.0) == ("female", "high")
    rng = np.random.default_rng(0)
    texts = {describe(110.0, rng) for _ in range(40)}
    assert all("female" not in t and "woman" not in t for t in texts) and describe(0.0, rng) is None


def test_the_broad_recipe_reads():
    cfg = load_config("broad")
    assert cfg.representation.n_mels == 128 and cfg.data.corpus == "broad" and cfg.data.clip_s == 5.0
    assert cfg.train.threads == 1 and cfg.warm_start == "executor/ldm/assets/broad"
    assert load_config("cpu").data.corpus == "urban" and load_config("cpu").data.p_mixture == 0.0



def test_instruction_cache_overflow_keeps_the_batch(monkeypatch):
    """A full cache is cleared before a batch: the batch's already-cached texts are encoded again
    (a training run once died on a KeyError here)."""
    from types import SimpleNamespace

    import torch

    from audioedit.executor.ldm import text as text_mod

    def states(texts):
        return torch.ones(len(texts), 2, 4), torch.ones(len(texts), 2, dtype=torch.bool)

    enc = text_mod.InstructionEncoder.__new__(text_mod.InstructionEncoder)
    enc.tower = SimpleNamespace(states=states)
    enc.hidden_size, enc._cache = 4, {}
    monkeypatch.setattr(text_mod, "CACHE_MAX", 3)
    enc(["a", "b"])
    out = enc(["a", "c", "d"])  # 'a' is cached; 'c' and 'd' overflow the cache of 3
    assert out.tokens.shape == (3, 2, 4) and set(enc._cache) == {"a", "c", "d"}
