"""Regenerate errors.txt: each held-out dev clip that any seed misses, with every seed's answer.

    python reports/clap-seeds/errors.py > reports/clap-seeds/errors.txt   # needs runs/clap-s1, runs/clap-s2
    python reports/clap-seeds/errors.py m1=runs/clap-mod-s1 m2=runs/clap-mod-s2   # other weights: NAME=CHECKPOINT
"""
import sys

import numpy as np

from audioedit.audio import Audio
from audioedit.clap.captions import class_prompts
from audioedit.clap.data import AudioCache
from audioedit.clap.evaluate import eval_items, load_heldout
from audioedit.clap.small import SHIPPED_DIR, SmallClap

SEEDS = dict(arg.split("=", 1) for arg in sys.argv[1:]) or {"s0": "audioedit/assets/clap_small", "s1": "runs/clap-s1", "s2": "runs/clap-s2"}

trained, held = load_heldout(SHIPPED_DIR, "../shared/data/dev", [SHIPPED_DIR.parent / "bank"])
models = {name: SmallClap.from_config({"checkpoint": path}) for name, path in SEEDS.items()}
caches = {m.sample_rate_hz: AudioCache(m.sample_rate_hz, "runs/clap/cache") for m in models.values()}  # each model's rate
prompts = {name: m.embed_text(class_prompts(trained)) for name, m in models.items()}
lines = []
for r in (r for r in held if r.source != "bank" and r.split_kind == "file"):
    windows = {rate: eval_items([r], cache) for rate, cache in caches.items()}
    for i, (_, key) in enumerate(next(iter(windows.values()))):
        answers = {n: trained[int(np.argmax(m.embed_audio([Audio(windows[m.sample_rate_hz][i][0][None], m.sample_rate_hz)])
                                            @ prompts[n].T))] for n, m in models.items()}
        if any(a != key for a in answers.values()):
            salience = "bg" if "background_salience" in r.path else "fg"
            lines.append(f"{key:18s} {salience} {r.path.split('/')[-1][:28]:28s} "
                         + " ".join(f"{n}:{'ok' if a == key else a}" for n, a in answers.items()))
print("# held-out dev clips any seed misses: class, salience (fg/bg folder), file, each seed's answer (ok or the class it chose)")
print("# from the evaluation's class-name prompts; " + ", ".join(f"{n} = {path}" for n, path in SEEDS.items()))
print("\n".join(sorted(lines)))
