"""The router: which backend executes a step, in which order to try them, and why.

- the whole recording                -> ``dsp.whole`` (one exact edit of the file)
- stems present                      -> ``dsp.stems`` (exact)
- complete events (an annotation), target isolated in time
                                     -> ``dsp.mixture`` (region operations, sample-exact outside)
- overlapping events, or events that were only detected (other sounds may share the span),
  no stems                           -> ``ldm`` (the trained editor), when one is loaded

A region edit is exact only when every sound in the span is known, so detected events (CLAP
grounding, no annotation) never route to ``dsp.mixture``; ``region`` forces it anyway.
- the speech / the background, or speech events without stems -> ``speech.layers`` (speech/rest
  split, ``audioedit.executor.speech``); cutting the pauses -> ``speech.pauses``; removing or re-levelling the
  background -> ``dsp.denoise`` (its steady noise floor, ``audioedit.executor.dsp.denoise``) after the split,
  or alone when the voice detector hears no speech
- a sound that detection did not find (``EventRef.unlocated``: no span) -> ``ldm``, over the whole
  recording (``audioedit.executor.unlocated``); nothing else can look for a sound
- removing or re-levelling a steady noise (rain, wind, hum...) detected or not, without speech, stems or
  annotation -> ``dsp.denoise`` after the learned editor (``steady_noise_routes``); before it when
  the noise was detected over most of the recording (``audioedit.spans.BED_SHARE``: the editor would
  edit only the spans detection found)
- removing or re-levelling a detected sound over a bed, without speech, stems or annotation ->
  ``dsp.suppress`` (what stands above the bed inside its spans, ``audioedit.executor.dsp.suppress``),
  then the learned editor (reports/suppress: +1.9 to +4.1 dB over it on fold-5 sounds over beds);
  speed / replace / reorder / move of such a sound -> the learned editor, then ``dsp.suppress``; with
  speech in the recording, removing or re-levelling it -> ``dsp.suppress`` on the speech split's rest
  layer first, then the learned editor, then ``speech.rest`` (reports/speech-sounds, rule 2); a bed under
  the voice (``is_bed``) -> ``speech.rest`` before the learned editor (section 4)
- a move whose new place lies outside the recording (``audioedit.moves.move_problem``) -> nothing, with the reason

``preference`` forces a family: ``dsp`` never tries the LDM, ``ldm`` tries it first, ``region``
is DSP that edits the target's time region even when other events overlap it (``dsp.region``:
those events change too; the naive baseline the learned editor is compared with).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from pydantic import BaseModel

from audioedit.backends import Backend, is_speech, registry_backend
from audioedit.options import ExecutorPreference as Preference
from audioedit.protocols import Editor
from audioedit.result import SoundSource, StepResult
from audioedit.scene import EXACT_SOURCES, Scene
from audioedit.moves import move_problem
from audioedit.steps import (WINDOW_OPS, AddStep, EditStep, LoudnessStep, MoveStep, RemoveStep, is_unlocated, on_recording,
                             recording_window, resolve_step,
                             select_events)

LDM_THREADS = 1  # the learned editor's torch threads: a 10 s step took 1.9 s on two threads against 0.13-0.19 s on one
                 # while another process held the other core (audioedit.threads)
INCOMPLETE = ("the events were detected, not annotated (other sounds may share the span), so a region edit on the "
              "mixture would change them too")


class Route(BaseModel):
    backend: str  # a Backend, or a registry op's (registry_backend)
    reason: str


def routes(scene: Scene, step: EditStep, preference: Preference = "auto", ldm_available: bool = False) -> list[Route]:
    """Backends to try for ``step`` on ``scene``, best first; empty when nothing can do it
    (``unavailable`` then explains why)."""
    from audioedit.ops.registry import get
    from audioedit.executor.dsp import mixture_feasible
    from audioedit.executor.dsp.denoise import steady_noise_routes
    from audioedit.executor.dsp.suppress import is_bed, suppress_routes
    from audioedit.executor.speech.routes import effect_routes, rest_routes, speech_routes

    if recording_window(step) is not None and step.op not in WINDOW_OPS:
        return []
    if (op := get(step.op)) is not None:  # registry ops decide where they can run; effects also on a speech layer
        feasible, why = op.feasible(scene, step)
        if feasible:
            return [Route(backend=registry_backend(step.op), reason=why)]
        if hasattr(op, "unfit") and op.unfit(scene, step):  # the recording itself rules the op out, on any layer
            return []
        return effect_routes(scene, step) if hasattr(op, "process") else []
    if isinstance(step, MoveStep) and move_problem(scene, step):  # nowhere to go in this recording
        return []
    if on_recording(step):
        return [Route(backend=Backend.DSP_WHOLE, reason="the whole recording: one exact edit of the file, no events needed")]
    if is_unlocated(step):
        from audioedit.executor.unlocated import REASON

        ldm = [Route(backend=Backend.LDM, reason=REASON)] if ldm_available and preference not in ("dsp", "region") else []
        return ldm + rest_routes(scene, step) + steady_noise_routes(scene, step)  # with speech / without
    speech, first = speech_routes(scene, step)
    if first:
        return speech
    dsp: list[Route] = []
    complete = scene.events_from in EXACT_SOURCES
    if scene.has_stems:
        dsp.append(Route(backend=Backend.DSP_STEMS, reason="stems are available: exact stem-level edit"))
    else:
        feasible, why = mixture_feasible(scene, step)
        if isinstance(step, AddStep):  # a bank clip is mixed in exactly, whatever else the recording holds
            why = why or "an added sound needs no separation"
        elif feasible and not complete:
            feasible, why = False, INCOMPLETE
        if feasible:
            dsp.append(Route(backend=Backend.DSP_MIXTURE, reason=f"no stems; {why or 'the target is isolated in time'}: region edit on the mixture"))
        elif preference == "region" and mixture_feasible(scene, step, allow_overlap=True)[0]:
            dsp.append(Route(backend=Backend.DSP_REGION, reason=f"forced region edit on the mixture: {why}; "
                                                           "the overlapping events change too"))
    why_ldm = "no stems and the target overlaps other events" if complete else "the events were detected, not annotated"
    ldm = [Route(backend=Backend.LDM, reason=f"{why_ldm}: learned editor")] if ldm_available else []
    suppress = suppress_routes(scene, step)  # first for remove / loudness, a fallback for the rest (reports/suppress)
    first = isinstance(step, (RemoveStep, LoudnessStep))
    before_ldm, after_ldm = (suppress if first else []), ([] if first else suppress)
    rest = rest_routes(scene, step)  # a bed under a voice: the rest layer first (reports/speech-sounds section 4)
    steady = steady_noise_routes(scene, step)  # a bed: its floor everywhere, not the editor's spans
    bed = bool(rest or steady) and is_bed(select_events(scene.events, step.target), scene.audio.duration_s)
    before_ldm += (rest + steady) if bed else []
    after_ldm += [] if bed else (rest + steady)
    if preference in ("dsp", "region"):
        return dsp + speech + before_ldm + after_ldm
    if preference == "ldm":
        return ldm + dsp + speech + before_ldm + after_ldm
    return dsp + speech + before_ldm + ldm + after_ldm


def unavailable(scene: Scene, step: EditStep, preference: Preference, ldm_available: bool) -> str:
    """Why ``routes`` came back empty, in words a user can act on."""
    from audioedit.ops.registry import get
    from audioedit.executor.dsp import mixture_feasible

    if recording_window(step) is not None and step.op not in WINDOW_OPS:
        return (f"no backend can do this step: '{step.op}' works on the whole recording or on a sound, not on a stretch "
                f"of time; on a stretch: {', '.join(WINDOW_OPS)}")
    if (op := get(step.op)) is not None:
        return f"no backend can do this step: {op.feasible(scene, step)[1]}"
    if isinstance(step, MoveStep) and (why := move_problem(scene, step)):
        return f"no backend can do this step: {why}"
    if getattr(step, "target", None) is not None and step.target.scope == "background" and step.target.label == "music":
        return ("no backend can do this step: 'the music' was read as everything under the voice, but the voice "
                "detector hears no voice in this recording; name the sound instead (e.g. 'remove the piano')")
    if is_unlocated(step):
        return ("no backend can do this step: the sound was not detected, and only the learned editor can look for it "
                + ("(it is not loaded)" if preference not in ("dsp", "region") else f"(--executor {preference} excludes it)"))
    feasible, why = mixture_feasible(scene, step, allow_overlap=preference == "region")
    if feasible and scene.events_from not in EXACT_SOURCES:
        why = INCOMPLETE
    hint = "pass the stems (--stems DIR)"
    if not ldm_available and preference != "dsp":
        hint += " or load a learned editor (--executor ldm)"
    return f"no backend can do this step: {why}; {hint}"


def execute_route(scene: Scene, step: EditStep, route: Route, *, bank: SoundSource | None, rng: np.random.Generator,
                  ldm: Editor | None = None) -> StepResult:
    """Run ``step`` with the backend ``route`` names; returns an ``audioedit.result.StepResult``."""
    from audioedit.ops.registry import get

    if (op := get(step.op)) is not None:
        if route.backend in (Backend.SPEECH_LAYERS, Backend.SPEECH_REST):
            from audioedit.executor.speech.layers import execute_layer_effect

            return execute_layer_effect(scene, step, op.process(step))
        return op.execute(scene, step)
    if is_speech(route.backend):
        from audioedit.executor.speech.routes import execute_speech

        return execute_speech(scene, step, route.backend, bank=bank, rng=rng)
    if route.backend == Backend.LDM:
        if ldm is None:
            from audioedit.errors import ExecutionError

            raise ExecutionError("the ldm backend was routed to but no editor is loaded")
        from audioedit.threads import torch_threads

        with torch_threads(LDM_THREADS):
            if is_unlocated(step):
                from audioedit.executor.unlocated import execute_unlocated

                return execute_unlocated(scene, step, ldm, bank=bank, rng=rng)
            return ldm.execute(scene, step, bank=bank, rng=rng)
    if route.backend == Backend.DSP_DENOISE:
        from audioedit.executor.dsp.denoise import execute_denoise

        return execute_denoise(scene, step)
    if route.backend == Backend.DSP_SUPPRESS:
        from audioedit.executor.dsp.suppress import execute_suppress

        return execute_suppress(scene, step, bank=bank, rng=rng)
    if route.backend == Backend.DSP_WHOLE:
        from audioedit.executor.dsp import whole

        return whole.execute(scene, step)
    from audioedit.executor.dsp import execute_dsp

    mode = {Backend.DSP_STEMS: "stems", Backend.DSP_REGION: "region"}.get(route.backend, "mixture")
    return execute_dsp(scene, step, bank=bank, rng=rng, mode=mode)


class LazyEditor:
    """The learned editor(s), each loaded on its first step (torch and the weights cost ~1 s to load).

    ``paths``: one exported editor folder, or several in order of preference (``"a,b"`` as text; default
    the shipped ``cpu`` then ``broad`` exports): a step goes to the first editor trained on all of its
    target labels (its ``info.json``), else to the last one, the broadest (reports/editor-broad section 6).
    Add steps need no model and go to the first."""

    def __init__(self, paths=None):
        from pathlib import Path

        from audioedit.executor.ldm.editor import DEFAULT_EDITORS

        given = paths.split(",") if isinstance(paths, str) else paths if isinstance(paths, (list, tuple)) else [paths]
        self.paths = [Path(p) for p in given] if any(given) else list(DEFAULT_EDITORS)
        self._editors: dict[int, object] = {}

    def editor(self, index: int = 0):
        """The ``index``-th editor (loaded now if it was not yet)."""
        if index not in self._editors:
            from audioedit.executor.ldm import load_editor

            self._editors[index] = load_editor(self.paths[index])
        return self._editors[index]

    def editor_for(self, scene: Scene, step: EditStep):
        """The editor that runs ``step``, and a note saying why when it is not the first."""
        if len(self.paths) == 1 or step.op == "add":
            return self.editor(0), ""
        targets = resolve_step(step, scene)
        for i in range(len(self.paths) - 1):
            unknown = self.editor(i).untrained(targets)
            if not unknown:
                return self.editor(i), ""
        last = self.editor(len(self.paths) - 1)
        return last, (f"learned editor {last.cfg.name!r} ({self.paths[-1].name}): the first one was never trained "
                      f"on {self.editor(0).untrained(targets)}")

    def edit_audio(self, audio, instruction: str, span_s: tuple[float, float], **kwargs):
        """One free-text instruction over a span (the one-shot baseline): the first editor."""
        return self.editor(0).edit_audio(audio, instruction, span_s, **kwargs)

    def execute(self, scene: Scene, step: EditStep, *, bank, rng):
        editor, why = self.editor_for(scene, step)
        result = editor.execute(scene, step, bank=bank, rng=rng)
        return replace(result, notes=[why, *result.notes]) if why else result


def default_editor(preference: Preference = "auto", path=None) -> LazyEditor | None:
    """The shipped learned editors (or the ones at ``path``) unless DSP is forced or one is missing."""
    if preference in ("dsp", "region"):
        return None
    editors = LazyEditor(path)
    return editors if all(p.exists() for p in editors.paths) else None
