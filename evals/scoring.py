"""Scoring one method output against its item: every per-example metric of ``audioedit.evals.metrics``.

``score_output(item, source, target, output, clap=None, classifier=None) -> (metrics, vectors)``:
``metrics`` is a flat dict of floats (None where a metric does not apply), ``vectors`` holds the
CLAP embedding and class posterior of the output (for FAD and IS, computed over a whole method).
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

from audioedit.audio import Audio, load_audio
from audioedit.clap.small import SHIPPED_DIR, has_weights
from audioedit.paths import shown

from audioedit.evals import metrics as M
from audioedit.evals.suites import EvalItem



def resolve_clap(clap: str | None = "auto") -> tuple[object | None, str]:
    """A ``ClapModel`` and a note saying which. ``"auto"``: the shipped small CLAP when its
    weights exist, else none; ``"none"``/None: none; anything else: a CLAP YAML config, or a
    small-CLAP checkpoint / export / training-run folder."""
    if clap in (None, "none"):
        return None, "CLAP metrics off"
    from audioedit.clap import load_clap

    if clap == "auto":
        from audioedit.clap import default_clap

        model = default_clap()  # the process's one instance
        if model is None:
            return None, f"CLAP metrics skipped: no shipped small CLAP in {SHIPPED_DIR}"
        return model, f"small CLAP ({SHIPPED_DIR.name})"
    if str(clap).endswith((".yaml", ".yml")):
        return load_clap(clap), f"CLAP from {clap}"
    return load_clap({"type": "small", "config": {"checkpoint": os.fspath(clap)}}), f"small CLAP from {clap}"


def clap_description(clap: str | None = "auto") -> str:
    """What ``resolve_clap(clap)`` will use, in words, without loading anything."""
    if clap in (None, "none"):
        return "CLAP metrics (CLAP score, KL, IS, FAD) off"
    if clap == "auto":
        if has_weights(SHIPPED_DIR):
            return f"CLAP metrics with the shipped small CLAP ({shown(SHIPPED_DIR)})"
        return f"CLAP metrics (CLAP score, KL, IS, FAD) skipped: no shipped small CLAP in {shown(SHIPPED_DIR)}"
    return f"CLAP metrics with {clap}"


@lru_cache(maxsize=64)
def _stem(path: str) -> Audio:
    return load_audio(path)


def _aligned(output: Audio, target: Audio) -> np.ndarray:
    """``output`` at the target's rate and channel count, ``(channels, frames)``."""
    return output.conform(target).samples


def _span_audio(audio: Audio, spans_s: list[list[float]], min_s: float = 1.0) -> Audio:
    """``audio`` from the first span's start to the last span's end, widened to ``min_s`` when shorter."""
    a, b = min(s[0] for s in spans_s), max(s[1] for s in spans_s)
    if b - a < min_s:
        mid = (a + b) / 2
        a, b = max(0.0, mid - min_s / 2), min(audio.duration_s, mid + min_s / 2)
    return audio.slice_s(a, b)


def score_output(item: EvalItem, source: Audio, target: Audio, output: Audio, *, clap=None, classifier=None,
                 target_vectors: dict | None = None) -> tuple[dict[str, float | None], dict[str, list[float]]]:
    """Metrics of ``output`` for ``item`` (see the module docstring). ``target_vectors``: the
    target's CLAP embedding and posterior (computed once per item by the caller)."""
    sr = target.sample_rate_hz
    est, ref, src = _aligned(output, target), target.samples, source.conform(target).samples
    out: dict[str, float | None] = {
        "lsd": M.lsd(est, ref, sr),
        "si_sdr_db": M.si_sdr(est, ref),
        "si_sdri_db": M.si_sdr(est, ref) - M.si_sdr(src, ref),  # improvement over returning the input
        "lsd_to_source": M.lsd(est, src, sr),
        "span_loudness_err_db": M.span_loudness_error_db(est, ref, item.edit_spans_s, sr),
    }
    out.update(M.preservation(est, src, item.edit_spans_s, sr))
    if item.duration_window_s and item.layer_stems:
        # the edited event's layer = audio - (source - the event's stems): exact for the target,
        # the event plus whatever else the method changed for an output
        residual = src - sum(_stem(p).conform(target).fit_frames(target.num_frames).samples for p in item.layer_stems)
        a, b = (int(round(t * sr)) for t in item.duration_window_s)
        n = min(est.shape[1], residual.shape[1])
        out["duration_ratio_err"] = M.duration_ratio_error(
            M.active_duration_s((est[:, :n] - residual[:, :n])[:, a:b], sr),
            M.active_duration_s((ref[:, :n] - residual[:, :n])[:, a:b], sr))
    if item.expected_order:
        onsets = {}
        for ev_id, (path, on, off) in item.order_templates.items():
            stem = _stem(path).conform(target).samples
            onsets[ev_id] = M.detect_onset_s(est, stem[:, int(on * sr) : int(off * sr)], sr)
        out["onset_order_acc"] = M.onset_order_accuracy(onsets, item.expected_order)
    vectors: dict[str, list[float]] = {}
    if clap is not None:
        emb = clap.embed_audio([output])[0]
        vectors["embedding"] = [round(float(v), 5) for v in emb]
        text = clap.embed_text([item.target_caption])[0]
        out["clap_score"] = M.clap_score(emb, text)
        if item.edit_spans_s:
            out["clap_span_score"] = M.clap_score(clap.embed_audio([_span_audio(output, item.edit_spans_s)])[0], text)
        if classifier is not None:
            post = M.softmax(emb @ classifier.text.T / classifier.temperature)
            vectors["posterior"] = [round(float(v), 6) for v in post]
            if target_vectors and "posterior" in target_vectors:
                out["kl"] = float(M.kl_divergence(np.array(target_vectors["posterior"]), post)[0])
    return out, vectors


def target_vectors(target: Audio, clap=None, classifier=None) -> dict[str, list[float]]:
    """The target's CLAP embedding and class posterior (empty without a CLAP model)."""
    if clap is None:
        return {}
    emb = clap.embed_audio([target])[0]
    vec = {"embedding": [round(float(v), 5) for v in emb]}
    if classifier is not None:
        vec["posterior"] = [round(float(v), 6) for v in M.softmax(emb @ classifier.text.T / classifier.temperature)]
    return vec
