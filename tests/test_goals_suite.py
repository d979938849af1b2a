"""The smartdj-goals eval: a clear error without the dev corpus, and the report it writes."""

from __future__ import annotations

import pytest

from audioedit.errors import UserInputError
from audioedit.evals.goals_suite import GoalRecord, report_html, report_md, run_goal_suite, summary


def test_missing_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(UserInputError, match="smartdj_demo"):
        run_goal_suite(tmp_path / "out", data_dir=tmp_path)


def test_report_counts_and_players():
    ok = GoalRecord(id="01_a", audio="a.wav", request="make it sound like a beach", scene="beach", status="ok",
                    steps=[{"op": "add", "instruction": "Add 2 birds.", "status": "ok", "backend": "dsp.mixture",
                            "attempts": 1, "why": "", "source": ""}] * 2,
                    clap_request_before=0.1, clap_request_after=0.2, broad_request_before=0.3, broad_request_after=0.2)
    bad = ok.model_copy(update={"id": "02_b", "clap_request_after": 0.05,
                                "steps": [dict(ok.steps[0], status="failed", why="clap_added_margin=-1")]})
    assert ok.steps_ok and ok.rises and not bad.steps_ok and not bad.rises and not ok.rises_broad
    assert summary([ok, bad]) == {"requests": 2, "plans_2_to_8": 1, "all_steps_ok": 1, "clap_rises": 1,
                                  "broad_clap_rises": 0, "steps": 3, "steps_ok": 2}
    page = report_html([ok, bad])
    assert page.count("<audio controls") == 4 and "02_b/spectrogram.png" in page and "clap_added_margin" in page
    assert "| 01_a | make it sound like a beach | beach |" in report_md([ok, bad])


def test_a_raised_add_is_named_with_its_level_in_the_report():
    from audioedit.evals.goals_suite import GoalRecord, level_note, report_html, report_md

    assert level_note("louder: -12 -> -6 dB relative to the mixture (...); retry with a new seed (x)") == "raised to -6 dB"
    assert level_note("louder: -6 -> +0 dB relative to the mixture") == "raised to +0 dB"
    assert level_note("kept at -4 dB relative to the mixture (raised before; the top of its range); y") == "raised to -4 dB"
    assert level_note("no stems; the events were detected, not annotated: learned editor") == ""
    rec = GoalRecord(id="01_x", audio="x.wav", request="r", scene="s", status="ok",
                     steps=[{"op": "add", "instruction": "Add a car horn.", "status": "ok", "backend": "ldm",
                             "attempts": 3, "why": "", "level": "raised to +0 dB"}])
    assert "Add a car horn. (ok, raised to +0 dB)" in report_md([rec]) and "raised to +0 dB" in report_html([rec])
