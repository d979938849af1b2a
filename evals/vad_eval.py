"""Voice-detector event F1 on annotated dev speech (``python -m audioedit.evals.vad_eval``).

The dev corpus has no hand-labelled speech segments, so the reference segments are the activity
of the clean speech itself: 20 ms frames above ``max(peak - 40 dB, -60 dBFS)``, gaps shorter than
``MERGE_GAP_S`` merged and segments shorter than ``MIN_SEGMENT_S`` dropped. The detections get the
same gap merging. A detection matches a reference segment (one-to-one, greedy by onset distance)
when their onsets differ by at most ``ONSET_TOLERANCE_S``.

Items: the Listen-Chat-Remix mixtures that hold speech (reference: the sum of their speech
sources, detection on the mixture), and every speech clip of the ``speech`` suite's two splits
joined in threes with 2 s gaps, clean and over a background at 5 dB SNR.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from audioedit.audio import Audio, load_audio

ONSET_TOLERANCE_S = 0.2
MERGE_GAP_S = 0.3
MIN_SEGMENT_S = 0.1
FRAME_S = 0.02


def reference_segments(clean: Audio) -> list[tuple[float, float]]:
    x = clean.to_mono().samples[0].astype(np.float64)
    hop = int(FRAME_S * clean.sample_rate_hz)
    n = x.size // hop
    if n == 0:
        return []
    db = 10 * np.log10(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)
    active = db > max(db.max() - 40.0, -60.0)
    segs, start = [], None
    for k, a in enumerate(np.append(active, False)):
        if a and start is None:
            start = k
        elif not a and start is not None:
            segs.append((start * FRAME_S, k * FRAME_S))
            start = None
    return [s for s in merge(segs) if s[1] - s[0] >= MIN_SEGMENT_S]


def merge(segs: list[tuple[float, float]], gap_s: float = MERGE_GAP_S) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(segs):
        if out and a - out[-1][1] < gap_s:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


def event_counts(ref: list[tuple[float, float]], est: list[tuple[float, float]]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) with onset matching."""
    pairs = sorted((abs(r[0] - e[0]), i, j) for i, r in enumerate(ref) for j, e in enumerate(est)
                   if abs(r[0] - e[0]) <= ONSET_TOLERANCE_S)
    used_r, used_e = set(), set()
    for _, i, j in pairs:
        if i not in used_r and j not in used_e:
            used_r.add(i)
            used_e.add(j)
    tp = len(used_r)
    return tp, len(est) - tp, len(ref) - tp


def frame_counts(ref, est, duration_s: float, frame_s: float = 0.01) -> tuple[int, int, int]:
    """(tp, fp, fn) over ``frame_s`` frames: the same segments scored per frame instead of per onset."""
    n = int(duration_s / frame_s) + 1

    def mask(segs):
        m = np.zeros(n, bool)
        for a, b in segs:
            m[int(a / frame_s) : int(b / frame_s)] = True
        return m

    r, e = mask(ref), mask(est)
    return int((r & e).sum()), int((~r & e).sum()), int((r & ~e).sum())


def _f1(tp: int, fp: int, fn: int) -> dict:
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 3), "recall": round(r, 3),
            "f1": round(2 * p * r / max(p + r, 1e-9), 3)}


def _items(root: Path):
    lcr = root / "lcr_remix_benchmark" / "triplets.json"
    seen = set()
    if lcr.is_file():
        for t in json.loads(lcr.read_text()):
            if t["mixture"] in seen:
                continue
            seen.add(t["mixture"])
            speech = [s for s, lab in zip(t["sources"], t["source_labels"]) if "speaker" in lab or "speech" in lab]
            if not speech:
                continue
            mix = load_audio(lcr.parent / t["mixture"])
            clean = sum((load_audio(lcr.parent / s).to_mono().samples[0] for s in speech[1:]),
                        load_audio(lcr.parent / speech[0]).to_mono().samples[0])
            yield f"lcr:{t['mixture']}", mix, Audio(clean, mix.sample_rate_hz)
    from audioedit.evals.speech_data import RATE_HZ, clips

    for split in ("dev", "test"):
        speech = [a.samples[0] for _, a in clips(root, split, "speech")]
        bg = clips(root, split, "background")[0][1].samples[0]
        gap = np.zeros(int(2.0 * RATE_HZ), np.float32)
        for k in range(0, len(speech), 3):
            seq = np.concatenate([gap[: RATE_HZ]] + [p for s in speech[k : k + 3] for p in (s, gap)])
            noise = np.tile(bg, -(-seq.size // bg.size))[: seq.size]
            noise = noise * np.sqrt(np.sum(seq**2) / np.sum(noise**2) / 10 ** 0.5)
            clean = Audio(seq, RATE_HZ)
            yield f"{split}:seq{k // 3}:clean", clean, clean
            yield f"{split}:seq{k // 3}:5dB", Audio(seq + noise.astype(np.float32), RATE_HZ), clean


def evaluate(root: str | Path) -> tuple[list[dict], dict, dict]:
    """(per-item rows, event F1 totals, frame F1 totals)."""
    from audioedit.executor.speech.vad import detect_speech

    rows, events, frames = [], np.zeros(3, int), np.zeros(3, int)
    for name, mix, clean in _items(Path(root)):
        ref = reference_segments(clean)
        est = merge([(s.onset_s, s.offset_s) for s in detect_speech(mix)])
        tp, fp, fn = event_counts(ref, est)
        events += (tp, fp, fn)
        frames += frame_counts(ref, est, mix.duration_s)
        rows.append({"item": name, "reference": len(ref), "detected": len(est), "tp": tp, "fp": fp, "fn": fn})
    return rows, _f1(*map(int, events)), _f1(*map(int, frames))


def main(argv: list[str] | None = None) -> None:
    """``python -m audioedit.evals.vad_eval [DATA_ROOT]``: the per-item table and the F1 totals."""
    from audioedit.evals.suites import dev_data_dir

    rows, total, frames = evaluate(dev_data_dir(argv[0] if argv else None))
    print("| item | reference | detected | tp | fp | fn |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['item']} | {r['reference']} | {r['detected']} | {r['tp']} | {r['fp']} | {r['fn']} |")
    print(f"\nVAD speech-event F1 (onset tolerance {ONSET_TOLERANCE_S} s): {total}")
    print(f"VAD frame F1 (10 ms frames, same segments): {frames}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
