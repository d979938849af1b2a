"""Exact DSP execution of the six edit operations, on stems or on an isolated event in the mixture.

    execute_dsp(scene, step, bank=bank, rng=rng)       -> StepResult
    mixture_feasible(scene, step)                      -> (bool, reason)

``stems.py`` and ``mixture.py`` hold the two paths, ``placement.py`` places and levels new
sounds, ``common.py`` the crossfades, stretch and background texture, ``toy.py`` synthetic
scenes and a synthetic sound bank for tests.
"""

from audioedit.executor.dsp.execute import execute_dsp, mixture_feasible, resolve_targets
from audioedit.result import SoundSource, StepResult

__all__ = ["execute_dsp", "mixture_feasible", "resolve_targets", "SoundSource", "StepResult"]
