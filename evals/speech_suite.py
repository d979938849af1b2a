"""The ``speech`` suite: "remove the background noise" and "make the voice 6 dB louder" on plain
recordings (no annotation, no stems), per SNR and method; see reports/speech/README.md.

    audioedit eval --suite speech --methods planned,identity,dfn3 --out reports/speech/test
    python -m audioedit.evals.speech_suite tune --out reports/speech/dev      # the dev-split candidate table
    python -m audioedit.evals.speech_suite run --shard 0/2 --out DIR & python -m audioedit.evals.speech_suite run --shard 1/2 --out DIR
    python -m audioedit.evals.speech_suite report --out DIR                   # the tables over every shard

Methods: ``identity`` (the input), ``dfn3`` (DeepFilterNet3 alone), ``planned`` (the whole
pipeline, ``audioedit.edit``, on the mixture alone). Per item the records hold SI-SDR, PESQ-WB and
STOI against the clean speech (and their improvement over the input); the loudness task holds the
measured speech gain and the SI-SDR of ``output - 2 x speech`` against the true background.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from audioedit.errors import UserInputError
from audioedit.evals.speech_data import SNRS_DB, SpeechMix, mixtures
from audioedit.evals.speech_metrics import gain_projection, speech_metrics

METHODS = ("planned", "identity", "dfn3")
DENOISE = "remove the background noise"
LOUDER = "make the voice 6 dB louder"
LOUDER_DB = 6.0


def _planned(mix: SpeechMix, request: str) -> tuple[np.ndarray, str]:
    from audioedit.api import edit

    outcome = edit(mix.mixture, request, seed=0)
    return outcome.audio.samples[0], outcome.report.status


def run_method(method: str, mix: SpeechMix, request: str = DENOISE) -> tuple[np.ndarray, str]:
    if method == "identity":
        return mix.mixture.samples[0], "ok"
    if method == "dfn3":
        from audioedit.executor.speech.dfn import enhance

        return enhance(mix.mixture).samples[0], "ok"
    if method == "planned":
        return _planned(mix, request)
    raise UserInputError(f"unknown speech-suite method {method!r}; accepted: {', '.join(METHODS)}")


def denoise_record(mix: SpeechMix, method: str, out: np.ndarray, status: str, seconds: float, base: dict) -> dict:
    m = speech_metrics(out, mix.speech.samples[0])
    rec = {"task": "denoise", "item": mix.id, "snr_db": mix.snr_db, "method": method, "status": status,
           "seconds": round(seconds, 3), **{k: None if v is None else round(v, 4) for k, v in m.items()}}
    for k in ("si_sdr", "pesq_wb", "stoi"):
        rec[f"d_{k}"] = None if rec[k] is None or base.get(k) is None else round(rec[k] - base[k], 4)
    return rec


def louder_record(mix: SpeechMix, method: str, out: np.ndarray, status: str, seconds: float) -> dict:
    from audioedit.metrics import si_sdr

    s, b = mix.speech.samples[0], mix.background.samples[0]
    speech_gain, bg_gain = gain_projection(out, s, b)
    rest = out - 10 ** (LOUDER_DB / 20) * s
    from audioedit.executor.speech.layers import split_layers

    before, after = split_layers(mix.mixture), split_layers(mix.mixture.with_samples(out[None, :]))
    layer_gain = 10 * np.log10(np.sum(after.speech.samples.astype(np.float64) ** 2)
                               / max(np.sum(before.speech.samples.astype(np.float64) ** 2), 1e-12))
    return {"layer_speech_gain_db": round(float(layer_gain), 3),
            "layer_rest_si_sdr": round(si_sdr(after.rest.samples[0], before.rest.samples[0]), 3),"task": "louder", "item": mix.id, "snr_db": mix.snr_db, "method": method, "status": status,
            "seconds": round(seconds, 3), "speech_gain_db": round(speech_gain, 3), "background_gain_db": round(bg_gain, 3),
            "rest_si_sdr": round(si_sdr(rest, b), 3)}


def run_suite(data_dir: str | Path, methods: list[str], out_dir: str | Path, split: str = "test",
              limit: int | None = None, louder: bool = True, shard: tuple[int, int] = (0, 1)) -> list[dict]:
    """Records of every method on every item (also written to ``out_dir/results-<k>.jsonl``);
    ``shard`` (k, n): only the items whose index is k modulo n (run n processes, then ``report``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    records = []
    with open(out / f"results-{shard[0]}.jsonl", "w", encoding="utf-8") as f:
        for index, mix in enumerate(mixtures(data_dir, split, limit=limit)):
            if index % shard[1] != shard[0]:
                continue
            base = speech_metrics(mix.mixture.samples[0], mix.speech.samples[0])
            for method in methods:
                start = time.perf_counter()
                y, status = run_method(method, mix, DENOISE)
                records.append(denoise_record(mix, method, y, status, time.perf_counter() - start, base))
                f.write(json.dumps(records[-1]) + "\n")
                if louder and method == "planned":
                    start = time.perf_counter()
                    y, status = run_method(method, mix, LOUDER)
                    records.append(louder_record(mix, method, y, status, time.perf_counter() - start))
                    f.write(json.dumps(records[-1]) + "\n")
            f.flush()
    return records


def _median(values) -> float | None:
    vals = [v for v in values if v is not None]
    return round(statistics.median(vals), 2) if vals else None


def tables(records: list[dict]) -> str:
    """Markdown tables: denoise per SNR x method (medians), and the loudness task per SNR."""
    lines = ["### \"remove the background noise\" (medians; reference: the clean speech)", "",
             "| SNR dB | method | n | SI-SDR | ΔSI-SDR | PESQ-WB | ΔPESQ | STOI | ΔSTOI | ok | s/item |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    groups = defaultdict(list)
    for r in records:
        if r["task"] == "denoise":
            groups[(r["snr_db"], r["method"])].append(r)
    for (snr, method), rs in sorted(groups.items()):
        lines.append(f"| {snr:g} | {method} | {len(rs)} | " + " | ".join(
            str(_median(r[k] for r in rs)) for k in ("si_sdr", "d_si_sdr", "pesq_wb", "d_pesq_wb", "stoi", "d_stoi"))
            + f" | {sum(r['status'] == 'ok' for r in rs)}/{len(rs)} | {_median(r['seconds'] for r in rs)} |")
    loud = defaultdict(list)
    for r in records:
        if r["task"] == "louder":
            loud[(r["snr_db"], r["method"])].append(r)
    if loud:
        lines += ["", f"### \"{LOUDER}\" (medians; projection on the true speech and background)", "",
                  "| SNR dB | method | n | speech gain dB | background gain dB | within 6±1 dB | rest SI-SDR | "
                  "speech-layer gain dB (re-split) | rest-layer SI-SDR (re-split) | ok |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for (snr, method), rs in sorted(loud.items()):
            within = sum(abs(r["speech_gain_db"] - LOUDER_DB) <= 1 for r in rs)
            lines.append(f"| {snr:g} | {method} | {len(rs)} | {_median(r['speech_gain_db'] for r in rs)} | "
                         f"{_median(r['background_gain_db'] for r in rs)} | {within}/{len(rs)} | "
                         f"{_median(r['rest_si_sdr'] for r in rs)} | {_median(r['layer_speech_gain_db'] for r in rs)} | "
                         f"{_median(r['layer_rest_si_sdr'] for r in rs)} | {sum(r['status'] == 'ok' for r in rs)}/{len(rs)} |")
    return "\n".join(lines)


def read_all(out_dir: str | Path) -> list[dict]:
    return [json.loads(line) for p in sorted(Path(out_dir).glob("results-*.jsonl"))
            for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def main_speech(methods: list[str] | str, out_dir: str | Path, limit: int | None = None, data_dir: str | None = None,
                split: str = "test", command: str | None = None, shard: tuple[int, int] = (0, 1)) -> str:
    """Run the suite, write ``report.md`` in ``out_dir`` and return its text."""
    from audioedit.evals.suites import dev_data_dir

    methods = [m.strip() for m in methods.split(",")] if isinstance(methods, str) else list(methods)
    bad = [m for m in methods if m not in METHODS]
    if bad:
        raise UserInputError(f"unknown speech-suite methods {bad}; accepted: {', '.join(METHODS)}")
    root = dev_data_dir(data_dir)
    start = time.perf_counter()
    records = run_suite(root, methods, out_dir, split=split, limit=limit, shard=shard)
    if shard[1] > 1:
        records = read_all(out_dir)
    text = (f"# speech suite ({split} split)\n\ncommand: `{command or ' '.join(sys.argv)}`  \n"
            f"{len(records)} records in {time.perf_counter() - start:.0f} s; SNRs {list(SNRS_DB)} dB\n\n" + tables(records) + "\n")
    (Path(out_dir) / "report.md").write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> None:
    """``python -m audioedit.evals.speech_suite run|tune|tune-post|report --out DIR ...`` (module docstring)."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["run", "tune", "tune-post", "tune-passes", "tune-refiner", "report"])
    parser.add_argument("--shard", default="0/1", help="k/n: this process runs items k, k+n, ...")
    parser.add_argument("--out", required=True)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--split", default="test")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--data", default=None)
    args = parser.parse_args(argv)
    if args.what == "tune":
        from audioedit.evals.speech_tune import main_tune

        print(main_tune(args.out, data_dir=args.data, limit=args.limit))
    elif args.what == "tune-passes":  # reports/speech amendment 8
        from audioedit.evals.speech_tune import main_tune_passes

        print(main_tune_passes(args.out, data_dir=args.data, limit=args.limit))
    elif args.what == "tune-refiner":  # reports/speech amendment 9
        from audioedit.evals.speech_tune import main_tune_refiner

        print(main_tune_refiner(args.out, data_dir=args.data, limit=args.limit))
    elif args.what == "tune-post":  # reports/speech amendment 3
        from audioedit.evals.speech_tune import main_tune_post

        print(main_tune_post(args.out, data_dir=args.data, limit=args.limit))
    elif args.what == "report":  # the tables of every shard's records in --out
        text = f"# speech suite ({args.split} split)\n\n" + tables(read_all(args.out)) + "\n"
        (Path(args.out) / "report.md").write_text(text, encoding="utf-8")
        print(text)
    else:
        k, n = (int(v) for v in args.shard.split("/"))
        print(main_speech(args.methods, args.out, args.limit, args.data, args.split, shard=(k, n)))


if __name__ == "__main__":
    main()
