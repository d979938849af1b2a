"""Voice-detector event F1 on dev speech (reports/speech/README.md, amendments 4 and 6).

    python -m audioedit.evals.vad_eval [--split dev|test] [--input recording|speech-layer|max]
    python -m audioedit.evals.vad_eval --tune                 # amendment 4's candidates, dev split
    python -m audioedit.evals.vad_eval --inputs --split dev   # amendment 6's detector inputs

Two references. **Placed** (``evals/vad_placed.py``): single utterances placed at known times,
clean and over background beds; the annotation is the placement (``evaluate_placed``, per
condition). **Energy** (the first one, detector over the recording): the dev corpus has no
hand-labelled speech segments, so the reference segments are the activity of the clean speech
itself: 20 ms frames above ``max(peak - 40 dB, -60 dBFS)``, gaps shorter than
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


def exact_f1(scores: dict) -> float:
    """F1 from the counts of a ``_f1`` dict (the rules compare these, not the rounded ``f1``)."""
    return 2 * scores["tp"] / max(2 * scores["tp"] + scores["fp"] + scores["fn"], 1)


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


# ------------------------------------------------------------------ the placed reference
VAD_CANDIDATES = [(th, ms) for th in (0.3, 0.4, 0.5, 0.6, 0.7) for ms in (0.1, 0.25)]
RULE_BASELINE = (0.5, 0.25)  # (threshold, min_speech_s) before amendment 4: Silero's defaults, "today" in the rule


INPUTS = ("recording", "speech-layer", "max")  # what the detector listens to (amendment 6)


def input_probabilities(audio, source: str = "recording") -> np.ndarray:
    """The detector's probabilities over the recording, DFN3's speech layer, or the frame-wise max of both."""
    from audioedit.executor.speech.vad import speech_probabilities

    if source == "recording":
        return speech_probabilities(audio)
    from audioedit.executor.speech.layers import split_layers

    if source == "speech-layer":
        return speech_probabilities(split_layers(audio).speech)
    from audioedit.executor.speech.vad import event_probabilities

    return event_probabilities(audio)  # "max": what speech events come from


def _probabilities(root: Path, split: str, limit: int | None, source: str = "recording"):
    from audioedit.evals.vad_placed import placed_files

    return [(f, input_probabilities(f.audio, source)) for f in placed_files(root, split, limit)]


def compare_inputs(root: str | Path, split: str = "dev", limit: int | None = None) -> tuple[dict[str, dict], str]:
    """Scores per input (``INPUTS``) and the choice by amendment 6's rule."""
    from audioedit.evals.vad_placed import placed_files
    from audioedit.executor.speech.layers import split_layers
    from audioedit.executor.speech.vad import speech_probabilities

    scored: dict[str, list] = {k: [] for k in INPUTS}
    for f in placed_files(Path(root), split, limit):
        mix, layer = speech_probabilities(f.audio), speech_probabilities(split_layers(f.audio).speech)
        n = min(mix.size, layer.size)
        for k, p in zip(INPUTS, (mix, layer, np.maximum(mix[:n], layer[:n]))):
            scored[k].append((f, p))
    scores = {k: score_placed(v) for k, v in scored.items()}
    base = scores["recording"]
    ok = [k for k in INPUTS[1:] if exact_f1(scores[k]["all"]["events"]) >= exact_f1(base["all"]["events"]) + 0.01
          and all(exact_f1(scores[k][c]["events"]) >= exact_f1(base[c]["events"]) - 0.005 for c in base)]
    return scores, max(ok, key=lambda k: exact_f1(scores[k]["all"]["events"])) if ok else "recording"


def score_placed(scored, config=None) -> dict[str, dict]:
    """Event and frame F1 per condition and pooled (``"all"``) of (PlacedFile, probabilities) pairs."""
    from audioedit.executor.speech.vad import segments_from_probabilities

    counts: dict[str, np.ndarray] = {}
    for f, probs in scored:
        est = merge([(s.onset_s, s.offset_s) for s in segments_from_probabilities(probs, f.audio.duration_s, config)])
        ref = list(f.segments)
        row = np.array(event_counts(ref, est) + frame_counts(ref, est, f.audio.duration_s))
        for key in (f.condition, "all"):
            counts[key] = counts.get(key, np.zeros(6, int)) + row
    return {k: {"events": _f1(*map(int, c[:3])), "frames": _f1(*map(int, c[3:]))} for k, c in counts.items()}


def evaluate_placed(root: str | Path, split: str = "test", limit: int | None = None, config=None,
                    source: str = "recording") -> dict[str, dict]:
    """``score_placed`` over the placed files of ``split`` with the detector's ``config`` (default: ``VadConfig()``)
    listening to ``source`` (``INPUTS``)."""
    return score_placed(_probabilities(Path(root), split, limit, source), config)


def tune_placed(root: str | Path, limit: int | None = None) -> tuple[list[tuple[float, float, dict]], tuple[float, float]]:
    """Every candidate's pooled dev scores and the choice by the rule of reports/speech/README.md (amendment 4)."""
    from audioedit.executor.speech.vad import VadConfig

    scored = _probabilities(Path(root), "dev", limit)
    rows = [(th, ms, score_placed(scored, VadConfig(threshold=th, min_speech_s=ms))["all"]) for th, ms in VAD_CANDIDATES]
    base = next(r for r in rows if (r[0], r[1]) == RULE_BASELINE)[2]
    ok = [r for r in rows if exact_f1(r[2]["frames"]) >= exact_f1(base["frames"]) - 0.02]
    best = max(exact_f1(r[2]["events"]) for r in ok)
    near = [r for r in ok if exact_f1(r[2]["events"]) >= best - 0.005]
    if any((r[0], r[1]) == RULE_BASELINE for r in near):
        return rows, RULE_BASELINE
    pick = min(near, key=lambda r: (abs(r[0] - 0.5), -exact_f1(r[2]["events"])))
    return rows, (pick[0], pick[1])


def _print_placed(scores: dict[str, dict]) -> None:
    print("| condition | event tp / fp / fn | event P | event R | event F1 | frame F1 |\n|---|---|---|---|---|---|")
    for k, v in scores.items():
        e = v["events"]
        print(f"| {k} | {e['tp']} / {e['fp']} / {e['fn']} | {e['precision']:.3f} | {e['recall']:.3f} | "
              f"**{exact_f1(e):.4f}** | {v['frames']['f1']:.3f} |")


def main(argv: list[str] | None = None) -> None:
    import argparse

    from audioedit.evals.suites import dev_data_dir
    from audioedit.evals.vad_placed import utterances

    ap = argparse.ArgumentParser(prog="python -m audioedit.evals.vad_eval")
    ap.add_argument("data_dir", nargs="?")
    ap.add_argument("--split", default="test", choices=("dev", "test"))
    ap.add_argument("--tune", action="store_true", help="the dev split's candidates and the rule's choice")
    ap.add_argument("--limit", type=int, help="at most this many placed files")
    ap.add_argument("--inputs", action="store_true", help="the detector over the recording / speech layer / max")
    ap.add_argument("--input", default="recording", choices=INPUTS, help="what the detector listens to")
    args = ap.parse_args(argv)
    root = dev_data_dir(args.data_dir)
    if args.inputs:
        scores, choice = compare_inputs(root, args.split, args.limit)
        for k, v in scores.items():
            print(f"\ndetector input: {k}")
            _print_placed(v)
        print(f"\nchosen by the rule: {choice}")
        return
    if args.tune:
        rows, choice = tune_placed(root, args.limit)
        print("| threshold | min_speech_s | event P | event R | event F1 | frame F1 |\n|---|---|---|---|---|---|")
        for th, ms, v in rows:
            e = v["events"]
            print(f"| {th} | {ms} | {e['precision']:.3f} | {e['recall']:.3f} | {exact_f1(e):.4f} | "
                  f"{exact_f1(v['frames']):.4f} |")
        print(f"\nchosen by the rule: threshold {choice[0]}, min_speech_s {choice[1]}")
        return
    rows, total, frames = evaluate(root)
    print("Energy reference (clean speech activity as reference):")
    print("| item | reference | detected | tp | fp | fn |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['item']} | {r['reference']} | {r['detected']} | {r['tp']} | {r['fp']} | {r['fn']} |")
    print(f"\nVAD speech-event F1, energy reference (onset tolerance {ONSET_TOLERANCE_S} s): {total}")
    print(f"VAD frame F1, energy reference (10 ms frames, same segments): {frames}")
    utts, left_out = utterances(root, args.split)
    print(f"\nPlaced reference, {args.split} split ({len(utts)} single utterances, {left_out} clips left out):")
    print(f"(detector input: {args.input})")
    _print_placed(evaluate_placed(root, args.split, args.limit, source=args.input))


if __name__ == "__main__":
    main()
