"""Toy 2-D classification data sets without numpy or scikit-learn.

Each function returns (X, y): X a list of [x1, x2] floats, y a list of 0/1
ints. The points are laid out like scikit-learn's generators, then shuffled
and jittered with Gaussian noise drawn from random.Random(random_state) (never
the global random), so a given random_state always gives the same data.
"""

import math
import numbers
import random
from typing import Optional, Sequence, Tuple, Union

from micrograd import validate

__all__ = ['make_moons', 'make_circles', 'make_xor', 'make_spirals']

# What each generator returns: the points [x1, x2] and their 0/1 labels.
Dataset = Tuple[list[list[float]], list[int]]
# A seed: None for fresh entropy, an int, or a random.Random to draw from.
RandomState = Union[None, int, random.Random]
_Point = Tuple[float, float]


def make_moons(n_samples: int = 100, noise: Optional[float] = None, random_state: RandomState = None,
               shuffle: bool = True) -> Dataset:
    """Two interleaving half circles, as sklearn.datasets.make_moons: outer n//2 points (label 0), inner the rest."""
    n_outer = _count(n_samples) // 2
    n_inner = n_samples - n_outer
    outer = [(math.cos(t), math.sin(t)) for t in _linspace(0, math.pi, n_outer)]
    inner = [(1 - math.cos(t), 1 - math.sin(t) - 0.5) for t in _linspace(0, math.pi, n_inner)]
    return _finish(outer, inner, noise, random_state, shuffle)


def make_circles(n_samples: int = 100, noise: Optional[float] = None, random_state: RandomState = None,
                 factor: float = 0.8, shuffle: bool = True) -> Dataset:
    """A circle of radius 1 (label 0) around a circle of radius `factor` (label 1), as scikit-learn's."""
    factor = validate.real(factor, "factor", at_least=0, below=1)
    n_outer = _count(n_samples) // 2
    n_inner = n_samples - n_outer
    outer = [(math.cos(t), math.sin(t)) for t in _linspace(0, 2 * math.pi, n_outer, endpoint=False)]
    inner = [(factor * math.cos(t), factor * math.sin(t))
             for t in _linspace(0, 2 * math.pi, n_inner, endpoint=False)]
    return _finish(outer, inner, noise, random_state, shuffle)


def make_xor(n_samples: int = 100, noise: Optional[float] = None, random_state: RandomState = None,
             shuffle: bool = True) -> Dataset:
    """The XOR truth table: point i sits on corner i % 4 of (0,0), (0,1), (1,0), (1,1); label a xor b.

    `make_xor(4)` gives the four rows of the truth table (in shuffled order).
    """
    corners = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    points = [corners[i % 4] for i in range(_count(n_samples))]
    return _finish([p for p in points if p[0] == p[1]], [p for p in points if p[0] != p[1]],
                   noise, random_state, shuffle)


def make_spirals(n_samples: int = 100, noise: Optional[float] = None, random_state: RandomState = None,
                 shuffle: bool = True) -> Dataset:
    """Two interleaved spirals of 1.5 turns each (labels 0 and 1), the second the first rotated by pi."""
    n_first = _count(n_samples) // 2
    first, second = ([(r * math.cos(3 * math.pi * r + phase), r * math.sin(3 * math.pi * r + phase))
                      for r in _linspace(0.05, 1, n)]
                     for phase, n in ((0.0, n_first), (math.pi, n_samples - n_first)))
    return _finish(first, second, noise, random_state, shuffle)


def _finish(class0: Sequence[_Point], class1: Sequence[_Point], noise: Optional[float], random_state: RandomState,
            shuffle: bool) -> Dataset:
    """Label, shuffle, then add noise (scikit-learn's order)."""
    noise = _noise(noise)
    rng = _rng(random_state)
    samples = [(point, 0) for point in class0] + [(point, 1) for point in class1]
    if shuffle:
        rng.shuffle(samples)
    X = [[x1 + rng.gauss(0, noise), x2 + rng.gauss(0, noise)] if noise else [x1, x2]
         for (x1, x2), _ in samples]
    return X, [label for _, label in samples]


def _linspace(start: float, stop: float, n: int, endpoint: bool = True) -> list[float]:
    """numpy.linspace's points: start + i*step, with the last point exactly stop."""
    if n == 1 or n == 0:
        return [start] * n
    step = (stop - start) / (n - 1 if endpoint else n)
    points = [i * step + start for i in range(n)]
    if endpoint:
        points[-1] = stop
    return points


def _count(n_samples: int) -> int:
    return validate.integer(n_samples, "n_samples", at_least=1)


def _noise(noise: Optional[float]) -> float:
    """The standard deviation of the noise: None means none."""
    return 0.0 if noise is None else validate.real(noise, "noise", at_least=0)


def _rng(random_state: object) -> random.Random:
    """random_state: None (fresh entropy), an int seed, or a random.Random to draw from."""
    if isinstance(random_state, random.Random):
        return random_state
    if random_state is None or (isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)):
        return random.Random(random_state)  # type: ignore[arg-type] # an Integral: int to mypy
    raise validate.type_error("random_state", "None, an int or a random.Random", random_state)
