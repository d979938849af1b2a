"""The softmax over every trained class's name (``vocabulary_loss``)."""

import torch
import torch.nn.functional as F

from audioedit.clap.small_model import vocabulary_loss


def test_vocabulary_loss_rewards_the_named_class_and_skips_unknown_keys():
    names = F.normalize(torch.eye(3), dim=-1)
    scale = torch.tensor(2.0)
    right = vocabulary_loss(names[[0, 1]], names, scale, ["a", "b"], ["a", "b", "c"])
    wrong = vocabulary_loss(names[[1, 0]], names, scale, ["a", "b"], ["a", "b", "c"])
    assert right < wrong
    # a two-class key spreads its target: an embedding between both classes beats either alone
    between = F.normalize(names[0] + names[2], dim=-1)[None]
    assert vocabulary_loss(between, names, scale, ["a+c"], ["a", "b", "c"]) < \
        vocabulary_loss(names[[0]], names, scale, ["a+c"], ["a", "b", "c"])
    assert vocabulary_loss(names[[0]], names, scale, ["zebra"], ["a", "b", "c"]) == 0
