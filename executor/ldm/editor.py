"""``LdmEditor``: the trained editor as an executor backend, with localized editing.

    editor = load_editor()                                   # the shipped checkpoint
    result = editor.execute(scene, step, bank=bank, rng=rng) # -> audioedit.result.StepResult

Learned ops (one model): remove, loudness (re-level), extract. The other ops are compositions:
extract the target layer with the model, DSP that layer (move for reorder, time-stretch for
speed, swap for a bank clip for replace), and re-mix it with the residual (source - layer).
``add`` needs no model: a bank clip is mixed in (backend note says so).

Localization: the model sees the step's span (target events + ``margin_s``) plus ``context_s``
of audio either side, resampled to 16 kHz mono; its band-gain mask is applied to the native
STFT of every channel; the result replaces the source only inside the span, with raised-cosine
crossfades; outside the span the output is the input, sample for sample.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from audioedit.audio import Audio
from audioedit.errors import ExecutionError, UserInputError
from audioedit.scene import Event, Scene
from audioedit.steps import (AddStep, EditStep, LoudnessStep, MoveStep, RemoveStep, ReorderStep, ReplaceStep, SpeedStep,
                             resolve_step)
from audioedit.executor.ldm.core import Editor
from audioedit.executor.ldm.representation import apply_band_gains

log = logging.getLogger(__name__)
BACKEND = "ldm"


def check_span(span_s: tuple[float, float], duration_s: float) -> tuple[float, float]:
    """The span clipped to the clip; UserInputError when it is empty or lies outside the clip."""
    a, b = float(span_s[0]), float(span_s[1])
    if not b > a:
        raise UserInputError(f"edit span {a:.3f}-{b:.3f} s is empty: the end must be after the start")
    if b <= 0 or a >= duration_s:
        raise UserInputError(f"edit span {a:.3f}-{b:.3f} s lies outside the clip (0-{duration_s:.3f} s); "
                             "give a span that overlaps the audio")
    return max(0.0, a), min(duration_s, b)


def crossfade_into(source: np.ndarray, edited: np.ndarray, start: int, stop: int, fade: int) -> np.ndarray:
    """``source`` with ``edited[:, start:stop]`` blended in (raised-cosine ramps of ``fade`` frames
    inside the span); frames outside ``[start, stop)`` are copied from ``source`` unchanged."""
    out = source.copy()
    n = stop - start
    w = np.ones(n)
    f = min(fade, n // 2)
    if f:
        ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(f) + 0.5) / f)
        w[:f], w[n - f :] = ramp, ramp[::-1]
    seg = source[:, start:stop].astype(np.float64) * (1 - w) + edited[:, start:stop].astype(np.float64) * w
    out[:, start:stop] = seg.astype(source.dtype)
    return out


class LdmEditor:
    """The learned editor backend (``backend = "ldm"``); see the module docstring."""

    name = BACKEND

    def __init__(self, editor: Editor, info: dict | None = None):
        self.editor = editor
        self.cfg = editor.cfg
        self.info = info or {}
        self.labels: set[str] = set(self.info.get("labels") or [])  # trained-on sounds (a note, never a refusal)

    # --- one learned edit on one span ----------------------------------------------------------
    def gain_mask(self, audio: Audio, instruction: str, span_s: tuple[float, float], *, seed: int = 0,
                  mode: str | None = None) -> tuple[np.ndarray, int, int]:
        """(edited window (channels, frames) at the native rate, window start frame, stop frame)."""
        sc = self.cfg.sampler
        a, b = check_span(span_s, audio.duration_s)
        w0 = max(0.0, a - sc.context_s)
        w1 = min(audio.duration_s, b + sc.context_s)
        start, stop = audio.frame(w0), min(audio.num_frames, audio.frame(w1))
        window = audio.with_samples(audio.samples[:, start:stop])
        sr = self.cfg.representation.sample_rate_hz
        mono = window.to_mono().resample(sr) if window.sample_rate_hz != sr else window.to_mono()
        wave = torch.from_numpy(np.array(mono.samples[0], dtype=np.float32))[None]
        delta = self.editor.predict(wave, [instruction], [(a - w0, b - w0)], mode=mode, seed=seed)[0].numpy()
        edited = apply_band_gains(window.samples, window.sample_rate_hz, delta, self.editor.rep)
        return edited, start, stop

    def edit_audio(self, audio: Audio, instruction: str, span_s: tuple[float, float], *, seed: int = 0,
                   mode: str | None = None) -> Audio:
        """``audio`` edited by ``instruction`` inside ``span_s`` only (sample-exact elsewhere)."""
        a, b = check_span(span_s, audio.duration_s)
        edited_win, start, stop = self.gain_mask(audio, instruction, (a, b), seed=seed, mode=mode)
        edited = audio.samples.copy()
        edited[:, start:stop] = edited_win
        fade = int(self.cfg.sampler.crossfade_s * audio.sample_rate_hz)
        start_f, stop_f = audio.frame(a), min(audio.num_frames, audio.frame(b))
        out = crossfade_into(audio.samples, edited, start_f, stop_f, fade)
        if np.max(np.abs(out[:, start_f:stop_f] - audio.samples[:, start_f:stop_f]), initial=0.0) < 1e-7:
            raise ExecutionError(f"the learned editor left {a:.2f}-{b:.2f} s unchanged for {instruction!r}; "
                                 "the instruction may be outside what it was trained on (remove / re-level / extract)")
        return audio.with_samples(out)

    def extract_layer(self, audio: Audio, label: str, span_s: tuple[float, float], *, seed: int = 0,
                      instruction: str | None = None, mode: str | None = None) -> np.ndarray:
        """The event ``label`` inside ``span_s`` as ``(channels, frames)`` (zeros outside the span).

        ``sampler.extract_via``: ``direct`` asks for "extract the <label>" (or ``instruction``);
        ``remove`` takes the source minus "remove the <label>"."""
        a, b = check_span(span_s, audio.duration_s)
        name = label.replace("_", " ")
        full = np.zeros_like(audio.samples)
        if self.cfg.sampler.extract_via == "remove":
            edited_win, start, stop = self.gain_mask(audio, f"remove the {name}", (a, b), seed=seed, mode=mode)
            full[:, start:stop] = audio.samples[:, start:stop] - edited_win
        else:
            edited_win, start, stop = self.gain_mask(audio, instruction or f"extract the {name}", (a, b), seed=seed,
                                                     mode=mode)
            full[:, start:stop] = edited_win
        fade = int(self.cfg.sampler.crossfade_s * audio.sample_rate_hz)
        return crossfade_into(np.zeros_like(audio.samples), full, audio.frame(a), min(audio.num_frames, audio.frame(b)), fade)

    # --- steps ---------------------------------------------------------------------------------
    def nearest_trained(self, label: str) -> tuple[str, float]:
        """The trained label whose name is nearest to ``label``'s in the instruction encoder's pooled
        space, and the cosine similarity (("", 0.0) when the export lists no labels)."""
        if not self.labels:
            return "", 0.0
        names = sorted(self.labels)
        pooled = self.editor.text([n.replace("_", " ") for n in [label, *names]]).pooled
        sims = torch.nn.functional.cosine_similarity(pooled[:1], pooled[1:])
        k = int(torch.argmax(sims))
        return names[k], float(sims[k])

    def untrained(self, targets: list[Event]) -> list[str]:
        """Target labels outside the export's trained labels (``info.json``; empty when it lists none).
        The editor is conditioned on free text and runs them all the same."""
        return sorted({e.label for e in targets} - self.labels) if self.labels else []

    def _span(self, ev: Event, duration_s: float, margin_s: float | None = None) -> tuple[float, float]:
        m = self.cfg.sampler.margin_s if margin_s is None else margin_s
        return check_span((ev.onset_s - m, ev.offset_s + m), duration_s)

    def execute(self, scene: Scene, step: EditStep, *, bank=None, rng: np.random.Generator | None = None):
        """Run ``step`` on ``scene``'s mixture; returns ``audioedit.result.StepResult`` (backend "ldm")."""
        from audioedit.executor.ldm.compose import execute_step

        rng = rng if rng is not None else np.random.default_rng(0)
        if not isinstance(step, AddStep):
            targets = resolve_step(step, scene)
            if not targets:
                raise UserInputError(f"step {step.id!r} ({step.op}) names no event of this scene; "
                                     f"events: {[e.id for e in scene.events]}")
        if isinstance(step, (AddStep, RemoveStep, ReplaceStep, ReorderStep, MoveStep, LoudnessStep, SpeedStep)):
            result = execute_step(self, scene, step, bank=bank, rng=rng)
            unknown = [] if isinstance(step, AddStep) else self.untrained(targets)
            if unknown:  # free text: run anyway, say so (with the nearest trained sound); the verifier decides
                near = "; ".join(f"{u!r} nearest {lb!r} (cosine {cos:.2f})" for u in unknown
                                 for lb, cos in [self.nearest_trained(u)])
                result = replace(result, notes=[*result.notes, f"not among the sounds the editor was trained on: "
                                                f"{unknown}; edited from the text of the instruction ({near})"])
            return result
        raise ExecutionError(f"the ldm editor cannot run op {getattr(step, 'op', step)!r}")


DEFAULT_ASSETS = Path(__file__).resolve().parent / "assets" / "cpu"
BROAD_ASSETS = DEFAULT_ASSETS.parent / "broad"
DEFAULT_EDITORS = (DEFAULT_ASSETS, BROAD_ASSETS)  # routed by trained label (reports/editor-broad section 6)


def load_editor(path: str | Path | None = None) -> LdmEditor:
    """The exported editor in ``path`` (default: the shipped ``executor/ldm/assets/cpu``): a folder
    with ``config.yaml`` and ``model.safetensors`` (EMA weights), or a training ``checkpoint.pt``."""
    from audioedit.executor.ldm.export import load_weights

    editor, info = load_weights(Path(path) if path is not None else DEFAULT_ASSETS)
    return LdmEditor(editor, info)
