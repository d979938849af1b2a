"""The scene sounds of the starter bank: recordings from the permissively licensed dev folders
(``ovos_animals_cc0``, ``ufoai_foley``, ``gcompris``, ``sonicpi``), each file's licence and credit
read from its folder's ``metadata.csv`` and checked against ``ALLOWED_LICENCES`` at build time.

``moodist_ambience`` is left out: its licence column says "Pixabay Content License or CC0 (not
itemised per file)", so no file can be shown to be CC0, and the Pixabay licence is not one of ours.

They go to their own folder, ``audioedit/assets/bank_scenes`` (``labels.json``, ``CREDITS.md``), which
``audioedit.bank.starter_bank()`` adds to the starter bank; the synth benchmark reads
``audioedit/assets/bank`` only, so its vocabulary and seeds do not change.
``scripts/build_starter_bank.py`` calls ``build_scene_bank(dev, out, ...)`` after the main bank.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ALLOWED_LICENCES = ("CC0", "CC-BY-3.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "GPL-2", "GPL-3", "public-domain", "MIT")
# new labels only: the existing ones (wind, bell, ...) keep their clips so earlier figures stay comparable
BACKGROUND_S = 12.0
MAX_FOREGROUND_S = 5.0
LOOP_XFADE_S = 0.05


@dataclass(frozen=True)
class SceneCut:
    label: str
    role: str
    path: str  # relative to the dev-data folder
    start_s: float = 0.0
    end_s: float | None = None


CUTS = [
    *[SceneCut(a, "foreground", f"ovos_animals_cc0/{a}/{a}.ogg") for a in
      ("cow", "duck", "frog", "horse", "owl", "pig", "rooster", "sheep")],
    *[SceneCut(a, "foreground", f"gcompris/{a}/{a}.ogg") for a in ("owl", "cow", "horse", "duck", "pig", "sheep")],
    SceneCut("chicken", "foreground", "gcompris/chicken/chickens.ogg", 0.0, 6.0),
    # of the nine ufoai fire loops, the two the shipped CLAP ranks closest to "crackling fire" (the others
    # read as engine idling / air conditioner: low rumble)
    SceneCut("crackling_fire", "background", "ufoai_foley/fire/ambience_fire03.ogg"),
    SceneCut("crackling_fire", "background", "ufoai_foley/fire/ambience_fire05.ogg"),
    SceneCut("crickets", "background", "ufoai_foley/crickets/ambience_cricket_loop.ogg"),
    SceneCut("fountain", "background", "ufoai_foley/fountain/ambience_waterfontain.ogg", 0.0, 12.1),
    SceneCut("harbor", "background", "gcompris/harbor/harbor1.ogg"),
    SceneCut("harbor", "background", "gcompris/harbor/harbor2.ogg"),
    SceneCut("vinyl_crackle", "background", "sonicpi/vinyl_crackle/vinyl_hiss.ogg"),
    SceneCut("thunder", "foreground", "ufoai_foley/thunder/ambience_thunder1.ogg", 0.0, 8.0),
    SceneCut("thunder", "foreground", "ufoai_foley/thunder/ambience_thunder3.ogg", 0.0, 8.0),
    SceneCut("glass_break", "foreground", "ufoai_foley/glass_break/misc_breakglass01.ogg"),
    SceneCut("glass_break", "foreground", "ufoai_foley/glass_break/misc_breakglass02.ogg"),
    SceneCut("door", "foreground", "ufoai_foley/door_close/doors_door1-close.ogg"),
    SceneCut("door", "foreground", "ufoai_foley/door_close/doors_door2-close.ogg"),
    SceneCut("car_engine", "foreground", "gcompris/car_engine_start_stop/LRStartAndStopCarEngine1LACut.ogg"),
    SceneCut("car_engine", "foreground", "gcompris/car/car.ogg"),
    SceneCut("train", "foreground", "gcompris/train/train.ogg"),
    SceneCut("helicopter", "foreground", "gcompris/helicopter/helicopter.ogg"),
    SceneCut("organ", "foreground", "gcompris/organ/organ.ogg"),
    SceneCut("piano", "foreground", "gcompris/piano/piano.ogg", 0.0, 6.0),
    SceneCut("guitar", "foreground", "gcompris/guitar/guitar.ogg"),
    SceneCut("coins", "foreground", "gcompris/coins/money1.ogg"),
    SceneCut("coins", "foreground", "gcompris/coins/money2.ogg"),
    SceneCut("cash_register", "foreground", "sonicpi/cash_register/perc_till.ogg"),
    SceneCut("crow", "foreground", "sonicpi/crow/misc_crow.ogg"),
]

LABELS = {
    "cow": ("cow", ["cows", "moo", "mooing", "cattle"]),
    "duck": ("duck", ["ducks", "quack", "quacking"]),
    "frog": ("frog", ["frogs", "croak", "croaking", "toad"]),
    "horse": ("horse", ["horses", "neigh", "neighing", "whinny"]),
    "owl": ("owl", ["owls", "hoot", "hooting", "tawny owl"]),
    "pig": ("pig", ["pigs", "oink", "grunting pig", "grunt"]),
    "rooster": ("rooster", ["cock", "cockerel", "crowing rooster", "cock-a-doodle-doo"]),
    "sheep": ("sheep", ["bleat", "bleating", "lamb", "baa"]),
    "chicken": ("chicken", ["chickens", "hen", "hens", "clucking"]),
    "crackling_fire": ("crackling fire", ["fire", "campfire", "fireplace", "crackling", "bonfire", "fire crackling"]),
    "crickets": ("crickets", ["cricket", "insects", "chirping crickets", "cicadas"]),
    "fountain": ("fountain", ["water fountain", "splashing water", "fountain water"]),
    "harbor": ("harbour", ["harbor", "port", "quay", "boats", "boat engine", "docks"]),  # boat engine, gulls
    "vinyl_crackle": ("vinyl crackle", ["vinyl", "record crackle", "vinyl hiss", "crackle", "record noise"]),
    "thunder": ("thunder", ["thunderclap", "thunder rumble", "rumble of thunder", "thunderstorm"]),
    "glass_break": ("glass break", ["glass breaking", "breaking glass", "shattering glass", "smashing glass"]),
    "door": ("door", ["door closing", "door slam", "door shutting", "closing door"]),
    "car_engine": ("car engine", ["engine", "engine starting", "motor", "car starting", "revving", "race car"]),
    "train": ("train", ["trains", "railway", "train passing", "locomotive"]),
    "helicopter": ("helicopter", ["chopper", "rotor", "helicopter flying"]),
    "organ": ("organ", ["church organ", "pipe organ", "organ music"]),
    "piano": ("piano", ["piano music", "keys", "grand piano"]),
    "guitar": ("guitar", ["acoustic guitar", "guitar strumming", "strumming"]),
    "coins": ("coins", ["coin", "money", "change", "jingling coins"]),
    "cash_register": ("cash register", ["till", "register", "checkout", "cash till"]),
    "crow": ("crow", ["crows", "caw", "cawing", "raven"]),
}


def _metadata(dev: Path, rel: str) -> dict[str, str]:
    folder = rel.split("/", 1)[0]
    with open(dev / folder / "metadata.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["path"] == rel:
                return row
    raise SystemExit(f"error: {rel} is not listed in {folder}/metadata.csv")


def check_licence(licence: str, rel: str) -> str:
    if not any(licence.strip().upper().startswith(a.upper()) for a in ALLOWED_LICENCES):
        raise SystemExit(f"error: {rel} has licence {licence!r}, not one of {ALLOWED_LICENCES}")
    return licence


def build_scene_bank(dev: Path, out: Path, sr: int, tools) -> list[str]:
    """Write every cut, ``labels.json`` and ``CREDITS.md`` to ``out``; returns the credit rows. ``tools`` is
    the build script module (its ``load_audio``, ``write_flac``, ``trim_active``, ``fade``, ``peak_normalise``,
    ``make_loopable``, ``credit_row``, ``write_text_atomic``, ``MIN_FOREGROUND_S``)."""
    for sub in ("foreground", "background"):
        shutil.rmtree(out / sub, ignore_errors=True)
    rows, roles, counters = [], {}, {}
    for cut in CUTS:
        meta = _metadata(dev, cut.path)
        licence = check_licence(meta["licence"], cut.path)
        audio = tools.load_audio(dev / cut.path).to_mono()
        end_s = min(cut.end_s if cut.end_s is not None else audio.duration_s, audio.duration_s)
        if cut.role == "foreground":
            end_s = min(end_s, cut.start_s + MAX_FOREGROUND_S)
        audio = audio.slice_s(cut.start_s, end_s)
        x = np.asarray(audio.resample(sr).samples[0], np.float64)
        steps = [f"cut {cut.start_s:.2f}-{end_s:.2f} s", "mixed to mono",
                 f"resampled {audio.sample_rate_hz} -> {sr} Hz"]
        if cut.role == "background":
            xfade = int(LOOP_XFADE_S * sr)
            if len(x) < int(BACKGROUND_S * sr) + xfade:
                from audioedit.audio import Audio
                from audioedit.bank import loop_to

                x = np.asarray(loop_to(Audio(x, sr), BACKGROUND_S + 2 * LOOP_XFADE_S, LOOP_XFADE_S).samples[0], np.float64)
                steps.append(f"repeated with {LOOP_XFADE_S} s crossfades to {BACKGROUND_S:g} s")
            x = tools.make_loopable(x, int(BACKGROUND_S * sr), xfade)
            steps.append(f"made loopable ({LOOP_XFADE_S} s crossfade of the end into the start)")
        else:
            x = tools.fade(tools.trim_active(x, sr), sr)
            steps.append("trimmed to the active part, 10 ms fades")
            if len(x) < int(tools.MIN_FOREGROUND_S * sr):
                x = np.pad(x, (0, int(tools.MIN_FOREGROUND_S * sr) - len(x)))
                steps.append(f"padded with silence to {tools.MIN_FOREGROUND_S:g} s")
        steps.append("peak-normalised to -3 dBFS")
        counters[cut.label] = counters.get(cut.label, 0) + 1
        rel = f"{cut.role}/{cut.label}/{cut.label}_real_scene_{counters[cut.label]:02d}.flac"
        tools.write_flac(out / rel, tools.peak_normalise(x))
        rows.append(tools.credit_row(rel, f"{meta['source']} (`{cut.path}`)", meta["credit"], licence,
                                     meta.get("url", "") or "see source", ", ".join(steps)))
        roles[cut.label] = cut.role
    labels = {lb: {"role": roles[lb], "name": name, "synonyms": syn, "synthetic": False}
              for lb, (name, syn) in LABELS.items() if lb in roles}
    tools.write_text_atomic(out / "labels.json", json.dumps(labels, indent=2) + "\n")
    tools.write_text_atomic(out / "CREDITS.md", "\n".join(CREDITS_HEAD + rows) + "\n")
    return rows


CREDITS_HEAD = [
    "# Scene sounds of the starter bank: credits",
    "",
    "Generated by `scripts/build_starter_bank.py` (via `scripts/bank_scene_cuts.py`; deterministic). Every",
    "file is a real recording from a permissively licensed item of the development data, used under the",
    "licence in its row (read per file from the source folder's `metadata.csv`): CC0, CC-BY-3.0, CC-BY-SA-3.0",
    "or GPL-2/GPL-3. CC-BY-SA and GPL files keep those licences; the authors are credited as the sources list",
    "them (ufoai and gcompris list authors per licence group, not per file).",
    "",
    "| file | source | author | licence | URL | what was done to it |",
    "| --- | --- | --- | --- | --- | --- |",
]
