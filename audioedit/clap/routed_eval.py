"""Detection routed between two CLAPs, measured (reports/clap-broad amendment 7).

    python -m audioedit.clap.routed_eval --broad runs/export-broad5-ls [--json out.json]

Detection (``audioedit.agents.detect``) asks the shipped CLAP about the vocabulary entries it was trained
on and the broad tower about the others, each with its own calibrated settings (its ``grounding.json``,
as the product uses them). On the open-set test of ``audioedit.clap.open_set_eval`` (ESC-50 fold-5 events
over held-out Moodist beds, one query per scene, absent in a quarter; seed 0) and on the 12 real Scaper
soundscapes this prints event F1 and false alarms of the shipped CLAP alone, the broad tower alone, the
routed pair, and the pair with the broad tower also asked when the shipped CLAP finds nothing (amendment 9).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from audioedit.clap.base import ClapModel
from audioedit.clap.grounding import GroundingConfig, curve_to_events, event_f1, f1_from_counts, score_curve
from audioedit.clap.grounding import window_embeddings
from audioedit.clap.open_set import OpenSetCounts, open_set_scenes, score_scenes

SYSTEMS = ("shipped", "broad", "routed", "fallback")


def product_settings(model: ClapModel) -> GroundingConfig:
    """The grounding settings ``ground`` uses for ``model`` (its calibrated ``grounding``)."""
    return GroundingConfig(**{k: v for k, v in (model.grounding or {}).items() if k in GroundingConfig.model_fields})


def pick(system: str, known: bool, shipped: list, broad: list) -> list:
    """The events ``system`` reports for one query: the shipped CLAP's or the broad tower's; "routed" asks the
    shipped CLAP about the sounds it was trained on (``known``), "fallback" also asks the broad tower when the
    shipped CLAP found none of them (amendment 9)."""
    if system == "broad" or (system != "shipped" and not known):
        return broad
    return broad if system == "fallback" and not shipped else shipped


def open_set_counts(shipped: ClapModel, broad: ClapModel, scenes: list, key_of_query: dict[str, str],
                    known: frozenset[str]) -> dict[str, OpenSetCounts]:
    """Counts of each of ``SYSTEMS`` on the same scenes."""
    found = {}
    for name, m in {"shipped": shipped, "broad": broad}.items():
        cfg = product_settings(m)
        scored = score_scenes(m, scenes, cfg.window_s, cfg.hop_s, cfg.reference_prompts)
        found[name] = [curve_to_events(sc[:, 0], c, s.query, cfg, s.audio.duration_s) for s, (c, sc) in zip(scenes, scored)]
    out = {}
    for system in SYSTEMS:
        tp = n_ref = n_est = alarms = 0
        for i, scene in enumerate(scenes):
            events = pick(system, key_of_query[scene.query] in known, found["shipped"][i], found["broad"][i])
            a, b, c = event_f1(scene.events, events)
            tp, n_ref, n_est, alarms = tp + a, n_ref + b, n_est + c, alarms + (not scene.present and bool(events))
        out[system] = OpenSetCounts(tp=tp, n_reference=n_ref, n_estimated=n_est, false_alarms=alarms,
                                    n_absent=sum(not s.present for s in scenes))
    return out


def scaper_counts(shipped: ClapModel, broad: ClapModel, data_root: str | Path, known: frozenset[str]
                  ) -> dict[str, tuple[int, int, int]]:
    """``(tp, n_reference, n_estimated)`` on the real Scaper soundscapes for each system."""
    from audioedit.clap.grounding_eval import SCAPER_QUERIES, scaper_scenes

    key_of = {name: key for key, name in SCAPER_QUERIES.items()}
    models = {"shipped": shipped, "broad": broad}
    cfgs = {name: product_settings(m) for name, m in models.items()}
    totals = {name: [0, 0, 0] for name in SYSTEMS}
    for audio, events, queries in scaper_scenes(data_root):
        detected = {}
        for name, m in models.items():
            centres, emb = window_embeddings(m, audio, cfgs[name].window_s, cfgs[name].hop_s)
            scores = score_curve(m, emb, queries, cfgs[name].reference_prompts)
            detected[name] = {q: curve_to_events(scores[:, j], centres, q, cfgs[name], audio.duration_s,
                                                 id_prefix=f"{name}{j}_") for j, q in enumerate(queries)}
        for name in SYSTEMS:
            found = [e for q in queries for e in pick(name, key_of[q] in known, detected["shipped"][q], detected["broad"][q])]
            totals[name] = [t + c for t, c in zip(totals[name], event_f1(events, found))]
    return {name: tuple(v) for name, v in totals.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--broad", required=True, help="the broad tower's export (with its open-set grounding.json)")
    parser.add_argument("--data-root", default=None, help="default $AUDIOEDIT_DATA_ROOT, else ../shared/data/dev")
    parser.add_argument("--cache-dir", default="runs/clap/cache")
    parser.add_argument("--n-test", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    import torch

    from audioedit.clap import trained_classes
    from audioedit.clap.captions import sound_class
    from audioedit.clap.data import AudioCache
    from audioedit.clap.esc50_eval import fold5_records
    from audioedit.clap.evaluate import load_heldout
    from audioedit.clap.open_set_eval import split_records
    from audioedit.clap.small import SHIPPED_DIR, SmallClap
    from audioedit.paths import data_root

    torch.set_num_threads(1)
    root = data_root(args.data_root)
    shipped = SmallClap.from_config({"checkpoint": str(SHIPPED_DIR)})
    broad = SmallClap.from_config({"checkpoint": args.broad})
    known = trained_classes(SHIPPED_DIR) or frozenset()
    _, held = load_heldout(args.broad, root, [SHIPPED_DIR.parent / "bank"])
    _, beds = split_records(held, root)
    fold5 = [r for r, _ in fold5_records(root)]
    key_of_query = {sound_class(r.class_key).name: r.class_key for r in fold5}
    scenes = open_set_scenes(fold5, beds, AudioCache(shipped.sample_rate_hz, args.cache_dir), args.n_test,
                             seed=args.seed)
    counts = open_set_counts(shipped, broad, scenes, key_of_query, known)
    scaper = scaper_counts(shipped, broad, root, known)
    n_mine = sum(key_of_query[s.query] in known for s in scenes)
    print(f"detection routed by trained class: the shipped CLAP answers {n_mine} of {len(scenes)} open-set queries, "  # noqa: T201
          f"{args.broad} the rest")
    rows = {}
    for name in SYSTEMS:
        c, (tp, n_ref, n_est) = counts[name], scaper[name]
        rows[name] = {"open_set_f1": c.f1, "open_set_false_alarm": c.false_alarm_rate, "open_set": c.model_dump(),
                      "scaper_f1": f1_from_counts(tp, n_ref, n_est), "scaper": [tp, n_ref, n_est]}
        print(f"{name:8s} open-set F1 {c.f1:.3f} (tp {c.tp} of {c.n_reference}, {c.n_estimated} detected), false "  # noqa: T201
              f"alarms {c.false_alarm_rate:.1%} of {c.n_absent} absent; Scaper F1 {rows[name]['scaper_f1']:.3f} "
              f"(tp {tp} of {n_ref}, {n_est} detected)")
    if args.json:
        Path(args.json).write_text(json.dumps({"broad": args.broad, "n_test": len(scenes), "seed": args.seed,
                                               "systems": rows}, indent=1),
                                   encoding="utf-8")


if __name__ == "__main__":
    main()
