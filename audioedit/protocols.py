"""The seams of the pipeline as protocols: what it is given and what it calls, by shape.

- ``Bank``: where added and replacement sounds come from, and the labels the planner may add
  (``audioedit.bank.SoundBank``, ``audioedit.synth.banks.SynthBank``, test banks);
- ``Editor``: an object that executes a step on a scene (the learned editor ``LdmEditor`` and its
  lazy loader ``audioedit.executor.router.LazyEditor``);
- ``StepVerifier``: measures whether a step did what it says (``audioedit.agents.verifier.Verifier``);
- ``AudioTextModel``: the CLAP handle, audio and text embeddings in one space
  (``audioedit.clap.base.ClapModel``).

The core defines them so the layers above type their arguments without importing each other.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from audioedit.audio import Audio
from audioedit.report import Verdict
from audioedit.result import SoundSource, StepResult
from audioedit.scene import Scene
from audioedit.steps import EditStep

Span = tuple[float, float]


@runtime_checkable
class Bank(SoundSource, Protocol):
    """A ``SoundSource`` that names the sounds it has (the planner offers them to add and replace)."""

    def labels(self) -> list[str]: ...


class Editor(Protocol):
    """Executes one step on a scene; ``bank`` supplies new sounds, ``rng`` every random choice."""

    def execute(self, scene: Scene, step: EditStep, *, bank: SoundSource | None,
                rng: np.random.Generator) -> StepResult: ...


class StepVerifier(Protocol):
    """The checks of one executed step: ``edited_spans_s`` are where the audio may differ."""

    def __call__(self, before: Scene, after: Scene, step: EditStep, edited_spans_s: list[Span]) -> Verdict: ...


class AudioTextModel(Protocol):
    """Joint audio-text embeddings (L2-normalised rows); similarity is their cosine."""

    name: str
    sample_rate_hz: int

    def embed_audio(self, audios: list[Audio]) -> np.ndarray: ...

    def embed_text(self, texts: list[str]) -> np.ndarray: ...

    def similarity(self, audios: list[Audio], texts: list[str]) -> np.ndarray: ...
