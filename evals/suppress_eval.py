"""A detected sound over a bed: the learned editor against ``dsp.suppress`` (reports/suppress).

    python -m audioedit.evals.suppress_eval [--n 48] [--seed 0] [--methods identity,ldm,suppress] [--json OUT]
    python -m audioedit.evals.suppress_eval --voice --n 48 --methods identity,ldm,speech.rest,suppress

Each item is 10 s at 16 kHz: one ESC-50 fold-5 clip of an event class (``denoise_eval.EVENT_CLASSES``)
at a random onset over a random crop of a Moodist ambience (``BEDS``), at a sound-to-bed SNR of 0, 5
or 10 dB inside the sound's active span (where the clip is within ``ACTIVE_DB`` of its loudest
50 ms). That span is given as a *detected* event, so the executors are compared, not detection.

``--voice``: the speech suite's dev speech over every item as well (``grounding_speech.with_speech``;
reports/speech-sounds, rule 2), part of the reference; "faster" is not asked then.

Requests: "remove the X" (reference: the bed), "make the X 6 dB quieter" (bed + half the sound) and
"make the X 1.25 times faster" (bed + the sound time-stretched from its onset by the same ``time_stretch``).
Printed per request, SNR and method: median SI-SDR, median SI-SDRi over the input and the steps the
default verifier (acoustic + the shipped CLAP) passes. Audio is read from the dev corpus, never written.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from audioedit.audio import Audio
from audioedit.evals.denoise_eval import BED_LABELS, EVENT_CLASSES, RATE_HZ, _mono, _rows, items_parser, median_cells
from audioedit.metrics import si_sdr

ITEM_S = 10.0
SNRS_DB = (0.0, 5.0, 10.0)
ACTIVE_DB = 30.0
BEDS = BED_LABELS | {"busy_street", "road"}
TASKS = ("remove", "quieter", "faster")
QUIETER_DB = -6.0
FASTER = 1.25
METHODS = ("identity", "ldm", "suppress")
VOICE_TASKS = ("remove", "quieter")


def active_span(x: np.ndarray, rate_hz: int) -> tuple[int, int]:
    """First and last sample of the 50 ms frames within ``ACTIVE_DB`` of the loudest one."""
    hop = int(0.05 * rate_hz)
    frames = x[: x.size // hop * hop].reshape(-1, hop)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    on = np.flatnonzero(level >= level.max() - ACTIVE_DB)
    return int(on[0] * hop), int((on[-1] + 1) * hop)


def items(root: Path, n: int, seed: int = 0) -> list[dict]:
    """``n`` items ``{audio, sound, bed, span_s, snr_db, label}``, cycling through ``SNRS_DB``."""
    rng = np.random.default_rng(seed)
    clips = [r for r in _rows(root, "esc50_16k") if r["split"] == "5" and r["label"] in EVENT_CLASSES]
    beds = [r for r in _rows(root, "moodist_ambience") if r["label"] in BEDS]
    if not clips or not beds:
        raise FileNotFoundError(f"no ESC-50 fold-5 event clips or Moodist beds under {root}")
    length = int(ITEM_S * RATE_HZ)
    out = []
    for k in range(n):
        row = clips[int(rng.integers(len(clips)))]
        clip = _mono(root / row["path"])
        a, b = active_span(clip, RATE_HZ)
        clip = clip[a:b][: length - RATE_HZ]
        onset = int(rng.integers(RATE_HZ // 2, length - clip.size - RATE_HZ // 2 + 1))
        bed_row = beds[int(rng.integers(len(beds)))]
        bed = np.resize(_mono(root / bed_row["path"]), length * 2)
        start = int(rng.integers(0, bed.size - length + 1))
        bed = bed[start : start + length]
        snr_db = SNRS_DB[k % len(SNRS_DB)]
        span = slice(onset, onset + clip.size)
        gain = np.sqrt(np.mean(bed[span] ** 2) * 10 ** (snr_db / 10) / (np.mean(clip**2) + 1e-12))
        sound = np.zeros(length)
        sound[span] = clip * gain
        peak = max(np.abs(sound + bed).max() / 0.9, 1e-9)
        out.append({"audio": Audio(((sound + bed) / peak)[None].astype(np.float32), RATE_HZ), "sound": sound / peak,
                    "bed": bed / peak, "span_s": (onset / RATE_HZ, (onset + clip.size) / RATE_HZ), "snr_db": snr_db,
                    "label": row["label"], "bed_label": bed_row["label"]})
    return out


def _scene_and_step(item: dict, task: str):
    from audioedit.scene import Event, EventSource, EventsFrom, Scene
    from audioedit.steps import EventRef, LoudnessStep, RemoveStep, SpeedStep

    label = item["label"]
    ev = Event(id=f"foreground0_{label}", label=label, onset_s=round(item["span_s"][0], 3),
               offset_s=round(item["span_s"][1], 3), source=EventSource.DETECTED, confidence=0.9)
    scene = Scene(audio=item["audio"], events=(ev,), events_from=EventsFrom.DETECTED)
    ref = EventRef(label=label, event_ids=[ev.id])
    words = label.replace("_", " ")
    if task == "remove":
        return scene, RemoveStep(id="s1", instruction=f"Remove the {words}.", target=ref)
    if task == "quieter":
        return scene, LoudnessStep(id="s1", instruction=f"Make the {words} {-QUIETER_DB:g} dB quieter.", target=ref,
                                   gain_db=QUIETER_DB)
    return scene, SpeedStep(id="s1", instruction=f"Make the {words} {FASTER:g} times faster.", target=ref, factor=FASTER)


def reference(item: dict, task: str) -> np.ndarray:
    """What the edit should give: the bed, plus the sound at half level, or stretched from its onset."""
    if task == "remove":
        return item["bed"]
    if task == "quieter":
        return item["bed"] + 10 ** (QUIETER_DB / 20) * item["sound"]
    from audioedit.executor.dsp.common import time_stretch

    a, b = (int(round(t * RATE_HZ)) for t in item["span_s"])
    stretched = time_stretch(item["sound"][None, a:b], RATE_HZ, FASTER, keep_pitch=True)[0]
    out = item["bed"].copy()
    m = min(stretched.size, out.size - a)
    out[a : a + m] += stretched[:m]
    return out


def run(root: Path, n: int, seed: int = 0, methods: tuple[str, ...] = METHODS, verify: bool = True,
        voice: bool = False) -> list[dict]:
    """One row per item, task and method: ``{task, snr_db, method, si_sdr_db, si_sdri_db, passed, failed}``
    (``failed``: the names of the verifier's failed checks)."""
    from audioedit.agents.loop import verify_result
    from audioedit.backends import Backend
    from audioedit.errors import ExecutionError
    from audioedit.executor.router import LazyEditor, Route, execute_route

    verifier = None
    if verify:
        from audioedit.agents.verifier import default_verifier

        verifier = default_verifier()
    ldm = LazyEditor() if "ldm" in methods else None
    backends = {"ldm": Backend.LDM, "suppress": Backend.DSP_SUPPRESS, "speech.rest": Backend.SPEECH_REST}
    if voice:
        from audioedit.evals.grounding_speech import with_speech

        chosen, tasks = with_speech(root, n, seed, absent_every=None), VOICE_TASKS
    else:
        chosen, tasks = items(root, n, seed), TASKS
    rows = []
    for item in chosen:
        for task in tasks:
            ref = reference(item, task)
            mix = item["audio"].samples[0]
            base = si_sdr(mix, ref)
            scene, step = _scene_and_step(item, task)
            for method in methods:
                passed, failed = None, []
                if method == "identity":
                    out = mix
                else:
                    try:
                        result = execute_route(scene, step, Route(backend=backends[method], reason="eval"), bank=None,
                                               rng=np.random.default_rng(seed), ldm=ldm)
                    except ExecutionError:
                        result = None
                    out = mix if result is None else result.scene.audio.to_mono().samples[0]
                    if verifier is not None and result is not None:
                        verdict = verify_result(scene, result, step, verifier)  # as the loop dispatches it
                        passed, failed = verdict.passed, [c.name for c in verdict.failed()]
                    elif verifier is not None:
                        passed, failed = False, ["execution failed"]
                score = si_sdr(out, ref)
                rows.append({"task": task, "snr_db": item["snr_db"], "label": item["label"], "bed": item["bed_label"],
                             "method": method, "si_sdr_db": score, "si_sdri_db": score - base, "passed": passed, "failed": failed})
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| request | SNR | method | n | median SI-SDR dB | median SI-SDRi dB | verified |", "|---|---|---|---|---|---|---|"]
    for task in dict.fromkeys(r["task"] for r in rows):
        for snr in sorted({r["snr_db"] for r in rows}):
            for method in dict.fromkeys(r["method"] for r in rows):
                sel = [r for r in rows if r["task"] == task and r["snr_db"] == snr and r["method"] == method]
                judged = [r for r in sel if r["passed"] is not None]
                verified = f"{sum(r['passed'] for r in judged)}/{len(judged)}" if judged else ""
                lines.append(f"| {task} | {snr:g} dB | {method} | {median_cells(sel)} | {verified} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    from audioedit.paths import data_root

    parser = items_parser(__doc__)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--no-verify", action="store_true", help="skip the verifier (faster)")
    parser.add_argument("--voice", action="store_true", help="dev speech over every item (reports/speech-sounds)")
    args = parser.parse_args(argv)
    rows = run(data_root(args.data_root), args.n, args.seed, tuple(args.methods.split(",")), verify=not args.no_verify,
               voice=args.voice)
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
