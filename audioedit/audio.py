"""Audio: float32 samples shaped ``(channels, frames)`` plus a sample rate, and its file I/O.

Reading accepts whatever libsndfile reads (wav, flac, ogg/vorbis, opus, mp3, aiff, ...), any
channel count up to ``AudioLimits.max_channels`` and any sample rate in the accepted range, and
rejects empty, truncated, non-audio, NaN/inf and over-limit input with a ``UserInputError`` that
names the file. Writing is atomic (temporary file + rename) and never touches an existing input.

    >>> a = Audio.silence(duration_s=1.0, sample_rate_hz=16000, num_channels=2)
    >>> a.samples.shape, a.duration_s
    ((2, 16000), 1.0)
"""

from __future__ import annotations

import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from audioedit.errors import UserInputError

WRITABLE_SUFFIXES = {".wav": ("WAV", "FLOAT"), ".flac": ("FLAC", "PCM_24"), ".ogg": ("OGG", "VORBIS")}


GIB = 1024**3
# Largest file accepted per container (libsndfile's format name) unless ``max_file_bytes`` is set:
# 3 h of 48 kHz stereo float32 WAV is 4.1 GB; the same as 24-bit FLAC ~1.5 GB, as Vorbis/MP3 < 0.5 GB.
FORMAT_MAX_BYTES = {"WAV": 4 * GIB, "WAVEX": 4 * GIB, "AIFF": 4 * GIB, "W64": 8 * GIB, "RF64": 8 * GIB,
                    "CAF": 8 * GIB, "FLAC": 2 * GIB, "OGG": GIB, "MP3": GIB // 2}
DEFAULT_MAX_BYTES = 2 * GIB
RAISE_DURATION = ("raise it with --max-duration SECONDS (CLI: audioedit edit / serve), "
                  "AudioLimits(max_duration_s=...) (Python) or max_duration_s (service config)")
RAISE_SIZE = ("raise it with --max-file-mb MB (CLI), AudioLimits(max_file_bytes=...) (Python) "
              "or max_upload_bytes (service config)")


class AudioLimits(BaseModel):
    """What ``load_audio`` accepts. Everything outside gets a ``UserInputError``.

    ``max_file_bytes`` None: the limit of the file's format (``FORMAT_MAX_BYTES``; compressed
    formats need less room for the same duration)."""

    max_file_bytes: int | None = None
    max_duration_s: float = 3 * 3600.0
    max_channels: int = 8
    min_sample_rate_hz: int = 8_000
    max_sample_rate_hz: int = 192_000


@dataclass(frozen=True, eq=False)
class Audio:
    """Immutable audio: ``samples`` float32 ``(channels, frames)``, ``sample_rate_hz`` int."""

    samples: np.ndarray
    sample_rate_hz: int

    def __post_init__(self) -> None:
        samples = np.asarray(self.samples, dtype=np.float32)
        if samples.ndim == 1:
            samples = samples[None, :]
        if samples.ndim != 2:
            raise UserInputError(f"audio samples must be (channels, frames); got shape {samples.shape}")
        samples.setflags(write=False)
        object.__setattr__(self, "samples", samples)
        object.__setattr__(self, "sample_rate_hz", int(self.sample_rate_hz))

    # --- construction -------------------------------------------------------------------
    @classmethod
    def silence(cls, duration_s: float, sample_rate_hz: int, num_channels: int = 1) -> Audio:
        frames = int(round(duration_s * sample_rate_hz))
        return cls(np.zeros((num_channels, frames), np.float32), sample_rate_hz)

    # --- properties ---------------------------------------------------------------------
    @property
    def num_channels(self) -> int:
        return self.samples.shape[0]

    @property
    def num_frames(self) -> int:
        return self.samples.shape[1]

    @property
    def duration_s(self) -> float:
        return self.num_frames / self.sample_rate_hz

    def frame(self, time_s: float) -> int:
        """The frame index of ``time_s``, clamped to ``[0, num_frames]``."""
        return int(min(max(round(time_s * self.sample_rate_hz), 0), self.num_frames))

    # --- transforms (each returns a new Audio) ------------------------------------------
    def with_samples(self, samples: np.ndarray) -> Audio:
        return Audio(samples, self.sample_rate_hz)

    def slice_s(self, start_s: float, end_s: float) -> Audio:
        return self.with_samples(self.samples[:, self.frame(start_s) : self.frame(end_s)])

    def to_mono(self) -> Audio:
        return self.with_samples(self.samples.mean(axis=0, keepdims=True))

    def with_channels(self, num_channels: int) -> Audio:
        """Mono is copied to every channel; anything else is downmixed first."""
        if num_channels == self.num_channels:
            return self
        mono = self.samples.mean(axis=0, keepdims=True)
        return self.with_samples(np.repeat(mono, num_channels, axis=0))

    def resample(self, sample_rate_hz: int) -> Audio:
        if sample_rate_hz == self.sample_rate_hz:
            return self
        import soxr

        out = soxr.resample(self.samples.T, self.sample_rate_hz, sample_rate_hz, quality="HQ")
        return Audio(np.ascontiguousarray(np.asarray(out, np.float32).T.reshape(self.num_channels, -1)), sample_rate_hz)

    def conform(self, like: Audio) -> Audio:
        """This audio at ``like``'s sample rate and channel count."""
        return self.resample(like.sample_rate_hz).with_channels(like.num_channels)

    def fit_frames(self, num_frames: int) -> Audio:
        """Zero-pad or cut at the end to exactly ``num_frames``."""
        if num_frames <= self.num_frames:
            return self.with_samples(self.samples[:, :num_frames])
        pad = np.zeros((self.num_channels, num_frames - self.num_frames), np.float32)
        return self.with_samples(np.concatenate([self.samples, pad], axis=1))

    def gain_db(self, gain_db: float) -> Audio:
        return self.with_samples(self.samples * np.float32(10 ** (gain_db / 20)))

    def __add__(self, other: Audio) -> Audio:
        if other.sample_rate_hz != self.sample_rate_hz or other.samples.shape != self.samples.shape:
            raise ValueError(
                f"cannot add audio {other.samples.shape}@{other.sample_rate_hz} Hz "
                f"to {self.samples.shape}@{self.sample_rate_hz} Hz"
            )
        return self.with_samples(self.samples + other.samples)

    # --- measurements ---------------------------------------------------------------------
    def rms_db(self) -> float:
        """RMS level in dBFS over all channels (-inf for digital silence, floored at -120)."""
        from audioedit.metrics import level_db

        return level_db(self.samples)

    def peak_dbfs(self) -> float:
        peak = float(np.max(np.abs(self.samples))) if self.num_frames else 0.0
        return 20 * np.log10(max(peak, 1e-6))


def looped_crop(x: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` consecutive samples of the 1-D ``x`` from a random start (``x`` repeated first when shorter)."""
    if x.size < n:
        x = np.tile(x, -(-n // x.size))
    start = int(rng.integers(0, x.size - n + 1))
    return x[start : start + n]


def checked_info(path: Path, limits: AudioLimits):
    """libsndfile's description of ``path`` (``soundfile.info``), once the file exists, is not empty,
    can be read and passes ``limits`` (duration, size by format, rate, channels); a ``UserInputError``
    naming the file otherwise. Nothing is decoded."""
    import soundfile as sf

    if not path.is_file():
        raise UserInputError(f"audio file not found: {str(path)!r}")
    if path.stat().st_size == 0:
        raise UserInputError(f"audio file is empty (0 bytes): {str(path)!r}")
    try:
        info = sf.info(str(path))
    except Exception as exc:  # libsndfile raises its own error type for every decode failure
        raise UserInputError(
            f"cannot read {str(path)!r} as audio ({exc}); accepted: wav, flac, ogg, mp3, aiff"
        ) from None
    check_stream_limits(path, info.format, info.samplerate, info.channels, info.frames / info.samplerate, limits)
    return info


def load_audio(path: str | os.PathLike, limits: AudioLimits | None = None) -> Audio:
    """Read an audio file into float32 ``(channels, frames)`` at its own sample rate.

    Raises ``UserInputError`` naming the file for: a missing path, an empty or over-size file,
    anything libsndfile cannot decode, zero frames, too many channels, a sample rate outside the
    accepted range, a duration over the limit, and NaN or infinite samples.
    """
    import soundfile as sf

    path = Path(path)
    checked_info(path, limits or AudioLimits())
    try:
        data, sample_rate_hz = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:
        raise UserInputError(f"audio file {str(path)!r} is truncated or corrupt: {exc}") from None
    if data.shape[0] == 0:
        raise UserInputError(f"audio file {str(path)!r} has no samples (zero length)")
    bad = int(np.count_nonzero(~np.isfinite(data)))
    if bad:
        raise UserInputError(f"audio file {str(path)!r} has {bad} NaN or infinite samples; fix or re-export it")
    return Audio(np.ascontiguousarray(data.T), sample_rate_hz)


def _check_format(path: Path, sample_rate_hz: int, channels: int, duration_s: float, limits: AudioLimits) -> None:
    if not limits.min_sample_rate_hz <= sample_rate_hz <= limits.max_sample_rate_hz:
        raise UserInputError(
            f"{str(path)!r} has sample rate {sample_rate_hz} Hz; accepted: "
            f"{limits.min_sample_rate_hz}..{limits.max_sample_rate_hz} Hz"
        )
    if not 1 <= channels <= limits.max_channels:
        raise UserInputError(f"{str(path)!r} has {channels} channels; accepted: 1..{limits.max_channels}")
    if duration_s > limits.max_duration_s:
        raise UserInputError(
            f"{str(path)!r} lasts {duration_s:.1f} s; the limit is {limits.max_duration_s:.0f} s: {RAISE_DURATION}"
        )


def max_file_bytes(limits: AudioLimits, file_format: str) -> int:
    """The size limit for a file of libsndfile format ``file_format`` (``WAV``, ``FLAC``, ``OGG``, ...)."""
    if limits.max_file_bytes is not None:
        return limits.max_file_bytes
    return FORMAT_MAX_BYTES.get(file_format.upper(), DEFAULT_MAX_BYTES)


def check_stream_limits(path: Path, file_format: str, sample_rate_hz: int, channels: int, duration_s: float,
                        limits: AudioLimits | None) -> None:
    """A file's size (by its format), rate, channels and duration against ``limits``."""
    limits = limits or AudioLimits()
    size_bytes, allowed = path.stat().st_size, max_file_bytes(limits, file_format)
    if size_bytes > allowed:
        raise UserInputError(f"audio file {str(path)!r} is {size_bytes} bytes; the limit for {file_format} files "
                             f"is {allowed} bytes: {RAISE_SIZE}")
    _check_format(path, sample_rate_hz, channels, duration_s, limits)


def check_audio(audio: Audio, name: str = "audio", limits: AudioLimits | None = None) -> Audio:
    """Apply ``load_audio``'s checks to audio that came from memory (API or HTTP callers)."""
    limits = limits or AudioLimits()
    _check_format(Path(name), audio.sample_rate_hz, audio.num_channels, audio.duration_s, limits)
    if audio.num_frames == 0:
        raise UserInputError(f"{name!r} has no samples (zero length)")
    if not np.all(np.isfinite(audio.samples)):
        raise UserInputError(f"{name!r} has NaN or infinite samples")
    return audio


def float_wav_bytes(samples: np.ndarray, sample_rate_hz: int) -> bytes:
    """An IEEE-float32 WAV (RIFF with ``fmt`` format 3, ``fact``, ``data``) of ``samples``
    ``(channels, frames)``. Unlike libsndfile's writer it adds no ``PEAK`` chunk with a wall-clock
    timestamp, so identical samples give identical bytes (datasets regenerate byte-identically)."""
    x = np.ascontiguousarray(np.asarray(samples, dtype="<f4"))
    if x.ndim == 1:
        x = x[None, :]
    channels, frames = x.shape
    data = x.T.tobytes()
    fmt = struct.pack("<HHIIHH", 3, channels, sample_rate_hz, sample_rate_hz * 4 * channels, 4 * channels, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact" + struct.pack("<II", 4, frames)
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def save_audio(audio: Audio, path: str | os.PathLike, *, protect: tuple[str | os.PathLike, ...] = ()) -> Path:
    """Write ``audio`` to ``path`` atomically; the format follows the suffix (.wav float32,
    .flac 24-bit, .ogg Vorbis). WAV bytes are reproducible (see ``float_wav_bytes``).

    ``protect`` lists input files that must never be overwritten (a ``UserInputError`` if
    ``path`` is one of them).
    """
    import soundfile as sf

    path = Path(path)
    fmt = WRITABLE_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise UserInputError(f"cannot write {str(path)!r}: accepted suffixes are {sorted(WRITABLE_SUFFIXES)}")
    ensure_not_input(path, protect)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        if fmt[0] == "WAV":
            Path(tmp).write_bytes(float_wav_bytes(audio.samples, audio.sample_rate_hz))
        else:
            sf.write(tmp, audio.samples.T, audio.sample_rate_hz, format=fmt[0], subtype=fmt[1])
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_text_atomic(path: str | os.PathLike, text: str, *, protect: tuple[str | os.PathLike, ...] = ()) -> Path:
    """Write a text file atomically (used for reports and JAMS)."""
    path = Path(path)
    ensure_not_input(path, protect)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def ensure_not_input(path: Path, protect: tuple[str | os.PathLike, ...]) -> None:
    for other in protect:
        other = Path(other)
        if other.exists() and path.exists() and os.path.samefile(path, other):
            raise UserInputError(f"output path {str(path)!r} is an input file; choose another output path")
        if path.resolve() == other.resolve():
            raise UserInputError(f"output path {str(path)!r} is an input file; choose another output path")
