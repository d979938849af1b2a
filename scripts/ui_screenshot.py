"""Regenerate docs/ui-screenshot.png: serve the page, run the street example, screenshot it.

    .venv/bin/python scripts/ui_screenshot.py [--out docs/ui-screenshot.png]

Needs Debian chromium and the playwright package (no browser download).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audioedit.agents.service import ServiceConfig  # noqa: E402
from audioedit.agents.ui import create_ui_app  # noqa: E402
from tests.http_util import serving  # noqa: E402
from tests.test_ui import CHROMIUM_ARGS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="docs/ui-screenshot.png")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, serving(create_ui_app(ServiceConfig(data_dir=Path(tmp)))) as url:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(url)
            page.click("button[data-example='street-stems']")
            page.wait_for_selector("#plan-table tbody tr")
            page.click("#run-btn")
            page.wait_for_selector("#result-section:not([hidden])", timeout=120_000)
            page.wait_for_function("document.getElementById('spectrogram').naturalWidth > 0")
            page.screenshot(path=args.out, full_page=True)
            browser.close()
    print(args.out)


if __name__ == "__main__":
    main()
