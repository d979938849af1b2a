"""The starter sound bank, SoundBank over any Scaper-layout folder, and the procedural generators."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from audioedit.audio import Audio
from audioedit.bank import LabelInfo, SoundBank, loop_to, starter_bank
from audioedit.errors import UserInputError
from audioedit.procedural import BACKGROUND_LABELS, PROCEDURAL_LABELS, generate

REQUIRED = {
    "foreground": ["bird", "speech", "dog_bark", "cat", "car_horn", "siren", "door_knock", "footsteps", "bell",
                   "phone_ring"],
    "background": ["traffic", "rain", "wind", "running_water", "dishes"],
}


@pytest.fixture(scope="module")
def bank() -> SoundBank:
    return starter_bank()


def test_required_labels_present_with_several_clips(bank):
    for role, labels in REQUIRED.items():
        for label in labels:
            assert label in bank.labels(role), label
            assert bank.role_of(label) == role
            assert len(bank.clips(label)) >= 2, label


def test_every_clip_readable_non_silent_and_in_spec(bank):
    for label in bank.labels():
        for path in bank.clips(label):
            info = sf.info(str(path))
            assert (info.samplerate, info.channels, info.format) == (22050, 1, "FLAC"), path
            data, _ = sf.read(str(path), dtype="float32")
            peak_db = 20 * np.log10(np.max(np.abs(data)))
            assert -3.5 < peak_db < -2.5, (path, peak_db)
            assert np.sqrt(np.mean(data**2)) > 1e-3, path
            if bank.role_of(label) == "foreground":
                assert 0.5 <= info.duration <= 5.0, (path, info.duration)
            else:
                assert 10.0 <= info.duration <= 20.0, (path, info.duration)


def test_bank_is_small_and_credited(bank):
    files = [p for p in bank.root.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 8 * 1024 * 1024
    credits = (bank.root / "CREDITS.md").read_text(encoding="utf-8")
    for path in files:
        if path.suffix == ".flac":
            assert f"`{path.relative_to(bank.root).as_posix()}`" in credits, path
    for banned in ("urbansound", "esc50", "esc-50", "sisec", "audit", "NC 3.0", "BY-NC"):
        assert banned.lower() not in credits.lower()


def test_labels_json_matches_folders_and_synthetic_flags(bank):
    meta = {}
    for root in bank.roots:  # the starter bank and its scene sounds (audioedit/assets/bank_scenes)
        meta.update(json.loads((root / "labels.json").read_text()))
    assert set(meta) == set(bank.labels())
    assert meta["siren"]["synthetic"] is True and meta["speech"]["synthetic"] is False
    info = bank.info("dog_bark")
    assert isinstance(info, LabelInfo) and info.name == "dog bark" and "dog" in info.synonyms


@pytest.mark.parametrize(
    "text, label",
    [("birds", "bird"), ("a robin", "bird"), ("dog", "dog_bark"), ("horn", "car_horn"), ("rainfall", "rain"),
     ("Dog barking loudly", "dog_bark"), ("sirens", "siren"), ("running water", "running_water"),
     ("speach", "speech"), ("church bells", "bell"), ("door_knock", "door_knock"), ("quantum flux", None), ("", None)],
)
def test_canonical(bank, text, label):
    assert bank.canonical(text) == label


def test_clip_conforms_to_like_and_is_seeded(bank):
    like = Audio.silence(1.0, 44100, num_channels=2)
    a = bank.clip("siren", np.random.default_rng(3), like=like)
    b = bank.clip("siren", np.random.default_rng(3), like=like)
    assert a.sample_rate_hz == 44100 and a.num_channels == 2
    assert np.array_equal(a.samples, b.samples)
    assert np.array_equal(a.samples[0], a.samples[1])


def test_clip_loops_background_to_min_duration(bank):
    a = bank.clip("rain", np.random.default_rng(0), min_duration_s=31.0)
    assert a.duration_s == pytest.approx(31.0, abs=1 / a.sample_rate_hz)
    assert a.peak_dbfs() < 0.0
    # the loop is a crossfaded repeat: no block of near-silence at the seams
    frames = a.samples[0, : a.num_frames // 2205 * 2205].reshape(-1, 2205)
    assert np.sqrt(np.mean(frames**2, axis=1)).min() > 1e-3


def test_loop_to_keeps_level_across_seams():
    noise = np.random.default_rng(0).standard_normal((1, 4000)).astype(np.float32) * 0.1
    out = loop_to(Audio(noise, 8000), 2.0)
    assert out.num_frames == 16000
    assert np.array_equal(out.samples[:, :3000], noise[:, :3000])  # starts as the clip itself
    rms = np.sqrt(np.mean(out.samples.reshape(-1, 200) ** 2, axis=1))  # 25 ms frames, seams included
    assert np.all(np.abs(20 * np.log10(rms / 0.1)) < 2.5)


def test_unknown_label_names_it_and_lists_available(bank):
    with pytest.raises(UserInputError, match=r"'unicorn'.*available: .*bird"):
        bank.clip("unicorn", np.random.default_rng(0))
    with pytest.raises(UserInputError, match="unknown role"):
        bank.labels("middleground")


def test_missing_or_empty_folder(tmp_path):
    with pytest.raises(UserInputError, match="does not exist.*foreground/<label>"):
        SoundBank(tmp_path / "nope")
    (tmp_path / "foreground" / "dog").mkdir(parents=True)
    with pytest.raises(UserInputError, match="no audio clips.*foreground/<label>"):
        SoundBank(tmp_path)


def test_user_folder_without_labels_json_and_corrupt_clip(tmp_path):
    sr = 16000
    good = tmp_path / "foreground" / "glass_break" / "a.wav"
    good.parent.mkdir(parents=True)
    sf.write(str(good), 0.3 * np.sin(np.linspace(0, 400, sr)), sr)
    bad = tmp_path / "background" / "city_park" / "broken.wav"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"RIFF....WAVEfmt not really audio")
    bank = SoundBank(tmp_path, name="mine")
    assert bank.labels() == ["city_park", "glass_break"]
    assert bank.info("city_park") == LabelInfo(label="city_park", role="background", name="city park")
    assert bank.canonical("glass breaks") == "glass_break"
    assert bank.canonical("city parks") == "city_park"
    assert bank.clip("glass_break", np.random.default_rng(0)).sample_rate_hz == sr
    with pytest.raises(UserInputError, match="broken.wav"):
        bank.clip("city_park", np.random.default_rng(0))


@pytest.mark.parametrize("label", PROCEDURAL_LABELS)
def test_procedural_deterministic_and_right_length(label):
    duration_s = 12.0 if label in BACKGROUND_LABELS else 2.0
    a = generate(label, duration_s, 22050, np.random.default_rng(7))
    b = generate(label, duration_s, 22050, np.random.default_rng(7))
    c = generate(label, duration_s, 22050, np.random.default_rng(8))
    assert a.samples.shape == (1, int(duration_s * 22050))
    assert np.array_equal(a.samples, b.samples)
    assert not np.array_equal(a.samples, c.samples)
    assert a.peak_dbfs() == pytest.approx(-3.0, abs=0.01)
    assert np.isfinite(a.samples).all()


def _band_fraction(audio: Audio, lo_hz: float, hi_hz: float) -> float:
    spec = np.abs(np.fft.rfft(audio.samples[0])) ** 2
    freqs = np.fft.rfftfreq(audio.num_frames, 1 / audio.sample_rate_hz)
    return float(spec[(freqs >= lo_hz) & (freqs < hi_hz)].sum() / spec.sum())


def test_procedural_spectra_fit_their_class():
    rng = np.random.default_rng(0)
    assert _band_fraction(generate("siren", 4.0, 22050, rng), 500, 1800) > 0.6
    assert _band_fraction(generate("wind", 12.0, 22050, rng), 0, 1500) > 0.8
    assert _band_fraction(generate("traffic", 12.0, 22050, rng), 0, 1000) > 0.5
    assert _band_fraction(generate("rain", 12.0, 22050, rng), 1000, 11025) > 0.5
    assert _band_fraction(generate("bird", 2.0, 22050, rng), 1800, 8000) > 0.9
    knock = generate("door_knock", 1.5, 22050, rng).samples[0]
    env = np.abs(knock).reshape(-1, 225).max(axis=1)  # ~10 ms frames
    onsets = np.flatnonzero((env[1:] >= 0.2) & (env[:-1] < 0.2))  # rising crossings: one per knock
    assert 2 <= len(onsets) <= 4


def test_procedural_rejects_unknown_label():
    with pytest.raises(UserInputError, match="'unicorn'.*siren"):
        generate("unicorn", 1.0, 22050, np.random.default_rng(0))
