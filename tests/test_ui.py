"""The editing page, driven end to end in headless Debian Chromium through Playwright."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import soundfile as sf

from audioedit.agents.service import ServiceConfig
from audioedit.agents.ui import create_ui_app
from audioedit.scene import save_scene
from audioedit.evals.fixtures import street_scene
from tests.http_util import serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (apt-get install chromium)"),
    pytest.mark.slow,
]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("ui")
    with serving(create_ui_app(ServiceConfig(data_dir=data_dir))) as url:
        yield url


@pytest.fixture
def page(page_url):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1200, "height": 1600})
        tab.goto(page_url)
        yield tab
        browser.close()


def test_upload_plan_run_listen_download(page, tmp_path):
    wav, jams_path, _ = save_scene(street_scene(duration_s=10.0), tmp_path / "street.wav")
    page.set_input_files("#audio", str(wav))
    page.set_input_files("#annotation", str(jams_path))
    page.fill("#request", "drop the siren, make the car horn 6 dB louder and remove the trumpet")
    page.click("#preview-btn")
    page.wait_for_selector("#plan-table tbody tr:nth-child(2)")
    plan_rows = page.locator("#plan-table tbody tr").all_inner_texts()
    assert "remove" in plan_rows[0] and "siren" in plan_rows[0] and "dsp.mixture" in plan_rows[0]
    assert "+6 dB" in plan_rows[1]
    assert "trumpet" in page.inner_text("#unresolved")

    page.click("#run-btn")
    page.wait_for_selector("#result-section:not([hidden])", timeout=60_000)
    assert page.inner_text("#result-status") == "partial"  # the trumpet part stays unresolved
    assert page.locator("#progress-table tbody tr").count() == 2
    verdicts = page.inner_text("#verdict-table")
    assert "outside_span_max_abs_diff" in verdicts and "✓" in verdicts
    page.wait_for_function("document.getElementById('spectrogram').naturalWidth > 0")
    for player in ("#before-audio", "#after-audio"):
        assert page.eval_on_selector(player, "a => a.src.startsWith('blob:')")
    with page.expect_download() as download:
        page.click("#download-audio")
    data, sample_rate_hz = sf.read(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert sample_rate_hz == 16000 and len(data) == 160000
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)


def test_example_is_one_click_away(page):
    page.click("button[data-example='street-mixture']")
    page.wait_for_selector("#plan-table tbody tr:nth-child(2)")
    assert "car_horn" in page.inner_text("#plan-table")


def test_a_recording_is_measured_and_its_suggestions_fill_the_request(page, tmp_path):
    """A plain recording with a 50 Hz hum and 2 s of silence before it: the page shows what it measured and
    offers the requests that fix it; a click adds one to the request."""
    import numpy as np

    rate = 16000
    t = np.arange(8 * rate) / rate
    x = 0.003 * np.sin(2 * np.pi * 50 * t)
    x[2 * rate:] += 0.2 * np.sin(2 * np.pi * 440 * t[2 * rate:]) * (np.sin(2 * np.pi * 2 * t[2 * rate:]) > 0)
    sf.write(str(tmp_path / "memo.wav"), x.astype(np.float32), rate)
    page.set_input_files("#audio", str(tmp_path / "memo.wav"))
    page.wait_for_selector("#suggestions button")
    assert "hum at 50" in page.inner_text("#measured")
    page.click("#suggestions button:has-text('remove the hum')")
    page.click("#suggestions button:has-text('trim the silence at the start')")
    assert page.input_value("#request") == "remove the hum, trim the silence at the start"


def test_corrupt_upload_shows_an_error(page, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF....WAVEfmt not really audio" * 20)
    page.set_input_files("#audio", str(bad))
    page.fill("#request", "remove the siren")
    page.click("#run-btn")
    page.wait_for_selector("#error", state="visible")
    assert "cannot read" in page.inner_text("#error")
    # the server keeps running: the page still answers
    page.click("#preview-btn")
    page.wait_for_selector("#error", state="visible")
