"""The routed learned editor: the shipped editor on the sounds it was trained on, the broad one elsewhere
(reports/editor-broad section 6). Both exports are the committed ones."""

from __future__ import annotations

import numpy as np
import pytest

from audioedit.evals.fixtures import street_scene
from audioedit.executor.ldm.editor import BROAD_ASSETS as BROAD
from audioedit.executor.ldm.editor import DEFAULT_ASSETS, DEFAULT_EDITORS
from audioedit.executor.router import LazyEditor
from audioedit.scene import Event
from audioedit.steps import AddStep, EventRef, RemoveStep



@pytest.fixture(scope="module")
def routed():
    editors = LazyEditor()  # the default: the shipped cpu editor, then the broad one
    assert editors.paths == list(DEFAULT_EDITORS) == [DEFAULT_ASSETS, BROAD]
    return editors


def _remove(label: str) -> RemoveStep:
    return RemoveStep(id="s1", instruction=f"remove the {label}", target=EventRef(label=label))


def test_a_sound_the_shipped_editor_knows_stays_with_it(routed):
    editor, why = routed.editor_for(street_scene(with_stems=False), _remove("siren"))
    assert editor is routed.editor(0) and why == "" and "siren" in editor.labels


def test_a_sound_it_never_heard_goes_to_the_broad_editor_and_the_report_says_so(routed):
    scene = street_scene(with_stems=False)
    scene = scene.evolve(events=(*scene.events, Event(id="rooster0", label="rooster", onset_s=5.5, offset_s=6.5)))
    editor, why = routed.editor_for(scene, _remove("rooster"))
    assert editor is routed.editor(1) and "rooster" not in routed.editor(0).labels and "rooster" in why
    result = routed.execute(scene, _remove("rooster"), bank=None, rng=np.random.default_rng(0))
    assert result.backend == "ldm" and result.notes[0] == why
    assert "rooster0" not in {e.id for e in result.scene.events}


def test_adds_and_single_editors_are_not_routed(routed):
    add = AddStep(id="s1", instruction="add a dog bark", sound="dog_bark", onset_s=1.0)
    assert routed.editor_for(street_scene(with_stems=False), add) == (routed.editor(0), "")
    single = LazyEditor(BROAD)
    assert single.paths == [BROAD] and single.editor_for(street_scene(with_stems=False), _remove("siren"))[1] == ""
