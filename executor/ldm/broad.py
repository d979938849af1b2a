"""The broad training corpus of the editor: every labelled folder of the dev corpus, in memory.

``load_broad_corpus(cfg, split)`` returns an ``audioedit.executor.ldm.data.Corpus`` holding

- the urban corpus of ``data._file_corpus`` (UrbanSound8K subset, Speech Commands backgrounds,
  the starter bank), unchanged;
- foreground events of ``esc50_16k`` (folds 1-4 only: fold 5 is the project's held-out test and is
  never loaded, for training or for the editor's own held-out pairs), ``gcompris``,
  ``ufoai_foley``, ``kitchen20``, ``sonicpi``, ``ovos_animals_cc0`` and the small real clips of
  ``misc_small_real`` / ``librosa_data``;
- backgrounds (that can also be targets): ``moodist_ambience``, the ``background`` rows of
  ``gcompris`` / ``ufoai_foley`` / ``misc_small_real`` / ``librosa_data``;
- speech (label ``speech``, grouped by speaker): ``ktuberling_speech`` (one group per language),
  the CMU ARCTIC / VCTK clips of ``misc_small_real``, the LibriSpeech utterances of
  ``librosa_data``, the starter bank's speech. Each clip's median F0 is measured
  (``audioedit.executor.ldm.speakers``) so instructions can name "the male speaker with low pitch".

Names: the CLAP vocabulary (``audioedit/clap/vocabulary.json``: name, synonyms, captions; never its
``eval_paraphrases``) where it maps the folder's label, else the label with ``_`` as spaces.
Held-out split: by source recording (the Freesound id of ESC-50 / Kitchen20 clips, the speaker +
file of speech, else the file), with ``data.heldout``'s hash.
"""

from __future__ import annotations

import csv
import logging
import re
from pathlib import Path

from audioedit.executor.ldm.config import DataConfig
from audioedit.executor.ldm.data import Clip, Corpus, _file_corpus, _load, heldout_key
from audioedit.paths import data_root

log = logging.getLogger(__name__)

# (folder, row role in index.csv) -> corpus role; anything not listed is not loaded
ROLES = {
    ("esc50_16k", "foreground"): "foreground", ("gcompris", "foreground"): "foreground",
    ("gcompris", "background"): "background", ("ufoai_foley", "foreground"): "foreground",
    ("ufoai_foley", "background"): "background", ("kitchen20", "foreground"): "foreground",
    ("sonicpi", "foreground"): "foreground", ("ovos_animals_cc0", "foreground"): "foreground",
    ("moodist_ambience", "background"): "background", ("ktuberling_speech", "speech"): "speech",
    ("misc_small_real", "foreground_speech"): "speech", ("misc_small_real", "background"): "background",
    ("librosa_data", "foreground_speech"): "speech", ("librosa_data", "foreground"): "foreground",
    ("librosa_data", "background"): "background",
}
# the project's test material: never loaded by the editor (train or its own held-out pairs)
TEST_SPLITS = {"esc50_16k": {"5"}}
BROAD_FOLDERS = sorted({folder for folder, _ in ROLES})
MAX_CLIP_S = 40.0  # long ambiences are cut to this (memory)
_ARTICLE = re.compile(r"^(a|an|the|some)\s+", re.I)


def _index_label(folder: str, label: str, path: str) -> str:
    """A clean corpus label for an index.csv row (``librosa_data`` / ``misc_small_real`` describe files)."""
    if folder == "librosa_data":
        return {"bird_chirp (robin)": "bird", "dog_howling (in sleep)": "dog_howling",
                "humpback_whale_song (underwater)": "whale"}.get(label, re.sub(r"\W+", "_", label).strip("_"))
    if folder == "misc_small_real":
        return {"hens": "chickens", "cafe_short": "cafe"}.get(label, label)
    return label


def names_for(folder: str, label: str) -> list[str]:
    """What an instruction may call the sound ``label`` of ``folder`` (see module doc)."""
    from audioedit.clap.vocabulary import entry, source_key

    key = source_key(folder, label) if folder in _vocab_sources() else None
    if key is None:
        try:
            e = entry(label)
        except KeyError:
            return [label.replace("_", " ")]
    else:
        e = entry(key)
    terms = [e["name"], *e["synonyms"]]
    if e["key"] == "speech":  # the speaker's sex comes from the audio, not from a generic synonym
        terms = [t for t in terms if not re.search(r"\b(man|woman)\b", t)]
    out = [_ARTICLE.sub("", t).strip() for t in terms]
    return list(dict.fromkeys(t for t in out if t))


def captions_for(folder: str, label: str) -> list[str]:
    """The vocabulary's captions of the sound (sentences: "a cow moos in a field"), or none."""
    from audioedit.clap.vocabulary import entry, source_key

    key = source_key(folder, label) if folder in _vocab_sources() else label
    try:
        return list(entry(key or label)["captions"])
    except KeyError:
        return []


def _vocab_sources() -> set[str]:
    from audioedit.clap.vocabulary import table

    return set(table()["sources"])


def recording_id(folder: str, path: str) -> str:
    """The source recording a file comes from (clips of one recording share the held-out split)."""
    p = Path(path)
    stem = p.name.split(".")[0]
    if folder in ("esc50_16k", "kitchen20") and stem.count("-") >= 2:
        return f"{folder}:{stem.split('-')[1]}"  # {fold}-{freesound id}-{take}-{class}
    if folder == "ktuberling_speech":
        return f"{folder}:{p.parent.name}/{stem}"
    return f"{folder}:{stem}"


def speaker_group(folder: str, path: str) -> str:
    """Clips of one speaker (joined into one voice track of a mixture)."""
    p = Path(path)
    if folder == "ktuberling_speech":
        return f"ktuberling:{p.parent.name}"
    m = re.match(r"cmu_arctic_us_([a-z]+)_", p.name)
    if m:
        return f"arctic:{m.group(1)}"
    if re.match(r"\d+-\d+-\d+", p.name):
        return f"librispeech:{p.name.split('-')[0]}"
    return f"{folder}:{p.name.split('.')[0]}"


def _rows(root: Path) -> list[tuple[str, str, str, str]]:
    """(folder, corpus role, label, path) of every index.csv row the broad corpus uses, without
    the test splits (``TEST_SPLITS``, read from each folder's metadata.csv)."""
    splits: dict[str, str] = {}
    for folder in TEST_SPLITS:
        meta = root / folder / "metadata.csv"
        if meta.is_file():
            with meta.open(newline="") as f:
                splits.update({r["path"]: str(r["split"]) for r in csv.DictReader(f)})
    out = []
    with (root / "index.csv").open(newline="") as f:
        for r in csv.DictReader(f):
            role = ROLES.get((r["source"], r["role"]))
            if role is None:
                continue
            if r["source"] in TEST_SPLITS:
                split = splits.get(r["path"])
                if split is None or split in TEST_SPLITS[r["source"]]:
                    continue  # fold 5 (or a file the metadata does not place): never loaded
            out.append((r["source"], role, _index_label(r["source"], r["label"], r["path"]), r["path"]))
    return out


def load_broad_corpus(cfg: DataConfig, want_held: bool) -> Corpus:
    """The broad corpus of one split (see module doc). Needs ``index.csv`` in the dev corpus."""
    from audioedit.executor.ldm.speakers import median_f0_hz

    root = data_root(cfg.dev_root)
    if not (root / "index.csv").is_file():
        raise FileNotFoundError(f"no dev corpus index at {root / 'index.csv'} (the broad editor corpus needs it)")
    try:
        corpus = _file_corpus(cfg, want_held)  # UrbanSound8K, Speech Commands, starter bank
    except FileNotFoundError:  # none of them here: the broad folders alone
        corpus = Corpus()
    for clip in corpus.foreground.get("speech", []):
        clip.group = f"bank:{Path(clip.path).stem}"
    names = {k: list(v) for k, v in corpus.names.items()} | dict(corpus.background_names)
    captions: dict[str, list[str]] = {}
    max_n = int(MAX_CLIP_S * 16_000)
    for folder, role, label, rel in _rows(root):
        if (heldout_key(recording_id(folder, rel), cfg.heldout_fraction)) != want_held:
            continue
        path = root / rel
        try:
            samples = _load(path)[:max_n]
        except Exception as exc:  # a broken file: skip it, say so
            log.warning("skipping unreadable clip %s: %s", path, exc)
            continue
        if len(samples) < 16_000 // 4:
            continue
        label = "speech" if role == "speech" else label
        clip = Clip(label, samples, str(path))
        if role == "background":
            corpus.background.append(clip)
        else:
            corpus.foreground.setdefault(label, []).append(clip)
        if role == "speech":
            clip.group = speaker_group(folder, rel)
        if label not in names:
            names[label] = names_for(folder, label)
            captions[label] = captions_for(folder, label)
    for clip in corpus.foreground.get("speech", []):
        clip.f0_hz = median_f0_hz(clip.samples)
    corpus.names = {k: names.get(k) or [k.replace("_", " ")] for k in corpus.foreground}
    corpus.background_names = {c.label: names.get(c.label) or [c.label.replace("_", " ")] for c in corpus.background}
    corpus.captions = {k: v for k, v in captions.items() if v}
    return corpus


def clip_counts(corpus: Corpus) -> dict[str, int]:
    """Clips per label (foreground and background), for the data card."""
    counts = {k: len(v) for k, v in corpus.foreground.items()}
    for c in corpus.background:
        counts[c.label] = counts.get(c.label, 0) + 1
    return dict(sorted(counts.items()))


def total_seconds(corpus: Corpus) -> float:
    return float(sum(len(c.samples) for v in corpus.foreground.values() for c in v)
                 + sum(len(c.samples) for c in corpus.background)) / 16_000

