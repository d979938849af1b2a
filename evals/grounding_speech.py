"""Grounding a sound under speech: over the recording or over the speech split's rest layer
(reports/speech-sounds, rule 1).

    python -m audioedit.evals.grounding_speech [--n 48] [--seed 0] [--json OUT]

Items: ``suppress_eval.items`` (an ESC-50 fold-5 event over a Moodist bed, 10 s, 16 kHz) with the
speech suite's dev speech tiled over them at ``SPEECH_DB`` over the bed; every ``ABSENT_EVERY``-th
item without the sound. Printed per SNR and pooled: event precision / recall / F1 (a detection
overlapping the true span is a hit) and the false-alarm rate on the items without the sound.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from audioedit.audio import Audio
from audioedit.evals.suppress_eval import RATE_HZ, SNRS_DB, items
from audioedit.paths import data_root

SPEECH_DB = 10.0
ABSENT_EVERY = 4
METHODS = ("recording", "rest")


def with_speech(root: Path, n: int, seed: int = 0, absent_every: int | None = ABSENT_EVERY) -> list[dict]:
    """``items`` with dev speech over them; ``present`` False for every ``absent_every``-th (no sound).
    ``bed`` becomes everything but the sound (the bed and the voice), as mixed."""
    from audioedit.evals.speech_data import clips

    speech = [a.resample(RATE_HZ).samples[0] for _, a in clips(root, "dev", "speech")]
    out = []
    for k, item in enumerate(items(root, n, seed)):
        present = absent_every is None or k % absent_every != absent_every - 1
        bed = item["bed"]
        voice = np.resize(speech[k % len(speech)], bed.size)
        voice = voice * np.sqrt(np.mean(bed**2) * 10 ** (SPEECH_DB / 10) / (np.mean(voice**2) + 1e-12))
        mix = bed + voice + (item["sound"] if present else 0.0)
        peak = max(np.abs(mix).max() / 0.9, 1.0)
        out.append({**item, "present": present, "audio": Audio((mix / peak)[None].astype(np.float32), RATE_HZ),
                    "bed": (bed + voice) / peak, "sound": item["sound"] / peak})
    return out


def detections(clap, audio: Audio, label: str, method: str) -> list[tuple[float, float]]:
    from audioedit.clap import vocabulary
    from audioedit.clap.grounding import ground

    if method == "rest":
        from audioedit.executor.speech.layers import split_layers

        audio = split_layers(audio).rest
    texts = {label: vocabulary.grounding_texts(vocabulary.key_of_label(label) or label)}
    return [(e.onset_s, e.offset_s) for e in ground(clap, audio, texts)]


def score(rows: list[dict]) -> dict:
    present = [r for r in rows if r["present"]]
    hits = sum(r["hit"] for r in present)
    extra = sum(r["extra"] for r in present)
    precision = hits / max(1, hits + extra)
    recall = hits / max(1, len(present))
    absent = [r for r in rows if not r["present"]]
    return {"n_present": len(present), "n_absent": len(absent), "precision": precision, "recall": recall,
            "f1": 2 * precision * recall / max(1e-9, precision + recall),
            "false_alarm": sum(r["extra"] > 0 for r in absent) / max(1, len(absent))}


def run(root: Path, n: int, seed: int = 0) -> list[dict]:
    from audioedit.clap import default_clap

    clap = default_clap()
    rows = []
    for item in with_speech(root, n, seed):
        a, b = item["span_s"]
        for method in METHODS:
            found = detections(clap, item["audio"], item["label"], method)
            overlap = [a < off and on < b for on, off in found] if item["present"] else [False] * len(found)
            rows.append({"method": method, "snr_db": item["snr_db"], "present": item["present"], "label": item["label"],
                         "hit": any(overlap), "extra": sum(not o for o in overlap), "found": found})
    return rows


def table(rows: list[dict]) -> str:
    lines = [f"{'method':<10} {'SNR':>6} {'P':>6} {'R':>6} {'F1':>6} {'false alarm':>12}"]
    for method in METHODS:
        for snr in (*SNRS_DB, None):
            sel = [r for r in rows if r["method"] == method and (snr is None or r["snr_db"] == snr)]
            s = score(sel)
            lines.append(f"{method:<10} {'pooled' if snr is None else f'{snr:g} dB':>6} {s['precision']:6.2f} "
                         f"{s['recall']:6.2f} {s['f1']:6.2f} {s['false_alarm']:12.2f}")
    return "\n".join(lines)


def verdict(rows: list[dict]) -> str:
    rec, rest = (score([r for r in rows if r["method"] == m]) for m in METHODS)
    holds = rest["f1"] >= rec["f1"] + 0.05 and rest["false_alarm"] <= rec["false_alarm"] + 0.05
    return (f"rule (rest-layer F1 >= recording's + 0.05, false alarms <= + 0.05): {'holds' if holds else 'fails'} "
            f"(F1 {rec['f1']:.3f} -> {rest['f1']:.3f}; false alarms {rec['false_alarm']:.2f} -> {rest['false_alarm']:.2f}; "
            f"{rec['n_present']} present, {rec['n_absent']} absent)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=48)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    rows = run(Path(args.data_root or data_root()), args.n, args.seed)
    print(table(rows))
    print(verdict(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
