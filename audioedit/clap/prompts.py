"""Prompt ensembling: a class queried by all its texts at once (reports/clap-broad, amendment 5).

A class's texts are its vocabulary entry's name, synonyms and captions
(``vocabulary.grounding_texts``); its query is the mean of their unit text embeddings,
renormalised. ``mode="name"`` keeps the name alone (one text per class).

    >>> class_texts("fireworks", "name")
    ['fireworks']
    >>> class_texts("fireworks", "ensemble")[:3]
    ['fireworks', 'firecrackers', 'fireworks exploding']
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from audioedit.clap.base import ClapModel

PromptMode = Literal["name", "ensemble"]


def class_texts(key: str, mode: PromptMode) -> list[str]:
    """The texts that query class ``key``: its name, or its name, synonyms and captions."""
    from audioedit.clap.captions import sound_class
    from audioedit.clap.vocabulary import grounding_texts

    if mode == "name":
        return [sound_class(key).name]
    return grounding_texts(key)


def mean_unit(embeddings: np.ndarray) -> np.ndarray:
    """``(n, dim)`` unit vectors -> their mean, renormalised ``(dim,)``."""
    mean = embeddings.mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-8)


def ensemble_embeddings(model: ClapModel, texts_by_class: list[list[str]]) -> np.ndarray:
    """``(n_classes, dim)`` unit query vectors, one per class (the mean of its texts' embeddings)."""
    flat = [t for texts in texts_by_class for t in texts]
    emb = model.embed_text(flat)
    out, start = [], 0
    for texts in texts_by_class:
        out.append(mean_unit(emb[start : start + len(texts)]))
        start += len(texts)
    return np.stack(out)


def class_embeddings(model: ClapModel, keys: list[str], mode: PromptMode) -> np.ndarray:
    """``(len(keys), dim)`` unit query vectors of the classes ``keys``, prompted per ``mode``."""
    return ensemble_embeddings(model, [class_texts(k, mode) for k in keys])


def ensemble_tensor(unit_embeddings, lengths: list[int]):
    """Torch twin of ``ensemble_embeddings`` for training: ``(sum(lengths), dim)`` unit rows, grouped
    consecutively by ``lengths`` -> ``(len(lengths), dim)`` renormalised group means (differentiable)."""
    import torch

    groups = torch.split(unit_embeddings, lengths)
    return torch.nn.functional.normalize(torch.stack([g.mean(0) for g in groups]), dim=-1)
