"""micrograd.data: scikit-learn's layouts (computed here with numpy), determinism, validation."""

import math
import random
import re

import numpy as np
import pytest

from micrograd.data import make_circles, make_moons, make_spirals, make_xor

GENERATORS = [make_moons, make_circles, make_xor, make_spirals]


def _sorted_by_label(X, y):
    return sorted(zip(y, map(tuple, X)))


@pytest.mark.parametrize('n', [1, 2, 7, 100, 101])
def test_moons_lie_on_scikit_learns_half_circles(n):
    # sklearn.datasets.make_moons without noise, written out with numpy.
    n_out, n_in = n // 2, n - n // 2
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n_in)
    expected_X = np.vstack([np.append(np.cos(outer), 1 - np.cos(inner)),
                            np.append(np.sin(outer), 1 - np.sin(inner) - 0.5)]).T
    expected_y = [0] * n_out + [1] * n_in
    X, y = make_moons(n, shuffle=False)
    assert y == expected_y
    assert np.array_equal(np.array(X).reshape(-1, 2), expected_X)


@pytest.mark.parametrize('n, factor', [(10, 0.8), (9, 0.3)])
def test_circles_lie_on_scikit_learns_circles(n, factor):
    n_out, n_in = n // 2, n - n // 2
    outer = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    inner = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    expected_X = np.vstack([np.append(np.cos(outer), factor * np.cos(inner)),
                            np.append(np.sin(outer), factor * np.sin(inner))]).T
    X, y = make_circles(n, factor=factor, shuffle=False)
    assert y == [0] * n_out + [1] * n_in
    assert np.array_equal(np.array(X), expected_X)


def test_xor_is_the_truth_table():
    X, y = make_xor(4, random_state=0)
    assert sorted((tuple(x), label) for x, label in zip(X, y)) == [
        ((0.0, 0.0), 0), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), 0)]
    X, y = make_xor(40, noise=0.1, random_state=0)
    assert all(label == int(round(a) != round(b)) for (a, b), label in zip(X, y))


def test_spirals_are_two_interleaved_arms():
    X, y = make_spirals(50, shuffle=False)
    assert y == [0] * 25 + [1] * 25
    for (a, b), (c, d) in zip(X[:25], X[25:]):  # the second arm is the first rotated by pi
        assert (c, d) == pytest.approx((-a, -b), abs=1e-12)
    radii = [math.hypot(a, b) for a, b in X[:25]]
    assert radii == sorted(radii) and radii[0] == pytest.approx(0.05) and radii[-1] == pytest.approx(1.0)


@pytest.mark.parametrize('make', GENERATORS)
def test_same_random_state_same_data_and_the_global_random_untouched(make):
    state = random.getstate()
    first = make(30, noise=0.2, random_state=42)
    assert random.getstate() == state
    assert make(30, noise=0.2, random_state=42) == first
    assert make(30, noise=0.2, random_state=43) != first
    assert make(30, noise=0.2, random_state=random.Random(42)) == first


@pytest.mark.parametrize('make', GENERATORS)
def test_shapes_labels_and_noise(make):
    X, y = make(25, noise=0.05, random_state=1)
    assert len(X) == len(y) == 25
    assert all(isinstance(row, list) and len(row) == 2 and all(type(v) is float for v in row) for row in X)
    assert set(y) == {0, 1} and all(type(label) is int for label in y)
    clean, clean_y = make(25, random_state=1)
    jitter = [math.hypot(a - c, b - d) for (a, b), (c, d) in zip(X, clean)]
    assert clean_y == y and 0 < max(jitter) < 0.5  # same shuffle, points moved by the noise


@pytest.mark.parametrize('make', GENERATORS)
@pytest.mark.parametrize('kwargs, error, message', [
    ({'n_samples': 0}, ValueError, 'n_samples must be a positive int, got 0'),
    ({'n_samples': 2.5}, TypeError, 'n_samples must be a positive int, got float: 2.5'),
    ({'n_samples': True}, TypeError, 'n_samples must be a positive int, got bool: True'),
    ({'noise': -0.1}, ValueError, 'noise must be a finite number >= 0, got -0.1'),
    ({'noise': math.nan}, ValueError, 'noise must be a finite number >= 0, got nan'),
    ({'noise': 'high'}, TypeError, "noise must be a finite number >= 0, got str: 'high'"),
    ({'random_state': 'seed'}, TypeError, "random_state must be None, an int or a random.Random, got str: 'seed'"),
    ({'random_state': 1.5}, TypeError, 'random_state must be None, an int or a random.Random, got float: 1.5'),
])
def test_bad_arguments_raise_clear_errors(make, kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make(**kwargs)


@pytest.mark.parametrize('factor, error', [(1.0, ValueError), (-0.1, ValueError), ('x', TypeError)])
def test_circles_factor_is_validated(factor, error):
    with pytest.raises(error, match=r'factor must be a finite number in \[0, 1\), got '):
        make_circles(10, factor=factor)
