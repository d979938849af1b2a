"""Scenes: JAMS (Scaper's and ours), stems folders, and the real Scaper regression soundscapes."""

from __future__ import annotations

import numpy as np
import pytest

from audioedit.errors import UserInputError
from audioedit.scene import Event, Scene, load_scene, read_annotation, save_scene
from audioedit.evals.fixtures import street_scene
from tests.scaper_util import scaper_soundscape


def test_scaper_soundscape_loads_with_stems(tmp_path):
    wav, jams_path, stems = scaper_soundscape(tmp_path, [("siren", 1.0, 3.0, 6), ("car_horn", 6.0, 1.0, 6)])
    scene = load_scene(wav, annotation=jams_path, stems_dir=stems)
    assert [e.id for e in scene.events] == ["background0_street", "foreground0_siren", "foreground1_car_horn"]
    siren = scene.event("foreground0_siren")
    assert (siren.onset_s, siren.offset_s) == (1.0, 4.0)
    assert siren.level_db is not None and siren.level_db > -60
    # Scaper's mixture is the sum of its isolated events (reverb off)
    assert np.abs(scene.residual().samples).max() < 1e-4


def test_stems_without_annotation_give_events(tmp_path):
    wav, _, stems = scaper_soundscape(tmp_path, [("dog_bark", 2.0, 0.6, 10)])
    scene = load_scene(wav, stems_dir=stems)
    assert scene.events_from == "stems"
    bark = next(e for e in scene.events if e.label == "dog_bark")
    assert bark.onset_s == pytest.approx(2.0, abs=0.02) and bark.offset_s == pytest.approx(2.6, abs=0.05)


def test_jams_round_trip(tmp_path):
    scene = street_scene()
    wav, jams_path, stems = save_scene(scene, tmp_path / "s.wav")
    loaded = load_scene(wav, annotation=jams_path, stems_dir=stems)
    assert [(e.id, e.label, e.onset_s, e.offset_s, e.role) for e in loaded.events] == [
        (e.id, e.label, e.onset_s, e.offset_s, e.role) for e in scene.events
    ]
    assert np.allclose(loaded.audio.samples, scene.audio.samples)
    import jams

    jam = jams.load(str(jams_path), validate=False)
    assert len(jam.annotations[0].data) == len(scene.events)


def test_real_scaper_regression_annotations(dev_data):
    folder = dev_data / "scaper" / "regression"
    scene = load_scene(folder / "soundscape_20200501_22050.wav", annotation=folder / "soundscape_20200501_22050.jams")
    txt = read_annotation(folder / "soundscape_20200501_22050.txt")
    fg = [e for e in scene.events if e.role == "foreground"]
    assert [(e.label, round(e.onset_s, 3)) for e in fg] == [(e.label, round(e.onset_s, 3)) for e in txt]
    assert scene.audio.sample_rate_hz == 22050


def test_annotation_errors(tmp_path):
    bad = tmp_path / "bad.jams"
    bad.write_text("{not json")
    with pytest.raises(UserInputError, match="not a JAMS"):
        read_annotation(bad)
    txt = tmp_path / "a.txt"
    txt.write_text("1.0\tfoo\n")
    with pytest.raises(UserInputError, match="line 1"):
        read_annotation(txt)
    wav, jams_path, _ = save_scene(street_scene(duration_s=10), tmp_path / "s.wav")
    short = tmp_path / "short.txt"
    short.write_text("12.0\t13.0\tdog_bark\n")
    with pytest.raises(UserInputError, match="after the audio ends"):
        load_scene(wav, annotation=short)
    with pytest.raises(UserInputError, match="stems folder not found"):
        load_scene(wav, stems_dir=tmp_path / "missing")


def test_event_overlap():
    a = Event(id="a", label="x", onset_s=1, offset_s=2)
    assert a.overlaps(Event(id="b", label="y", onset_s=1.5, offset_s=3))
    assert not a.overlaps(Event(id="c", label="y", onset_s=2.5, offset_s=3))
    assert isinstance(street_scene().describe().model_dump_json(), str)
    assert Scene(street_scene().audio).describe().events == []
