"""Registry ops reverb and eq: the asked change is measured, the rest of the recording is unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from audioedit.agents.loop import LoopConfig, run_steps
from audioedit.audio import Audio
from audioedit.ops import eq, reverb
from audioedit.ops.measure import band_ratio_db, centroid_hz, rt60_s
from audioedit.scene import Event, Scene, SceneDescription
from audioedit.steps import EditStepAdapter, EventRef, Plan
from audioedit.executor.router import routes, unavailable

SR = 16000
WHOLE = EventRef(label="recording", scope="recording")


def _noise(seconds: float, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.1, (1, int(seconds * SR)))


def _clicks(seconds: float = 6.0, every_s: float = 2.0) -> np.ndarray:
    x = np.zeros((1, int(seconds * SR)))
    x[0, :: int(every_s * SR)] = 0.8
    return x


def _layered(detected: bool = False, stems: bool = True) -> Scene:
    """A noise bed (background) and a noise burst 'speech' at 2-3 s; stems sum to the mixture."""
    bed = _noise(6.0, 1) * 0.1
    burst = np.zeros_like(bed)
    burst[:, 2 * SR:3 * SR] = _noise(1.0, 2)
    events = (Event(id="background0_noise", label="noise", onset_s=0, offset_s=6, role="background",
                    source="detected" if detected else "annotation"),
              Event(id="foreground0_speech", label="speech", onset_s=2, offset_s=3,
                    source="detected" if detected else "annotation"))
    stem_map = {"background0_noise": Audio(bed, SR), "foreground0_speech": Audio(burst, SR)} if stems else None
    return Scene(Audio(bed + burst, SR), events, stem_map, "detected" if detected else "stems")


def _reverb(room: str, target: EventRef = WHOLE) -> reverb.ReverbStep:
    return reverb.ReverbStep(id="s1", instruction=reverb.instruction(target, room), target=target, room=room)


def _eq(preset: str, target: EventRef = WHOLE) -> eq.EqStep:
    return eq.EqStep(id="s1", instruction=eq.instruction(target, preset), target=target, preset=preset)


def _rt60_after_click(y: np.ndarray) -> float:
    return rt60_s(y[:, int(2 * SR): int(3.9 * SR)], SR)  # the response to the click at 2 s


def test_reverb_rt60_grows_with_the_room_and_verifies():
    scene = Scene(Audio(_clicks(), SR))
    measured = {}
    for room in ("small_room", "large_hall", "church"):
        step = _reverb(room)
        result = reverb.execute(scene, step)
        measured[room] = _rt60_after_click(result.scene.audio.samples.astype(float))
        checks = {c.name: c for c in reverb.verify(scene, result.scene, step, result.edited_spans_s)}
        assert all(c.passed for c in checks.values()), checks
        assert checks["ir_rt60_s"].measured == pytest.approx(measured[room], rel=0.35)
    assert _rt60_after_click(_clicks()) == 0.0  # a dry click has no decay to measure
    assert 0.1 < measured["small_room"] < measured["large_hall"] < measured["church"]


def test_reverb_on_a_stem_leaves_the_rest_identical():
    scene = _layered()
    step = _reverb("large_hall", EventRef(label="speech"))
    assert routes(scene, step)[0].backend == "dsp.reverb"
    result = reverb.execute(scene, step)
    after = result.scene
    rest_before = scene.audio.samples - scene.stems["foreground0_speech"].samples
    rest_after = after.audio.samples - after.stems["foreground0_speech"].samples
    assert np.max(np.abs(rest_after - rest_before)) < 1e-5
    tail = after.stems["foreground0_speech"].samples[:, int(3.05 * SR):int(3.5 * SR)]
    assert np.sqrt(np.mean(tail.astype(float) ** 2)) > 1e-3  # the burst now rings after it stops
    checks = {c.name: c for c in reverb.verify(scene, after, step, result.edited_spans_s)}
    assert all(c.passed for c in checks.values()), checks
    assert checks["wet_ratio_db"].measured > -15


def test_reverb_on_an_isolated_annotated_event_edits_only_its_span():
    scene = Scene(Audio(_clicks(6.0, 2.0) + _noise(6.0) * 0.0, SR),
                  (Event(id="foreground0_knock", label="door_knock", onset_s=2.0, offset_s=2.05),
                   Event(id="foreground1_knock", label="door_knock", onset_s=4.0, offset_s=4.05)), None, "annotation")
    step = _reverb("church", EventRef(label="door_knock", select="first"))
    result = reverb.execute(scene, step)
    (a, b), = result.edited_spans_s
    assert a < 2.0 and 2.05 < b <= 3.95  # the tail stops before the next knock
    x, y = scene.audio.samples, result.scene.audio.samples
    outside = np.ones(x.shape[1], bool)
    outside[int(a * SR):int(b * SR) + 1] = False
    assert np.array_equal(x[:, outside], y[:, outside])


def test_detected_events_without_stems_are_refused_with_a_reason():
    scene = _layered(detected=True, stems=False)
    step = _eq("muffled", EventRef(label="noise"))
    assert routes(scene, step) == []
    assert "detected" in unavailable(scene, step, "auto", False) and "stems" in unavailable(scene, step, "auto", False)
    assert routes(scene, _eq("muffled"))  # the whole recording is always possible
    # a detected voice is the speech layer of the split (tests/test_speech_effects.py)
    assert [r.backend for r in routes(scene, _eq("muffled", EventRef(label="speech")))] == ["speech.layers"]


@pytest.mark.parametrize("preset,band,direction,centroid", [
    ("muffled", [(1400, 8000)], -1, -1), ("underwater", [(700, 8000)], -1, -1), ("brighter", [(4500, 8000)], +1, +1),
    ("more_bass", [(0, 130)], +1, -1), ("less_bass", [(0, 70)], -1, +1)])
def test_eq_presets_move_the_band_energy_as_asked(preset, band, direction, centroid):
    scene = Scene(Audio(_noise(3.0), SR))
    step = _eq(preset)
    result = eq.execute(scene, step)
    x, y = scene.audio.samples.astype(float), result.scene.audio.samples.astype(float)
    change_db = band_ratio_db(y, SR, band) - band_ratio_db(x, SR, band)
    assert change_db * direction > (6 if direction < 0 else 4)
    assert (centroid_hz(y, SR) - centroid_hz(x, SR)) * centroid > 0
    checks = eq.verify(scene, result.scene, step, result.edited_spans_s)
    assert all(c.passed for c in checks), checks


def test_telephone_on_a_layer_cuts_out_of_band_and_keeps_the_rest():
    scene = _layered()
    step = _eq("telephone", EventRef(label="speech"))
    result = eq.execute(scene, step)
    burst0 = scene.stems["foreground0_speech"].samples.astype(float)
    burst1 = result.scene.stems["foreground0_speech"].samples.astype(float)
    outside = [(0, 150), (6800, 8000)]
    assert band_ratio_db(burst1, SR, outside) - band_ratio_db(burst0, SR, outside) < -15
    rest0 = scene.audio.samples - burst0
    rest1 = result.scene.audio.samples - burst1
    assert np.max(np.abs(rest1 - rest0)) < 1e-5
    assert all(c.passed for c in eq.verify(scene, result.scene, step, result.edited_spans_s))


def test_an_effect_that_did_nothing_fails_its_checks():
    scene = Scene(Audio(_noise(3.0), SR))
    for step in (_eq("muffled"), _reverb("church")):
        checks = {c.name: c for c in step_module(step).verify(scene, scene, step, [(0.0, 3.0)])}
        failed = [n for n, c in checks.items() if not c.passed]
        assert failed and set(failed) <= {"band_ratio_change_db", "spectral_centroid_change_hz", "wet_ratio_db"}


def step_module(step):
    return {"eq": eq, "reverb": reverb}[step.op]


def test_steps_round_trip_and_run_through_the_agent_loop():
    scene = _layered()
    steps = [_reverb("small_room"), _eq("radio", EventRef(label="speech")).model_copy(update={"id": "s2"})]
    for s in steps:
        assert EditStepAdapter.validate_json(s.model_dump_json()) == s
    plan = Plan(request="test", steps=steps)
    edited, reports = run_steps(scene, plan, bank=None, config=LoopConfig(executor="auto"))
    assert [r.status for r in reports] == ["ok", "ok"], [r.attempts[-1] for r in reports]
    assert not np.array_equal(edited.audio.samples, scene.audio.samples)


def test_registry_matches_the_step_vocabulary():
    from audioedit.ops.registry import OPS as REGISTRY
    from audioedit.steps import OPS, REGISTRY_OPS

    assert tuple(REGISTRY) == REGISTRY_OPS and not set(REGISTRY) & set(OPS)
    for name, module in REGISTRY.items():
        assert module.STEP.model_fields["op"].default == name
        for attr in ("feasible", "execute", "verify", "amount", "instruction"):
            assert callable(getattr(module, attr)), (name, attr)


@pytest.mark.parametrize("text,preset,target", [
    ("boost the bass", "more_bass", "recording"), ("turn the bass up", "more_bass", "recording"),
    ("make it bassier", "more_bass", "recording"), ("add some bass to the music", "more_bass", "music"),
    ("cut the bass", "less_bass", "recording"), ("reduce the low end", "less_bass", "recording"),
    ("remove the rumble", "less_bass", "recording"), ("less treble", "darker", "recording"),
    ("turn down the treble on the music", "darker", "music"), ("more treble", "brighter", "recording"),
    ("boost the bass a little", "more_bass", "recording"), ("turn the treble down slightly", "darker", "recording"),
    ("make the voice warmer", "darker", "speech"), ("make it sound less harsh", "darker", "recording"),
])
def test_bass_and_treble_wording(text, preset, target):
    from audioedit.planner.rules import plan_rules

    (step,) = plan_rules(text, sounds=("music",)).steps
    assert (step.op, step.preset, step.target.label) == ("eq", preset, target)


def test_a_bass_stem_is_an_instrument_not_a_tone_control():
    from audioedit.planner.rules import plan_rules

    bass = Event(id="foreground0_bass", label="bass", onset_s=0.0, offset_s=3.0)
    scene = SceneDescription(duration_s=3.0, sample_rate_hz=SR, num_channels=1, events=[bass], has_stems=False,
                             events_from="annotation")
    (step,) = plan_rules("turn the bass up", scene).steps
    assert (step.op, step.target.label) == ("loudness", "bass")
