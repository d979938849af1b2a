"""The sentence encoder in plain torch (audioedit/clap/bert.py) gives transformers' numbers without importing it."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from audioedit.clap.base import TextTowerConfig
from audioedit.clap.bert import BertEncoder, load_tokenizer, tokenize
from audioedit.clap.small_model import TextTower, minilm_dir

TEXTS = ["a dog barking", "remove the male speaker with the low voice and the turkey gobbling in the yard",
         "Make this sound like a warm family time in a lively spring park.", "", "rain"]


def test_tokens_and_states_match_transformers_bert():
    transformers = pytest.importorskip("transformers")
    folder = minilm_dir()
    reference_tok = transformers.AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    reference = transformers.AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    batch = reference_tok(TEXTS, padding=True, truncation=True, max_length=16, return_tensors="pt")
    ids, mask = tokenize(load_tokenizer(folder, 16), TEXTS)
    assert torch.equal(ids, batch["input_ids"]) and torch.equal(mask, batch["attention_mask"].bool())
    ours = BertEncoder.pretrained(folder).eval()
    with torch.no_grad():
        expected = reference(**batch).last_hidden_state
        got = ours(ids, mask)
    real = mask.unsqueeze(-1).expand_as(got)  # padding positions are never read
    torch.testing.assert_close(got[real], expected[real], rtol=1e-4, atol=1e-5)


def test_the_text_tower_is_deterministic_by_seed_and_pools_real_tokens_only():
    cfg = TextTowerConfig(pretrained=False, hidden_size=16, num_layers=1, num_heads=2, max_tokens=12)
    a, b, c = TextTower(cfg, seed=1), TextTower(cfg, seed=1), TextTower(cfg, seed=2)
    torch.testing.assert_close(a(TEXTS), b(TEXTS))
    assert not torch.allclose(a(TEXTS), c(TEXTS))
    alone = TextTower(cfg, seed=1)(["rain"])  # batched with longer texts (padded) or alone: the same vector
    torch.testing.assert_close(a(["rain", TEXTS[1]])[0], alone[0], rtol=1e-5, atol=1e-6)


def test_reading_text_does_not_import_transformers():
    code = ("import sys; from audioedit.text_encoder import sentence_embeddings; sentence_embeddings(['a dog']); "
            "from audioedit.clap import default_clap; m = default_clap(); m is None or m.embed_text(['a dog']); "
            "print('transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr[-2000:]
