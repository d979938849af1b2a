"""Write ``audioedit/assets/aisfx/trunk.safetensors`` from the aiSFX wheel's checkpoint (run once).

    pip install --no-deps aisfx==0.1.2      # into a scratch environment: only its weights file is read
    python scripts/convert_aisfx_trunk.py [--checkpoint PATH/aisfx/models/checkpoint.pth]

The checkpoint is a pickled ``(state dict, {dataset: (index, n_classes)})``; it is read with
``weights_only=True`` (numpy scalars allowed, nothing else) and only the embedding network's tensors
are kept (``embedding_net.`` prefix dropped), float32 as trained, so the trunk is the same to the bit.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

TRUNK_WEIGHTS = Path(__file__).resolve().parents[1] / "audioedit" / "assets" / "aisfx" / "trunk.safetensors"
PREFIX = "embedding_net."


def wheel_checkpoint() -> Path:
    spec = importlib.util.find_spec("aisfx")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pip install --no-deps aisfx==0.1.2 first (or pass --checkpoint)")
    return Path(spec.submodule_search_locations[0]) / "models" / "checkpoint.pth"


def convert(checkpoint: Path, out: Path = TRUNK_WEIGHTS) -> Path:
    allowed = [(np._core.multiarray.scalar, "numpy.core.multiarray.scalar"), np.dtype, np.dtypes.Int64DType]
    with torch.serialization.safe_globals(allowed):
        state, _ = torch.load(checkpoint, map_location="cpu", weights_only=True)
    trunk = {k[len(PREFIX):]: v.contiguous() for k, v in state.items() if k.startswith(PREFIX)}
    out.parent.mkdir(parents=True, exist_ok=True)
    save_file(trunk, str(out), metadata={"source": "aisfx==0.1.2 aisfx/models/checkpoint.pth", "licence": "CC-BY-4.0",
                                         "authors": "A. B. Ma, A. Lerch"})
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", type=Path, default=None)
    args = ap.parse_args()
    path = convert(args.checkpoint or wheel_checkpoint())
    print(f"{path}: {path.stat().st_size / 1e6:.1f} MB")
