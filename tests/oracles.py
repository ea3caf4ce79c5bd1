"""PyTorch as the oracle: float64 tensors and the value and gradients of a function, in one place for every test."""

import torch


def f64(x, grad=False):
    """x (a number or nested lists) as a float64 tensor, a leaf that records gradients when grad is set."""
    return torch.tensor(x, dtype=torch.float64, requires_grad=grad)


def value_and_grads(function, *xs):
    """function on one scalar leaf tensor per x: its value and d function / d x for each (0.0 where unused)."""
    leaves = [f64(x, grad=True) for x in xs]
    out = function(*leaves)
    out.backward()
    return out.item(), [0.0 if leaf.grad is None else leaf.grad.item() for leaf in leaves]


def grads(output, tensors, **options):
    """d output / d tensors as tensors (zeros where output does not depend on one), like micrograd.grad."""
    if not output.requires_grad:
        return [torch.zeros((), dtype=torch.float64) for _ in tensors]
    found = torch.autograd.grad(output, tensors, allow_unused=True, **options)
    return [torch.zeros((), dtype=torch.float64) if g is None else g for g in found]
