"""What the trainers share when a run warm-starts from an export: comparing configs."""

from __future__ import annotations


def flatten(d: dict, prefix: str = "") -> dict:
    """``{"model": {"width": 192}}`` -> ``{"model.width": 192}``."""
    out = {}
    for k, v in d.items():
        out.update(flatten(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
    return out


def config_differences(theirs: dict, ours: dict, ignore: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """``"key: export X vs config Y"`` for every flattened key (not in ``ignore``) whose values differ."""
    a, b = flatten(theirs), flatten(ours)
    return [f"{k}: export {a.get(k)!r} vs config {b.get(k)!r}" for k in sorted(set(a) | set(b))
            if k not in ignore and a.get(k) != b.get(k)]
