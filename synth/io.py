"""Byte-reproducible writing of synthetic scenes.

libsndfile adds a ``PEAK`` chunk with a wall-clock timestamp to float WAV files (two writes of
the same samples differ in four bytes) and fsyncs every file on close (slow for the thousands of
small files a dataset has). Datasets must regenerate byte-identically and fast, so here float32
WAVs are written directly (a 44-byte-plus header and the samples). ``load_audio`` returns the
samples bit for bit.

    >>> save_scene_exact(scene, "out/target.wav")          # doctest: +SKIP
    # -> out/target.wav, out/target.jams, out/target_events/<event id>.wav
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from audioedit.audio import Audio, write_text_atomic
from audioedit.scene import Scene, scene_to_jams


def write_wav(samples: np.ndarray, sample_rate_hz: int, path: str | os.PathLike) -> Path:
    """Write float32 ``samples`` ``(channels, frames)`` as an IEEE-float WAV (RIFF, ``fmt``
    format 3, ``fact``, ``data``): byte-identical for identical input, no timestamp, no fsync.
    Not atomic on its own: callers build examples in a temp folder that is renamed when complete."""
    x = np.ascontiguousarray(np.asarray(samples, dtype="<f4"))
    if x.ndim == 1:
        x = x[None, :]
    channels, frames = x.shape
    data = x.T.tobytes()
    fmt = struct.pack("<HHIIHH", 3, channels, sample_rate_hz, sample_rate_hz * 4 * channels, 4 * channels, 32)
    fact = struct.pack("<I", frames)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact" + struct.pack("<I", 4) + fact
    body += b"data" + struct.pack("<I", len(data)) + data
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def save_wav_exact(audio: Audio, path: str | os.PathLike) -> Path:
    """``write_wav`` for an ``Audio``."""
    return write_wav(audio.samples, audio.sample_rate_hz, path)


def save_scene_exact(scene: Scene, audio_path: str | os.PathLike) -> tuple[Path, Path, Path | None]:
    """Like ``audioedit.scene.save_scene`` (mixture, JAMS beside it, ``<name>_events/`` stems),
    with reproducible bytes. Event ids must already be in JAMS order (see ``pairs.canonical_scene``)."""
    audio_path = Path(audio_path)
    save_wav_exact(scene.audio, audio_path)
    jams_path = write_text_atomic(audio_path.with_suffix(".jams"), scene_to_jams(scene))
    stems_dir = None
    if scene.stems is not None:
        stems_dir = audio_path.with_name(f"{audio_path.stem}_events")
        for event_id, stem in scene.stems.items():
            save_wav_exact(stem, stems_dir / f"{event_id}.wav")
    return audio_path, jams_path, stems_dir
