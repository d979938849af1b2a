"""The ``laion`` CLAP backend: the ``laion-clap`` package with a local ``.pt`` checkpoint (optional).

Config: ``{type: laion, config: {checkpoint: PATH.pt, amodel: HTSAT-tiny, enable_fusion: false}}``.

``laion-clap`` is deliberately not a project dependency: it pins numpy<2 (installing it into the
project environment downgrades numpy and pandas), imports torchvision without declaring it, and
builds its text tower with ``RobertaModel.from_pretrained('roberta-base')``, which needs the
Hugging Face cache (offline it fails, or hangs retrying). Offline, its Roberta tokenizer can also
silently degrade to a 5-token vocabulary, which makes every caption embed alike. This backend
therefore (1) raises ImportError with the install command when the package is missing, and
(2) checks the tokenizer's vocabulary and refuses to run on a degenerate one. Prefer the ``hf``
backend (``transformers.ClapModel`` loads LAION CLAP converted to HF format, no numpy pin).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from audioedit.audio import Audio
from audioedit.clap.base import ClapModel, _normalise
from audioedit.clap.hf_backend import check_tokenizer
from audioedit.errors import UserInputError

INSTALL_HINT = ("the laion CLAP backend needs the optional laion-clap package, in a SEPARATE virtual "
                "environment (it pins numpy<2): python -m venv clap-env && clap-env/bin/pip install "
                "torch==2.13.0 laion-clap==1.1.7 torchvision; or convert the checkpoint to HF format and "
                "use `type: hf`")


def import_laion_clap():
    """The ``laion_clap`` module, or ImportError with the install command."""
    try:
        import laion_clap
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return laion_clap


class LaionClap(ClapModel):
    """``ClapModel`` over ``laion_clap.CLAP_Module`` (48 kHz mono input)."""

    name = "laion"
    sample_rate_hz = 48_000

    def __init__(self, module):
        self.module = module
        tokenizer = getattr(getattr(module, "model", None), "tokenizer", None) or getattr(module, "tokenize", None)
        if tokenizer is not None and hasattr(tokenizer, "__len__"):
            check_tokenizer(tokenizer, "laion-clap (roberta-base)")
        else:
            self._check_tokenizer_by_use()

    @classmethod
    def from_config(cls, cfg: dict) -> LaionClap:
        laion_clap = import_laion_clap()
        checkpoint = Path(cfg.get("checkpoint") or "")
        if not checkpoint.is_file():
            raise UserInputError(f"laion CLAP checkpoint not found: {str(checkpoint)!r} (a local .pt file)")
        module = laion_clap.CLAP_Module(enable_fusion=bool(cfg.get("enable_fusion", False)),
                                        amodel=cfg.get("amodel", "HTSAT-tiny"))
        module.load_ckpt(str(checkpoint))
        return cls(module)

    def _check_tokenizer_by_use(self) -> None:
        """Two different captions must not embed identically (the degraded-vocabulary symptom)."""
        emb = self.embed_text(["a dog barks loudly", "rain falls on a metal roof"])
        if float(np.abs(emb[0] - emb[1]).max()) < 1e-4:
            raise UserInputError("laion-clap embeds different captions identically: its Roberta tokenizer "
                                 "degraded offline; provide the roberta-base tokenizer files or use `type: hf`")

    def embed_audio(self, audios: list[Audio]) -> np.ndarray:
        out = [self.module.get_audio_embedding_from_data(x=self.prepare(a)[None], use_tensor=False)[0]
               for a in audios]
        return _normalise(np.stack(out)) if out else np.zeros((0, 512), np.float32)

    def embed_text(self, texts: list[str]) -> np.ndarray:
        return _normalise(np.asarray(self.module.get_text_embedding(list(texts), use_tensor=False)))
