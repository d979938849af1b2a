"""Amendment 7 of reports/speech/README.md: DFN3 run by onnxruntime in blocks against the C runtime.

    python -m audioedit.evals.dfn_engines [--data-root DIR] [--limit N]

The ``speech`` suite's dev mixtures (0 / 5 / 10 dB SNR) at 48 kHz, each enhanced by both engines
with the shipped split's warm-up: per SNR, the smallest and median agreement (C output energy over
the difference's, dB) and each engine's CPU seconds per second of audio.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from audioedit.evals.speech_data import SNRS_DB, mixtures
from audioedit.paths import data_root


def compare(root, limit: int | None = None) -> dict[float, dict[str, float]]:
    from audioedit.executor.speech import dfn_onnx, dfn_runtime
    from audioedit.executor.speech.dfn import DFN_RATE_HZ, stream_input
    from audioedit.executor.speech.layers import DEFAULT_SPLIT

    dfn_onnx.enhance_stream(np.zeros(DFN_RATE_HZ, np.float32))  # loading and first-run set-up are not per-item work
    rows: dict[float, dict[str, list[float]]] = {snr: {"agree": [], "c": [], "onnx": [], "s": []} for snr in SNRS_DB}
    for mix in mixtures(root, "dev", SNRS_DB, limit):
        signal = mix.mixture.resample(DFN_RATE_HZ).samples[0].astype(np.float32)
        x, _ = stream_input(signal, (-int(DEFAULT_SPLIT.warmup_s * DFN_RATE_HZ), 0, signal.size))  # the split's one stream
        clock = time.process_time()
        ref = dfn_runtime.stream(x, DEFAULT_SPLIT.atten_lim_db)
        c_s, clock = time.process_time() - clock, time.process_time()
        out = dfn_onnx.enhance_stream(x, DEFAULT_SPLIT.atten_lim_db)
        row = rows[mix.snr_db]
        row["onnx"].append(time.process_time() - clock)
        row["c"].append(c_s)
        row["s"].append(x.size / DFN_RATE_HZ)
        row["agree"].append(10 * np.log10(np.sum(ref.astype(np.float64) ** 2) / max(np.sum((out - ref).astype(np.float64) ** 2), 1e-30)))
    return {snr: {"n": len(r["agree"]), "min_db": min(r["agree"]), "median_db": statistics.median(r["agree"]),
                  "c_cpu_per_s": sum(r["c"]) / sum(r["s"]), "onnx_cpu_per_s": sum(r["onnx"]) / sum(r["s"])}
            for snr, r in rows.items() if r["agree"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--limit", type=int, default=None, help="speech clips (default: all)")
    args = parser.parse_args(argv)
    table = compare(args.data_root or data_root(), args.limit)
    for snr, r in table.items():
        print(f"{snr:g} dB SNR (n={r['n']}): agreement min {r['min_db']:.1f} dB, median {r['median_db']:.1f} dB; "
              f"CPU per second of audio: C runtime {r['c_cpu_per_s']:.4f} s, onnxruntime {r['onnx_cpu_per_s']:.4f} s")
    holds = all(r["min_db"] >= 60 and r["onnx_cpu_per_s"] < r["c_cpu_per_s"] for r in table.values())
    print(f"rule (every item >= 60 dB, less CPU): {'holds' if holds else 'fails'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
