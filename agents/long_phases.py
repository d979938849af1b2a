"""The whole-file phases of a file edited as a stream (``audioedit.agents.long``): normalize and trim.

``normalize_phase``: the gain to the target loudness from the streamed integrated loudness (BS.1770), peaks limited
chunk by chunk and the limited output re-measured until on target; or, for a peak normalisation, one gain that puts
the highest sample at the asked level (the output is scanned again for its check).

``trim_phase``: a whole-recording ``trim`` step is a phase of its own. Its cuts come from the step (``audioedit.ops.trim.cuts_s``)
or, for the silence at the ends, from the file's 20 ms frame levels measured block by block; the kept pieces are
copied block by block with the same crossfaded joins as the in-memory op (``audioedit.cuts.cut_frames``), and the
events after a cut move earlier. The checks are the op's: ``duration_removed_s``, ``kept_max_abs_diff`` (the
written file read back against the source, outside the joins) and, for silence, ``removed_level_dbfs``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audioedit.audio import AudioLimits
from audioedit.agents.chunks import Chunk
from audioedit.backends import Backend, registry_backend
from audioedit.cuts import CROSSFADE_S, kept_pieces, moved_event
from audioedit.errors import ExecutionError
from audioedit.ops import trim
from audioedit.report import Attempt, Check, StepReport, Verdict
from audioedit.scene import Event
from audioedit.steps import NormalizeStep
from audioedit.stream import BlockWriter, StreamInfo, open_checked, read_frames, scan

if TYPE_CHECKING:
    from audioedit.agents.long import _Run as Run

BLOCK_FRAMES_PER_LEVEL = 5000  # a read block holds this many 20 ms level frames (100 s)
BLOCK_S = 60.0  # the blocks a phase reads and writes
LIMITER_CONTEXT_S = 2.0  # audio the peak limiter sees beyond each block on both sides
NORMALIZE_TOLERANCE_LU = 0.5


def trim_phase(info: StreamInfo, step: trim.TrimStep, dest: Path, events: list[Event], protect: tuple
               ) -> tuple[list[Event], StepReport]:
    clock = time.perf_counter()
    rate = info.sample_rate_hz
    levels = _frame_levels(info) if step.silence is not None else None
    try:
        if levels is not None:
            cuts, threshold = trim.silence_cuts_of_levels(levels, info.duration_s, step.silence)
        elif (why := trim.problem(step, info.duration_s)) is not None:
            raise ExecutionError(why)
        else:
            cuts, threshold = trim.cuts_s(step, info.duration_s), None
    except ExecutionError as exc:
        attempt = Attempt(step_id=step.id, attempt=1, backend=registry_backend("trim"), strategy="streamed trim",
                          error=str(exc), execute_s=_lap(clock))
        return events, StepReport(step_id=step.id, op=step.op, instruction=step.instruction, status="failed",
                                  attempts=[attempt])
    frames = [(round(a * rate), round(b * rate)) for a, b in cuts]
    pieces = kept_pieces(info.num_frames, frames)
    written = _write(info, pieces, dest, protect)
    checks = _checks(info, dest, pieces, written, levels, frames, threshold)
    ok = all(c.passed for c in checks)
    attempt = Attempt(step_id=step.id, attempt=1, backend=registry_backend("trim"),
                      strategy="streamed trim: " + ", ".join(f"cut {a:.2f}-{b:.2f} s" for a, b in cuts),
                      edited_spans_s=cuts, verdict=Verdict.of(step.id, checks), execute_s=_lap(clock))
    moved = [e for e in (moved_event(ev, cuts) for ev in events) if e.offset_s > e.onset_s]
    return moved, StepReport(step_id=step.id, op=step.op, instruction=step.instruction, status="ok" if ok else "failed",
                             backend=registry_backend("trim"), attempts=[attempt])


def _frame_levels(info: StreamInfo) -> np.ndarray:
    """``trim.frame_levels_db`` of the whole file, read in blocks of whole level frames."""
    frame = max(1, int(trim.FRAME_S * info.sample_rate_hz))
    block = frame * BLOCK_FRAMES_PER_LEVEL
    usable = info.num_frames // frame * frame
    parts = [trim.frame_levels_db(read_frames(info.path, a, min(usable, a + block)), info.sample_rate_hz)
             for a in range(0, usable, block)]
    return np.concatenate(parts) if parts else np.zeros(0)


def _write(info: StreamInfo, pieces: list[tuple[int, int]], dest: Path, protect: tuple) -> int:
    """Copy ``pieces`` of the source to ``dest``, each join a ``CROSSFADE_S`` sin² crossfade; returns frames written."""
    xf = int(CROSSFADE_S * info.sample_rate_hz)
    block = int(BLOCK_S * info.sample_rate_hz)
    written = 0
    tail = np.zeros((info.num_channels, 0), np.float32)  # the last frames produced, held back for the next join
    with BlockWriter(dest, info.sample_rate_hz, info.num_channels, protect=protect) as writer:
        for k, (lo, hi) in enumerate(pieces):
            for a in range(lo, hi, block):
                x = read_frames(info.path, a, min(hi, a + block))
                n = min(xf, tail.shape[1], hi - lo) if (k and a == lo) else 0
                if n:
                    f = np.sin(np.linspace(0, np.pi / 2, n, dtype=np.float32)) ** 2
                    x = np.concatenate([tail[:, :-n], tail[:, -n:] * (1 - f) + x[:, :n] * f, x[:, n:]], axis=1)
                else:
                    x = np.concatenate([tail, x], axis=1)
                keep = max(0, x.shape[1] - xf)
                writer.write(x[:, :keep])
                written += keep
                tail = x[:, keep:]
        writer.write(tail)
        writer.commit()
    return written + tail.shape[1]


def _checks(info: StreamInfo, dest: Path, pieces: list[tuple[int, int]], written: int, levels: np.ndarray | None,
            frames: list[tuple[int, int]], threshold: float | None) -> list[Check]:
    rate, xf = info.sample_rate_hz, int(CROSSFADE_S * info.sample_rate_hz)
    joins = [min(xf, p[1] - p[0], q[1] - q[0]) for p, q in zip(pieces, pieces[1:])]
    want = sum(hi - lo for lo, hi in pieces) - sum(joins)
    removed_s, want_s = (info.num_frames - written) / rate, (info.num_frames - want) / rate
    checks = [Check(name="duration_removed_s", measured=round(removed_s, 4), threshold=f"{want_s:.3f} ± "
                    f"{trim.DURATION_TOLERANCE_S:g}", passed=abs(removed_s - want_s) <= trim.DURATION_TOLERANCE_S,
                    detail=f"{info.duration_s:.2f} s -> {written / rate:.2f} s")]
    out = open_checked(dest, AudioLimits(max_duration_s=1e9, max_file_bytes=2**62))
    diff, pos, block = 0.0, 0, int(BLOCK_S * rate)
    for k, (lo, hi) in enumerate(pieces):
        head, tail = (joins[k - 1] if k else 0), (joins[k] if k < len(joins) else 0)
        for a in range(lo + head, hi - tail, block):
            b = min(hi - tail, a + block)
            at = pos + (a - lo)
            got = read_frames(out.path, at, min(out.num_frames, at + b - a))
            src = read_frames(info.path, a, b)
            if got.shape != src.shape:
                diff = float("inf")
                break
            diff = max(diff, float(np.max(np.abs(got - src), initial=0.0)))
        pos += hi - lo - tail
    checks.append(Check(name="kept_max_abs_diff", measured=None if not np.isfinite(diff) else round(diff, 6),
                        threshold=f"<= {trim.KEPT_TOLERANCE:g}", passed=bool(diff <= trim.KEPT_TOLERANCE),
                        detail=f"the output read back: {len(pieces)} kept piece(s), {len(joins)} join(s)"))
    if levels is not None and threshold is not None:
        frame = max(1, int(trim.FRAME_S * rate))
        removed = [levels[a // frame: max(a // frame, b // frame)] for a, b in frames]
        loudest = max((float(r.max()) for r in removed if r.size), default=-200.0)
        checks.append(Check(name="removed_level_dbfs", measured=round(loudest, 2), threshold=f"<= {threshold:.1f}",
                            passed=loudest <= threshold + 1e-6, detail="the loudest 20 ms frame of what was removed"))
    return checks


def normalize_phase(info: StreamInfo, step: NormalizeStep, dest: Path, events: list[Event], run: Run,
                     phase: int, phases: int, protect: tuple) -> tuple[list[Event], StepReport]:
    """Gain to ``step.lufs`` from the streamed integrated loudness, peaks limited chunk by chunk."""
    from audioedit.ops.normalize import limit_peaks

    clock = time.perf_counter()
    measured = scan(info, loudness=True)
    if step.lufs is None:
        return _peak_phase(info, step, dest, events, measured.peak, protect, clock)
    if not np.isfinite(measured.lufs):
        attempt = Attempt(step_id=step.id, attempt=1, backend=Backend.DSP_WHOLE, strategy="streamed normalize",
                          error="the recording is silent; there is no loudness to normalise")
        return events, StepReport(step_id=step.id, op=step.op, instruction=step.instruction, status="failed",
                                  attempts=[attempt])
    ceiling = 10 ** (step.peak_dbfs / 20)
    gain_db = step.lufs - measured.lufs
    rate, context = info.sample_rate_hz, int(LIMITER_CONTEXT_S * info.sample_rate_hz)
    edges = list(range(0, info.num_frames, int(run.chunk_s * rate))) + [info.num_frames]

    def apply(writer, tick: bool = False) -> None:
        g = 10 ** (gain_db / 20)
        for index, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
            lo, hi = max(0, a - context), min(info.num_frames, b + context)
            x = read_frames(info.path, lo, hi) * np.float32(g)
            if measured.peak * g > ceiling:
                x = limit_peaks(x, rate, ceiling)
            writer.write(x[:, a - lo : b - lo])
            if tick:
                run.tick(phase, Chunk(index, a, b, lo, hi), phases, b, info.num_frames)

    for _ in range(3):  # the limiter lowers loudness a little: measure the limited output, correct
        if measured.peak * 10 ** (gain_db / 20) <= ceiling:
            break
        probe = _Meter(rate, info.num_channels)
        apply(probe)
        error = step.lufs - probe.meter.lufs()
        if abs(error) < 0.1:
            break
        gain_db += error
    with BlockWriter(dest, rate, info.num_channels, protect=protect, measure=True) as writer:
        apply(writer, tick=True)
        after = writer.meter.lufs()
        writer.commit()
    ok = abs(after - step.lufs) <= NORMALIZE_TOLERANCE_LU
    check = Check(name="integrated_lufs", measured=round(after, 3), threshold=f"{step.lufs:g} ± {NORMALIZE_TOLERANCE_LU:g}",
                  passed=ok, detail=f"streamed BS.1770 of the whole output (input {measured.lufs:.2f} LUFS)")
    attempt = Attempt(step_id=step.id, attempt=1, backend="dsp.whole", strategy="streamed normalize: gain "
                      f"{gain_db:+.2f} dB, peaks limited to {step.peak_dbfs:g} dBFS",
                      edited_spans_s=[(0.0, info.duration_s)], verdict=Verdict.of(step.id, [check]),
                      execute_s=_lap(clock))
    events = [e.model_copy(update={"level_db": None if e.level_db is None else e.level_db + gain_db}) for e in events]
    return events, StepReport(step_id=step.id, op=step.op, instruction=step.instruction,
                              status="ok" if ok else "failed", backend=Backend.DSP_WHOLE, attempts=[attempt])


def _peak_phase(info: StreamInfo, step: NormalizeStep, dest: Path, events: list[Event], peak: float, protect: tuple,
                clock: float) -> tuple[list[Event], StepReport]:
    """Peak normalisation: one gain puts the file's highest sample at ``step.peak_dbfs``; the output is scanned again."""
    if peak <= 1e-6:
        attempt = Attempt(step_id=step.id, attempt=1, backend=Backend.DSP_WHOLE, strategy="streamed peak normalize",
                          error="the recording is silent; there is no peak to normalise")
        return events, StepReport(step_id=step.id, op=step.op, instruction=step.instruction, status="failed",
                                  attempts=[attempt])
    gain_db = step.peak_dbfs - 20 * np.log10(peak)
    block = int(BLOCK_S * info.sample_rate_hz)
    with BlockWriter(dest, info.sample_rate_hz, info.num_channels, protect=protect) as writer:
        for a in range(0, info.num_frames, block):
            writer.write(read_frames(info.path, a, min(info.num_frames, a + block)) * np.float32(10 ** (gain_db / 20)))
        writer.commit()
    after = 20 * np.log10(max(scan(open_checked(dest, AudioLimits(max_duration_s=1e9, max_file_bytes=2**62))).peak, 1e-6))
    ok = abs(after - step.peak_dbfs) <= 0.1
    check = Check(name="peak_dbfs", measured=round(after, 3), threshold=f"{step.peak_dbfs:g} ± 0.1", passed=ok,
                  detail="the highest sample of the whole output, read back")
    attempt = Attempt(step_id=step.id, attempt=1, backend="dsp.whole", strategy=f"streamed peak normalize: gain {gain_db:+.2f} dB",
                      edited_spans_s=[(0.0, info.duration_s)], verdict=Verdict.of(step.id, [check]), execute_s=_lap(clock))
    events = [e.model_copy(update={"level_db": None if e.level_db is None else e.level_db + gain_db}) for e in events]
    return events, StepReport(step_id=step.id, op=step.op, instruction=step.instruction,
                              status="ok" if ok else "failed", backend=Backend.DSP_WHOLE, attempts=[attempt])


class _Meter:
    """A writer that only measures (the normalize phase's dry runs)."""

    def __init__(self, rate: int, channels: int) -> None:
        from audioedit.stream import LoudnessMeter

        self.meter = LoudnessMeter(rate, channels)

    def write(self, samples: np.ndarray) -> None:
        self.meter.add(samples)


def _lap(start: float) -> float:
    return round(time.perf_counter() - start, 4)
