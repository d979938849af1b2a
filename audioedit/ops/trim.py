"""trim: cut a stretch of time out of the recording, keep only a stretch, or trim the silence at its ends.

    >>> step = TrimStep(id="s1", instruction="Cut the last 2 s.", target=whole_recording(), last_s=2.0)
    >>> cuts_s(step, 10.0)
    [(8.0, 10.0)]
    >>> keep = TrimStep(id="s2", instruction="Keep only 3-7 s.", target=whole_recording(), keep=True, start_s=3, end_s=7)
    >>> cuts_s(keep, 10.0)
    [(0.0, 3.0), (7.0, 10.0)]

Wording (``parse``): "cut the first 3 seconds", "trim off the last 2 s", "chop 2 seconds off the end",
"remove the part between 0:04 and 0:06", "delete 4-6 s", "cut everything after 1:30", "keep only the
first 10 seconds", "keep 5 s to 12 s", "trim it to 10 seconds" (the first 10 s, said as an assumption),
"trim the silence at the start", "remove the trailing silence", "trim the silence" (both ends).
"remove the silences" / "cut the pauses" are the voice detector's pause cut (``speech.pauses``), not this.

The recording gets shorter: every stretch is removed from the mixture and every stem alike, with a
``CROSSFADE_S`` crossfade where two kept pieces join (``audioedit.cuts``); the events after a cut move
earlier and events inside it are clipped. Silence is what stays below ``silence_threshold_db``: under
the recording's loud parts by at least ``BELOW_LOUD_DB`` and at most ``FLOOR_MARGIN_DB`` over its own
floor; ``PAD_S`` of it is left before the first sound and after the last.

Checks: ``duration_removed_s`` (the asked length, joins included, ± ``DURATION_TOLERANCE_S``),
``kept_max_abs_diff`` (every kept sample unchanged outside the joins) and, for silence,
``removed_level_dbfs`` (nothing removed was louder than the threshold).
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator

from audioedit.backends import registry_backend
from audioedit.cuts import CROSSFADE_S, cut_frames, kept_pieces, moved_event
from audioedit.errors import ExecutionError
from audioedit.steps import EventRef, _Step, whole_recording

BELOW_LOUD_DB = 25.0  # silence is at least this far under the loud parts (95th percentile of 20 ms frames)
FLOOR_MARGIN_DB = 6.0  # ... and within this of the floor (10th percentile) unless 50 dB under the loud parts
PAD_S = 0.15  # silence left before the first sound / after the last
MIN_CUT_S = 0.05
SUGGEST_SILENCE_S = 1.0  # ``measure`` suggests trimming silence this long
FRAME_S = 0.02
DURATION_TOLERANCE_S = 0.005
KEPT_TOLERANCE = 1e-6

CHANGES_SHAPE = True  # the verifier compares kept samples, not the same frames


class TrimStep(_Step):
    op: Literal["trim"] = "trim"
    target: EventRef = Field(default_factory=whole_recording)
    keep: bool = Field(False, description="True: keep only the stretch; False: cut it out")
    start_s: float | None = Field(None, ge=0, description="the stretch's start (with end_s)")
    end_s: float | None = Field(None, gt=0, description="the stretch's end; None: the end of the recording")
    last_s: float | None = Field(None, gt=0, description="the stretch is the last last_s seconds")
    silence: Literal["start", "end", "both"] | None = Field(None, description="trim the silence at these ends instead")

    @model_validator(mode="after")
    def _one_stretch(self):
        given = [self.start_s is not None, self.last_s is not None, self.silence is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of start_s (with end_s), last_s or silence")
        if self.start_s is not None and self.end_s is not None and self.end_s <= self.start_s:
            raise ValueError(f"end_s ({self.end_s:g}) must be after start_s ({self.start_s:g})")
        if self.silence is not None and self.keep:
            raise ValueError("a silence trim keeps everything else; keep must be false")
        return self


STEP = TrimStep

# --- wording ---------------------------------------------------------------------------------------

_NUM = r"\d+(?:\.\d+)?|\d+:\d{2}(?:\.\d+)?|a|one|half a|a half"
_UNIT = r"\s*(?:ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?)\b"
_T = rf"(?:{_NUM})(?:{_UNIT})?"  # a time as people write it (``seconds`` reads it)
TIME = rf"(?:\d+:\d{{2}}(?:\.\d+)?|\d+(?:\.\d+)?(?:{_UNIT})?)"  # in digits ('the first one' is no time)
DURATION = rf"(?:\d+:\d{{2}}(?:\.\d+)?|\d+(?:\.\d+)?{_UNIT})"  # in digits, with a unit ('the first 5 s')
_VERB = (r"(?:cut|trim|remove|delete|drop|chop|crop|clip|snip|skip|lose|get rid of|take out|cut out|cut off|"
         r"chop off|trim off|trim away)(?:\s+(?:off|out|away))?")
_WHOLE = r"(?:\s+(?:of|from|in)\s+(?:it|this|the (?:recording|audio|file|clip|track|song|podcast)))?"
_PART = r"(?:the\s+(?:part|section|bit|segment|stretch|portion|audio|piece)\s+)?"
_RANGE = rf"(?:from\s+|between\s+)?(?P<a>{_T})\s*(?:to|and|until|till|through|-|–)\s*(?P<b>{_T})"
_EDGE_WORDS = r"start|beginning|front|opening|end|ending|tail|back|close"
CUT_RES = (
    re.compile(rf"^{_VERB}\s+(?:the\s+)?(?P<edge>first|last|final|opening|closing)\s+(?P<t>{_T}){_WHOLE}$"),
    re.compile(rf"^{_VERB}\s+(?:the\s+)?(?P<t>{_T})\s+(?:off\s+|from\s+|at\s+)+(?:the\s+)?(?P<where>{_EDGE_WORDS}){_WHOLE}$"),
    re.compile(rf"^{_VERB}\s+{_PART}{_RANGE}{_WHOLE}$"),
    re.compile(rf"^{_VERB}\s+(?:everything|all(?: of it)?|the rest)\s+(?P<dir>after|before|past|from|until|up to)\s+"
               rf"(?P<t>{_T})(?:\s+on(?:wards?)?)?$"),
)
KEEP_RES = (
    re.compile(rf"^(?:keep|leave)\s+(?:only\s+|just\s+)*(?:the\s+)?(?P<edge>first|last|final|opening|closing)\s+"
               rf"(?P<t>{_T}){_WHOLE}(?:\s+only)?$"),
    re.compile(rf"^(?:keep|leave)\s+(?:only\s+|just\s+)*{_PART}{_RANGE}(?:\s+only)?$"),
    re.compile(rf"^(?:trim|crop|cut|shorten|clip)\s+(?:it|this|the (?:recording|audio|file|clip|track))\s+(?:down\s+)?to\s+"
               rf"(?:the\s+(?P<edge>first|last|final|opening|closing)\s+)?(?:(?P<t>{_T})|{_RANGE})$"),
)
SILENCE_RE = re.compile(
    r"^(?:cut|trim|remove|delete|drop|chop|strip|get rid of|take out|cut off|chop off|trim off)(?:\s+(?:off|out|away))?\s+"
    r"(?:the\s+|any\s+)?(?:(?P<lead>leading|trailing|initial|starting|opening|ending|closing|final)\s+)?"
    r"(?:silences?|dead air|quiet(?: part| bit)?|empty (?:part|bit|space))"
    r"(?:\s+(?:at|from|in|on)\s+(?:the\s+|both\s+)?(?P<edge>start and (?:the )?end|beginning and (?:the )?end|ends|"
    r"start|beginning|front|end|ending|tail)(?:\s+of\s+(?:it|this|the (?:recording|audio|file|clip|track)))?)?$")
_START_WORDS = ("first", "opening", "start", "beginning", "front", "leading", "initial", "starting")


def seconds(text: str) -> float:
    """'1:30' -> 90, '2 minutes' -> 120, '500 ms' -> 0.5, 'half a second' -> 0.5, '3' -> 3."""
    text = text.strip()
    m = re.match(rf"^(?P<n>{_NUM})(?P<u>{_UNIT})?$", text)
    if m is None:
        raise ValueError(f"not a time: {text!r}")
    n = m["n"]
    if ":" in n:
        minutes, secs = n.split(":")
        return int(minutes) * 60 + float(secs)
    value = {"a": 1.0, "one": 1.0, "half a": 0.5, "a half": 0.5}.get(n) or float(n)
    unit = (m["u"] or "s").strip()
    return value / 1000 if unit.startswith("ms") or unit.startswith("milli") else value * 60 if unit.startswith("m") else value


def is_silence_trim(text: str) -> bool:
    """Whether ``text`` asks to trim silence at the ends ("trim the silence", "...at the start"), not to cut pauses."""
    m = SILENCE_RE.match(text.strip().rstrip(".!").strip())
    return m is not None and bool(m["lead"] or m["edge"] or re.match(r"^trim\s+(?:the\s+)?silence$", text.strip(" .!")))


def parse(text: str, source: str, builder) -> bool:
    """A trim clause -> one ``TrimStep``; False when the clause is not one."""
    text = text.strip().rstrip(".!").strip()
    fields = _silence_fields(text) if is_silence_trim(text) else _cut_fields(text) or _keep_fields(text, source, builder)
    if fields is None:
        return False
    step_fields = {"keep": False, **fields}
    try:
        said = instruction(TrimStep(id="x", instruction="", **step_fields))
    except ValidationError as exc:  # '6 to 4 s', 'the last 0 seconds'
        builder.g.fail(source, f"'{source}': {exc.errors()[0]['msg'].removeprefix('Value error, ')}")
        return True
    builder.add_step(TrimStep, source, instruction=said, target=whole_recording(), **step_fields)
    builder.last_verb = None
    return True


def _silence_fields(text: str) -> dict:
    m = SILENCE_RE.match(text)
    said = (m["lead"] or "") + " " + (m["edge"] or "")
    start = any(w in said for w in _START_WORDS)
    end = any(w in said for w in ("trailing", "ending", "closing", "final", "end", "tail"))
    return {"silence": "both" if start == end else "start" if start else "end"}


def _edge_fields(edge: str | None, t: float) -> dict:
    return {"last_s": t} if edge in ("last", "final", "closing") else {"start_s": 0.0, "end_s": t}


def _cut_fields(text: str) -> dict | None:
    for pattern in CUT_RES:
        m = pattern.match(text)
        if m is None:
            continue
        groups = m.groupdict()
        if groups.get("a"):
            return {"start_s": seconds(m["a"]), "end_s": seconds(m["b"])}
        t = seconds(m["t"])
        if groups.get("where"):
            return _edge_fields("first" if m["where"] in _START_WORDS else "last", t)
        if groups.get("dir"):
            return {"start_s": t, "end_s": None} if m["dir"] in ("after", "past", "from") else {"start_s": 0.0, "end_s": t}
        return _edge_fields(m["edge"], t)
    return None


def _keep_fields(text: str, source: str, builder) -> dict | None:
    for pattern in KEEP_RES:
        m = pattern.match(text)
        if m is None:
            continue
        groups = m.groupdict()
        if groups.get("a"):
            return {"keep": True, "start_s": seconds(m["a"]), "end_s": seconds(m["b"])}
        if not groups.get("edge"):
            builder.g.note(f"'{source}': kept the first {seconds(m['t']):g} s (say 'the last ...' to keep the end)")
        return {"keep": True, **_edge_fields(groups.get("edge"), seconds(m["t"]))}
    return None


def instruction(step: TrimStep) -> str:
    if step.silence is not None:
        where = {"start": "at the start", "end": "at the end", "both": "at both ends"}[step.silence]
        return f"Trim the silence {where}."
    what = f"the last {step.last_s:g} s" if step.last_s is not None else (
        f"everything from {step.start_s:g} s" if step.end_s is None else
        f"the first {step.end_s:g} s" if step.start_s == 0 else f"{step.start_s:g}-{step.end_s:g} s")
    return f"Keep only {what}." if step.keep else f"Cut {what}."


def amount(step: TrimStep) -> str:
    return instruction(step).rstrip(".").lower()


# --- where the cuts are ----------------------------------------------------------------------------


def cuts_s(step: TrimStep, duration_s: float, audio=None) -> list[tuple[float, float]]:
    """The stretches of the input to remove, in seconds (sorted, disjoint); ``audio`` is needed for silence."""
    if step.silence is not None:
        if audio is None:
            raise ValueError("a silence trim needs the audio")
        return silence_cuts(audio, step.silence)[0]
    if step.last_s is not None:
        a, b = max(0.0, duration_s - step.last_s), duration_s
    else:
        a, b = step.start_s, duration_s if step.end_s is None else min(step.end_s, duration_s)
    stretch = [(a, b)] if b > a else []
    if not step.keep:
        return stretch
    return [(x, y) for x, y in ((0.0, a), (b, duration_s)) if y - x > 1e-9] if stretch else [(0.0, duration_s)]


def frame_levels_db(samples: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    """dBFS of consecutive ``FRAME_S`` frames (power averaged over channels)."""
    n = max(1, int(FRAME_S * sample_rate_hz))
    power = np.mean(np.square(samples.astype(np.float64)), axis=0)
    frames = power[: power.size // n * n].reshape(-1, n).mean(axis=1) if power.size >= n else power[None].mean(axis=1)
    return 10 * np.log10(frames + 1e-20)


def silence_threshold_db(levels_db: np.ndarray) -> float:
    loud, floor = np.percentile(levels_db, 95), np.percentile(levels_db, 10)
    return float(min(loud - BELOW_LOUD_DB, max(floor + FLOOR_MARGIN_DB, loud - 50.0)))


def silence_cuts(audio, edges: str) -> tuple[list[tuple[float, float]], float]:
    """(the silent stretches at ``edges`` to remove, the threshold in dBFS); raises when there is none."""
    return silence_cuts_of_levels(frame_levels_db(audio.samples, audio.sample_rate_hz), audio.duration_s, edges)


def silence_cuts_of_levels(levels_db: np.ndarray, duration_s: float, edges: str) -> tuple[list[tuple[float, float]], float]:
    """``silence_cuts`` from the recording's ``FRAME_S`` frame levels (a streamed file measures them block by block)."""
    threshold = silence_threshold_db(levels_db)
    sounding = np.flatnonzero(levels_db > threshold)
    if sounding.size == 0:
        raise ExecutionError("the recording is silent throughout: there is nothing to keep")
    first_s, last_s = sounding[0] * FRAME_S, min(duration_s, (sounding[-1] + 1) * FRAME_S)
    cuts = []
    if edges in ("start", "both") and first_s - PAD_S >= MIN_CUT_S:
        cuts.append((0.0, round(first_s - PAD_S, 4)))
    if edges in ("end", "both") and duration_s - (last_s + PAD_S) >= MIN_CUT_S:
        cuts.append((round(last_s + PAD_S, 4), duration_s))
    if not cuts:
        where = {"start": "at the start", "end": "at the end", "both": "at either end"}[edges]
        raise ExecutionError(f"no silence {where}: sound above {threshold:.1f} dBFS starts at {first_s:.2f} s and ends at "
                             f"{last_s:.2f} s of {duration_s:.2f} s")
    return cuts, threshold


def measure(audio) -> tuple[dict, list[str]]:
    """The silence at each end, seconds (what 'trim the silence' would cut), and that request when one is >= 1 s."""
    try:
        cuts, _ = silence_cuts(audio, "both")
    except ExecutionError:
        cuts = []
    start = next((b - a for a, b in cuts if a == 0.0), 0.0)
    end = next((b - a for a, b in cuts if a > 0.0), 0.0)
    said = {"start": start, "end": end}
    edges = [k for k, v in said.items() if v >= SUGGEST_SILENCE_S]
    hint = [f"trim the silence at the {edges[0]}" if len(edges) == 1 else "trim the silence at both ends"] if edges else []
    return {"silence_at_start_s": round(start, 2), "silence_at_end_s": round(end, 2)}, hint


# --- registry interface ----------------------------------------------------------------------------


def problem(step: TrimStep, duration_s: float) -> str | None:
    """Why ``step`` cannot cut a recording of ``duration_s`` (a silence trim is decided on the audio), or None."""
    if step.silence is not None:
        return None
    if step.start_s is not None and step.start_s >= duration_s:
        return f"the recording is {duration_s:.2f} s long: nothing starts at {step.start_s:g} s"
    removed = sum(b - a for a, b in cuts_s(step, duration_s))
    if removed >= duration_s - 1e-6:
        return f"this would cut the whole recording ({duration_s:.2f} s) and leave nothing"
    if removed < MIN_CUT_S:
        return f"the stretch is shorter than {MIN_CUT_S:g} s: nothing to cut"
    return None


def feasible(scene, step: TrimStep) -> tuple[bool, str]:
    if step.target.scope != "recording":
        return False, "trimming cuts time out of the whole recording, not out of one sound"
    why = problem(step, scene.audio.duration_s)
    return (False, why) if why else (True, "cut time out of the recording (exact)")


def execute(scene, step: TrimStep):
    from audioedit.result import StepResult

    audio = scene.audio
    threshold = None
    if step.silence is not None:
        cuts, threshold = silence_cuts(audio, step.silence)
    else:
        cuts = cuts_s(step, audio.duration_s)
    frames = [(audio.frame(a), audio.frame(b)) for a, b in cuts]
    xf = int(CROSSFADE_S * audio.sample_rate_hz)
    stems = None if scene.stems is None else {
        k: s.with_samples(cut_frames(s.samples, frames, xf)) for k, s in scene.stems.items()}
    edited = audio.with_samples(cut_frames(audio.samples, frames, xf))
    if edited.num_frames == 0 or not np.all(np.isfinite(edited.samples)):
        raise ExecutionError("trimming left no audio or non-finite samples")
    events = tuple(e for e in (moved_event(ev, cuts) for ev in scene.events) if e.offset_s > e.onset_s)
    notes = [f"cut {a:.2f}-{b:.2f} s ({b - a:.2f} s)" for a, b in cuts]
    notes.append(f"{audio.duration_s:.2f} s -> {edited.duration_s:.2f} s")
    if threshold is not None:
        notes.append(f"silence: below {threshold:.1f} dBFS, {PAD_S:g} s left next to the sound")
    return StepResult(scene=scene.evolve(audio=edited, events=events, stems=stems), edited_spans_s=cuts,
                      backend=registry_backend("trim"), notes=notes)


def verify(before, after, step: TrimStep, edited_spans_s) -> list:
    from audioedit.ops.measure import check

    audio, out = before.audio, after.audio
    sr = audio.sample_rate_hz
    frames = [(audio.frame(a), audio.frame(b)) for a, b in edited_spans_s]
    pieces = kept_pieces(audio.num_frames, frames)
    xf = int(CROSSFADE_S * sr)
    joins = [min(xf, p[1] - p[0], q[1] - q[0]) for p, q in zip(pieces, pieces[1:])]
    want_frames = sum(hi - lo for lo, hi in pieces) - sum(joins)
    removed_s, want_s = (audio.num_frames - out.num_frames) / sr, (audio.num_frames - want_frames) / sr
    checks = [check("duration_removed_s", removed_s, f"{want_s:.3f} ± {DURATION_TOLERANCE_S:g}",
                    abs(removed_s - want_s) <= DURATION_TOLERANCE_S,
                    f"{audio.duration_s:.2f} s -> {out.duration_s:.2f} s")]
    diff, pos, short = 0.0, 0, False
    for k, (lo, hi) in enumerate(pieces):
        head = joins[k - 1] if k else 0
        tail = joins[k] if k < len(joins) else 0
        n = hi - lo - head - tail
        if n > 0 and pos + head + n <= out.num_frames:
            diff = max(diff, float(np.max(np.abs(out.samples[:, pos + head: pos + head + n] - audio.samples[:, lo + head: hi - tail]))))
        elif n > 0:
            short = True  # the output ends before this piece: the duration check says by how much
        pos += hi - lo - tail
    checks.append(check("kept_max_abs_diff", diff, f"<= {KEPT_TOLERANCE:g}", diff <= KEPT_TOLERANCE and not short,
                        f"{len(pieces)} kept piece(s), {len(joins)} join(s) of at most {CROSSFADE_S:g} s"
                        + ("; the output is too short to hold them" if short else "")))
    if step.silence is not None:
        removed = np.concatenate([audio.samples[:, a:b] for a, b in frames], axis=1) if frames else audio.samples[:, :0]
        threshold = silence_threshold_db(frame_levels_db(audio.samples, sr))
        loudest = float(frame_levels_db(removed, sr).max()) if removed.shape[1] else -200.0
        checks.append(check("removed_level_dbfs", loudest, f"<= {threshold:.1f}", loudest <= threshold + 1e-6,
                            "the loudest 20 ms frame of what was removed"))
    return checks
