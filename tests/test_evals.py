"""evals: metrics against hand-computed values, suites, methods, the runner (JSONL, resume) and reports."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from audioedit.audio import Audio
from audioedit.evals import metrics as M

# --------------------------------------------------------------------------------------------
# metrics, by hand


def test_lsd_parameters_follow_audioldm_eval():
    assert M.lsd_params(44100) == (2048, 441)
    assert M.lsd_params(16000) == (743, 160)  # int(2048 / (44100 / 16000)) = int(743.04)


def test_stft_magnitude_of_an_impulse_by_hand():
    # x = [1, 0, 0, 0], n_fft 4, hop 2: padded [0,0,1,0,0,0,0,0] -> frames [0,0,1,0], [1,0,0,0], [0,0,0,0];
    # periodic Hann(4) = [0, .5, 1, .5]: only frame 0 keeps the impulse (x1) -> |rfft| = [1, 1, 1]
    mag = M.stft_magnitude(np.array([1.0, 0, 0, 0]), n_fft=4, hop=2)
    assert mag.shape == (3, 3)
    np.testing.assert_allclose(mag, [[1, 0, 0], [1, 0, 0], [1, 0, 0]], atol=1e-12)


def test_lsd_by_hand():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=16000)
    assert M.lsd(ref, ref, 16000) == 0.0
    # x10 in amplitude = x100 in power: log10 ratio 2 in every bin -> sqrt(mean(2^2)) = 2 per frame
    assert M.lsd(10 * ref, ref, 16000) == pytest.approx(2.0, abs=1e-6)
    silence = np.zeros(1600)
    assert M.lsd(silence, silence, 16000) == 0.0
    # ssr_eval verbatim: log10(0 / eps^2 + eps) = -12 in every bin -> 12
    assert M.lsd(silence, silence, 16000, symmetric_eps=False) == pytest.approx(12.0)


def test_si_sdr_and_snr_by_hand():
    ref = np.array([1.0, 0.0])
    assert M.si_sdr(np.array([1.0, 1.0]), ref) == pytest.approx(0.0)  # projection [1,0], error [0,1]
    assert M.si_sdr(np.array([1.0, 0.1]), ref) == pytest.approx(20.0)  # 10 log10(1 / 0.01)
    assert M.si_sdr(3 * ref, ref) == M.SNR_CAP_DB  # scale-invariant and perfect
    assert M.si_sdr(ref, np.zeros(2)) is None
    assert M.snr_db(np.array([1.0, 1.5]), np.array([1.0, 1.0])) == pytest.approx(10 * math.log10(2 / 0.25))


def test_frechet_distance_by_hand():
    a, b = np.array([[0.0], [2.0]]), np.array([[1.0], [3.0]])  # means 1, 2; variances 2, 2
    assert M.frechet_distance(a, b) == pytest.approx(1.0 + 2 + 2 - 2 * 2.0)
    x = np.random.default_rng(0).normal(size=(20, 3))
    assert M.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-6)


def test_kl_and_inception_score_by_hand():
    kl = M.kl_divergence(np.array([[1.0, 0.0], [0.5, 0.5]]), np.array([[0.5, 0.5], [0.5, 0.5]]))
    assert kl[0] == pytest.approx(-math.log(0.5 + 1e-6))  # 1 * (log 1 - log(0.5 + eps))
    assert kl[1] == pytest.approx(0.0, abs=1e-5)
    assert M.inception_score(np.array([[1.0, 0.0], [1.0, 0.0]]))[0] == pytest.approx(1.0)
    assert M.inception_score(np.array([[1.0, 0.0], [0.0, 1.0]]))[0] == pytest.approx(2.0)  # exp(ln 2)
    assert M.clap_score(np.array([1.0, 0.0]), np.array([1.0, 1.0])) == pytest.approx(1 / math.sqrt(2))


def test_edit_specific_metrics_by_hand():
    sr = 100
    target = np.ones((1, 300))
    est = target.copy()
    est[:, 100:200] *= 0.5  # 6.02 dB down inside the 1-2 s span, identical outside
    assert M.span_loudness_error_db(est, target, [[1.0, 2.0]], sr) == pytest.approx(20 * math.log10(2))
    burst = np.zeros(300)
    burst[50:150] = 1.0
    assert M.active_duration_s(burst, sr) == pytest.approx(1.0)
    assert M.duration_ratio_error(1.5, 1.2) == pytest.approx(0.25)
    # pairs (a,b) right, (a,c) and (b,c) wrong -> 1/3
    assert M.onset_order_accuracy({"a": 1.0, "b": 2.0, "c": 0.5}, ["a", "b", "c"]) == pytest.approx(1 / 3)
    assert M.onset_order_accuracy({"a": 1.0}, ["a"]) is None
    pres = M.preservation(est, target, [[1.0, 2.0]], sr, margin_s=0.0)
    assert pres == {"outside_snr_db": M.SNR_CAP_DB, "outside_lsd": 0.0}
    changed = target * 1.1  # outside: signal 1, error 0.1 -> 20 dB
    assert M.preservation(changed, target, [[1.0, 2.0]], sr, margin_s=0.0)["outside_snr_db"] == pytest.approx(20.0)


def test_detect_onset_finds_a_template():
    rng = np.random.default_rng(1)
    template = rng.normal(size=400)
    x = 0.01 * rng.normal(size=4000)
    x[2500:2900] += template
    assert M.detect_onset_s(x, template, 1000) == pytest.approx(2.5)


# --------------------------------------------------------------------------------------------
# a tiny synthetic suite through the runner


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from audioedit.evals.runner import main_eval
    from audioedit.evals.suites import load_suite
    from audioedit.synth import synth_pairs

    root = tmp_path_factory.mktemp("evals")
    ops = ["remove", "reorder", "loudness", "speed"]
    synth_pairs("starter", ops, n=4, out_dir=root / "bench", seed=3, duration_s=5.0)
    suite = load_suite("synth-v1", limit=1, cache_dir=root / "bench", generate=False)
    methods = ["identity", "oracle", "dsp", "planned"]
    from audioedit.evals.runner import run_eval

    first = run_eval(suite, methods, root / "out", ldm_path="none", clap="none", spectrograms_per_op=0)
    summary = main_eval(suite, methods, root / "out", limit=1, ldm_path="none", clap="none",
                        command="audioedit eval --suite synth-v1 --limit 1")
    return root / "out", suite, first, summary


def _records(out):
    return [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]


def test_runner_writes_one_record_per_item_and_method(tiny_run):
    out, suite, first, _ = tiny_run
    recs = _records(out)
    assert first.written == 4 * 4 and first.items == 4
    assert {(r["item"], r["method"]) for r in recs[:16]} == {(i.id, m) for i in suite.items
                                                              for m in ("identity", "oracle", "dsp", "planned")}
    oracle = [r for r in recs if r["method"] == "oracle"]
    assert all(r["metrics"]["lsd"] == 0.0 and r["metrics"]["si_sdr_db"] == 100.0 for r in oracle)
    identity = [r for r in recs if r["method"] == "identity"]
    assert all(r["metrics"]["outside_snr_db"] == 100.0 for r in identity if r["metrics"]["outside_snr_db"] is not None)
    assert any(r["metrics"]["lsd"] > 0.01 for r in identity)
    by = {(r["op"], r["method"]): r["metrics"] for r in recs if r.get("metrics")}
    assert by["speed", "oracle"]["duration_ratio_err"] == 0.0
    assert by["speed", "identity"]["duration_ratio_err"] > 0.1  # the event kept its old duration
    assert by["reorder", "oracle"]["onset_order_acc"] == 1.0
    assert by["reorder", "identity"]["onset_order_acc"] < 1.0  # the old order
    for r in recs:  # a method that cannot do an item says why; no crashes
        assert r["status"] in ("ok", "partial", "failed", "skipped"), r
        if r["status"] == "skipped":
            assert r["reason"]
    planned = [r for r in recs if r["method"] == "planned" and r.get("timings_s")]
    assert planned and all({"analyze_s", "plan_s", "total_s"} <= set(r["timings_s"]) for r in planned)


def test_ops_filter_runs_only_those_items(tiny_run, tmp_path):
    from audioedit.errors import UserInputError
    from audioedit.evals.runner import run_eval

    _, suite, _, _ = tiny_run
    summary = run_eval(suite, ["identity"], tmp_path / "only", ops=["speed", "remove"], clap="none",
                       spectrograms_per_op=0)
    assert summary.items == 2 and {r["op"] for r in _records(tmp_path / "only")} == {"speed", "remove"}
    with pytest.raises(UserInputError, match="no items of ops"):
        run_eval(suite, ["identity"], tmp_path / "none", ops=["add"], clap="none")


def test_resume_skips_done_records_and_the_report_exists(tiny_run):
    out, _, _, summary = tiny_run
    assert summary.written == 0 and summary.resumed == 16  # second run: everything already done
    md = (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    assert "audioedit eval --suite synth-v1 --limit 1" in md and "audioedit eval --suite synth-v1" in page
    assert "Headline: LSD" in md and "Latency per stage" in md and "<table>" in page
    assert (out / "plots" / "metrics_by_op.png").stat().st_size > 1000
    assert (out / "plots" / "latency.png").is_file()


def test_report_tables_aggregate_per_op(tiny_run):
    from audioedit.evals.report import headline_table, load_run, summary_by_method

    out, _, _, _ = tiny_run
    records, _ = load_run(out)
    header, rows = headline_table(records, ["identity", "oracle"], "lsd")
    assert header == ["op", "identity", "oracle"]
    assert [r[0] for r in rows] == ["remove", "reorder", "loudness", "speed", "all"]
    assert all(r[2] == "0.00" for r in rows)
    means = summary_by_method(records)
    assert means["oracle"]["lsd"] == 0.0 and means["identity"]["lsd"] > 0


# --------------------------------------------------------------------------------------------
# CLAP metrics and the one-shot path with tiny random-init models


class BandEmbedder:
    """A real, deterministic stand-in for a CLAP model (the metrics take any object with
    ``embed_audio`` / ``embed_text``): audio -> normalised energies in 8 FFT bands, text -> a
    fixed unit vector per string. Loading the debug CLAP costs ~30 s of imports on this machine."""

    def embed_audio(self, audios):
        rows = []
        for a in audios:
            spec = np.abs(np.fft.rfft(a.to_mono().samples[0])) ** 2
            rows.append(np.log1p([band.sum() for band in np.array_split(spec, 8)]))
        rows = np.array(rows)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def embed_text(self, texts):
        rows = np.array([np.random.default_rng(sum(map(ord, t))).normal(size=8) for t in texts])
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_clap_metrics_with_a_pluggable_embedder():
    from audioedit.evals.metrics import ZeroShotClassifier
    from audioedit.evals.report import distribution_table
    from audioedit.evals.scoring import score_output, target_vectors
    from audioedit.evals.suites import EvalItem

    clap = BandEmbedder()
    rng = np.random.default_rng(0)
    source = Audio(0.1 * rng.normal(size=(1, 16000 * 2)), 16000)
    target = source.gain_db(-6)
    item = EvalItem(suite="t", id="x", op="loudness", request="quieter", source="-", edit_spans_s=[[0.0, 2.0]],
                    target_caption="the sound of noise")
    clf = ZeroShotClassifier(clap, ["noise", "siren", "dog_bark"])
    tvec = target_vectors(target, clap, clf)
    scores, vec = score_output(item, source, target, target, clap=clap, classifier=clf, target_vectors=tvec)
    expected = float(clap.embed_audio([target])[0] @ clap.embed_text(["the sound of noise"])[0])
    assert scores["clap_score"] == pytest.approx(expected, abs=1e-4) and scores["kl"] == pytest.approx(0.0, abs=1e-4)
    assert scores["span_loudness_err_db"] == pytest.approx(0.0, abs=1e-4)
    span_item = item.model_copy(update={"edit_spans_s": [[0.6, 0.8]]})  # scored on 0.2-1.2 s (widened to 1 s)
    span_scores, _ = score_output(span_item, source, target, target, clap=clap)
    span_expected = float(clap.embed_audio([target.slice_s(0.2, 1.2)])[0] @ clap.embed_text(["the sound of noise"])[0])
    assert span_scores["clap_span_score"] == pytest.approx(span_expected, abs=1e-4)
    assert len(vec["posterior"]) == 3 and sum(vec["posterior"]) == pytest.approx(1.0, abs=1e-4)
    _, vec2 = score_output(item, source, target, Audio(np.ones((1, 32000)) * 0.1, 16000), clap=clap,
                           classifier=clf, target_vectors=tvec)
    rows = [{"item": "a", "method": "target"} | tvec, {"item": "b", "method": "target"} | tvec,
            {"item": "a", "method": "m"} | vec, {"item": "b", "method": "m"} | vec2]
    header, table = distribution_table(rows, ["m"])
    assert header[2].startswith("FAD") and table[0][0] == "m" and float(table[0][2]) > 0


def test_one_shot_runs_the_editor_over_the_whole_clip():
    import torch

    from audioedit.evals.fixtures import street_scene
    from audioedit.evals.methods import MethodContext, run_method
    from audioedit.evals.suites import EvalItem
    from audioedit.executor.ldm.config import load_config
    from audioedit.executor.ldm.core import build_editor
    from audioedit.executor.ldm.editor import LdmEditor

    ed = build_editor(load_config("debug"), seed=0)
    with torch.no_grad():  # an untrained editor is the identity; give it a visible edit
        ed.net.patch_out.bias.fill_(-0.5)
    scene = street_scene(duration_s=3.0, with_stems=False)
    item = EvalItem(suite="t", id="x", op="remove", request="remove the siren", source="-")
    ctx = MethodContext(bank=None, ldm=LdmEditor(ed))
    out = run_method("one-shot", item, ctx, scene.audio, scene.audio)
    assert out.status == "ok" and out.backends == ["ldm"]
    assert out.audio.samples.shape == scene.audio.samples.shape
    assert not np.allclose(out.audio.samples, scene.audio.samples)
    skipped = run_method("one-shot", item, MethodContext(bank=None), scene.audio, scene.audio)
    assert skipped.status == "skipped" and skipped.audio is None


# --------------------------------------------------------------------------------------------
# real dev-corpus suites (skipped without the corpus)


def test_lcr_suite_loads_items_with_targets_and_peer(dev_data):
    from audioedit.evals.suites import item_scene, item_target, load_suite

    suite = load_suite("lcr", data_dir=dev_data)
    assert len(suite.items) == 34 and "speech" in suite.labels
    item = suite.items[0]
    assert item.steps and item.peer_output and item.target
    scene = item_scene(item, stems=True)
    total = sum(s.samples for s in scene.stems.values())
    np.testing.assert_allclose(total, scene.audio.samples, atol=1e-3)  # mixture = sum of sources
    code_gain = {"1": 1.0, "0": 0.0, "U": 2.0, "D": 0.5}
    code = item.id.rsplit("-", 1)[1]
    expected = sum(code_gain[c] * scene.stems[e.id].samples for c, e in zip(code, scene.events))
    # target = sum gain * source, saturated at full scale in the 16-bit files
    np.testing.assert_allclose(item_target(item).samples, np.clip(expected, -1, 1), atol=2e-3)


def test_sisec_suite_targets_are_mixture_minus_stem(dev_data):
    from audioedit.evals.suites import item_source, item_target, load_suite

    suite = load_suite("sisec", data_dir=dev_data)
    assert len(suite.items) == 15 and all(it.op == "remove" for it in suite.items)
    exact = next(it for it in suite.items if it.subtype == "exact")
    source, target = item_source(exact), item_target(exact)
    from audioedit.audio import load_audio

    stem = load_audio(exact.target_minus[0])
    np.testing.assert_allclose(target.samples + stem.samples, source.samples, atol=1e-5)
