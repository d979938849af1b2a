#!/usr/bin/env bash
# The measurements of reports/clap-broad, in order (one thread each; run from the repo root).
# Usage: bash reports/clap-broad/run_evals.sh broad|permissive|pair|shipped
set -euo pipefail
export OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=${PY:-python}
OUT=reports/clap-broad
case "$1" in
  broad|permissive)
    RUN=runs/clap-$([ "$1" = broad ] && echo broad || echo broad-permissive)
    EXP=runs/export-$1
    $PY -m audioedit.clap.export --run "$RUN" --out "$EXP" --data-root ../shared/data/dev > "$OUT/$1-export.txt"
    $PY -m audioedit.clap.esc50_eval --checkpoint "$EXP" --json "$OUT/$1-esc50.json" > "$OUT/$1-esc50.txt"
    $PY -m audioedit.clap.open_set_eval --checkpoint "$EXP" --json "$OUT/$1-open-set.json" --write > "$OUT/$1-open-set.txt"
    ;;
  pair)  # candidate B: the broad aiSFX tower joined with the shipped CNN tower
    $PY -m audioedit.clap.export --members runs/export-broad audioedit/assets/clap_small/cnn --first-members-split \
        --out runs/export-pair --data-root ../shared/data/dev > "$OUT/pair-export.txt"
    $PY -m audioedit.clap.esc50_eval --checkpoint runs/export-pair --json "$OUT/pair-esc50.json" > "$OUT/pair-esc50.txt"
    $PY -m audioedit.clap.esc50_eval --checkpoint runs/export-pair --unheard-only --json "$OUT/pair-esc50-unheard.json" \
        > "$OUT/pair-esc50-unheard.txt"
    $PY -m audioedit.clap.open_set_eval --checkpoint runs/export-pair --json "$OUT/pair-open-set.json" --write \
        > "$OUT/pair-open-set.txt"
    ;;
  shipped)  # the shipped two-tower CLAP on the same tests (it heard the fold-5 crying-baby clips)
    $PY -m audioedit.clap.esc50_eval --checkpoint audioedit/assets/clap_small --json "$OUT/shipped-esc50.json" > "$OUT/shipped-esc50.txt"
    ;;
esac
