"""Verifier checks for the steady-noise reduction (``dsp.denoise``, ``audioedit.executor.dsp.denoise``).

Both are measured on the input and on the output the same way, independently of the gain the
executor applied:

- ``noise_floor_change_db``: the steady floor (each frequency bin's low-percentile level over the
  recording, summed over bins) after minus before. Remove: <= ``-MIN_REMOVED_DB``; loudness: the asked
  gain ± ``GAIN_TOLERANCE_DB`` (a floor cannot fall further than the sounds above it allow, so a cut
  deeper than asked is not held against it).
- ``foreground_kept_db``: the energy of the time-frequency cells that stand at least 10 dB above their
  bin's floor in the input (the sounds that come and go), after over before: within ± ``KEPT_TOLERANCE_DB``.
  A recording with no such cells (all floor) has nothing to keep and gets no such check.
"""

from __future__ import annotations

import numpy as np

from audioedit.audio import Audio
from audioedit.report import Check, Verdict
from audioedit.scene import Scene
from audioedit.steps import EditStep, LoudnessStep

MIN_REMOVED_DB = 10.0
GAIN_TOLERANCE_DB = 2.0
KEPT_TOLERANCE_DB = 3.0
MIN_FOREGROUND_CELLS = 1e-3  # fewer than this share of cells above the floor: nothing to keep


def _power(audio: Audio) -> np.ndarray:
    from audioedit.executor.dsp.denoise import smoothed_power

    return smoothed_power(audio.to_mono().samples[0].astype(np.float64), audio.sample_rate_hz)[1]


def verify_denoise(before: Scene, after: Scene, step: EditStep) -> Verdict:
    from audioedit.executor.dsp.denoise import FOREGROUND_ABOVE_DB, bin_floor

    p_in, p_out = _power(before.audio), _power(after.audio)
    floor_in = bin_floor(p_in)
    change = float(10 * np.log10(bin_floor(p_out).sum() / floor_in.sum()))
    if isinstance(step, LoudnessStep):
        want, ok = f"{step.gain_db:+g} ± {GAIN_TOLERANCE_DB:g}", abs(change - step.gain_db) <= GAIN_TOLERANCE_DB or (
            step.gain_db < 0 and change < step.gain_db)
    else:
        want, ok = f"<= {-MIN_REMOVED_DB:g}", change <= -MIN_REMOVED_DB
    checks = [Check(name="noise_floor_change_db", measured=round(change, 3), threshold=want, passed=ok,
                    detail="the steady floor under the sounds, after vs before")]
    cells = p_in > floor_in * 10 ** (FOREGROUND_ABOVE_DB / 10)
    if cells.mean() >= MIN_FOREGROUND_CELLS:
        kept = float(10 * np.log10(p_out[cells].sum() / p_in[cells].sum()))
        checks.append(Check(name="foreground_kept_db", measured=round(kept, 3), threshold=f"0 ± {KEPT_TOLERANCE_DB:g}",
                            passed=abs(kept) <= KEPT_TOLERANCE_DB,
                            detail=f"the {100 * cells.mean():.1f} % of time-frequency cells {FOREGROUND_ABOVE_DB:g} dB or more above the floor"))
    return Verdict.of(step.id, checks)
