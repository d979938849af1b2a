"""Audio I/O: formats, sample rates, channel counts, and every kind of bad input."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import soundfile as sf

from audioedit.audio import Audio, AudioLimits, check_audio, load_audio, save_audio
from audioedit.errors import UserInputError


def _write(path, samples, sr, **kw):
    sf.write(str(path), samples, sr, **kw)
    return path


@pytest.mark.parametrize("suffix,fmt", [(".wav", None), (".flac", None), (".ogg", None), (".mp3", "MP3")])
def test_reads_common_formats(tmp_path, suffix, fmt):
    sr = 22050
    t = np.arange(sr) / sr
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    path = _write(tmp_path / f"a{suffix}", tone, sr, **({"format": fmt} if fmt else {}))
    audio = load_audio(path)
    assert audio.sample_rate_hz == sr and audio.num_channels == 1
    assert abs(audio.duration_s - 1.0) < 0.1
    assert audio.rms_db() > -20


@pytest.mark.parametrize("sr", [8000, 11025, 22050, 44100, 48000, 96000])
@pytest.mark.parametrize("channels", [1, 2, 6, 8])
def test_sample_rates_and_channels_round_trip(tmp_path, sr, channels):
    rng = np.random.default_rng(sr + channels)
    data = (rng.standard_normal((sr // 10, channels)) * 0.1).astype(np.float32)
    path = _write(tmp_path / "in.wav", data, sr, subtype="FLOAT")
    audio = load_audio(path)
    assert audio.samples.shape == (channels, sr // 10) and audio.sample_rate_hz == sr
    out = save_audio(audio, tmp_path / "out.wav")
    assert np.array_equal(load_audio(out).samples, audio.samples)


def test_resample_and_conform():
    a = Audio(np.ones((2, 44100), np.float32) * 0.5, 44100)
    b = a.resample(16000)
    assert b.num_frames == 16000 and b.num_channels == 2
    c = Audio(np.zeros((1, 8000), np.float32), 8000).conform(a)
    assert c.sample_rate_hz == 44100 and c.num_channels == 2


@pytest.mark.parametrize(
    "content,match",
    [(b"", "empty"), (b"not audio at all, just text" * 10, "cannot read"), (b"RIFF\x10\x00\x00\x00WAVEfmt ", "cannot read|truncated")],
)
def test_bad_files_get_clear_errors(tmp_path, content, match):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(UserInputError, match=match):
        load_audio(path)


def test_truncated_wav(tmp_path):
    path = _write(tmp_path / "t.wav", np.zeros(16000, np.float32), 16000)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    try:
        audio = load_audio(path)  # libsndfile may read the frames that are there
        assert audio.num_frames < 16000
    except UserInputError as exc:
        assert "t.wav" in str(exc)


def test_missing_zero_length_nan_and_limits(tmp_path):
    with pytest.raises(UserInputError, match="not found"):
        load_audio(tmp_path / "nope.wav")
    zero = _write(tmp_path / "zero.wav", np.zeros((0, 1), np.float32), 16000)
    with pytest.raises(UserInputError, match="no samples|zero length|cannot read"):
        load_audio(zero)
    nan = np.zeros(1000, np.float32)
    nan[10] = np.nan
    with pytest.raises(UserInputError, match="NaN"):
        load_audio(_write(tmp_path / "nan.wav", nan, 16000, subtype="FLOAT"))
    long = _write(tmp_path / "long.wav", np.zeros(16000 * 3, np.float32), 16000)
    with pytest.raises(UserInputError, match="limit is 2 s"):
        load_audio(long, AudioLimits(max_duration_s=2))
    with pytest.raises(UserInputError, match="bytes"):
        load_audio(long, AudioLimits(max_file_bytes=1000))
    with pytest.raises(UserInputError, match="channels"):
        load_audio(_write(tmp_path / "c.wav", np.zeros((100, 3), np.float32), 16000), AudioLimits(max_channels=2))
    with pytest.raises(UserInputError, match="sample rate"):
        load_audio(_write(tmp_path / "sr.wav", np.zeros(100, np.float32), 4000))
    with pytest.raises(UserInputError, match="NaN"):
        check_audio(Audio(np.full((1, 10), np.inf, np.float32), 16000))


def test_silent_and_clipped_audio_load(tmp_path):
    silent = load_audio(_write(tmp_path / "s.wav", np.zeros(1600, np.float32), 16000))
    assert silent.rms_db() == -120
    clipped = load_audio(_write(tmp_path / "c.wav", np.ones(1600, np.float32), 16000))
    assert clipped.peak_dbfs() == pytest.approx(0, abs=0.01)


def test_save_is_atomic_and_protects_inputs(tmp_path):
    src = _write(tmp_path / "in.wav", np.zeros(1600, np.float32), 16000)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    audio = load_audio(src)
    with pytest.raises(UserInputError, match="is an input file"):
        save_audio(audio, src, protect=(src,))
    with pytest.raises(UserInputError, match="suffixes"):
        save_audio(audio, tmp_path / "out.xyz")
    assert hashlib.sha256(src.read_bytes()).hexdigest() == digest
    save_audio(audio, tmp_path / "out.flac")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_audio_is_immutable():
    a = Audio(np.zeros((1, 10), np.float32), 16000)
    with pytest.raises(ValueError):
        a.samples[0, 0] = 1.0
