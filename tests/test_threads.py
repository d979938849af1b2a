"""``audioedit.threads``: torch's thread count lowered inside the block, restored after, re-entrant."""

from __future__ import annotations

import torch

from audioedit.threads import torch_threads


def test_torch_threads_lowers_and_restores_and_nests():
    saved = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
        with torch_threads(1):  # a model run inside another's (the voice detector in an editor step)
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == saved
    try:
        with torch_threads(1):
            raise ValueError("a failing model run")
    except ValueError:
        pass
    assert torch.get_num_threads() == saved
