"""Noise reduction without speech: real sound events over real steady beds, "remove the background noise".

    python -m audioedit.evals.denoise_eval [--n 48] [--seed 0] [--json OUT]

Each item is 10 s at 16 kHz: two ESC-50 fold-5 clips of event classes (``EVENT_CLASSES``: animals,
knocks, bells, horns; never a voice, so the voice detector has nothing to keep) at 1 s and 5 s, over
a 10 s crop of a steady Moodist ambience (``BED_LABELS``: rain, river, waterfall, wind, a train,
a washing machine) at an events-to-bed SNR of 0, 5 or 10 dB. The reference is the events alone.

Methods: ``identity`` (the input); ``split`` (``executor.dsp.denoise.split_noise``'s foreground);
``planned`` (``audioedit.api.edit`` with the words a user types, no annotation: grounding, plan,
route, verification; its step status is counted). Printed per SNR: median SI-SDR and median SI-SDRi
over the input. The audio is read from the dev corpus at run time and never written.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from audioedit.audio import Audio, load_audio
from audioedit.metrics import si_sdr

RATE_HZ = 16_000
ITEM_S = 10.0
ONSETS_S = (1.0, 5.0)
SNRS_DB = (0.0, 5.0, 10.0)
REQUEST = "remove the background noise"
EVENT_CLASSES = frozenset({"dog", "rooster", "pig", "cow", "cat", "hen", "sheep", "crow", "door_wood_knock",
                           "can_opening", "clock_alarm", "church_bells", "glass_breaking", "car_horn", "siren",
                           "door_wood_creaks", "chirping_birds", "frog"})
BED_LABELS = frozenset({"light_rain", "rain_on_leaves", "river", "waterfall", "howling_wind", "wind_in_trees",
                        "inside_a_train", "washing_machine"})


def _rows(root: Path, folder: str) -> list[dict]:
    with (root / folder / "metadata.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _mono(path: Path) -> np.ndarray:
    return load_audio(path).to_mono().resample(RATE_HZ).samples[0].astype(np.float64)


def items(root: Path, n: int, seed: int = 0) -> list[dict]:
    """``n`` items ``{audio: Audio, events: ndarray, snr_db, bed, classes}``, cycling through ``SNRS_DB``."""
    rng = np.random.default_rng(seed)
    clips = [r for r in _rows(root, "esc50_16k") if r["split"] == "5" and r["label"] in EVENT_CLASSES]
    beds = [r for r in _rows(root, "moodist_ambience") if r["label"] in BED_LABELS]
    if len(clips) < 2 or not beds:
        raise FileNotFoundError(f"no ESC-50 fold-5 event clips or Moodist beds under {root}")
    length = int(ITEM_S * RATE_HZ)
    out = []
    for k in range(n):
        picks = [clips[i] for i in rng.choice(len(clips), size=len(ONSETS_S), replace=False)]
        events = np.zeros(length)
        for row, onset_s in zip(picks, ONSETS_S):
            x = _mono(root / row["path"])
            i = int(onset_s * RATE_HZ)
            m = min(x.size, length - i)
            events[i : i + m] += x[:m] / (np.sqrt(np.mean(x**2)) + 1e-12)
        bed_row = beds[int(rng.integers(len(beds)))]
        bed = np.resize(_mono(root / bed_row["path"]), length * 2)
        start = int(rng.integers(0, bed.size - length + 1))
        bed = bed[start : start + length]
        snr_db = SNRS_DB[k % len(SNRS_DB)]
        bed *= np.sqrt(np.sum(events**2) / (np.sum(bed**2) + 1e-12) / 10 ** (snr_db / 10))
        mix = events + bed
        peak = max(np.abs(mix).max() / 0.9, 1e-9)
        out.append({"audio": Audio((mix / peak)[None].astype(np.float32), RATE_HZ), "events": events / peak,
                    "snr_db": snr_db, "bed": bed_row["label"], "classes": [r["label"] for r in picks]})
    return out


def run(root: Path, n: int, seed: int = 0, planned: bool = True) -> list[dict]:
    """One row per item and method: ``{snr_db, method, si_sdr_db, si_sdri_db, status}``."""
    from audioedit.executor.dsp.denoise import split_noise

    rows = []
    for item in items(root, n, seed):
        mix, ref = item["audio"], item["events"]
        base = si_sdr(mix.samples[0], ref)
        outputs = {"identity": (mix, None), "split": (split_noise(mix).foreground, None)}
        if planned:
            from audioedit.api import edit

            outcome = edit(mix, REQUEST)
            backends = ",".join(s.backend or "none" for s in outcome.report.steps)
            outputs["planned"] = (outcome.audio, f"{outcome.report.status} ({backends})")
        for method, (audio, status) in outputs.items():
            score = si_sdr(audio.to_mono().samples[0], ref)
            rows.append({"snr_db": item["snr_db"], "bed": item["bed"], "method": method, "si_sdr_db": score,
                         "si_sdri_db": score - base, "status": status})
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| SNR | method | n | median SI-SDR dB | median SI-SDRi dB | status ok |", "|---|---|---|---|---|---|"]
    for snr in sorted({r["snr_db"] for r in rows}):
        for method in dict.fromkeys(r["method"] for r in rows):
            sel = [r for r in rows if r["snr_db"] == snr and r["method"] == method]
            ok = [r for r in sel if r["status"] is not None]
            okay = f"{sum(r['status'].startswith('ok') for r in ok)}/{len(ok)}" if ok else ""
            lines.append(f"| {snr:g} dB | {method} | {median_cells(sel)} | {okay} |")
    return "\n".join(lines)


def median_cells(rows: list[dict]) -> str:
    """``n | median SI-SDR | median SI-SDRi`` table cells of ``rows``."""
    return (f"{len(rows)} | {np.median([r['si_sdr_db'] for r in rows]):.2f} | "
            f"{np.median([r['si_sdri_db'] for r in rows]):+.2f}")


def items_parser(doc: str) -> argparse.ArgumentParser:
    """The options every generated-items eval takes: ``--data-root``, ``--n``, ``--seed``, ``--json``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--n", type=int, default=48)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None)
    return parser


def main(argv: list[str] | None = None) -> None:
    from audioedit.paths import data_root

    parser = items_parser(__doc__)
    parser.add_argument("--no-planned", action="store_true", help="only the split, not the whole pipeline")
    args = parser.parse_args(argv)
    rows = run(data_root(args.data_root), args.n, args.seed, planned=not args.no_planned)
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
