"""Regenerate the starter sound bank ``audioedit/assets/bank/`` deterministically.

Layout (Scaper's): ``foreground/<label>/*.flac`` and ``background/<label>/*.flac`` (22050 Hz mono,
16-bit FLAC, peak -3 dBFS), plus ``labels.json`` (role, name, synonyms, synthetic per label) and
``CREDITS.md`` (source, author, licence, URL and processing per file).

Real recordings come only from permissively licensed items of the development data
(CC-BY / public domain, each checked against its credit file); every other class is made by
``audioedit.procedural`` with fixed seeds and is labelled synthetic.

    .venv/bin/python scripts/build_starter_bank.py [DEV_DATA]   # default: ../shared/data/dev
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

from audioedit.audio import load_audio, write_text_atomic
from audioedit.procedural import BACKGROUND_LABELS, LOOP_CROSSFADE_S, generate, make_loopable, peak_normalise

REPO = Path(__file__).resolve().parents[1]
SR = 22050
BACKGROUND_S = 12.0
MIN_FOREGROUND_S = 0.5
MAX_BANK_BYTES = 8 * 1024 * 1024

LIBRI_URL = "https://www.openslr.org/12/"
CC_BY_4 = "CC-BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"
SPEECH_COMMANDS = dict(
    source="Google Speech Commands dataset v0.02, _background_noise_ folder",
    author="Google (Pete Warden et al.)",
    licence=CC_BY_4 + " as stated in the dataset release and in the dev-data README (no per-file credit file)",
    url="https://arxiv.org/abs/1804.03209",
)


@dataclass(frozen=True)
class RealCut:
    """One clip cut from a permissively licensed recording (times in seconds of the source)."""

    label: str
    role: str
    path: str  # relative to the dev-data folder
    start_s: float
    end_s: float
    source: str
    author: str
    licence: str
    url: str
    highpass_hz: float = 0.0
    snap_end_s: float = 0.0  # move the end to the quietest 50 ms within this many seconds before it (speech)


def _libri(label_path: str, start_s: float, end_s: float, title: str, reader: str) -> RealCut:
    return RealCut("speech", "foreground", label_path, start_s, end_s, f"LibriSpeech SLR12: {title}", reader,
                   CC_BY_4, LIBRI_URL, snap_end_s=1.5)


ROBIN = "librosa_data/456440__inspectorj__bird-whistling-robin-single-13.hq.ogg"
ROBIN_CREDIT = dict(source="Bird Whistling, Robin, Single, 13.wav (freesound 456440, via librosa's example data)",
                    author="InspectorJ", licence="CC-BY 3.0 (https://creativecommons.org/licenses/by/3.0/)",
                    url="https://freesound.org/people/InspectorJ/sounds/456440/")
CAT = "speechcommands_bg/dude_miaowing.wav"
WHALE_CREDIT = dict(source="Glacier Bay 60-second clip humpback whale song, November 2020 (via librosa's example data)",
                    author="NPS - Chris Gabriele", licence="Public domain (https://www.nps.gov/aboutus/disclaimer.htm)",
                    url="https://www.nps.gov/glba/learn/nature/soundclips.htm")
WHALE = "librosa_data/glacier-bay-humpback.hq.ogg"

BRAHMS = "librosa_data/Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).hq.ogg"
BRAHMS_CREDIT = dict(source="Hungarian Dance number 5 by Johannes Brahms, US Army Strings (Musopen, via librosa's "
                     "example data)", author="US Army Strings", licence="Public Domain "
                     "(https://creativecommons.org/publicdomain/mark/1.0/)",
                     url="https://musopen.org/music/43805-hungarian-dance-no-5-in-f-sharp-minor-woo-1-string-orchestra-arr/")
VIBE_ACE = "librosa_data/Kevin_MacLeod_-_Vibe_Ace.hq.ogg"
VIBE_ACE_CREDIT = dict(source="Vibe Ace (Free Music Archive, via librosa's example data)", author="Kevin MacLeod",
                       licence="CC-BY 3.0 (https://creativecommons.org/licenses/by/3.0/)",
                       url="https://freemusicarchive.org/music/Kevin_MacLeod/Jazz_Sampler/Vibe_Ace")

REAL_CUTS = [
    RealCut("bird", "foreground", ROBIN, 0.1, 1.25, **ROBIN_CREDIT, highpass_hz=1500),
    RealCut("bird", "foreground", ROBIN, 1.25, 2.7, **ROBIN_CREDIT, highpass_hz=1500),
    _libri("librosa_data/198-209-0000.hq.ogg", 0.0, 4.6, "Sense and Sensibility, ch. 18 (Jane Austen)",
           "Heather Barnett"),
    _libri("librosa_data/3436-172162-0000.hq.ogg", 0.0, 4.6, "The Age of Chivalry, ch. 18: Perceval",
           "Anders Lankford"),
    _libri("librosa_data/5703-47212-0000.hq.ogg", 0.0, 4.2, "Ashiel Mystery - A Detective Story, ch. 2",
           "Garth Comira"),
    RealCut("speech", "foreground", "misc_small_real/audiomentations/speech_p286_011.wav", 0.0, 4.0,
            "Noisy speech database for training speech enhancement algorithms and TTS models (VCTK-based), "
            "p286_011.wav (via audiomentations' demo data)",
            "University of Edinburgh, Centre for Speech Technology Research (CSTR)", CC_BY_4,
            "https://datashare.ed.ac.uk/handle/10283/2791", snap_end_s=1.5),
    *[RealCut("cat", "foreground", CAT, a, b, **SPEECH_COMMANDS, highpass_hz=300)
      for a, b in [(2.8, 3.9), (40.0, 41.0), (41.4, 42.3), (44.2, 45.2), (51.0, 51.9)]],
    *[RealCut("whale", "foreground", WHALE, a, a + 5.0, **WHALE_CREDIT, highpass_hz=150) for a in (2.0, 24.0)],
    RealCut("music", "background", BRAHMS, 20.0, 20.0 + BACKGROUND_S + LOOP_CROSSFADE_S, **BRAHMS_CREDIT),
    RealCut("music", "background", VIBE_ACE, 10.0, 10.0 + BACKGROUND_S + LOOP_CROSSFADE_S, **VIBE_ACE_CREDIT),
    *[RealCut("running_water", "background", "speechcommands_bg/running_tap.wav", a, a + BACKGROUND_S + LOOP_CROSSFADE_S,
              **SPEECH_COMMANDS) for a in (2.0, 30.0)],
    *[RealCut("dishes", "background", "speechcommands_bg/doing_the_dishes.wav", a, a + BACKGROUND_S + LOOP_CROSSFADE_S,
              **SPEECH_COMMANDS) for a in (5.0, 50.0)],
]

# label -> (number of clips, duration_s of the generated clip before trimming)
PROCEDURAL_CLIPS = {
    "bird": (2, 2.5), "dog_bark": (4, 1.6), "car_horn": (4, 1.2), "siren": (4, 4.5), "door_knock": (4, 1.4),
    "footsteps": (3, 3.0), "bell": (4, 3.0), "phone_ring": (3, 4.0),
    "traffic": (2, BACKGROUND_S), "rain": (2, BACKGROUND_S), "wind": (2, BACKGROUND_S),
    "sea_waves": (2, 20.0),  # a wave every 6-11 s: a 12 s loop would repeat one or two
}
# a label's seeds: 1000 * (its place here + 1) + clip index; labels added later go at the end, so every clip
# already shipped keeps its seed
SEED_ORDER = ("bell", "bird", "car_horn", "dog_bark", "door_knock", "footsteps", "phone_ring", "rain", "siren",
              "traffic", "wind", "sea_waves")

LABELS = {
    "bird": ("bird", ["birds", "birdsong", "bird song", "robin", "songbird", "chirp", "chirping", "tweet", "tweeting",
                      "birds chirping", "birds singing"]),
    "speech": ("speech", ["talking", "voice", "voices", "speaking", "person speaking", "man speaking",
                          "woman speaking", "people talking", "conversation", "narration", "spoken words"]),
    "dog_bark": ("dog bark", ["dog", "dogs", "bark", "barking", "dog barking", "puppy", "woof"]),
    "cat": ("cat", ["cats", "meow", "meowing", "miaow", "miaowing", "kitten", "cat meowing"]),
    "car_horn": ("car horn", ["horn", "honk", "honking", "car honking", "car horn honking", "hooter"]),
    "siren": ("siren", ["sirens", "ambulance", "police siren", "fire engine", "emergency siren", "police car"]),
    "door_knock": ("door knock", ["knock", "knocking", "knock on the door", "knocking on a door", "door knocking"]),
    "footsteps": ("footsteps", ["footstep", "steps", "walking", "feet", "people walking", "someone walking"]),
    "bell": ("bell", ["bells", "church bell", "bell ringing", "ringing bell", "chime", "chimes", "ding"]),
    "phone_ring": ("phone ring", ["phone", "telephone", "ringing phone", "phone ringing", "ringtone",
                                  "telephone ringing"]),
    "whale": ("whale song", ["whale", "whales", "humpback", "humpback whale", "whale call"]),
    "traffic": ("traffic", ["cars", "car", "street", "road", "road noise", "vehicles", "city traffic", "street noise",
                            "passing cars"]),
    "rain": ("rain", ["rainfall", "raining", "rainstorm", "drizzle", "downpour", "raindrops", "rain drops"]),
    "wind": ("wind", ["windy", "wind blowing", "breeze", "gust", "gusts", "gusty wind"]),
    "running_water": ("running water", ["water", "tap", "faucet", "running tap", "water running", "stream",
                                        "tap water"]),
    "music": ("music", ["song", "songs", "background music", "melody", "tune", "band", "orchestra", "radio"]),
    "sea_waves": ("sea waves", ["waves", "ocean waves", "sea", "the sea", "ocean", "surf", "breaking waves",
                                "crashing waves", "waves crashing", "seashore", "shore"]),
    "dishes": ("dishes", ["washing dishes", "doing the dishes", "washing up", "clattering dishes", "plates",
                          "cutlery", "kitchen sounds"]),
}


def trim_active(x: np.ndarray, sr: int, threshold_db: float = -35.0, pad_s: float = 0.05) -> np.ndarray:
    """Cut 1-D ``x`` to the span whose 20 ms frame RMS is within ``threshold_db`` of the loudest frame."""
    hop = int(0.02 * sr)
    frames = len(x) // hop
    rms = np.sqrt(np.mean(x[: frames * hop].reshape(frames, hop) ** 2, axis=1) + 1e-12)
    active = np.flatnonzero(20 * np.log10(rms / rms.max()) > threshold_db)
    start = max(active[0] * hop - int(pad_s * sr), 0)
    end = min((active[-1] + 1) * hop + int(pad_s * sr), len(x))
    return x[start:end]


def quietest_frame_end(x: np.ndarray, sr: int, search_s: float) -> int:
    """The sample index ending the quietest 50 ms frame within the last ``search_s`` of 1-D ``x``."""
    hop = int(0.05 * sr)
    first = max(len(x) - int(search_s * sr), 0)
    starts = np.arange(first, len(x) - hop, hop // 2)
    energy = [np.mean(x[s : s + hop] ** 2) for s in starts]
    return int(starts[int(np.argmin(energy))] + hop // 2)


def fade(x: np.ndarray, sr: int, fade_s: float = 0.01) -> np.ndarray:
    n = min(int(fade_s * sr), len(x) // 4)
    x = x.copy()
    x[:n] *= np.linspace(0, 1, n)
    x[len(x) - n :] *= np.linspace(1, 0, n)
    return x


def write_flac(path: Path, x: np.ndarray) -> None:
    """16-bit mono FLAC at ``SR`` (smaller than the 24-bit ``save_audio`` default)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), x.astype(np.float32), SR, format="FLAC", subtype="PCM_16")


def build_real(cut: RealCut, dev: Path) -> tuple[np.ndarray, str]:
    audio = load_audio(dev / cut.path).to_mono().slice_s(cut.start_s, cut.end_s)
    resampled = audio.sample_rate_hz != SR
    x = np.asarray(audio.resample(SR).samples[0], np.float64)
    steps = [f"cut {cut.start_s:.2f}-{cut.end_s:.2f} s", "mixed to mono"] + (
        [f"resampled {audio.sample_rate_hz} -> {SR} Hz"] if resampled else [])
    if cut.highpass_hz:
        x = signal.sosfiltfilt(signal.butter(4, cut.highpass_hz, "highpass", fs=SR, output="sos"), x)
        steps.append(f"high-passed at {cut.highpass_hz:.0f} Hz")
    if cut.role == "background":
        x = make_loopable(x, int(BACKGROUND_S * SR), int(LOOP_CROSSFADE_S * SR))
        steps.append(f"made loopable ({LOOP_CROSSFADE_S} s crossfade of the end into the start)")
    else:
        if cut.snap_end_s:
            x = x[: quietest_frame_end(x, SR, cut.snap_end_s)]
            steps.append("ended at a pause")
        x = fade(trim_active(x, SR), SR)
        steps.append("trimmed to the active part, 10 ms fades")
    steps.append("peak-normalised to -3 dBFS")
    return peak_normalise(x), ", ".join(steps)


def build_procedural(label: str, index: int, duration_s: float) -> tuple[np.ndarray, int]:
    seed = 1000 * (SEED_ORDER.index(label) + 1) + index
    x = np.asarray(generate(label, duration_s, SR, np.random.default_rng(seed)).samples[0], np.float64)
    if label not in BACKGROUND_LABELS:
        x = fade(trim_active(x, SR, threshold_db=-45.0), SR, 0.005)
        x = np.pad(x, (0, max(0, int(MIN_FOREGROUND_S * SR) - len(x))))  # a short knock keeps 0.5 s with its silence
    return peak_normalise(x), seed


def credit_row(rel: str, source: str, author: str, licence: str, url: str, processing: str) -> str:
    cells = [f"`{rel}`", source, author, licence, url, processing]
    return "| " + " | ".join(c.replace("|", "/") for c in cells) + " |"


def build(dev: Path, out: Path) -> list[str]:
    """Write the bank to ``out`` (replacing its foreground/, background/, labels.json, CREDITS.md)."""
    for sub in ("foreground", "background"):
        shutil.rmtree(out / sub, ignore_errors=True)
    rows: list[str] = []
    real_labels: set[str] = set()
    roles: dict[str, str] = {}
    counters: dict[str, int] = {}
    for cut in REAL_CUTS:
        x, processing = build_real(cut, dev)
        counters[cut.label] = counters.get(cut.label, 0) + 1
        rel = f"{cut.role}/{cut.label}/{cut.label}_real_{counters[cut.label]:02d}.flac"
        write_flac(out / rel, x)
        rows.append(credit_row(rel, f"{cut.source} (`{cut.path}`)", cut.author, cut.licence, cut.url, processing))
        real_labels.add(cut.label)
        roles[cut.label] = cut.role
    for label, (count, duration_s) in PROCEDURAL_CLIPS.items():
        role = "background" if label in BACKGROUND_LABELS else "foreground"
        roles[label] = role
        for i in range(count):
            x, seed = build_procedural(label, i, duration_s)
            rel = f"{role}/{label}/{label}_synthetic_{i + 1:02d}.flac"
            write_flac(out / rel, x)
            rows.append(credit_row(rel, "SYNTHETIC: audioedit.procedural.generate", "audioedit project",
                                   "Apache-2.0 (project code output)", "-",
                                   f"generated with label {label!r}, {duration_s} s, seed {seed}, {SR} Hz; "
                                   + ("loopable; " if role == "background" else "trimmed to the active part; ")
                                   + "peak-normalised to -3 dBFS"))
    labels = {
        label: {"role": roles[label], "name": name, "synonyms": synonyms, "synthetic": label not in real_labels}
        for label, (name, synonyms) in LABELS.items()
    }
    write_text_atomic(out / "labels.json", json.dumps(labels, indent=2) + "\n")
    write_text_atomic(out / "CREDITS.md", credits_text(rows))
    return rows


def credits_text(rows: list[str]) -> str:
    header = [
        "# Starter sound bank: credits",
        "",
        "Generated by `scripts/build_starter_bank.py` (deterministic; rerun it to regenerate). Every recording",
        "below is used under its permissive licence (CC-BY or public domain) and was modified as listed;",
        "files named `*_synthetic_*` are **synthetic**, made by the project's procedural generators",
        "(`audioedit/procedural.py`), not recordings of the real thing.",
        "",
        "| file | source | author | licence | URL | what was done to it |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    return "\n".join(header + rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev_data", nargs="?", default=str(REPO / ".." / "shared" / "data" / "dev"),
                        help="the development data folder (default: ../shared/data/dev beside the repo)")
    parser.add_argument("--out", default=str(REPO / "audioedit" / "assets" / "bank"), help="bank folder to write")
    args = parser.parse_args(argv)
    dev = Path(args.dev_data).resolve()
    if not dev.is_dir():
        print(f"error: dev data folder {str(dev)!r} does not exist; pass its path (the folder holding "
              "librosa_data/, speechcommands_bg/ and misc_small_real/)", file=sys.stderr)
        return 2
    missing = sorted({c.path for c in REAL_CUTS if not (dev / c.path).is_file()})
    if missing:
        print(f"error: dev data folder {str(dev)!r} lacks {len(missing)} source file(s): {', '.join(missing)}; "
              "pass the folder holding librosa_data/, speechcommands_bg/ and misc_small_real/", file=sys.stderr)
        return 2
    out = Path(args.out)
    rows = build(dev, out)
    import bank_scene_cuts  # the scene sounds, in their own folder (scripts/bank_scene_cuts.py)

    scenes = out.parent / "bank_scenes"
    scene_rows = bank_scene_cuts.build_scene_bank(dev, scenes, SR, sys.modules[__name__])
    scene_bytes = sum(p.stat().st_size for p in scenes.rglob("*") if p.is_file())
    print(f"wrote {len(scene_rows)} scene clips to {scenes} ({scene_bytes / 1e6:.2f} MB)")
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {len(rows)} clips to {out} ({total / 1e6:.2f} MB)")
    if total > MAX_BANK_BYTES:
        print(f"error: bank is {total} bytes, over the {MAX_BANK_BYTES} byte budget", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
