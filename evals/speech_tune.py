"""The split refinement's candidates on the ``dev`` split, and the choice by the rule written in
reports/speech/README.md (before the numbers): highest mean over SNRs of the median SI-SDR
improvement, among candidates whose median PESQ improvement is at least DFN3-alone's minus 0.1
at every SNR; ties (0.05 dB) go to the candidate closer to DFN3 alone.

    python -m audioedit.evals.speech_suite tune --out reports/speech/dev
    python -m audioedit.evals.speech_suite tune-post --out reports/speech/dev-post   # amendment 3
    python -m audioedit.evals.speech_suite tune-passes --out reports/speech/dev-passes   # amendment 8
    python -m audioedit.evals.speech_suite tune-refiner --out reports/speech/dev-refiner   # amendment 9

Amendment 3 (DFN3's post-filter): among ``POST_FILTER_BETAS`` on top of ``DEFAULT_SPLIT``, the one with
the highest mean over SNRs of the median ΔPESQ among those whose median ΔSI-SDR is at least today's
minus 0.3 dB at every SNR; within 0.02 of the best, the smaller beta.

Amendment 8 (DFN3 run twice): ``passes`` 2 on top of ``DEFAULT_SPLIT`` is adopted when its median ΔPESQ is at
least today's + 0.05 at every SNR and its median ΔSI-SDR at least today's minus 0.3 dB at every SNR.

Amendment 9 (the learned refiner over DFN3's speech layer): the same rule for ``refine`` on and off (and the
bench row ``speech.split_60s`` < 5 s, measured apart).
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from pathlib import Path

from audioedit.evals.speech_data import mixtures
from audioedit.evals.speech_metrics import speech_metrics

ATTEN_LIMS_DB = (100.0, 20.0)
WARMUPS_S = (0.0, 3.0)
LEAKS = (0.0, 0.1, 0.2)
POST_FILTER_BETAS = (0.0, 0.02, 0.05)
PASSES = (1, 2)


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


def _measure(out: Path, data_dir: str | None, limit: int | None, configs: dict, fields) -> list[dict]:
    """Split every dev mixture with each of ``configs`` (key -> ``SplitConfig``); one record per
    (mixture, key), ``fields(key)`` naming the key, also written to ``out/tune.jsonl`` (rounded)."""
    from audioedit.evals.suites import dev_data_dir
    from audioedit.executor.speech.layers import split_layers

    out.mkdir(parents=True, exist_ok=True)
    records = []
    with open(out / "tune.jsonl", "w", encoding="utf-8") as f:
        for mix in mixtures(dev_data_dir(data_dir), "dev", limit=limit):
            ref = mix.speech.samples[0]
            base = speech_metrics(mix.mixture.samples[0], ref)
            for key, cfg in configs.items():
                m = speech_metrics(split_layers(mix.mixture, cfg).speech.samples[0], ref)
                records.append({"item": mix.id, "snr_db": mix.snr_db, **fields(key), "d_si_sdr": m["si_sdr"] - base["si_sdr"],
                                "d_pesq_wb": (m["pesq_wb"] or 0) - (base["pesq_wb"] or 0)})
                f.write(json.dumps({k: round(v, 3) if k.startswith("d_") else v for k, v in records[-1].items()}) + "\n")
    return records


def medians(records: list[dict], key) -> tuple[dict, int]:
    """key(record) -> {snr: (median ΔSI-SDR, median ΔPESQ)}, and the mixtures per SNR."""
    per = defaultdict(lambda: defaultdict(list))
    for r in records:
        per[key(r)][r["snr_db"]].append((r["d_si_sdr"], r["d_pesq_wb"]))
    rows = {k: {s: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for s, v in by.items()}
            for k, by in per.items()}
    return rows, len(next(iter(next(iter(per.values())).values())))


def _table(rows: dict, names: dict, header: str, mean_of: int, mean_name: str, score: dict, chosen,
           mean_digits: int) -> list[str]:
    """Markdown rows: each key's ``names[key]`` cells, (ΔSI-SDR, ΔPESQ) per SNR, the mean over SNRs of
    element ``mean_of`` (0: ΔSI-SDR, 1: ΔPESQ), and whether the rule found it eligible (``score``) or chose it."""
    snrs = sorted(next(iter(rows.values())))
    lines = [f"| {header} | " + " | ".join(f"ΔSI-SDR @{s:g} | ΔPESQ @{s:g}" for s in snrs) + f" | {mean_name} | eligible |",
             "|" + "---|" * (header.count("|") + 1) + "---|---|" * len(snrs) + "---|---|"]
    for key, row in rows.items():
        cells = " | ".join(f"{row[s][0]:.2f} | {row[s][1]:.2f}" for s in snrs)
        mean = statistics.mean(row[s][mean_of] for s in snrs)
        lines.append(f"| {names[key]} | {cells} | {mean:.{mean_digits}f} | {'yes' if key in score else 'no'}"
                     + (" **chosen**" if key == chosen else "") + " |")
    return lines


def main_tune(out_dir: str | Path, data_dir: str | None = None, limit: int | None = None) -> str:
    fields = ("atten_lim_db", "warmup_s", "leak")
    records = _measure(Path(out_dir), data_dir, limit, {c: c for c in candidates()},
                       lambda c: {k: getattr(c, k) for k in fields})
    text = tune_table(records)
    (Path(out_dir) / "tune.md").write_text(text, encoding="utf-8")
    return text


def tune_table(records: list[dict]) -> str:
    """The candidate table of ``main_tune``'s records and the rule's choice."""
    from audioedit.executor.speech.layers import SplitConfig

    rows, _ = medians(records, lambda r: SplitConfig(atten_lim_db=r["atten_lim_db"], warmup_s=r["warmup_s"], leak=r["leak"]))
    chosen, score = choose(rows)
    names = {c: f"{c.atten_lim_db:g} | {c.warmup_s:g} | {c.leak:g}" for c in rows}
    return "\n".join(_table(rows, names, "atten_lim dB | warm-up s | leak", 0, "mean ΔSI-SDR", score, chosen, 2)) + (
        f"\n\nchosen: atten_lim_db={chosen.atten_lim_db:g}, warmup_s={chosen.warmup_s:g}, leak={chosen.leak:g}\n")


def choose_post(rows: dict) -> tuple:
    """``rows``: beta -> {snr: (median ΔSI-SDR, median ΔPESQ)}; amendment 3's choice and the eligible scores."""
    ok = [b for b in rows if all(rows[b][s][0] >= rows[0.0][s][0] - 0.3 for s in rows[b])]
    score = {b: statistics.mean(rows[b][s][1] for s in rows[b]) for b in ok}
    best = max(score.values())
    return min(b for b in ok if score[b] >= best - 0.02), score


def main_tune_post(out_dir: str | Path, data_dir: str | None = None, limit: int | None = None) -> str:
    """Amendment 3 on the dev split: ``DEFAULT_SPLIT`` with each of ``POST_FILTER_BETAS``."""
    from dataclasses import replace

    from audioedit.executor.speech.layers import DEFAULT_SPLIT

    records = _measure(Path(out_dir), data_dir, limit,
                       {b: replace(DEFAULT_SPLIT, post_filter_beta=b) for b in POST_FILTER_BETAS},
                       lambda b: {"post_filter_beta": b})
    text = tune_post_table(records)
    (Path(out_dir) / "tune.md").write_text(text, encoding="utf-8")
    return text


def tune_post_table(records: list[dict]) -> str:
    """The post-filter table of ``main_tune_post``'s records and amendment 3's choice."""
    rows, n = medians(records, lambda r: r["post_filter_beta"])
    chosen, score = choose_post(rows)
    lines = _table(rows, {b: f"{b:g}" for b in rows}, "post-filter beta", 1, "mean ΔPESQ", score, chosen, 3)
    return "\n".join(lines) + f"\n\n{n} mixtures per SNR (dev split); chosen: post_filter_beta={chosen:g}\n"


def choose_passes(rows: dict) -> int:
    """``rows``: passes -> {snr: (median ΔSI-SDR, median ΔPESQ)}; amendment 8's choice."""
    return 2 if holds_over(rows, 2, 1) else 1


def main_tune_passes(out_dir: str | Path, data_dir: str | None = None, limit: int | None = None) -> str:
    """Amendment 8 on the dev split: ``DEFAULT_SPLIT`` with DFN3 run once and twice."""
    from dataclasses import replace

    from audioedit.executor.speech.layers import DEFAULT_SPLIT

    records = _measure(Path(out_dir), data_dir, limit, {n: replace(DEFAULT_SPLIT, passes=n) for n in PASSES},
                       lambda n: {"passes": n})
    rows, n = medians(records, lambda r: r["passes"])
    chosen = choose_passes(rows)
    eligible = {p: statistics.mean(rows[p][s][1] for s in rows[p]) for p in {1, chosen}}
    lines = _table(rows, {p: f"{p}" for p in rows}, "DFN3 passes", 1, "mean ΔPESQ", eligible, chosen, 3)
    text = "\n".join(lines) + f"\n\n{n} mixtures per SNR (dev split); chosen: passes={chosen}\n"
    (Path(out_dir) / "tune.md").write_text(text, encoding="utf-8")
    return text


def holds_over(rows: dict, candidate, base) -> bool:
    """Amendments 8 and 9: ``candidate``'s median ΔPESQ >= ``base``'s + 0.05 and median ΔSI-SDR >= ``base``'s
    - 0.3 dB at every SNR (``rows``: key -> {snr: (median ΔSI-SDR, median ΔPESQ)})."""
    new, old = rows[candidate], rows[base]
    return all(new[s][1] >= old[s][1] + 0.05 and new[s][0] >= old[s][0] - 0.3 for s in old)


def main_tune_refiner(out_dir: str | Path, data_dir: str | None = None, limit: int | None = None) -> str:
    """Amendment 9 on the dev split: ``DEFAULT_SPLIT`` without and with the refiner."""
    from dataclasses import replace

    from audioedit.executor.speech.layers import DEFAULT_SPLIT

    records = _measure(Path(out_dir), data_dir, limit, {r: replace(DEFAULT_SPLIT, refine=r) for r in (False, True)},
                       lambda r: {"refine": r})
    rows, n = medians(records, lambda r: r["refine"])
    chosen = holds_over(rows, True, False)
    eligible = {r: statistics.mean(rows[r][s][1] for s in rows[r]) for r in {False, chosen}}
    lines = _table(rows, {r: "refiner" if r else "DFN3 alone (today)" for r in rows}, "speech layer", 1, "mean ΔPESQ",
                   eligible, chosen, 3)
    text = "\n".join(lines) + f"\n\n{n} mixtures per SNR (dev split); the refiner {'holds' if chosen else 'fails'} the rule\n"
    (Path(out_dir) / "tune.md").write_text(text, encoding="utf-8")
    return text
