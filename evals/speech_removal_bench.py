"""How well do the verifier's speech-removal checks tell a good removal from a bad one? (issues #18/#20)

    python -m audioedit.evals.speech_removal_bench [--split dev|test] [--data-root DIR] [--limit N] [--json FILE]

A labelled set of "remove all speech" outputs with known truth, built from dev-corpus audio (never the
LCR items, which are the evaluation): each speech clip of the ``speech`` suite's split
(``evals/speech_data.SPLITS``) over ``BEDS_PER_SPEECH`` of the split's beds (``BEDS``: music, a dog,
an ambience, solo instruments) in turn, at a speech-to-bed ratio from ``SNRS_DB`` in turn; and the
LCR composition (``_two_talkers``: each clip and the next, 2 dB down, over a solo instrument and a dog,
5 s), where DeepFilterNet3 leaves much of the talkers in the rest. The candidate outputs (``KINDS``):

- ``bed``: the true bed; ``speech_-20dB``: the bed with the speech 20 dB down;
- ``split_rest``: the speech/rest split's rest (what ``speech.layers`` returns);
- ``split_rest+half``: the rest with half the split's speech layer put back (a partial removal);
- ``speech_-6dB``: the bed with the speech 6 dB down; ``identity``: the input handed back;
- ``bed_-12dB``: the true bed 12 dB down; ``bed_gated``: the bed muted wherever the speech is active.

Each output is labelled by its truth: ``speech_left_db`` (the output's speech component over the
input's speech, dB) and ``bed_change_db`` (its bed component over the input's bed). For the split's
outputs the components are estimated by applying the split's effective STFT mask (its speech over
the input, per bin) to the true speech and bed. ``removed``: ``speech_left_db <= -10``; ``kept``:
``|bed_change_db| <= 3`` (the checks' own tolerances); correct: both.

Every case is measured once (``agents.speech_checks.removal_measures``: the splits of the output and
of the input's rest, the voice detector on both); the checks (``CHECKS``) are applied afterwards and
each is scored alone by balanced accuracy against the label it judges and against correctness, with
``evals.verifier_calibration.rates`` (the verifier benchmark's own scoring). Each case is also judged
by the general verifier (``agents.verifier.Verifier``: acoustic + CLAP, "remove the annotated speech
events", what judges the learned editor's output), alone and with the speech checks.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from audioedit.agents.speech_checks import KEPT_TOLERANCE_DB, RemovalMeasures, removal_measures
from audioedit.audio import Audio
from audioedit.audio import looped_crop
from audioedit.evals.speech_data import RATE_HZ, _expand, clips
from audioedit.evals.verifier_calibration import Measured, rates
from audioedit.metrics import power_db
from audioedit.paths import data_root

SNRS_DB = (-5.0, 0.0, 5.0)
BEDS_PER_SPEECH = 4
MAX_ITEM_S = 8.0
TWO_TALKERS_S = 5.0  # the LCR items' length
REMOVED_DB = -10.0  # speech left at most this far below the input's: removed
STFT = {"nperseg": 512, "noverlap": 384}
BEDS = {  # (kind, corpus glob): the first file of each; none of them is an LCR item
    "dev": [("music", "librosa_data/147793__setuniman__sweet-waltz-0i-22mi.hq.ogg"),
            ("music", "librosa_data/442789__lena-orsa__happy-music-pistachio-ice-cream-ragtime.hq.ogg"),
            ("music", "librosa_data/admiralbob77_-_Choice_-_Drum-bass.hq.ogg"),
            ("dog", "esc50_16k/dog/1-*.ogg"), ("dog", "urbansound8k_subset/foreground/dog_bark/*.wav"),
            ("ambience", "moodist_ambience/light_rain/*"),
            ("solo", "gcompris/banjo/banjo.ogg"), ("solo", "gcompris/cello/cello.ogg"),
            ("solo", "sisec2011_music_stems/Bearlin_Roads/dev1__bearlin-roads__snip_85_99__acoustic_guit_main.wav"),
            ("solo", "gcompris/clarinet/clarinet.ogg")],
    "test": [("music", "librosa_data/Kevin_MacLeod_-_Vibe_Ace.hq.ogg"),
             ("music", "librosa_data/Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).hq.ogg"),
             ("music", "librosa_data/Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy.hq.ogg"),
             ("dog", "ovos_animals_cc0/dog*"), ("dog", "gcompris/dog/*"),
             ("ambience", "speechcommands_bg/running_tap.wav"),
             ("solo", "gcompris/violin/violin.ogg"),
             ("solo", "sisec2011_music_stems/Ultimate NZ Tour/dev2__ultimate_nz_tour__snip_43_61__guitar.wav"),
             ("solo", "librosa_data/sorohanro_-_solo-trumpet-06.hq.ogg"), ("solo", "gcompris/saxophone/saxophone.ogg")],
}
KINDS = ("bed", "speech_-20dB", "split_rest", "split_rest+half", "speech_-6dB", "identity", "bed_-12dB", "bed_gated")


@dataclass
class Case:
    name: str
    bed_kind: str
    kind: str
    speech_left_db: float
    bed_change_db: float
    measures: RemovalMeasures
    general_passed: bool | None = None  # the general verifier (acoustic + CLAP) on the same output

    @property
    def removed(self) -> bool:
        return self.speech_left_db <= REMOVED_DB

    @property
    def kept(self) -> bool:
        return abs(self.bed_change_db) <= KEPT_TOLERANCE_DB

    @property
    def correct(self) -> bool:
        return self.removed and self.kept


# --- the checks, from the measures (name -> (the label it judges, passes)) ------------------------


def _excess_drop_db(m: RemovalMeasures) -> float:
    """The input's speech layer over the output's, both less the speech the re-split hears in the
    input's rest (linear powers): the speech removed beyond what the rest itself sounds like."""
    base = 10 ** (m.rest_speech_db / 10)
    before, after = 10 ** (m.in_speech_db / 10) - base, 10 ** (m.out_speech_db / 10) - base
    if after <= 0:
        return math.inf
    return 10 * math.log10(max(before, 1e-12)) - 10 * math.log10(after)


CHECKS: dict[str, tuple[str, Callable[[RemovalMeasures], bool]]] = {
    "speech_removed_db >= 10 (shipped)": ("removed", lambda m: m.in_speech_db - m.out_speech_db >= 10),
    "speech_over_rest_db <= 3": ("removed", lambda m: m.out_speech_db - m.rest_speech_db <= 3),
    "speech_removed_over_rest_db >= 10": ("removed", lambda m: _excess_drop_db(m) >= 10),
    "speech_removed_over_rest_db >= 6": ("removed", lambda m: _excess_drop_db(m) >= 6),
    "vad_kept <= 0.1": ("removed", lambda m: m.vad_kept <= 0.1),
    "vad_kept_over_rest <= 0.1": ("removed", lambda m: m.vad_kept_over_rest <= 0.1),
    "vad_kept_over_rest <= 0.25": ("removed", lambda m: m.vad_kept_over_rest <= 0.25),
    "speech_removed_over_rest_db >= 10 and vad_kept_over_rest <= 0.25": (
        "removed", lambda m: _excess_drop_db(m) >= 10 and m.vad_kept_over_rest <= 0.25),
    "other_layer_kept_db (shipped)": ("kept", lambda m: abs(m.out_rest_db - m.in_rest_db) <= KEPT_TOLERANCE_DB),
}


# --- the labelled set ------------------------------------------------------------------------------


def beds(root: Path, split: str) -> list[tuple[str, str, np.ndarray]]:
    """(kind, name, mono 16 kHz samples) of the split's beds found under ``root``."""
    out = []
    for kind, spec in BEDS[split]:
        found = _expand(root, spec)
        if found:
            out.append((kind, found[0][0], found[0][1].samples[0]))
    return out


def pairs(root: Path, split: str, limit: int | None = None):
    """(name, bed kind, speech, bed) mono 16 kHz float64 arrays of equal length, speech-to-bed at ``SNRS_DB`` in turn."""
    speech, bed_list = clips(root, split, "speech")[:limit], beds(root, split)
    if not speech or not bed_list:
        raise SystemExit(f"no {split!r} speech or beds under {root}")
    k = 0
    for i, (s_name, s_audio) in enumerate(speech):
        s = s_audio.samples[0][: int(MAX_ITEM_S * RATE_HZ)].astype(np.float64)
        for j in range(min(BEDS_PER_SPEECH, len(bed_list))):
            kind, b_name, b = bed_list[(i * BEDS_PER_SPEECH + j) % len(bed_list)]
            snr = SNRS_DB[k % len(SNRS_DB)]
            k += 1
            noise = looped_crop(b.astype(np.float64), s.size, np.random.default_rng(k))
            noise = noise * math.sqrt(np.mean(s**2) / max(np.mean(noise**2), 1e-12) / 10 ** (snr / 10))
            peak = max(1.0, float(np.max(np.abs(s + noise))) / 0.9)
            yield f"{split}/{s_name}+{b_name}@{snr:g}dB", kind, s / peak, noise / peak
    yield from _two_talkers(split, speech, bed_list, k)


def _level(x: np.ndarray, db: float) -> np.ndarray:
    return x * 10 ** (db / 20) / math.sqrt(max(float(np.mean(x**2)), 1e-12))


def _two_talkers(split: str, speech, bed_list, k: int):
    """The LCR composition: each clip and the next one (2 dB down) over a solo instrument and a dog, ``TWO_TALKERS_S``."""
    solos, dogs = [b for b in bed_list if b[0] == "solo"], [b for b in bed_list if b[0] == "dog"]
    if len(speech) < 2 or not solos or not dogs:
        return
    n = int(TWO_TALKERS_S * RATE_HZ)
    for i, (s_name, s_audio) in enumerate(speech):
        o_name, o_audio = speech[(i + 1) % len(speech)]
        snr = SNRS_DB[k % len(SNRS_DB)]
        k += 1
        (_, i_name, inst), (_, d_name, dog) = solos[i % len(solos)], dogs[i % len(dogs)]
        fit = [looped_crop(x.astype(np.float64), n, np.random.default_rng([k, j]))
               for j, x in enumerate((s_audio.samples[0], o_audio.samples[0], inst, dog))]
        s = _level(fit[0], -20.0) + _level(fit[1], -22.0)
        bed = _level(_level(fit[2], 0.0) + _level(fit[3], 0.0), 10 * math.log10(np.mean(s**2)) - snr)
        peak = max(1.0, float(np.max(np.abs(s + bed))) / 0.9)
        yield f"{split}/{s_name}&{o_name}+{i_name}&{d_name}@{snr:g}dB", "two talkers", s / peak, bed / peak


def _masked(mix: np.ndarray, est: np.ndarray, parts: list[np.ndarray]) -> list[np.ndarray]:
    """``parts`` (summing to ``mix``) through the STFT mask that turns ``mix`` into ``est`` (|mask| <= 1)."""
    from scipy.signal import istft, stft

    _, _, x = stft(mix, **STFT)
    _, _, e = stft(est, **STFT)
    mask = e / np.where(np.abs(x) > 1e-9, x, 1e-9)
    mask = np.where(np.abs(x) > 1e-9, mask / np.maximum(1.0, np.abs(mask)), 0.0)
    return [istft(mask * stft(p, **STFT)[2], **STFT)[1][: mix.size] for p in parts]


def _gate(bed: np.ndarray, speech: np.ndarray, frame: int = 512) -> np.ndarray:
    """``bed`` muted in the frames where ``speech`` is within 30 dB of its loudest frame."""
    n = speech.size // frame * frame
    level = 10 * np.log10(np.mean(speech[:n].reshape(-1, frame) ** 2, axis=1) + 1e-12)
    active = np.repeat(level > level.max() - 30, frame)
    out = bed.copy()
    out[:n][active] = 0.0
    return out


def candidates(speech: np.ndarray, bed: np.ndarray):
    """(kind, output, speech component, bed component, the input's layers) for every kind in ``KINDS``."""
    from audioedit.executor.speech.layers import split_layers

    mix = speech + bed
    layers = split_layers(Audio(mix.astype(np.float32), RATE_HZ))
    sp_layer, rest = layers.speech.samples[0].astype(np.float64), layers.rest.samples[0].astype(np.float64)
    s_rest, b_rest = (p for p in _masked(mix, mix - sp_layer, [speech, bed]))
    s_half, b_half = (0.5 * p for p in _masked(mix, sp_layer, [speech, bed]))
    gated = _gate(bed, speech)
    out = {"bed": (bed, 0 * speech, bed), "speech_-20dB": (bed + 0.1 * speech, 0.1 * speech, bed),
           "split_rest": (rest, s_rest, b_rest), "split_rest+half": (rest + 0.5 * sp_layer, s_rest + s_half, b_rest + b_half),
           "speech_-6dB": (bed + 0.5 * speech, 0.5 * speech, bed), "identity": (mix, speech, bed),
           "bed_-12dB": (0.25 * bed, 0 * speech, 0.25 * bed), "bed_gated": (gated, 0 * speech, gated)}
    for kind in KINDS:
        y, s_part, b_part = out[kind]
        yield kind, y, s_part, b_part, layers


BED_LABELS = {"music": "music", "solo": "music", "dog": "dog_bark", "ambience": "rain", "two talkers": "music"}


def _general(verifier, bed_kind: str, mix: np.ndarray, y: np.ndarray) -> bool:
    """The general verifier's verdict on ``y`` for "remove the speech" over annotated events (as LCR plans it)."""
    from audioedit.scene import Event, EventsFrom, Scene
    from audioedit.steps import EventRef, RemoveStep

    dur = mix.size / RATE_HZ
    events = (Event(id="foreground0_speech", label="speech", onset_s=0.0, offset_s=dur),
              Event(id=f"foreground1_{BED_LABELS[bed_kind]}", label=BED_LABELS[bed_kind], onset_s=0.0, offset_s=dur))
    before = Scene(Audio(mix.astype(np.float32), RATE_HZ), events, None, EventsFrom.ANNOTATION)
    step = RemoveStep(id="s1", instruction="Remove all speech.",
                      target=EventRef(label="speech", event_ids=["foreground0_speech"]))
    after = before.evolve(audio=Audio(y.astype(np.float32), RATE_HZ), events=events[1:])  # as an executor reports it
    return verifier(before, after, step, [(0.0, dur)]).passed


def build(root: Path, split: str, limit: int | None = None, general: bool = True) -> list[Case]:
    from audioedit.agents.verifier import Verifier

    verifier = Verifier() if general else None
    cases = []
    for name, bed_kind, speech, bed in pairs(root, split, limit):
        for kind, y, s_part, b_part, layers in candidates(speech, bed):
            m = removal_measures(layers.speech, layers.rest, Audio(y.astype(np.float32), RATE_HZ))
            cases.append(Case(name, bed_kind, kind, round(power_db(s_part) - power_db(speech), 2),
                              round(power_db(b_part) - power_db(bed), 2), m,
                              None if verifier is None else _general(verifier, bed_kind, speech + bed, y)))
    return cases


# --- scoring -----------------------------------------------------------------------------------------


def _rows(cases: list[Case], check: str, label: str) -> list[Measured]:
    _, passes = CHECKS[check]
    return [Measured(c.name, "remove", c.kind, getattr(c, label), bool(passes(c.measures)), []) for c in cases]


def table(cases: list[Case]) -> list[dict]:
    """Per check: TPR / TNR / balanced accuracy against the label it judges and against correctness."""
    out = []
    for check, (label, _) in CHECKS.items():
        own, full = rates(_rows(cases, check, label), None), rates(_rows(cases, check, "correct"), None)
        out.append({"check": check, "label": label, **dict(zip(("tpr", "tnr", "bal"), own)),
                    **dict(zip(("tpr_correct", "tnr_correct", "bal_correct"), full))})
    return out


def verdict_accuracy(cases: list[Case], removal_check: str) -> tuple[float, float, float]:
    """The removal verdict (``removal_check`` and the shipped rest check) against correctness."""
    kept = CHECKS["other_layer_kept_db (shipped)"][1]
    passes = CHECKS[removal_check][1]
    rows = [Measured(c.name, "remove", c.kind, c.correct, bool(passes(c.measures) and kept(c.measures)), []) for c in cases]
    return rates(rows, None)


def general_accuracy(cases: list[Case], removal_check: str | None) -> tuple[float, float, float]:
    """The general verifier alone (``removal_check`` None) or with the speech checks (``removal_check``
    and the shipped rest check) as well, against correctness."""
    kept = CHECKS["other_layer_kept_db (shipped)"][1]
    rows = [Measured(c.name, "remove", c.kind, c.correct, bool(c.general_passed and (
        removal_check is None or (CHECKS[removal_check][1](c.measures) and kept(c.measures)))), [])
        for c in cases if c.general_passed is not None]
    return rates(rows, None)


def kind_table(cases: list[Case]) -> list[dict]:
    """Per kind: n, the share labelled correct, the mean truth, and the share each check passes."""
    out = []
    for kind in KINDS:
        sel = [c for c in cases if c.kind == kind]
        if sel:
            out.append({"kind": kind, "n": len(sel), "correct": float(np.mean([c.correct for c in sel])),
                        "speech_left_db": float(np.mean([c.speech_left_db for c in sel])),
                        "bed_change_db": float(np.mean([c.bed_change_db for c in sel])),
                        **{check: float(np.mean([fn(c.measures) for c in sel])) for check, (_, fn) in CHECKS.items()},
                        "general": float(np.mean([bool(c.general_passed) for c in sel]))})
    return out


def report(cases: list[Case]) -> str:
    n_ok = sum(c.correct for c in cases)
    lines = [f"{len(cases)} cases ({n_ok} correct, {len(cases) - n_ok} failed) from {len({c.name for c in cases})} mixtures",
             "", "| check | judges | TPR | TNR | balanced | vs correct: balanced | removal verdict (+ rest kept) |",
             "|---|---|---|---|---|---|---|"]
    for row in table(cases):
        verdict = f"{verdict_accuracy(cases, row['check'])[2]:.1%}" if row["label"] == "removed" else ""
        lines.append(f"| {row['check']} | {row['label']} | {row['tpr']:.1%} | {row['tnr']:.1%} | **{row['bal']:.1%}** | "
                     f"{row['bal_correct']:.1%} | {verdict} |")
    if any(c.general_passed is not None for c in cases):
        lines += ["", "| verdict on every case | TPR | TNR | balanced |", "|---|---|---|---|"]
        for label, check in [("general verifier (acoustic + CLAP)", None)] + [
                (f"general verifier and {n} + rest kept", n) for n, (lb, _) in CHECKS.items() if lb == "removed"]:
            tpr, tnr, bal = general_accuracy(cases, check)
            lines.append(f"| {label} | {tpr:.1%} | {tnr:.1%} | **{bal:.1%}** |")
    names = list(CHECKS)
    lines += ["", "Share passed per kind (checks in the order above):", "",
              "| kind | n | correct | speech left dB | bed change dB | " + " | ".join(f"c{i}" for i in range(len(names))) + " | general |",
              "|---|---|---|---|---|" + "---|" * (len(names) + 1)]
    for r in kind_table(cases):
        lines.append(f"| {r['kind']} | {r['n']} | {r['correct']:.0%} | {r['speech_left_db']:.1f} | {r['bed_change_db']:.1f} | "
                     + " | ".join(f"{r[n]:.0%}" for n in names) + f" | {r['general']:.0%} |")
    lines += ["", "Removal verdict (shipped check + rest kept) per bed kind, balanced accuracy: " + ", ".join(
        f"{b} {verdict_accuracy([c for c in cases if c.bed_kind == b], names[0])[2]:.1%}" for b in sorted({c.bed_kind for c in cases}))]
    lines += [""] + [f"c{i}: {n}" for i, n in enumerate(names)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the speech-removal checks on a labelled set of removals")
    parser.add_argument("--split", choices=sorted(BEDS), default="dev")
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--limit", type=int, default=None, help="at most this many speech clips")
    parser.add_argument("--json", default=None, help="write every case (truth and measures) here")
    parser.add_argument("--no-general", action="store_true", help="skip the general verifier (no CLAP)")
    args = parser.parse_args(argv)
    cases = build(data_root(args.data_root), args.split, args.limit, general=not args.no_general)
    print(report(cases))
    if args.json:
        Path(args.json).write_text("\n".join(json.dumps({**{k: v for k, v in asdict(c).items() if k != "measures"},
                                                         **asdict(c.measures)}) for c in cases) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
