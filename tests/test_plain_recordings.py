"""Plain recordings, as users bring them: no annotation, no stems, the words a person would type.

- the whole recording as a target, on every kind of valid file (rates, channels, sample formats,
  flac/ogg, silent, clipped): each edit measures what was asked;
- the request table in people's own words (``evals/tables/user_requests.yaml``) plans >= 90 % exactly;
- the podcast case: "remove the dishes" over speech never comes back ``ok`` with the speech damaged;
- the plan shown (CLI ``plan``, ``POST /v1/plan``) is the plan the job runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import audioedit
from audioedit.audio import load_audio
from audioedit.metrics import integrated_lufs, si_sdr
from audioedit.evals.request_table import run_table

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dev"
ROBUSTNESS = [  # (name, rate Hz, channels, soundfile subtype, suffix, signal)
    ("u8_8k_mono", 8000, 1, "PCM_U8", ".wav", "tone"),
    ("s16_16k_stereo", 16000, 2, "PCM_16", ".wav", "tone"),
    ("s24_22k_6ch", 22050, 6, "PCM_24", ".wav", "noise"),
    ("s32_44k_stereo", 44100, 2, "PCM_32", ".wav", "tone"),
    ("float_48k_8ch", 48000, 8, "FLOAT", ".wav", "noise"),
    ("double_96k_mono", 96000, 1, "DOUBLE", ".wav", "tone"),
    ("flac_44k_stereo", 44100, 2, "PCM_16", ".flac", "noise"),
    ("ogg_32k_mono", 32000, 1, "VORBIS", ".ogg", "tone"),
    ("clipped_16k_mono", 16000, 1, "PCM_16", ".wav", "clipped"),
    ("silent_16k_stereo", 16000, 2, "PCM_16", ".wav", "silent"),
]


def _signal(kind: str, rate_hz: int, channels: int, seconds: float = 1.5) -> np.ndarray:
    t = np.arange(int(rate_hz * seconds)) / rate_hz
    rng = np.random.default_rng(rate_hz + channels)
    if kind == "silent":
        return np.zeros((t.size, channels))
    if kind == "noise":
        x = 0.1 * rng.standard_normal((t.size, channels))
    else:
        x = np.stack([0.3 * np.sin(2 * np.pi * (220 + 110 * c) * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))
                      for c in range(channels)], axis=1)
    return np.clip(4 * x, -1, 1) if kind == "clipped" else x


@pytest.fixture(scope="module")
def robustness_set(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("robustness")
    files = {}
    for name, rate, channels, subtype, suffix, kind in ROBUSTNESS:
        path = folder / f"{name}{suffix}"
        sf.write(str(path), _signal(kind, rate, channels), rate, subtype=subtype)
        files[name] = path
    return files


@pytest.mark.parametrize("name", [r[0] for r in ROBUSTNESS])
def test_whole_recording_edits_measure_what_was_asked(robustness_set, tmp_path, name):
    path = robustness_set[name]
    before = load_audio(path)
    silent = name.startswith("silent")
    quieter = audioedit.edit(path, "make it 3 dB quieter", tmp_path / "q.wav")
    assert quieter.report.status == "ok", quieter.report.messages
    if not silent:
        assert integrated_lufs(load_audio(tmp_path / "q.wav")) - integrated_lufs(before) == pytest.approx(-3, abs=0.5)
    faster = audioedit.edit(path, "speed the whole thing up by 10%", tmp_path / "f.wav")
    assert faster.report.status == "ok", faster.report.messages
    after = load_audio(tmp_path / "f.wav")
    assert after.num_frames / before.num_frames == pytest.approx(1 / 1.1, rel=0.02)
    assert (after.sample_rate_hz, after.num_channels) == (before.sample_rate_hz, before.num_channels)
    normal = audioedit.edit(path, "normalize to -16 LUFS", tmp_path / "n.wav")
    if silent:  # nothing to normalise: the step fails and says so, no output is written
        assert normal.report.status == "failed" and "silent" in " ".join(normal.report.messages)
        assert not (tmp_path / "n.wav").exists()
    else:
        assert normal.report.status == "ok", normal.report.messages
        out = load_audio(tmp_path / "n.wav")
        assert integrated_lufs(out) == pytest.approx(-16, abs=1.0) and out.peak_dbfs() <= -0.9
    assert load_audio(path).samples.tobytes() == before.samples.tobytes()  # the input is never modified


def test_request_table_plans_exactly():
    result = run_table()
    misses = [(c.request, c.expected, c.planned, c.unresolved) for c in result.cases if not c.exact]
    assert len(result.cases) >= 120
    assert result.accuracy >= 0.9, misses


@pytest.mark.slow
@pytest.mark.skipif(not (DEV / "speechcommands_bg" / "doing_the_dishes.wav").is_file(), reason="dev corpus not here")
def test_removing_dishes_never_passes_with_the_speech_damaged(tmp_path):
    speech, rate = sf.read(DEV / "librosa_data" / "198-209-0000.hq.ogg")
    dishes, dishes_rate = sf.read(DEV / "speechcommands_bg" / "doing_the_dishes.wav")
    assert rate == dishes_rate == 16000
    speech, dishes = speech[: 10 * rate], dishes[20 * rate : 30 * rate]
    dishes *= np.sqrt(np.mean(speech**2) / np.mean(dishes**2)) / 10 ** (9.4 / 20)  # 9.4 dB SNR, as the issue
    sf.write(tmp_path / "podcast.wav", speech + dishes, rate)
    outcome = audioedit.edit(tmp_path / "podcast.wav", "remove the dishes", tmp_path / "out.wav")
    step = outcome.report.steps[0]
    before_db = si_sdr(speech + dishes, speech)
    if step.status == "ok":
        assert si_sdr(outcome.audio.samples[0], speech) > before_db, step.attempts[-1].verdict
    else:
        assert step.attempts and (step.attempts[-1].error or step.attempts[-1].verdict.failed())
    assert all(a.backend != "dsp.mixture" for a in step.attempts)  # detected events never get the exact region edit


@pytest.mark.slow
def test_plan_preview_is_the_plan_that_runs(tmp_path):
    from typer.testing import CliRunner

    from audioedit.agents.service import ServiceConfig, create_app
    from audioedit.cli import app
    from audioedit.scene import save_scene
    from audioedit.evals.fixtures import street_scene
    from tests.http_util import serving
    from tests.test_service import wait_done

    wav, _, _ = save_scene(street_scene(duration_s=6.0), tmp_path / "street.wav")
    request = "remove the siren, it's annoying, and make the whole thing 3 dB quieter"
    cli = CliRunner().invoke(app, ["plan", str(wav), request, "--json"])
    assert cli.exit_code == 0, cli.output
    cli_plan = json.loads(cli.output)
    import httpx

    with serving(create_app(ServiceConfig(data_dir=tmp_path / "svc"))) as url, httpx.Client(base_url=url, timeout=60) as c:
        files = [("audio", ("street.wav", wav.read_bytes(), "audio/wav"))]
        http_plan = c.post("/v1/plan", files=files, data={"request": request}).json()
        job = c.post("/v1/jobs", files=files, data={"request": request}).json()
        wait_done(c, job["id"], timeout_s=120)
        ran = c.get(f"/v1/jobs/{job['id']}/report").json()["plan"]
    assert http_plan["steps"] == cli_plan["steps"] == ran["steps"]
    assert [s["op"] for s in ran["steps"]][-1] == "loudness"


@pytest.mark.parametrize("channels", [1, 2, 5])
def test_integrated_lufs_equals_pyloudnorm(channels):
    import pyloudnorm

    from audioedit.audio import Audio

    rng = np.random.default_rng(channels)
    x = rng.standard_normal((channels, 3 * 44100)) * np.linspace(0.001, 0.3, 3 * 44100)
    ours = integrated_lufs(Audio(x, 44100))
    assert ours == pytest.approx(pyloudnorm.Meter(44100).integrated_loudness(x.T if channels > 1 else x[0]), abs=1e-6)


def test_an_ok_edit_of_everything_but_the_voice_for_an_unlocated_sound_is_said_beside_the_ok():
    from audioedit.agents.pipeline import _messages
    from audioedit.audio import Audio
    from audioedit.steps import EventRef, RemoveStep
    from audioedit.report import StepReport
    from audioedit.scene import EventsFrom, Scene
    from audioedit.steps import Plan

    step = RemoveStep(id="s1", instruction="Remove the siren.", target=EventRef(label="siren", unlocated=True))
    plan = Plan(request="remove the siren", steps=[step])
    scene = Scene(Audio.silence(1.0, 16000), (), None, EventsFrom.DETECTED)
    done = StepReport(step_id="s1", op="remove", instruction=step.instruction, status="ok", backend="speech.rest", attempts=[])
    said = [m for m in _messages(scene, plan, [done]) if "not located" in m]
    assert said and "everything but the voice over the whole recording" in said[0]
    assert not [m for m in _messages(scene, plan, [done.model_copy(update={"backend": "ldm"})]) if "not located" in m]
