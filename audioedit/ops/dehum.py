"""dehum: remove mains hum (50 or 60 Hz and its harmonics) from the whole recording, leaving the rest.

    >>> import numpy as np
    >>> from audioedit.audio import Audio
    >>> t = np.arange(4 * 16000) / 16000
    >>> noisy = np.random.default_rng(0).normal(0, 0.05, t.size) + 0.05 * np.sin(2 * np.pi * 60.2 * t)
    >>> (hum,) = find_hums(Audio(noisy[None], 16000).samples, 16000)
    >>> hum.mains_hz, abs(hum.f0_hz - 60.2) < 0.1, hum.harmonics_hz[0] == hum.f0_hz
    (60, True, True)

Wording (``parse``): "remove the hum", "get rid of the 50 Hz hum", "reduce the mains buzz", "kill the
electrical hum", "dehum it". The hum is found in the recording's long-term spectrum (Welch,
``RESOLUTION_HZ``): a fundamental within ``SEARCH_HZ`` of 50 Hz, of 60 Hz, or of both (a recording can carry
its source's hum and its own; only the one named if one is), with one of its first three harmonics
``MIN_BASE_PROMINENCE_DB`` over the median of its neighbourhood; each harmonic up to ``MAX_HZ`` is counted when
its peak is ``MIN_PROMINENCE_DB`` over it. A recording without such a peak is refused with the measurement
("no mains hum found").
Each counted harmonic gets a zero-phase notch (``NOTCH_WIDTH_HZ`` wide, run forwards and backwards,
every channel alike).

Checks: ``hum_prominence_db`` (the loudest counted harmonic of the output stands at most
``MAX_LEFT_DB`` over its neighbourhood) and ``rest_level_change_db`` (the spectrum away from the
notches keeps its level, ± ``REST_TOLERANCE_DB``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field

from audioedit.backends import registry_backend
from audioedit.steps import EventRef, _Step, whole_recording

RESOLUTION_HZ = 0.5
SEARCH_HZ = 0.5  # mains frequency stays this close to 50 / 60 Hz (engines and motors drift further)
MAX_HZ = 1000.0
MAX_HARMONICS = 20
MIN_PROMINENCE_DB = 10.0
MIN_BASE_PROMINENCE_DB = 15.0  # one of the first three harmonics must stand this far out
NEIGHBOURHOOD_HZ = 12.0  # each side of a harmonic, for its floor
NOTCH_WIDTH_HZ = 3.0
MAX_LEFT_DB = 6.0
REST_TOLERANCE_DB = 0.5


class DehumStep(_Step):
    op: Literal["dehum"] = "dehum"
    target: EventRef = Field(default_factory=whole_recording)
    mains_hz: Literal[50, 60] | None = Field(None, description="50 or 60 Hz; None: found in the recording")


STEP = DehumStep
_HUM = (r"(?:(?:\d+\s*(?:hz|hertz|cycles?)|mains|electrical|electric|power(?: line)?|ground(?: loop)?|ac|low|"
        r"background|constant|annoying|loud)\s+)*(?:hum|humming|buzz|buzzing|hum noise|buzz noise)")
HUM_RE = re.compile(
    rf"^(?:remove|reduce|get rid of|kill|eliminate|cut|filter(?: out)?|take out|lose|fix|clean up|lower|drop|strip|"
    rf"suppress|turn down)\s+(?:out\s+)?(?:the\s+|that\s+|this\s+|any\s+|all\s+the\s+)?(?P<hum>{_HUM})"
    r"(?:\s+(?:from|in|on|under)\s+(?:it|this|the (?:recording|audio|file|clip|track|voice|speech|music|background)))?$"
    r"|^de-?hum(?:\s+(?:it|this|the (?:recording|audio|file|clip|track)))?$")


def parse(text: str, source: str, builder) -> bool:
    m = HUM_RE.match(text.strip().rstrip(".!").strip())
    if m is None:
        return False
    said = re.search(r"\b(50|60)\s*(?:hz|hertz|cycle)", m.group(0))
    mains = int(said.group(1)) if said else None
    step = DehumStep(id="x", instruction="", mains_hz=mains)
    builder.add_step(DehumStep, source, instruction=instruction(step), mains_hz=mains)
    builder.last_verb = None
    return True


def instruction(step: DehumStep) -> str:
    return f"Remove the {step.mains_hz or '50/60'} Hz mains hum from the whole recording."


def amount(step: DehumStep) -> str:
    return f"mains hum ({step.mains_hz} Hz)" if step.mains_hz else "mains hum (50 or 60 Hz, found)"


# --- finding the hum -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hum:
    mains_hz: int
    f0_hz: float
    harmonics_hz: tuple[float, ...]
    prominence_db: tuple[float, ...]  # of each counted harmonic


def spectrum_db(samples: np.ndarray, sample_rate_hz: int) -> tuple[np.ndarray, np.ndarray]:
    """Long-term power spectrum of the channels' sum in dB (Welch, ``RESOLUTION_HZ`` bins where the file allows)."""
    from scipy import signal

    mono = np.asarray(samples, np.float64).sum(axis=0)
    nper = min(mono.size, int(2 ** np.ceil(np.log2(sample_rate_hz / RESOLUTION_HZ))))
    f, p = signal.welch(mono, sample_rate_hz, nperseg=nper, window="hann")
    return f, 10 * np.log10(p + 1e-30)


def prominence_db(f: np.ndarray, p_db: np.ndarray, at_hz: float, search_hz: float) -> tuple[float, float]:
    """(the peak's frequency within ``search_hz`` of ``at_hz``, its height over the median of its neighbourhood)."""
    near = np.flatnonzero(np.abs(f - at_hz) <= search_hz)
    if near.size == 0:
        return at_hz, 0.0
    k = near[np.argmax(p_db[near])]
    around = (np.abs(f - f[k]) <= NEIGHBOURHOOD_HZ) & (np.abs(f - f[k]) > NOTCH_WIDTH_HZ)
    floor = np.median(p_db[around]) if around.any() else p_db[k]
    at = f[k]
    if 0 < k < f.size - 1:  # the peak between bins: a parabola through the three around it
        a, b, c = p_db[k - 1: k + 2]
        at += 0.5 * (a - c) / (a - 2 * b + c) * (f[1] - f[0]) if a - 2 * b + c < 0 else 0.0
    return float(at), float(p_db[k] - floor)


def find_hums(samples: np.ndarray, sample_rate_hz: int, mains_hz: int | None = None) -> list[Hum]:
    """The mains hums of the recording (50 Hz, 60 Hz or both: a recording can carry its source's and its
    own), strongest first; empty when no harmonic stands out."""
    return hums_in_spectrum(*spectrum_db(samples, sample_rate_hz), sample_rate_hz, mains_hz)


def hums_in_spectrum(f: np.ndarray, p: np.ndarray, sample_rate_hz: int, mains_hz: int | None = None) -> list[Hum]:
    """``find_hums`` on a long-term spectrum already measured (``spectrum_db``)."""
    hums = []
    for mains in (mains_hz,) if mains_hz else (50, 60):
        # the fundamental is refined on the strongest of the first three harmonics (a small speaker may lack the first)
        cands = [(prominence_db(f, p, k * mains, k * SEARCH_HZ), k) for k in (1, 2, 3)]
        (peak_hz, top), k = max(cands, key=lambda c: c[0][1])
        if top < MIN_BASE_PROMINENCE_DB:
            continue
        f0 = peak_hz / k
        found, heights = [], []
        for h in range(1, MAX_HARMONICS + 1):
            if h * f0 > min(MAX_HZ, 0.45 * sample_rate_hz):
                break
            at, height = prominence_db(f, p, h * f0, RESOLUTION_HZ + 0.05 * h)
            if height >= MIN_PROMINENCE_DB:
                found.append(round(at, 2))
                heights.append(round(height, 1))
        if found:
            hums.append(Hum(mains, round(f0, 2), tuple(found), tuple(heights)))
    return sorted(hums, key=lambda h: -sum(h.prominence_db))


def _harmonics(hums: list[Hum]) -> tuple[float, ...]:
    return tuple(h for hum in hums for h in hum.harmonics_hz)


def _notched(x: np.ndarray, sample_rate_hz: int, harmonics_hz: tuple[float, ...]) -> np.ndarray:
    from scipy import signal

    y = np.asarray(x, np.float64)
    for hz in harmonics_hz:
        b, a = signal.iirnotch(hz, hz / NOTCH_WIDTH_HZ, fs=sample_rate_hz)
        y = signal.filtfilt(b, a, y, axis=-1, padlen=min(y.shape[-1] - 1, 3 * sample_rate_hz // 10))
    return y


def measure(audio) -> tuple[dict, list[str]]:
    """The mains hum found (its fundamental, Hz; None without one), and 'remove the hum' when there is one."""
    hums = find_hums(audio.samples, audio.sample_rate_hz)
    return {"mains_hum_hz": hums[0].f0_hz if hums else None}, (["remove the hum"] if hums else [])


# --- registry interface ----------------------------------------------------------------------------


def feasible(scene, step: DehumStep) -> tuple[bool, str]:
    if step.target.scope != "recording":
        return False, "mains hum is removed from the whole recording, not from one sound"
    hums = find_hums(scene.audio.samples, scene.audio.sample_rate_hz, step.mains_hz)
    if not hums:
        where = f"{step.mains_hz} Hz" if step.mains_hz else "50 or 60 Hz"
        return False, (f"no mains hum found: no peak at {where} or its 2nd or 3rd harmonic stands {MIN_BASE_PROMINENCE_DB:g} dB over its "
                       "neighbourhood (for other noise say 'remove the background noise')")
    found = " and ".join(f"{len(h.harmonics_hz)} harmonic(s) of the {h.f0_hz:g} Hz hum" for h in hums)
    return True, f"notch filters at the {found} (exact DSP)"


def execute(scene, step: DehumStep):
    from audioedit.errors import ExecutionError
    from audioedit.result import StepResult

    audio = scene.audio
    hums = find_hums(audio.samples, audio.sample_rate_hz, step.mains_hz)
    if not hums:
        raise ExecutionError("no mains hum found in the recording")
    y = _notched(audio.samples, audio.sample_rate_hz, _harmonics(hums))
    if not np.all(np.isfinite(y)):
        raise ExecutionError("the notch filters produced non-finite samples")
    stems = None if scene.stems is None else {
        k: s.with_samples(_notched(s.samples, audio.sample_rate_hz, _harmonics(hums))) for k, s in scene.stems.items()}
    notes = [f"hum at {hum.f0_hz:g} Hz ({hum.mains_hz} Hz mains): notched "
             + ", ".join(f"{h:g} Hz ({d:+.0f} dB)" for h, d in zip(hum.harmonics_hz, hum.prominence_db)) for hum in hums]
    return StepResult(scene=scene.evolve(audio=audio.with_samples(y.astype(audio.samples.dtype)), stems=stems),
                      edited_spans_s=[(0.0, audio.duration_s)], backend=registry_backend("dehum"), notes=notes)


def verify(before, after, step: DehumStep, edited_spans_s) -> list:
    from audioedit.ops.measure import check

    sr = before.audio.sample_rate_hz
    f, p0 = spectrum_db(before.audio.samples, sr)
    hums = hums_in_spectrum(f, p0, sr, step.mains_hz)
    if not hums:
        return [check("hum_found", 0, ">= 1 harmonic", False, "no hum in the input")]
    _, p1 = spectrum_db(after.audio.samples, sr)
    harmonics = _harmonics(hums)
    left = [prominence_db(f, p1, h, RESOLUTION_HZ * 2)[1] for h in harmonics]
    worst = max(left)
    away = np.ones(f.size, bool)
    for h in harmonics:
        away &= np.abs(f - h) > 2 * NOTCH_WIDTH_HZ
    away &= f >= 20.0
    rest = 10 * np.log10(np.sum(10 ** (p1[away] / 10)) / np.sum(10 ** (p0[away] / 10)))
    return [check("hum_prominence_db", worst, f"<= {MAX_LEFT_DB:g}", worst <= MAX_LEFT_DB,
                  f"{len(left)} harmonic(s) of {' and '.join(f'{h.f0_hz:g}' for h in hums)} Hz, before up to "
                  f"{max(d for h in hums for d in h.prominence_db):.1f} dB over their neighbourhood"),
            check("rest_level_change_db", rest, f"0 ± {REST_TOLERANCE_DB:g}", abs(rest) <= REST_TOLERANCE_DB,
                  f"the spectrum from 20 Hz, more than {2 * NOTCH_WIDTH_HZ:g} Hz from every notch")]
