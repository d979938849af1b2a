"""Block I/O for long files: read a file in blocks, measure it in one streaming pass, write as it goes.

- ``open_checked(path, limits)``: ``soundfile.info`` plus ``load_audio``'s checks, nothing decoded.
- ``read_frames(path, start, stop)``: float32 ``(channels, frames)`` of one window of the file.
- ``scan(path, ...)``: one pass over the file in blocks: a quietness envelope (RMS per
  ``ENVELOPE_HOP_S`` frame, dBFS) and, when asked, the integrated loudness (ITU-R BS.1770) with the
  K-weighting filters' state carried across blocks, so it equals ``metrics.integrated_lufs`` on
  the whole file.
- ``LoudnessMeter``: the streaming BS.1770 accumulator (``scan`` uses it; ``BlockWriter`` too).
- ``BlockWriter``: appends blocks to a temporary file beside the output, renamed over the output
  on ``commit()``; a writer closed without ``commit`` (an error, a killed process) leaves no output.

Memory is bounded by the block size, not by the file.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audioedit.audio import WRITABLE_SUFFIXES, Audio, AudioLimits, checked_info, ensure_not_input
from audioedit.errors import UserInputError
from audioedit.metrics import MIN_BLOCK_S, gated_loudness, integrated_lufs

BLOCK_S = 30.0  # frames read at once by ``scan``
STALE_S = 3600.0  # a writer's temporary file untouched this long belongs to a killed job
ENVELOPE_HOP_S = 0.05  # one quietness value per 50 ms


def fix_mmap_threshold(threshold_bytes: int = 1 << 20) -> bool:
    """Keep glibc from raising its mmap threshold as big arrays are freed (its default does, up to
    32 MiB, and then chunk-sized arrays come from the heap, which fragments and grows chunk after
    chunk). With a fixed threshold every chunk-sized buffer is mmapped and given back when freed, so
    a long job's peak memory stays at one chunk's. True when applied (glibc only)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(-3, threshold_bytes))  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        return False


@dataclass(frozen=True)
class StreamInfo:
    path: Path
    sample_rate_hz: int
    num_channels: int
    num_frames: int
    format: str

    @property
    def duration_s(self) -> float:
        return self.num_frames / self.sample_rate_hz


def open_checked(path: str | os.PathLike, limits: AudioLimits | None = None) -> StreamInfo:
    """The file's format and size, checked against ``limits`` (duration, size by format, rate,
    channels) without decoding it; a ``UserInputError`` naming the file otherwise."""
    path = Path(path)
    info = checked_info(path, limits or AudioLimits())
    if info.frames == 0:
        raise UserInputError(f"audio file {str(path)!r} has no samples (zero length)")
    return StreamInfo(path, int(info.samplerate), int(info.channels), int(info.frames), str(info.format))


def read_frames(path: str | os.PathLike, start: int, stop: int) -> np.ndarray:
    """Frames ``[start, stop)`` of the file as float32 ``(channels, frames)`` (NaN/inf refused)."""
    import soundfile as sf

    try:
        data = sf.read(str(path), start=max(start, 0), stop=stop, dtype="float32", always_2d=True)[0]
    except Exception as exc:
        raise UserInputError(f"audio file {str(path)!r} is truncated or corrupt: {exc}") from None
    if not np.all(np.isfinite(data)):
        raise UserInputError(f"audio file {str(path)!r} has NaN or infinite samples; fix or re-export it")
    return np.ascontiguousarray(data.T)


class LoudnessMeter:
    """Integrated loudness (BS.1770-4, as ``metrics.integrated_lufs``) fed block by block.

    The K-weighting filters keep their state across blocks; the running sum of squares is
    recorded at every gating-block edge (400 ms blocks every 100 ms), so the result equals the
    whole-file measurement up to float rounding."""

    def __init__(self, sample_rate_hz: int, num_channels: int) -> None:
        import pyloudnorm

        self.rate, self.channels = sample_rate_hz, num_channels
        self.block = int(round(MIN_BLOCK_S * sample_rate_hz))
        self.hop = int(round(MIN_BLOCK_S * sample_rate_hz / 4))
        self.stages = [(s.b, s.a) for s in pyloudnorm.Meter(sample_rate_hz)._filters.values()]
        self.state = [np.zeros((num_channels, max(len(a), len(b)) - 1)) for b, a in self.stages]
        self.frames = 0
        self.total = np.zeros(num_channels)
        self.edges: dict[int, np.ndarray] = {0: np.zeros(num_channels)}
        self.head: list[np.ndarray] = []  # the first block's samples, kept until one gating block is seen
        self.any_signal = False

    def add(self, samples: np.ndarray) -> None:
        from scipy.signal import lfilter

        x = np.asarray(samples, dtype=np.float64)
        if x.shape[1] == 0:
            return
        if self.frames < self.block:
            self.head.append(np.asarray(samples, np.float32))
        self.any_signal = self.any_signal or bool(np.any(x))
        for i, (b, a) in enumerate(self.stages):
            x, self.state[i] = lfilter(b, a, x, axis=1, zi=self.state[i])
        running = self.total[:, None] + np.cumsum(x**2, axis=1)
        start, stop = self.frames, self.frames + x.shape[1]
        for edge in self._edges_in(start + 1, stop).tolist():
            self.edges[edge] = running[:, edge - start - 1]
        self.total = running[:, -1]
        self.frames = stop
        if self.frames >= self.block:
            self.head = []

    def _edges_in(self, lo: int, hi: int) -> np.ndarray:
        """Gating-block edges (block starts ``k * hop`` and ends ``k * hop + block``) in ``[lo, hi]``."""
        starts = np.arange(-(-lo // self.hop) * self.hop, hi + 1, self.hop)
        ends = np.arange(max(0, -(-(lo - self.block) // self.hop)) * self.hop + self.block, hi + 1, self.hop)
        return np.union1d(starts, ends)

    def lufs(self) -> float:
        if not self.any_signal:
            return float("-inf")
        if self.frames < self.block:  # shorter than one gating block: the whole-file rule (tiled)
            return integrated_lufs(Audio(np.concatenate(self.head, axis=1), self.rate))
        starts = np.arange(0, self.frames - self.block + 1, self.hop)
        power_at = lambda idx: np.stack([self.edges[int(i)] for i in idx], axis=1)  # noqa: E731
        z = (power_at(starts + self.block) - power_at(starts)) / self.block
        return gated_loudness(z)


@dataclass(frozen=True)
class Scan:
    envelope_db: np.ndarray  # RMS per ENVELOPE_HOP_S frame (all channels), dBFS
    hop_frames: int
    lufs: float | None
    peak: float


def scan(info: StreamInfo, *, loudness: bool = False, block_s: float = BLOCK_S) -> Scan:
    """One pass over the file in blocks: the quietness envelope, the peak and (``loudness``) the
    integrated loudness."""
    hop = max(1, int(round(ENVELOPE_HOP_S * info.sample_rate_hz)))
    block = max(hop, int(block_s * info.sample_rate_hz) // hop * hop)
    meter = LoudnessMeter(info.sample_rate_hz, info.num_channels) if loudness else None
    envelope, peak = [], 0.0
    for start in range(0, info.num_frames, block):
        x = read_frames(info.path, start, min(start + block, info.num_frames))
        if meter is not None:
            meter.add(x)
        peak = max(peak, float(np.max(np.abs(x))))
        n = x.shape[1] // hop
        power = np.square(x, dtype=np.float64).mean(axis=0)
        frames = [power[: n * hop].reshape(n, hop).mean(axis=1)]
        if x.shape[1] > n * hop:
            frames.append(power[n * hop :].mean(keepdims=True))
        envelope.append(np.concatenate(frames))
    power = np.concatenate(envelope) if envelope else np.zeros(0)
    return Scan(10 * np.log10(np.maximum(power, 1e-12)), hop, meter.lufs() if meter else None, peak)


def remove_stale_parts(path: Path, older_than_s: float = STALE_S) -> list[Path]:
    """Delete the temporary files a killed writer of ``path`` left (``.<stem>.*.part``, untouched for
    ``older_than_s``: a live writer appends every chunk); returns them."""
    import time

    stale = [p for p in path.parent.glob(f".{path.stem}.*.part")
             if time.time() - p.stat().st_mtime > older_than_s]
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


class BlockWriter:
    """Appends ``(channels, frames)`` blocks to a temporary file in the output's folder; ``commit``
    renames it over ``path``. Without ``commit`` the temporary file is removed on ``close`` (and a
    killed process leaves only a hidden ``.<name>.*.part`` file, never the output)."""

    def __init__(self, path: str | os.PathLike, sample_rate_hz: int, num_channels: int, *,
                 protect: tuple = (), measure: bool = False) -> None:
        import soundfile as sf

        self.path = Path(path)
        fmt = WRITABLE_SUFFIXES.get(self.path.suffix.lower())
        if fmt is None:
            raise UserInputError(f"cannot write {str(self.path)!r}: accepted suffixes are {sorted(WRITABLE_SUFFIXES)}")
        ensure_not_input(self.path, protect)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(self.path)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=".part", dir=self.path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        self.frames = 0
        self.peak = 0.0
        self.meter = LoudnessMeter(sample_rate_hz, num_channels) if measure else None
        self._file = sf.SoundFile(tmp, "w", samplerate=sample_rate_hz, channels=num_channels,
                                  format=fmt[0], subtype=fmt[1])

    def write(self, samples: np.ndarray) -> None:
        if samples.shape[1] == 0:
            return
        self._file.write(np.ascontiguousarray(samples.T, dtype=np.float32))
        self.frames += samples.shape[1]
        self.peak = max(self.peak, float(np.max(np.abs(samples))))
        if self.meter is not None:
            self.meter.add(samples)

    def commit(self) -> Path:
        self._file.close()
        os.replace(self.tmp, self.path)
        return self.path

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
        if self.tmp.exists():
            self.tmp.unlink()

    def __enter__(self) -> BlockWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
