"""The speech/rest layer split as an executor backend (``speech.layers``).

``split_layers(audio)``: the speech layer comes from DeepFilterNet3 (``audioedit.executor.speech.dfn``) and
the rest is ``audio - speech``, so ``speech + rest == audio`` to float precision and any edit of
one layer re-mixes exactly. ``SplitConfig`` holds the cheap refinements over DFN3 alone that the
``speech`` eval suite chooses between (reports/speech/README.md): the model's attenuation limit
and ``leak``, the fraction of DFN3's residual that is handed back to the speech layer when the
speech dominates (DFN3's speech distortion dominates at high SNR).

``execute_layers(scene, step)`` runs one step on a layer:

| step | target | result |
|---|---|---|
| remove | background (or "everything but the speech") | the speech layer |
| remove | speech | the rest |
| loudness | speech / background | that layer x gain + the other |
| replace | background | the speech + a bank clip of the new sound at the rest's level |
| move | speech events | the speech layer inside their spans shifted (``audioedit.executor.speech.move``) |
| eq / reverb / pitch | speech / background | the effect on that layer (``execute_layer_effect``) + the other |
| eq / reverb / pitch | a detected sound over speech | the effect on the rest layer inside its spans (``speech.rest``) |

A step whose target is events (speech-labelled events detected by the VAD) acts on the layer
inside those events' spans only, with 10 ms ramps.

``speech.rest``: a non-speech sound that was only *detected* (no annotation), in a recording with
speech — "remove the dishes" on a podcast — is removed from (or re-levelled in) the rest layer inside
its detected spans, so the speech under it is kept. Spans less than ``BRIDGE_S`` apart are joined:
under a voice, detection misses a bed sound (music under a podcast) where the voice dominates; a sound
detected over more than ``BED_SHARE`` of the recording is edited over all of it. Other
non-speech sounds in those spans change with it; the verifier measures the speech kept and the rest
layer's change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np

from audioedit.audio import Audio
from audioedit.backends import Backend
from audioedit.errors import ExecutionError, UserInputError
from audioedit.scene import Event, Scene
from audioedit.spans import BED_SHARE, BRIDGE_S, merge_spans, share_covered
from audioedit.steps import (EditStep, EventRef, LoudnessStep, MoveStep, RemoveStep, ReplaceStep, select_events, step_targets,
                             unlocated_span_s)
from audioedit.result import StepResult

SPEECH_LABELS = frozenset({"speech", "human_voice"})
RAMP_S = 0.01
BACKEND = Backend.SPEECH_LAYERS
REST_BACKEND = Backend.SPEECH_REST


@dataclass(frozen=True)
class SplitConfig:
    atten_lim_db: float = 100.0
    warmup_s: float = 0.0          # DFN3 first runs over the mirrored first seconds, so its running
                                   # normalisation has settled when the recording starts
    leak: float = 0.0              # fraction of DFN3's residual given back to the speech layer ...
    leak_above_db: float = 5.0     # ... when the estimated speech-to-rest ratio exceeds this
    post_filter_beta: float = 0.0  # DFN3's own post-filter (0 = off; reports/speech amendment 3)
    passes: int = 1                # DFN3 run again over its own speech layer (reports/speech amendment 8)
    refine: bool = False           # the learned refiner over DFN3's speech layer (reports/speech amendment 9)


@dataclass(frozen=True)
class Layers:
    speech: Audio
    rest: Audio
    speech_to_rest_db: float       # estimated from the DFN3 split, before any leak

    def remix(self, speech_gain: float = 1.0, rest_gain: float = 1.0) -> Audio:
        return self.speech.with_samples(self.speech.samples * np.float32(speech_gain)
                                        + self.rest.samples * np.float32(rest_gain))


# chosen on the speech suite's dev split by the rule in reports/speech/README.md (reports/speech/dev/tune.md)
DEFAULT_SPLIT = SplitConfig(atten_lim_db=100.0, warmup_s=3.0, leak=0.0)
DFN_SPLIT = replace(DEFAULT_SPLIT, refine=False)  # what the refiner is trained on (DFN3's part of the split)


def split_layers(audio: Audio, config: SplitConfig = DEFAULT_SPLIT) -> Layers:
    """speech + rest of ``audio`` (cached per audio content and config, so a verifier re-uses it)."""
    key = (hashlib.sha1(audio.samples.tobytes()).hexdigest(), audio.sample_rate_hz, audio.samples.shape,
           config.atten_lim_db, config.warmup_s, config.post_filter_beta, config.passes, config.refine)
    if key not in _CACHE:
        from audioedit.executor.speech.dfn import enhance

        while len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        speech = audio
        for _ in range(config.passes):
            speech = enhance(speech, atten_lim_db=config.atten_lim_db, warmup_s=config.warmup_s,
                             post_filter_beta=config.post_filter_beta)
        if config.refine:
            from audioedit.executor.speech.refiner import refine

            speech = refine(audio, speech)
        _CACHE[key] = speech
    return _split(audio, _CACHE[key], config)


_CACHE: dict[tuple, Audio] = {}  # DFN3's output per input content and attenuation limit
_CACHE_SIZE = 4


def _energy(x: np.ndarray) -> float:
    return float(np.einsum("ij,ij->", x, x, dtype=np.float64))  # float64 accumulation, no float64 copy


def _split(audio: Audio, enhanced: Audio, config: SplitConfig) -> Layers:
    x, dfn = audio.samples, enhanced.samples
    if x.dtype == np.float32 and dfn.dtype == np.float32:  # float32 subtraction is correctly rounded:
        residual = x - dfn                                   # the same samples as in float64, cast back
        ratio_db = 10 * np.log10((_energy(dfn) + 1e-12) / (_energy(residual) + 1e-12))
        if not (config.leak and ratio_db > config.leak_above_db):
            return Layers(speech=audio.with_samples(dfn), rest=audio.with_samples(residual),
                          speech_to_rest_db=float(ratio_db))
    dfn, x = dfn.astype(np.float64), x.astype(np.float64)
    residual = x - dfn
    ratio_db = 10 * np.log10((np.sum(dfn**2) + 1e-12) / (np.sum(residual**2) + 1e-12))
    leak = config.leak if ratio_db > config.leak_above_db else 0.0
    speech = dfn + leak * residual
    return Layers(speech=audio.with_samples(speech.astype(np.float32)),
                  rest=audio.with_samples((x - speech).astype(np.float32)), speech_to_rest_db=float(ratio_db))


def layer_scope(ref: EventRef) -> str | None:
    """``speech`` or ``background`` when ``ref`` names a layer (complement flips it), else None."""
    scope = ref.scope if ref.scope in ("speech", "background") else None
    if scope is None and ref.scope == "events" and ref.label in SPEECH_LABELS:
        scope = "speech"
    if scope is not None and ref.complement:
        scope = "background" if scope == "speech" else "speech"
    return scope


def sound_in_rest(step: EditStep) -> bool:
    """A remove / loudness step on events of a non-speech sound (a ``speech.rest`` candidate)."""
    return (isinstance(step, (RemoveStep, LoudnessStep)) and step.target.scope == "events"
            and not step.target.complement and step.target.label not in SPEECH_LABELS)


def is_layer_step(step: EditStep) -> bool:
    targets = step_targets(step)
    return bool(targets) and all(layer_scope(t) is not None for t in targets) and isinstance(
        step, (RemoveStep, LoudnessStep, ReplaceStep, MoveStep))


def step_scope(step: EditStep) -> tuple[str, bool]:
    """(``speech`` | ``background``, whether the target is events rather than the whole layer); a sound
    in the rest layer (``sound_in_rest``) is ``background``."""
    scope = layer_scope(step.target) or ("background" if sound_in_rest(step) else None)
    return scope, step.target.scope == "events"


def execute_layers(scene: Scene, step: EditStep, *, bank, rng: np.random.Generator,
                   config: SplitConfig = DEFAULT_SPLIT) -> StepResult:
    """Run ``step`` on the speech or the background layer of ``scene``; see the module docstring."""
    in_rest = not is_layer_step(step) and sound_in_rest(step)
    if not is_layer_step(step) and not in_rest:
        raise ExecutionError(f"step {step.id!r} ({step.op}) does not target the speech or the background layer")
    ref = step.target
    scope = step_scope(step)[0]
    audio = scene.audio
    layers = split_layers(audio, config)
    gains = _layer_gains(step, scope)
    edited = layers.remix(*gains)
    notes = [f"speech/rest split with DeepFilterNet3 (atten_lim {config.atten_lim_db:g} dB, warm-up {config.warmup_s:g} s, leak {config.leak:g}); "
             f"estimated speech-to-rest ratio {layers.speech_to_rest_db:.1f} dB"]
    events = list(scene.events)
    if isinstance(step, ReplaceStep):
        clip = _replacement(bank, step.sound, rng, audio, layers, scope, step.snr_db)
        edited = edited + clip
        events.append(Event(id=scene.new_event_id("background", step.sound), label=step.sound, onset_s=0.0,
                            offset_s=round(audio.duration_s, 3), role="background", source="edit",
                            level_db=round(clip.rms_db(), 2)))
        notes.append(f"the {scope} layer replaced with a bank clip of {step.sound!r} at {clip.rms_db():.1f} dBFS")
    if in_rest:  # each detected span of the sound (gaps the voice masked bridged), not what lies between them
        spans = ([unlocated_span_s(ref, audio.duration_s)] if ref.unlocated
                 else _rest_spans([(e.onset_s, e.offset_s) for e in select_events(scene.events, ref)], audio.duration_s))
        masked = audio
        for span in spans:
            masked = _within(masked, edited, span)
        edited = masked
        where = "the whole recording (it was not located)" if ref.unlocated else f"the {ref.label}'s detected spans only"
        notes.append(f"the rest layer edited inside {where}; other non-speech sounds there change with it")
        if isinstance(step, RemoveStep):
            ids = {e.id for e in select_events(scene.events, ref)}
            events = [e for e in events if e.id not in ids]
    else:
        span = _event_span(scene, ref)
        if span is not None:
            edited = _within(audio, edited, span)
            notes.append(f"edited only inside {span[0]:.2f}-{span[1]:.2f} s (the targeted events)")
        if isinstance(step, RemoveStep) or (isinstance(step, ReplaceStep)):
            events = [e for e in events if not _in_layer(e, scope) or e.source == "edit"]
        spans = [span] if span is not None else [(0.0, audio.duration_s)]
    _check(edited, audio)
    return StepResult(scene=scene.evolve(audio=edited, events=tuple(events), stems=None), edited_spans_s=spans,
                      backend=REST_BACKEND if in_rest else BACKEND, notes=notes + (["the stems were dropped: the layer edit is not a stem edit"]
                                                      if scene.stems is not None else []))


def execute_layer_effect(scene: Scene, step: EditStep, process, *, config: SplitConfig = DEFAULT_SPLIT) -> StepResult:
    """A whole-signal effect (a registry op's ``process``: eq, reverb, pitch) on the speech or the background layer
    of the split, re-mixed with the other layer; on a detected sound under a voice (``effect_in_rest``), on the
    background layer inside that sound's spans (bridged as ``speech.rest`` bridges them)."""
    in_rest = effect_in_rest(step)
    scope = "background" if in_rest else layer_scope(step.target)
    if scope is None:
        raise ExecutionError(f"step {step.id!r} ({step.op}) does not target the speech or the background layer")
    audio = scene.audio
    layers = split_layers(audio, config)
    target, other = (layers.speech, layers.rest) if scope == "speech" else (layers.rest, layers.speech)
    processed = process(target.samples.astype(np.float64), audio.sample_rate_hz)
    edited = audio.with_samples((processed + other.samples).astype(audio.samples.dtype))
    spans = [(0.0, audio.duration_s)]
    notes = [f"speech/rest split with DeepFilterNet3; the {step.op} on the {scope} layer only, re-mixed with the "
             f"{'rest' if scope == 'speech' else 'speech'} (estimated speech-to-rest ratio {layers.speech_to_rest_db:.1f} dB)"]
    if in_rest:
        spans = _rest_spans([(e.onset_s, e.offset_s) for e in select_events(scene.events, step.target)], audio.duration_s)
        masked = audio
        for span in spans:
            masked = _within(masked, edited, span)
        edited = masked
        notes.append(f"inside the {step.target.label}'s detected spans only; other non-speech sounds there change with it")
    _check(edited, audio)
    return StepResult(scene=scene.evolve(audio=edited, stems=None), edited_spans_s=spans,
                      backend=REST_BACKEND if in_rest else BACKEND, notes=notes)


def effect_in_rest(step: EditStep) -> bool:
    """An effect (a registry op with a ``process``) on events of a detected non-speech sound."""
    from audioedit.ops.registry import get

    target = getattr(step, "target", None)
    return (target is not None and hasattr(get(step.op), "process") and target.scope == "events"
            and not target.complement and not target.unlocated and target.label not in SPEECH_LABELS)


def _rest_spans(spans_s: list[tuple[float, float]], duration_s: float) -> list[tuple[float, float]]:
    """Where ``speech.rest`` edits a detected sound: its spans with gaps under ``BRIDGE_S`` bridged, or the
    whole recording when they cover more than ``BED_SHARE`` of it (a bed running under the voice)."""
    spans = merge_spans(spans_s, BRIDGE_S)
    if share_covered(spans, duration_s) > BED_SHARE:
        return [(0.0, duration_s)]
    return spans


def _layer_gains(step: EditStep, scope: str) -> tuple[float, float]:
    """(speech gain, rest gain) for ``step`` on ``scope``."""
    if isinstance(step, LoudnessStep):
        g = 10 ** (step.gain_db / 20)
        return (g, 1.0) if scope == "speech" else (1.0, g)
    return (0.0, 1.0) if scope == "speech" else (1.0, 0.0)


def _replacement(bank, sound: str, rng, audio: Audio, layers: Layers, scope: str, snr_db: float | None) -> Audio:
    if bank is None:
        raise ExecutionError(f"replacing the {scope} needs a sound bank with {sound!r}")
    try:
        clip = bank.clip(sound, rng, like=audio, role="background", min_duration_s=audio.duration_s)
    except (KeyError, UserInputError) as exc:
        raise ExecutionError(f"the sound bank has no {sound!r}: {exc}") from exc
    clip = clip.conform(audio).fit_frames(audio.num_frames)
    old = layers.rest if scope == "background" else layers.speech
    target_db = old.rms_db() if snr_db is None else layers.speech.rms_db() - snr_db
    return clip.gain_db(target_db - clip.rms_db())


def _in_layer(event: Event, scope: str) -> bool:
    return (event.label in SPEECH_LABELS) == (scope == "speech")


def _event_span(scene: Scene, ref: EventRef) -> tuple[float, float] | None:
    if ref.scope != "events":
        return None
    chosen = select_events(scene.events, ref)
    if not chosen:
        return None
    return (min(e.onset_s for e in chosen), max(e.offset_s for e in chosen))


def _within(before: Audio, after: Audio, span: tuple[float, float]) -> Audio:
    """``after`` inside ``span`` (10 ms ramps), ``before`` outside."""
    n = before.num_frames
    lo, hi = before.frame(span[0]), before.frame(span[1])
    ramp = max(1, int(RAMP_S * before.sample_rate_hz))
    w = np.zeros(n, np.float32)
    w[lo:hi] = 1.0
    up = np.linspace(0, 1, ramp, dtype=np.float32)
    w[lo : min(lo + ramp, hi)] = up[: min(ramp, hi - lo)]
    w[max(hi - ramp, lo) : hi] = up[::-1][-min(ramp, hi - lo):]
    return before.with_samples(before.samples + w * (after.samples - before.samples))


def _check(edited: Audio, audio: Audio) -> None:
    if edited.samples.shape != audio.samples.shape or not np.all(np.isfinite(edited.samples)):
        raise ExecutionError("the layer edit produced audio of the wrong shape or non-finite samples")
