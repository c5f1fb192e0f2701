"""Linear part-attribute probe: how much of each attribute a frozen feature vector holds, on held-out classes.

One multinomial logistic regression per attribute (features standardised with the fitting statistics, L2
penalty, full-batch L-BFGS) is fitted on the images of some classes and scored on images of other classes.
`pipeline.teacher.teacher_probe` uses it on validation classes to choose the teacher the student learns from:
the student can only learn what the teacher's vector holds.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .attributes import encode_attributes


def _fit_logistic(x: Tensor, y: Tensor, classes: int, l2: float, max_iter: int) -> Tensor:
    w = torch.zeros(x.shape[1] + 1, classes, dtype=x.dtype, requires_grad=True)
    xb = torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype)], dim=1)
    opt = torch.optim.LBFGS([w], lr=1.0, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(xb @ w, y) + l2 * w[:-1].pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach()


def attribute_probe(train_features: Tensor, train_attributes: list[dict], test_features: Tensor,
                    test_attributes: list[dict], attribute_values: dict[str, tuple[str, ...]], l2: float = 1e-3,
                    max_iter: int = 200) -> dict[str, float]:
    """Test accuracy of a linear probe per attribute, and their "mean". Features are (N, D)."""
    mean, std = train_features.mean(0), train_features.std(0) + 1e-6
    xtr = ((train_features - mean) / std).double()
    xte = ((test_features - mean) / std).double()
    ytr = encode_attributes(train_attributes, attribute_values)
    yte = encode_attributes(test_attributes, attribute_values)
    acc = {}
    for name, values in attribute_values.items():
        w = _fit_logistic(xtr, ytr[name], len(values), l2, max_iter)
        pred = (torch.cat([xte, torch.ones(len(xte), 1, dtype=xte.dtype)], dim=1) @ w).argmax(1)
        acc[name] = float((pred == yte[name]).double().mean())
    acc["mean"] = float(np.mean(list(acc.values())))
    return acc
