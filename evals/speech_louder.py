"""Ways to apply "make the voice 6 dB louder" on the speech/rest split, compared (reports/speech/README.md, amendment 5).

    python -m audioedit.evals.speech_louder --split dev [--limit N]

Every candidate is an output ``y = x + (g - 1) * s_hat`` for some speech estimate ``s_hat`` built
from DeepFilterNet3's split (speech layer ``d``, rest ``r = x - d``) of the ``speech`` suite's
mixtures; ``g`` = +6 dB. Per SNR the medians of the suite's own loudness measures
(``evals/speech_suite.py``: least-squares speech and background gains, SI-SDR of ``y - g * speech``
against the true background) and of the plain, not scale-invariant SDR of that rest.

Candidates: ``today`` (``s_hat = d``, what ``speech.layers`` does), ``leak<k>`` (``d + k * r``),
``wiener<p>`` (STFT gain ``1 + (g - 1) * W**p``, ``W = |D|^2 / (|D|^2 + |R|^2)``). ``oracle-irm``
uses the true speech and background (the ideal ratio mask): a bound for any STFT mask, not a candidate.
"""

from __future__ import annotations

import statistics
from collections import defaultdict

import numpy as np

GAIN = 10 ** (6.0 / 20)
NFFT, HOP = 512, 128
CANDIDATES = ("today", "leak0.1", "leak0.2", "leak0.3", "wiener1", "wiener0.5")


def _stft(x: np.ndarray) -> np.ndarray:
    from scipy.signal import stft

    return stft(x, nperseg=NFFT, noverlap=NFFT - HOP)[2]


def _istft(spec: np.ndarray, n: int) -> np.ndarray:
    from scipy.signal import istft

    y = istft(spec, nperseg=NFFT, noverlap=NFFT - HOP)[1][:n]
    return np.pad(y, (0, n - y.size))


def outputs(x: np.ndarray, d: np.ndarray, speech: np.ndarray | None = None,
            background: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Every candidate's output for the mixture ``x`` and DFN3's speech layer ``d`` (oracle with the truth)."""
    x, d = x.astype(np.float64), d.astype(np.float64)
    r = x - d
    out = {"today": x + (GAIN - 1) * d}
    for k in (0.1, 0.2, 0.3):
        out[f"leak{k:g}"] = x + (GAIN - 1) * (d + k * r)
    spec_x, pd, pr = _stft(x), np.abs(_stft(d)) ** 2, np.abs(_stft(r)) ** 2
    w = pd / (pd + pr + 1e-20)
    for p in (1, 0.5):
        out[f"wiener{p:g}"] = _istft(spec_x * (1 + (GAIN - 1) * w**p), x.size)
    if speech is not None and background is not None:
        ps, pb = np.abs(_stft(speech.astype(np.float64))) ** 2, np.abs(_stft(background.astype(np.float64))) ** 2
        out["oracle-irm"] = _istft(spec_x * (1 + (GAIN - 1) * ps / (ps + pb + 1e-20)), x.size)
    return out


def measures(y: np.ndarray, speech: np.ndarray, background: np.ndarray) -> dict[str, float]:
    from audioedit.evals.speech_metrics import gain_projection
    from audioedit.metrics import si_sdr

    s, b = speech.astype(np.float64), background.astype(np.float64)
    rest = y - GAIN * s
    sg, bg = gain_projection(y, s, b)
    return {"speech_gain_db": sg, "background_gain_db": bg, "rest_si_sdr": si_sdr(rest, b),
            "rest_sdr": float(10 * np.log10(np.sum(b**2) / max(np.sum((rest - b) ** 2), 1e-20)))}


def evaluate(root, split: str = "dev", limit: int | None = None) -> dict[tuple[str, float], list[dict]]:
    """(candidate, SNR) -> per-item measures over the ``speech`` suite's mixtures of ``split``."""
    from audioedit.evals.speech_data import mixtures
    from audioedit.executor.speech.layers import split_layers

    rows: dict[tuple[str, float], list[dict]] = defaultdict(list)
    for mix in mixtures(root, split, limit=limit):
        s, b = mix.speech.samples[0], mix.background.samples[0]
        d = split_layers(mix.mixture).speech.samples[0]
        for name, y in outputs(mix.mixture.samples[0], d, s, b).items():
            rows[(name, mix.snr_db)].append(measures(y, s, b))
    return rows


def table(rows: dict[tuple[str, float], list[dict]]) -> str:
    lines = ["| candidate | SNR dB | n | speech gain dB | within 6±1 dB | background gain dB | rest SI-SDR | rest SDR |",
             "|---|---|---|---|---|---|---|---|"]
    for (name, snr), rs in sorted(rows.items(), key=lambda kv: (list(CANDIDATES + ("oracle-irm",)).index(kv[0][0]), kv[0][1])):
        med = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
        within = sum(abs(r["speech_gain_db"] - 6.0) <= 1 for r in rs)
        lines.append(f"| {name} | {snr:g} | {len(rs)} | {med['speech_gain_db']:.2f} | {within}/{len(rs)} | "
                     f"{med['background_gain_db']:+.2f} | {med['rest_si_sdr']:.2f} | {med['rest_sdr']:.2f} |")
    return "\n".join(lines)


def choose(rows: dict[tuple[str, float], list[dict]]) -> str:
    """The rule of amendment 5: the best mean median rest SI-SDR among candidates that beat ``today`` on
    rest SI-SDR and rest SDR, keep as many items within 6 ± 1 dB and turn the background up by at most
    0.25 dB more than ``today``, at every SNR; else ``today``."""
    snrs = sorted({snr for _, snr in rows})

    def med(name, snr, key):
        return statistics.median(r[key] for r in rows[(name, snr)])

    def within(name, snr):
        return sum(abs(r["speech_gain_db"] - 6.0) <= 1 for r in rows[(name, snr)])

    ok = [c for c in CANDIDATES[1:] if all(
        med(c, s, "rest_si_sdr") > med("today", s, "rest_si_sdr") and med(c, s, "rest_sdr") >= med("today", s, "rest_sdr")
        and within(c, s) >= within("today", s)
        and med(c, s, "background_gain_db") <= med("today", s, "background_gain_db") + 0.25 for s in snrs)]
    if not ok:
        return "today"
    return max(ok, key=lambda c: sum(med(c, s, "rest_si_sdr") for s in snrs))


def main(argv: list[str] | None = None) -> None:
    import argparse

    from audioedit.evals.suites import dev_data_dir

    ap = argparse.ArgumentParser(prog="python -m audioedit.evals.speech_louder")
    ap.add_argument("--split", default="dev")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--data")
    args = ap.parse_args(argv)
    result = evaluate(dev_data_dir(args.data), args.split, args.limit)
    print(table(result))
    print(f"\nchosen by the rule: {choose(result)}")


if __name__ == "__main__":
    main()
