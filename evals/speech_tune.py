"""The split refinement's candidates on the ``dev`` split, and the choice by the rule written in
reports/speech/README.md (before the numbers): highest mean over SNRs of the median SI-SDR
improvement, among candidates whose median PESQ improvement is at least DFN3-alone's minus 0.1
at every SNR; ties (0.05 dB) go to the candidate closer to DFN3 alone.

    python -m audioedit.evals.speech_suite tune --out reports/speech/dev
    python -m audioedit.evals.speech_suite tune-post --out reports/speech/dev-post   # amendment 3

Amendment 3 (DFN3's post-filter): among ``POST_FILTER_BETAS`` on top of ``DEFAULT_SPLIT``, the one with
the highest mean over SNRs of the median ΔPESQ among those whose median ΔSI-SDR is at least today's
minus 0.3 dB at every SNR; within 0.02 of the best, the smaller beta.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from pathlib import Path

from audioedit.evals.speech_data import SNRS_DB, mixtures
from audioedit.evals.speech_metrics import speech_metrics

ATTEN_LIMS_DB = (100.0, 20.0)
WARMUPS_S = (0.0, 3.0)
LEAKS = (0.0, 0.1, 0.2)
POST_FILTER_BETAS = (0.0, 0.02, 0.05)


def candidates():
    from audioedit.executor.speech.layers import SplitConfig

    return [SplitConfig(atten_lim_db=a, warmup_s=w, leak=k) for a in ATTEN_LIMS_DB for w in WARMUPS_S for k in LEAKS]


def _distance(cfg) -> tuple:
    return (cfg.atten_lim_db != 100.0) + (cfg.leak != 0.0) + (cfg.warmup_s != 0.0), -cfg.atten_lim_db, cfg.leak


def choose(rows: dict) -> tuple:
    """``rows``: config -> {snr: (median ΔSI-SDR, median ΔPESQ)}; the rule's choice."""
    base = next(c for c in rows if c.atten_lim_db == 100.0 and c.leak == 0.0 and c.warmup_s == 0.0)
    ok = [c for c in rows if all(rows[c][s][1] >= rows[base][s][1] - 0.1 for s in rows[c])]
    score = {c: statistics.mean(rows[c][s][0] for s in rows[c]) for c in ok}
    best = max(score.values())
    return min((c for c in ok if score[c] >= best - 0.05), key=_distance), score


def main_tune(out_dir: str | Path, data_dir: str | None = None, limit: int | None = None) -> str:
    from audioedit.evals.suites import dev_data_dir
    from audioedit.executor.speech.layers import split_layers

    root = dev_data_dir(data_dir)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cands = candidates()
    per = defaultdict(lambda: defaultdict(list))
    with open(out / "tune.jsonl", "w", encoding="utf-8") as f:
        for mix in mixtures(root, "dev", limit=limit):
            ref = mix.speech.samples[0]
            base = speech_metrics(mix.mixture.samples[0], ref)
            for cfg in cands:
                m = speech_metrics(split_layers(mix.mixture, cfg).speech.samples[0], ref)
                d = (m["si_sdr"] - base["si_sdr"], (m["pesq_wb"] or 0) - (base["pesq_wb"] or 0))
                per[cfg][mix.snr_db].append(d)
                f.write(json.dumps({"item": mix.id, "snr_db": mix.snr_db, "atten_lim_db": cfg.atten_lim_db,
                                    "warmup_s": cfg.warmup_s,
                                    "leak": cfg.leak, "d_si_sdr": round(d[0], 3), "d_pesq_wb": round(d[1], 3)}) + "\n")
    rows = {c: {s: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for s, v in per[c].items()}
            for c in cands}
    chosen, score = choose(rows)
    lines = ["| atten_lim dB | warm-up s | leak | " + " | ".join(f"ΔSI-SDR @{s:g} | ΔPESQ @{s:g}" for s in SNRS_DB) + " | mean ΔSI-SDR | eligible |",
             "|---|---|---|" + "---|---|" * len(SNRS_DB) + "---|---|"]
    for c in cands:
        cells = " | ".join(f"{rows[c][s][0]:.2f} | {rows[c][s][1]:.2f}" for s in SNRS_DB)
        mean = statistics.mean(rows[c][s][0] for s in SNRS_DB)
        lines.append(f"| {c.atten_lim_db:g} | {c.warmup_s:g} | {c.leak:g} | {cells} | {mean:.2f} | {'yes' if c in score else 'no'}"
                     + (" **chosen**" if c == chosen else "") + " |")
    text = "\n".join(lines) + (f"\n\nchosen: atten_lim_db={chosen.atten_lim_db:g}, warmup_s={chosen.warmup_s:g}, "
                                f"leak={chosen.leak:g}\n")
    (out / "tune.md").write_text(text, encoding="utf-8")
    return text


def choose_post(rows: dict) -> tuple:
    """``rows``: beta -> {snr: (median ΔSI-SDR, median ΔPESQ)}; amendment 3's choice and the eligible scores."""
    ok = [b for b in rows if all(rows[b][s][0] >= rows[0.0][s][0] - 0.3 for s in rows[b])]
    score = {b: statistics.mean(rows[b][s][1] for s in rows[b]) for b in ok}
    best = max(score.values())
    return min(b for b in ok if score[b] >= best - 0.02), score


def main_tune_post(out_dir: str | Path, data_dir: str | None = None, limit: int | None = None) -> str:
    """Amendment 3 on the dev split: ``DEFAULT_SPLIT`` with each of ``POST_FILTER_BETAS``."""
    from dataclasses import replace

    from audioedit.evals.suites import dev_data_dir
    from audioedit.executor.speech.layers import DEFAULT_SPLIT, split_layers

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    per = defaultdict(lambda: defaultdict(list))
    with open(out / "tune.jsonl", "w", encoding="utf-8") as f:
        for mix in mixtures(dev_data_dir(data_dir), "dev", limit=limit):
            ref = mix.speech.samples[0]
            base = speech_metrics(mix.mixture.samples[0], ref)
            for beta in POST_FILTER_BETAS:
                layers = split_layers(mix.mixture, replace(DEFAULT_SPLIT, post_filter_beta=beta))
                m = speech_metrics(layers.speech.samples[0], ref)
                d = (m["si_sdr"] - base["si_sdr"], (m["pesq_wb"] or 0) - (base["pesq_wb"] or 0))
                per[beta][mix.snr_db].append(d)
                f.write(json.dumps({"item": mix.id, "snr_db": mix.snr_db, "post_filter_beta": beta,
                                    "d_si_sdr": round(d[0], 3), "d_pesq_wb": round(d[1], 3)}) + "\n")
    rows = {b: {s: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for s, v in per[b].items()}
            for b in POST_FILTER_BETAS}
    chosen, score = choose_post(rows)
    snrs = sorted(rows[0.0])
    lines = ["| post-filter beta | " + " | ".join(f"ΔSI-SDR @{s:g} | ΔPESQ @{s:g}" for s in snrs) + " | mean ΔPESQ | eligible |",
             "|---|" + "---|---|" * len(snrs) + "---|---|"]
    for b in POST_FILTER_BETAS:
        cells = " | ".join(f"{rows[b][s][0]:.2f} | {rows[b][s][1]:.2f}" for s in snrs)
        mean = statistics.mean(rows[b][s][1] for s in snrs)
        lines.append(f"| {b:g} | {cells} | {mean:.3f} | {'yes' if b in score else 'no'}" + (" **chosen**" if b == chosen else "") + " |")
    n = len(per[0.0][snrs[0]])
    text = "\n".join(lines) + f"\n\n{n} mixtures per SNR (dev split); chosen: post_filter_beta={chosen:g}\n"
    (out / "tune.md").write_text(text, encoding="utf-8")
    return text
