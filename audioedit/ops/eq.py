"""eq: change the timbre of a sound (or the whole recording) with a preset filter.

    >>> step = EqStep(id="s1", instruction="Make the whole recording sound muffled.",
    ...               target=EventRef(label="recording", scope="recording"), preset="muffled")
    >>> PRESETS[step.preset].kind, PRESETS[step.preset].cutoff_hz
    ('lowpass', (700.0,))

Presets (``PRESETS``): muffled (through a wall), darker, underwater (low-pass), brighter (+6 dB
above 3 kHz), more_bass (+6 dB below 200 Hz), less_bass (high-pass at 150 Hz), telephone (300-3400 Hz
band-pass), radio (500-4500 Hz band-pass). Butterworth
filters (scipy), output levelled to the input's RMS. Checks, on the target: ``band_ratio_change_db``
(the energy of the band the preset cuts, relative to the rest of the spectrum, drops by at least
``MIN_CUT_DB``; of the band a boost lifts, rises by ``MIN_BOOST_DB``), ``spectral_centroid_change_hz`` (its direction),
``level_change_db`` and, on a layer, ``rest_max_abs_diff``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from audioedit.steps import EventRef, _Step

Preset = Literal["muffled", "darker", "underwater", "brighter", "more_bass", "less_bass", "telephone", "radio"]


class Filter(BaseModel):
    kind: Literal["lowpass", "highpass", "bandpass", "boost_high", "boost_low"]
    cutoff_hz: tuple[float, ...]
    order: int = 4
    words: str


PRESETS: dict[str, Filter] = {
    "muffled": Filter(kind="lowpass", cutoff_hz=(700.0,), words="muffled, as if through a wall"),
    "darker": Filter(kind="lowpass", cutoff_hz=(3000.0,), order=2, words="darker"),
    "underwater": Filter(kind="lowpass", cutoff_hz=(350.0,), words="as if under water"),
    "brighter": Filter(kind="boost_high", cutoff_hz=(3000.0,), order=2, words="brighter"),
    "more_bass": Filter(kind="boost_low", cutoff_hz=(200.0,), order=2, words="bassier"),
    "less_bass": Filter(kind="highpass", cutoff_hz=(150.0,), words="thinner, with less bass"),
    "telephone": Filter(kind="bandpass", cutoff_hz=(300.0, 3400.0), words="like a phone call"),
    "radio": Filter(kind="bandpass", cutoff_hz=(500.0, 4500.0), order=2, words="like an old radio"),
}
MIN_CUT_DB = 6.0  # a cut band's share of the energy drops at least this much
MIN_BOOST_DB = 2.0
NEGLIGIBLE_SHARE_DB = -50.0  # a band already this empty cannot drop further: nothing to measure
LEVEL_TOLERANCE_DB = 1.0


class EqStep(_Step):
    op: Literal["eq"] = "eq"
    target: EventRef
    preset: Preset = Field(description="muffled | darker | underwater | brighter | more_bass | less_bass | telephone | radio")


STEP = EqStep


def instruction(target: EventRef, preset: str) -> str:
    from audioedit.ops.apply import spoken

    return f"Make {spoken(target)} sound {PRESETS[preset].words}."


def amount(step: EqStep) -> str:
    f = PRESETS[step.preset]
    return f"{step.preset}: {f.kind} {'-'.join(f'{c:g}' for c in f.cutoff_hz)} Hz"


def _filtered(x, sr: int, f: Filter):
    import numpy as np
    from scipy import signal

    nyq = 0.5 * sr
    if f.kind == "bandpass":
        lo, hi = f.cutoff_hz[0], min(f.cutoff_hz[1], 0.45 * sr)
        sos = signal.butter(f.order, [lo / nyq, hi / nyq], btype="bandpass", output="sos")
        return signal.sosfilt(sos, x, axis=-1)
    cut = min(f.cutoff_hz[0], 0.45 * sr)
    btype = "lowpass" if f.kind in ("lowpass", "boost_low") else "highpass"
    y = signal.sosfilt(signal.butter(f.order, cut / nyq, btype=btype, output="sos"), x, axis=-1)
    return np.asarray(x) + y if f.kind.startswith("boost") else y  # a boost: about +6 dB beyond the cutoff


def process(step: EqStep):
    from audioedit.ops.measure import match_level

    f = PRESETS[step.preset]
    return lambda x, sr: match_level(_filtered(x, sr, f), x)


def measured_band(f: Filter, sr: int) -> tuple[list[tuple[float, float]], str]:
    """(bands, 'cut' | 'boost'): where the preset's effect is measured."""
    top = 0.5 * sr
    if f.kind == "lowpass":
        return [(min(2 * f.cutoff_hz[0], top), top)], "cut"
    if f.kind == "highpass":
        return [(0.0, f.cutoff_hz[0] / 2)], "cut"
    if f.kind == "bandpass":
        return [(0.0, f.cutoff_hz[0] / 2), (min(2 * f.cutoff_hz[1], top), top)], "cut"
    if f.kind == "boost_low":
        return [(0.0, f.cutoff_hz[0] / 1.5)], "boost"
    return [(min(f.cutoff_hz[0] * 1.5, top), top)], "boost"


def feasible(scene, step: EqStep) -> tuple[bool, str]:
    from audioedit.ops.apply import effect_feasible

    return effect_feasible(scene, step.target, 0.0)


def execute(scene, step: EqStep):
    from audioedit.ops.apply import execute_effect

    return execute_effect(scene, step, process(step), 0.0, f"eq {amount(step)}")


def verify(before, after, step: EqStep, edited_spans_s) -> list:
    from audioedit.ops.apply import measured_target
    from audioedit.metrics import power_db
    from audioedit.ops.measure import band_ratio_db, band_share_db, centroid_hz, check

    sr = before.audio.sample_rate_hz
    f = PRESETS[step.preset]
    t0, t1, kept = measured_target(before, after, step, edited_spans_s)
    bands, kind = measured_band(f, sr)
    s0, s1 = band_ratio_db(t0, sr, bands), band_ratio_db(t1, sr, bands)
    empty = band_share_db(t0, sr, bands) <= NEGLIGIBLE_SHARE_DB
    where = " + ".join(f"{a:g}-{b:g} Hz" for a, b in bands)
    if kind == "cut":
        checks = [check("band_ratio_change_db", s1 - s0, f"<= -{MIN_CUT_DB:g}", empty or s1 - s0 <= -MIN_CUT_DB,
                        f"energy of {where} relative to the rest of the spectrum" + (" (already negligible before: nothing to cut)" if empty else ""))]
    else:
        checks = [check("band_ratio_change_db", s1 - s0, f">= {MIN_BOOST_DB:g}", s1 - s0 >= MIN_BOOST_DB,
                        f"energy of {where} relative to the rest of the spectrum")]
    c0, c1 = centroid_hz(t0, sr), centroid_hz(t1, sr)
    if f.kind != "bandpass":
        up = f.kind in ("boost_high", "highpass")
        checks.append(check("spectral_centroid_change_hz", c1 - c0, "> 0" if up else "< 0",
                            ((c1 > c0) if up else (c1 < c0)) or (empty and kind == "cut"), f"{c0:.0f} -> {c1:.0f} Hz"))
    change = power_db(t1) - power_db(t0)
    checks.append(check("level_change_db", change, f"0 ± {LEVEL_TOLERANCE_DB:g}", abs(change) <= LEVEL_TOLERANCE_DB))
    return checks + kept
