"""Held-out evaluation of the editor against identity, the representation's oracle and DSP.

    python -m audioedit.executor.ldm.evaluate --editor executor/ldm/assets/cpu [--per-case 20] [--json out.json]

For every held-out pair (mixture only, no stems) and op (remove / loudness / extract, with and
without an overlapping event; and with a background texture as the target, "(background)"; with
``data.p_mixture`` > 0 also the LCR-like ``mixture`` pairs, one target / several = overlap no / yes): SI-SDR and LSD of the output to the target, and LSD of the output
to the source outside the edited span (preservation; 0 = untouched). Systems: ``identity``
(return the source), ``oracle`` (the true band gains through the representation, the ceiling),
``ldm_one_step`` and ``ldm_flow`` (the editor, localized, as the executor runs it) and
``dsp_mixture`` (``audioedit.executor.dsp`` on the mixture, where it accepts the step). Also the latency of
one step on a 10 s clip.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np
import torch
from pydantic import BaseModel

from audioedit import metrics
from audioedit.audio import Audio
from audioedit.errors import ExecutionError
from audioedit.executor.ldm.data import Pair, heldout_pairs

log = logging.getLogger(__name__)
SR = 16_000


def si_sdr(est: np.ndarray, ref: np.ndarray) -> float:
    """SI-SDR in dB (``audioedit.metrics.si_sdr``; a silent reference counts as -100 dB)."""
    value = metrics.si_sdr(est, ref)
    return -metrics.SNR_CAP_DB if value is None else value


def lsd(est: np.ndarray, ref: np.ndarray, sr: int = SR, frames: np.ndarray | None = None) -> float:
    """LSD as the project defines it (``audioedit.metrics.lsd_per_frame``: n_fft=int(2048*sr/44100),
    hop=sr/100, log10 power ratio, RMS over frequency), averaged over ``frames`` (bool mask) or all."""
    per_frame = metrics.lsd_per_frame(est, ref, sr)
    if frames is not None:
        per_frame = per_frame[frames[: len(per_frame)]]
    return float(per_frame.mean()) if per_frame.size else 0.0


def outside_frames(n_samples: int, span_s: tuple[float, float], margin_s: float) -> np.ndarray:
    hop = SR // 100
    t = np.arange(n_samples // hop + 1) * hop / SR
    return (t < span_s[0] - margin_s - 0.03) | (t > span_s[1] + margin_s + 0.03)


class Row(BaseModel):
    op: str
    overlap: bool
    system: str
    n: int
    si_sdr_db: float
    lsd: float
    lsd_in_span: float
    outside_lsd: float
    beats_identity: float  # fraction of pairs with higher SI-SDR than identity


class EvalResult(BaseModel):
    editor: str
    step: int | None = None
    pairs: int
    rows: list[Row]
    latency_s_10s_clip: float | None = None  # default sampler
    latency_flow_s_10s_clip: float | None = None  # flow sampler with its configured steps and guidance
    round_trip: dict[str, float] = {}  # the representation with no edit, on the held-out sources
    notes: list[str] = []


def _dsp(pair: Pair) -> np.ndarray | None:
    """``audioedit.executor.dsp`` on the mixture (no stems) where it accepts the step; else None."""
    try:
        from audioedit.executor.dsp import execute_dsp, mixture_feasible
    except ImportError:
        return None
    from audioedit.scene import Event, Scene
    from audioedit.steps import EventRef, LoudnessStep, RemoveStep

    if pair.op not in ("remove", "loudness"):
        return None
    events = [Event(id="background0_bg", label="bg", onset_s=0, offset_s=len(pair.source) / SR, role="background"),
              Event(id="foreground0_target", label=pair.label, onset_s=pair.span_s[0], offset_s=pair.span_s[1])]
    events += [Event(id=f"foreground{i + 1}_{lab}", label=lab, onset_s=a, offset_s=b)
               for i, (lab, a, b) in enumerate(pair.others)]
    scene = Scene(Audio(pair.source[None], SR), tuple(events), None, "annotation")
    ref = EventRef(label=pair.label, event_ids=["foreground0_target"])
    step = (RemoveStep(id="s1", instruction=pair.instruction, target=ref) if pair.op == "remove" else
            LoudnessStep(id="s1", instruction=pair.instruction, target=ref, gain_db=pair.gain_db))
    ok, _ = mixture_feasible(scene, step)
    if not ok:
        return None
    try:
        return execute_dsp(scene, step, bank=None, rng=np.random.default_rng(0), mode="mixture").scene.audio.samples[0]
    except Exception as exc:  # a DSP failure is a data point, not a crash of the benchmark
        log.warning("dsp failed on a %s pair: %s", pair.op, exc)
        return None


def _outputs(ed, pair: Pair, systems: list[str]) -> dict[str, np.ndarray | None]:
    audio = Audio(pair.source[None], SR)
    span = (pair.span_s[0] - ed.cfg.sampler.margin_s, pair.span_s[1] + ed.cfg.sampler.margin_s)
    out: dict[str, np.ndarray | None] = {"identity": pair.source}
    src, tgt = torch.from_numpy(pair.source)[None], torch.from_numpy(pair.target)[None]
    rep = ed.editor.rep
    out["oracle"] = rep.apply(src, rep.target_delta(src, tgt))[0].numpy()
    for mode in ("one_step", "flow"):
        if f"ldm_{mode}" in systems:
            if pair.op == "extract":  # the layer, as the executor uses it: zeros outside the span
                out[f"ldm_{mode}"] = ed.extract_layer(audio, pair.label, span, instruction=pair.instruction, mode=mode)[0]
            else:
                out[f"ldm_{mode}"] = ed.edit_audio(audio, pair.instruction, span, mode=mode).samples[0]
    if "ldm_remove_complement" in systems and pair.op == "extract":  # the layer as source - removal
        saved = ed.cfg.sampler.extract_via
        ed.cfg.sampler.extract_via = "remove"
        try:
            out["ldm_remove_complement"] = ed.extract_layer(audio, pair.label, span)[0]
        finally:
            ed.cfg.sampler.extract_via = saved
    if "ldm_source_minus_extract" in systems and pair.op == "remove":  # removal as source - extracted layer
        out["ldm_source_minus_extract"] = pair.source - ed.extract_layer(audio, pair.label, span)[0]
    if "ldm_extract_gain" in systems and pair.op == "loudness":  # loudness as extract (learned) + gain (DSP)
        layer = ed.extract_layer(audio, pair.label, span)[0]
        out["ldm_extract_gain"] = pair.source + (10 ** (pair.gain_db / 20) - 1) * layer
    if "dsp_mixture" in systems:
        out["dsp_mixture"] = _dsp(pair)
    return out


def evaluate(ed, per_case: int = 20, seed: int = 1234, systems: list[str] | None = None,
             latency: bool = True, data=None) -> EvalResult:
    """Run the benchmark for the ``LdmEditor`` ``ed`` (see module doc). ``data``: the ``DataConfig``
    of the held-out pairs (default the editor's own; another's to compare two editors on one set)."""
    systems = systems or ["identity", "oracle", "ldm_one_step", "ldm_flow", "ldm_extract_gain", "ldm_remove_complement",
                          "ldm_source_minus_extract", "dsp_mixture"]
    pairs = heldout_pairs(data or ed.cfg.data, per_case=per_case, seed=seed, backgrounds=True, mixtures=True)
    scores: dict[tuple[str, bool, str], list[tuple[float, float, float, float, float]]] = {}
    for pair in pairs:
        outs = _outputs(ed, pair, systems)
        base = si_sdr(pair.source, pair.target)
        mask = outside_frames(len(pair.source), pair.span_s, ed.cfg.sampler.margin_s)
        for name in systems:
            y = outs.get(name)
            if y is None:
                continue
            s = si_sdr(y, pair.target)
            ref_out = pair.target if pair.op == "extract" else pair.source
            op = pair.op if pair.target_role in ("foreground", "mixture") else f"{pair.op} (background)"
            scores.setdefault((op, pair.overlap, name), []).append(
                (s, lsd(y, pair.target), lsd(y, ref_out, frames=mask), float(s > base + 1e-6),
                 lsd(y, pair.target, frames=~mask)))
    rows = [Row(op=op, overlap=ov, system=name, n=len(v), si_sdr_db=round(float(np.mean([x[0] for x in v])), 2),
                lsd=round(float(np.mean([x[1] for x in v])), 3), lsd_in_span=round(float(np.mean([x[4] for x in v])), 3),
                outside_lsd=round(float(np.mean([x[2] for x in v])), 3),
                beats_identity=round(float(np.mean([x[3] for x in v])), 2))
            for (op, ov, name), v in scores.items()]
    rows.sort(key=lambda r: (r.op, r.overlap, systems.index(r.system)))
    return EvalResult(editor=str(ed.info.get("source", "?")), step=ed.info.get("step"), pairs=len(pairs), rows=rows,
                      latency_s_10s_clip=measure_latency(ed) if latency else None,
                      latency_flow_s_10s_clip=measure_latency(ed, mode="flow") if latency else None,
                      round_trip=round_trip(ed, pairs),
                      notes=[f"sampler: {ed.cfg.sampler.model_dump_json()}"])


def round_trip(ed, pairs: list[Pair]) -> dict[str, float]:
    """The representation's round trip with no edit (zero band gains) on the held-out sources:
    SI-SDR (dB), LSD and the mean absolute log-mel difference in dB. The melgain representation keeps
    the source's STFT, so this measures its STFT -> ISTFT reconstruction."""
    rep, scores = ed.editor.rep, []
    for pair in pairs:
        x = torch.from_numpy(pair.source)[None]
        y = rep.apply(x, torch.zeros_like(rep.latent(x)))
        mel_db = float((rep.latent(y) - rep.latent(x)).abs().mean()) * 20 / np.log(10)  # log magnitude -> dB
        scores.append((si_sdr(y[0].numpy(), pair.source), lsd(y[0].numpy(), pair.source), mel_db))
    return {"n": len(pairs), "si_sdr_db": round(float(np.mean([s[0] for s in scores])), 2),
            "lsd": round(float(np.mean([s[1] for s in scores])), 4), "mel_abs_db": round(float(np.mean([s[2] for s in scores])), 4)}


def measure_latency(ed, seconds: float = 10.0, mode: str | None = None) -> float:
    """Wall time of one 2 s remove edit (``mode``: default sampler) on a 10 s 16 kHz clip; best of 3."""
    rng = np.random.default_rng(0)
    audio = Audio((rng.standard_normal((1, int(seconds * SR))) * 0.05).astype(np.float32), SR)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        try:
            ed.edit_audio(audio, "remove the siren", (4.0, 6.0), mode=mode)
        except ExecutionError:  # an editor that changes nothing still took the time
            pass
        times.append(time.perf_counter() - t0)
    return round(min(times), 3)


def format_table(result: EvalResult) -> str:
    """Markdown table: one row per (op, overlap, system)."""
    lines = ["| op | overlap | system | n | SI-SDR dB | LSD | LSD in span | LSD outside span | beats identity |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in result.rows:
        lines.append(f"| {r.op} | {'yes' if r.overlap else 'no'} | {r.system} | {r.n} | {r.si_sdr_db:.2f} | "
                     f"{r.lsd:.3f} | {r.lsd_in_span:.3f} | {r.outside_lsd:.3f} | {r.beats_identity:.0%} |")
    if result.round_trip:
        rt = result.round_trip
        lines.append(f"\nRound trip of the representation with no edit ({rt['n']} held-out sources): SI-SDR "
                     f"{rt['si_sdr_db']:.1f} dB, LSD {rt['lsd']:.4f}, mean |log-mel difference| {rt['mel_abs_db']:.4f} dB")
    if result.latency_s_10s_clip is not None:
        lines.append(f"\nLatency, one step on a 10 s clip: {result.latency_s_10s_clip:.3f} s (default sampler), "
                     f"{result.latency_flow_s_10s_clip:.3f} s (flow sampler)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Evaluate the learned editor on held-out pairs.")
    parser.add_argument("--editor", default=None, help="export folder or checkpoint.pt (default: shipped)")
    parser.add_argument("--per-case", type=int, default=20)
    parser.add_argument("--json", default=None)
    parser.add_argument("--guidance", type=float, default=None)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--t-start", type=float, default=None)
    parser.add_argument("--sampler-config", default=None, help="take the sampler settings from this config")
    parser.add_argument("--systems", default=None, help="comma-separated subset, e.g. identity,ldm_one_step")
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--pairs-config", default=None,
                        help="take the held-out pairs' data settings from this config (e.g. configs/editor/cpu.yaml "
                             "to compare an editor with the shipped one on the same pairs)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(1)
    from audioedit.executor.ldm.editor import load_editor

    ed = load_editor(args.editor)
    if args.sampler_config:
        from audioedit.executor.ldm.config import load_config

        ed.cfg.sampler = load_config(args.sampler_config).sampler
    upd = {k: v for k, v in {"guidance": args.guidance, "steps": args.steps, "t_start": args.t_start}.items()
           if v is not None}
    if upd:
        ed.cfg.sampler = ed.cfg.sampler.model_copy(update=upd)
    systems = args.systems.split(",") if args.systems else None
    data = None
    if args.pairs_config:
        from audioedit.executor.ldm.config import load_config

        data = load_config(args.pairs_config).data
    result = evaluate(ed, per_case=args.per_case, systems=systems, latency=not args.no_latency, data=data)
    print(format_table(result))
    if args.json:
        Path(args.json).write_text(result.model_dump_json(indent=2))


if __name__ == "__main__":
    main()
