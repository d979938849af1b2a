"""Paired editing data: sound banks, Scaper scenes with stems, examples for the six ops and
declarative multi-step requests, JSON Lines manifests, local / Ray scale-out.

    >>> from audioedit.synth import synth_pairs, synth_benchmark
    >>> summary = synth_pairs("starter", "all", n=60, out_dir="data/pairs", seed=0, workers=2)  # doctest: +SKIP
    >>> synth_benchmark("starter", "data/bench-v1", version="v1")                              # doctest: +SKIP

Modules: ``banks`` (bank adapters), ``scenes`` (Scaper soundscapes), ``pairs`` (one example per
op), ``declarative`` (SmartDJ-style requests), ``templates`` (instruction phrasing),
``manifest`` (records, seeds, resume), ``run`` (datasets). CLI: ``audioedit synth pairs|benchmark``,
``audioedit bench synth``.
"""

from audioedit.synth.banks import SynthBank, dev_corpus_bank, open_bank
from audioedit.synth.pairs import PairOptions
from audioedit.synth.run import BENCHMARKS, SynthSummary, measure_throughput, synth_benchmark, synth_pairs
from audioedit.synth.scenes import SceneSpec

__all__ = [
    "BENCHMARKS", "PairOptions", "SceneSpec", "SynthBank", "SynthSummary", "dev_corpus_bank",
    "measure_throughput", "open_bank", "synth_benchmark", "synth_pairs",
]
