"""Shared DSP pieces: crossfade curves, splicing, gain envelopes, time stretch, background
texture, frame spans and levels.

All sample arrays here are float ``(channels, frames)``; spans are ``(start, end)`` frame pairs,
half-open. Functions never write outside the frames they are given, so everything outside an
edited span stays sample-identical.
"""

from __future__ import annotations

import numpy as np

from audioedit.spans import merge_spans

XFADE_S = 0.01  # crossfade / gain-ramp length at every splice
MARGIN_S = 0.05  # on the mixture, a target needs this much room from other events
PAD_S = 0.025  # context kept around an event when its segment is cut out or moved
TEXTURE_CHUNK_S = 1.0  # longest piece of background taken from one place when building texture
SILENCE_DB = -100.0

Span = tuple[int, int]


# --- spans and levels ------------------------------------------------------------------------


def spans_to_seconds(spans: list[Span], sample_rate_hz: int) -> list[tuple[float, float]]:
    return [(a / sample_rate_hz, b / sample_rate_hz) for a, b in merge_spans(spans)]


def complement(spans: list[Span], num_frames: int) -> list[Span]:
    """The parts of ``[0, num_frames)`` not covered by ``spans``."""
    free, pos = [], 0
    for a, b in merge_spans([(max(a, 0), min(b, num_frames)) for a, b in spans]):
        if a > pos:
            free.append((pos, a))
        pos = max(pos, b)
    if pos < num_frames:
        free.append((pos, num_frames))
    return free


def nonzero_bounds(x: np.ndarray) -> Span | None:
    """First and one-past-last frame where any channel of ``x`` is non-zero, or None."""
    idx = np.flatnonzero(np.any(x != 0, axis=0))
    return (int(idx[0]), int(idx[-1]) + 1) if idx.size else None


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def to_db(value: float) -> float:
    return 20 * float(np.log10(max(value, 1e-6)))


def rms_db(x: np.ndarray) -> float:
    """RMS of ``x`` in dBFS over all channels, floored at -120 dB."""
    return to_db(rms(x))


# --- curves and splices ----------------------------------------------------------------------


def equal_power(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(fade_in, fade_out), length ``n``, sin/cos so uncorrelated signals keep their power."""
    t = (np.arange(n) + 0.5) / max(n, 1)
    return np.sin(0.5 * np.pi * t), np.cos(0.5 * np.pi * t)


def raised_cosine(n: int) -> np.ndarray:
    """A ramp from ~0 to ~1 over ``n`` frames (half a Hann window)."""
    t = (np.arange(n) + 0.5) / max(n, 1)
    return 0.5 - 0.5 * np.cos(np.pi * t)


def gain_envelope(num_frames: int, gain: float, ramp_frames: int) -> np.ndarray:
    """1 -> ``gain`` -> 1 over ``num_frames``, raised-cosine ramps of ``ramp_frames`` inside."""
    ramp = min(ramp_frames, num_frames // 2)
    env = np.full(num_frames, gain, dtype=np.float64)
    if ramp:
        r = raised_cosine(ramp)
        env[:ramp] = 1 + (gain - 1) * r
        env[num_frames - ramp :] = 1 + (gain - 1) * r[::-1]
    return env


def splice(out: np.ndarray, segment: np.ndarray, start: int, xf_in: int, xf_out: int) -> None:
    """Write ``segment`` into ``out[:, start:start+len]`` in place, crossfading (equal power) from
    ``out`` over the first ``xf_in`` frames and back to ``out`` over the last ``xf_out``."""
    n = segment.shape[1]
    region = out[:, start : start + n].astype(np.float64)
    seg = segment.astype(np.float64)
    mixed = seg.copy()
    if xf_in:
        fi, fo = equal_power(xf_in)
        mixed[:, :xf_in] = region[:, :xf_in] * fo + seg[:, :xf_in] * fi
    if xf_out:
        fi, fo = equal_power(xf_out)
        mixed[:, n - xf_out :] = seg[:, n - xf_out :] * fo + region[:, n - xf_out :] * fi
    out[:, start : start + n] = mixed


def join(first: np.ndarray, second: np.ndarray, xf: int) -> np.ndarray:
    """``first`` then ``second`` with an equal-power crossfade of ``xf`` frames between them."""
    xf = min(xf, first.shape[1], second.shape[1])
    if xf == 0:
        return np.concatenate([first, second], axis=1)
    fi, fo = equal_power(xf)
    middle = first[:, -xf:] * fo + second[:, :xf] * fi
    return np.concatenate([first[:, :-xf], middle, second[:, xf:]], axis=1)


def fade_edges(x: np.ndarray, fade_frames: int) -> np.ndarray:
    """A copy of ``x`` with raised-cosine fade-in and fade-out of ``fade_frames``."""
    y = x.astype(np.float64, copy=True)
    n = min(fade_frames, y.shape[1] // 2)
    if n:
        r = raised_cosine(n)
        y[:, :n] *= r
        y[:, -n:] *= r[::-1]
    return y


def fit_length(x: np.ndarray, num_frames: int) -> np.ndarray:
    """Zero-pad or cut ``x`` at the end to ``num_frames``."""
    if x.shape[1] >= num_frames:
        return x[:, :num_frames]
    return np.pad(x, ((0, 0), (0, num_frames - x.shape[1])))


# --- time stretch ----------------------------------------------------------------------------


def time_stretch(x: np.ndarray, sample_rate_hz: int, factor: float, keep_pitch: bool = True) -> np.ndarray:
    """``x`` played ``factor`` times faster: ``round(frames / factor)`` frames long.

    ``keep_pitch``: Rubber Band time stretch through pedalboard (pitch kept); otherwise a
    resampling (playback-rate change: pitch moves with the speed).
    """
    target = max(1, int(round(x.shape[1] / factor)))
    x32 = np.ascontiguousarray(x, dtype=np.float32)
    if keep_pitch:
        import pedalboard

        # the short FFT window: ~3x faster than the long one (60 vs 160 ms for 2 s of stereo at
        # 44.1 kHz), pitch and duration checks unchanged; events are short, not sustained music
        y = pedalboard.time_stretch(x32, float(sample_rate_hz), stretch_factor=float(factor), use_long_fft_window=False)
    else:
        import soxr

        y = soxr.resample(x32.T, sample_rate_hz * factor, sample_rate_hz, quality="HQ")
        y = np.asarray(y, np.float32).reshape(-1, x.shape[0]).T
    return fit_length(np.asarray(y, dtype=np.float64), target)


# --- background texture ----------------------------------------------------------------------


def background_texture(
    x: np.ndarray, num_frames: int, avoid: list[Span], near: Span, xf: int, chunk_frames: int
) -> tuple[np.ndarray, str | None]:
    """``num_frames`` of background built from the parts of ``x`` outside ``avoid``, taking the
    pieces nearest to ``near`` first, joined with equal-power crossfades and level-matched
    (gain clipped to ±6 dB) to the free background within ``chunk_frames`` of ``near``. Pieces
    are at most ``chunk_frames`` long.

    Returns (texture ``(channels, num_frames)``, a note or None). With no free background at
    all the texture is silence and the note says so.
    """
    channels, total = x.shape
    min_len = 4 * xf + 1
    free = [s for s in complement(avoid, total) if s[1] - s[0] >= min_len]
    if not free or num_frames <= 0:
        note = "no background outside the events to fill with: filled with silence" if num_frames > 0 else None
        return np.zeros((channels, max(num_frames, 0))), note
    free.sort(key=lambda s: _distance(s, near))
    chunk_max = max(min_len, chunk_frames)
    chunks = []
    for a, b in free:
        take = min(b - a, chunk_max)
        chunks.append(x[:, a : a + take] if a >= near[1] else x[:, b - take : b])
    texture = chunks[0].astype(np.float64)
    i = 1
    while texture.shape[1] < num_frames:
        texture = join(texture, chunks[i % len(chunks)].astype(np.float64), xf)
        i += 1
    texture = texture[:, :num_frames]
    reference = np.concatenate([x[:, a:b] for a, b in _nearby(free, near, chunk_max)], axis=1)
    gain = rms(reference) / max(rms(texture), 1e-12)
    return texture * float(np.clip(gain, 0.5, 2.0)), None


def _distance(span: Span, near: Span) -> int:
    if span[1] <= near[0]:
        return near[0] - span[1]
    if span[0] >= near[1]:
        return span[0] - near[1]
    return 0


def _nearby(free: list[Span], near: Span, reach: int) -> list[Span]:
    """The parts of ``free`` within ``reach`` frames of ``near`` (the nearest span if none)."""
    window = (near[0] - reach, near[1] + reach)
    parts = [(max(a, window[0]), min(b, window[1])) for a, b in free]
    parts = [p for p in parts if p[1] > p[0]]
    return parts or free[:1]
