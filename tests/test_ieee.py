"""IEEE float helpers against PyTorch float64, which never raises where Python does."""

import math

import pytest
import torch
from oracles import f64

from micrograd import ieee


def torch_float(function, *xs):
    return function(*(f64(x) for x in xs)).item()


@pytest.mark.parametrize('x, y', [(1.0, 0.0), (-1.0, 0.0), (1.0, -0.0), (-2.5, -0.0), (0.0, 0.0),
                                  (math.nan, 0.0), (math.inf, 0.0), (3.0, 2.0), (-0.0, 5.0)])
def test_divide_matches_torch(x, y):
    assert ieee.divide(x, y) == pytest.approx(torch_float(torch.div, x, y), nan_ok=True)
    assert math.copysign(1.0, ieee.divide(x, y)) == math.copysign(1.0, torch_float(torch.div, x, y)) \
        or math.isnan(ieee.divide(x, y))


@pytest.mark.parametrize('a, e', [(0.0, -0.5), (0.0, -1.0), (10.0, 400.0), (-10.0, 401.0), (-10.0, 400.0),
                                  (2.0, 3.0), (-2.0, 3.0)])
def test_power_matches_torch(a, e):
    assert ieee.power(a, e) == torch_float(torch.pow, a, e)
