"""micrograd.validate, and its one rule across the package: a wrong type is TypeError, a wrong value ValueError."""

import math
import random
import re

import numpy as np
import pytest

from micrograd import Value, check_grads, data, losses, nn, optim, plots, testing, training, validate


@pytest.mark.parametrize('x, kwargs, expected', [
    (3, {}, 3.0), (np.float32(0.5), {}, 0.5), (np.int64(-2), {'at_least': -2}, -2.0),
    (0.0, {'at_least': 0, 'below': 1}, 0.0), (1e-300, {'above': 0}, 1e-300), (math.inf, {'finite': False}, math.inf),
    (100, {'at_most': 100}, 100.0),
])
def test_real_returns_a_float(x, kwargs, expected):
    result = validate.real(x, 'x', **kwargs)
    assert type(result) is float and result == expected


@pytest.mark.parametrize('x, kwargs, error, message', [
    (True, {}, TypeError, "x must be a finite number, got bool: True"),
    ('1', {}, TypeError, "x must be a finite number, got str: '1'"),
    (1j, {}, TypeError, "x must be a finite number, got complex: 1j"),
    (Value(1.0), {}, TypeError, "x must be a finite number, got Value: Value(data=1.0, grad=0.0)"),
    (math.nan, {}, ValueError, "x must be a finite number, got nan"),
    (math.nan, {'finite': False, 'at_least': 0}, ValueError, "x must be a number >= 0, got nan"),
    (-math.inf, {}, ValueError, "x must be a finite number, got -inf"),
    (-0.5, {'at_least': 0}, ValueError, "x must be a finite number >= 0, got -0.5"),
    (0, {'above': 0}, ValueError, "x must be a finite number > 0, got 0"),
    (1.0, {'at_least': 0, 'below': 1}, ValueError, "x must be a finite number in [0, 1), got 1.0"),
    (2, {'above': 1, 'at_most': 1.5}, ValueError, "x must be a finite number in (1, 1.5], got 2"),
    (10 ** 400, {}, ValueError, "x is too large for a float (1329-bit integer)"),
])
def test_real_refuses_with_the_rule_and_a_clear_message(x, kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        validate.real(x, 'x', **kwargs)


@pytest.mark.parametrize('x, at_least, error, message', [
    (2.0, 1, TypeError, "n must be a positive int, got float: 2.0"),
    (False, None, TypeError, "n must be an int, got bool: False"),
    (0, 1, ValueError, "n must be a positive int, got 0"),
    (1, 2, ValueError, "n must be an int >= 2, got 1"),
])
def test_integer(x, at_least, error, message):
    with pytest.raises(error, match=re.escape(message)):
        validate.integer(x, 'n', at_least=at_least)
    assert validate.integer(np.int8(5), 'n', at_least=1) == 5 and type(validate.integer(np.int8(5), 'n')) is int


def test_choice_function_and_items():
    assert validate.choice('b', 'kind', ['a', 'b']) == 'b'
    with pytest.raises(ValueError, match=re.escape("kind must be one of 'a', 'b', got 'c'")):
        validate.choice('c', 'kind', ['a', 'b'])
    with pytest.raises(TypeError, match=re.escape("kind must be one of 'a', 'b', got list: ['a']")):
        validate.choice(['a'], 'kind', ['a', 'b'])  # unhashable: still a clear TypeError
    assert validate.function(len, 'f') is len
    with pytest.raises(TypeError, match="f must be a function, got int: 3"):
        validate.function(3, 'f')
    assert validate.items((i for i in range(3)), 'xs', 'numbers') == [0, 1, 2]
    for bad in ('abc', b'abc', 3, None):
        with pytest.raises(TypeError, match='xs must be numbers, got '):
            validate.items(bad, 'xs', 'numbers')


# The rule across the package: the same kind of mistake raises the same exception type everywhere.
X, Y = [[0.0, 0.0], [1.0, 1.0]], [0, 1]

WRONG_TYPES = {
    'MLP width': lambda: nn.MLP(2, [1.5]),
    'make_moons n_samples': lambda: data.make_moons(1.5),
    'make_circles factor': lambda: data.make_circles(10, factor='0.5'),
    'SGD lr': lambda: optim.SGD([Value(1.0)], lr='0.1'),
    'Adam betas': lambda: optim.Adam([Value(1.0)], betas=0.9),
    'fit epochs': lambda: training.fit(nn.MLP(2, [1]), X, Y, epochs=2.0, progress=False),
    'fit loss': lambda: training.fit(nn.MLP(2, [1]), X, Y, loss=1, progress=False),
    'check_grads order': lambda: check_grads(Value.exp, [1.0], order=1.0),
    'check_grads eps': lambda: check_grads(Value.exp, [1.0], eps='small'),
    'expressions n_inputs': lambda: testing.expressions(n_inputs=1.0),
    'cross_entropy target': lambda: losses.cross_entropy([1.0, 2.0], 1.0),
    'mse targets': lambda: losses.mse([1.0], [None]),
    'Neuron activation': lambda: nn.Neuron(2, activation=None, init=3),
    'decision boundary resolution': lambda: plots.save_decision_boundary(nn.MLP(2, [1]), X, Y, 'unused.png',
                                                                         resolution=2.0),
    'random_state': lambda: data.make_xor(4, random_state=random),
}

WRONG_VALUES = {
    'MLP width': lambda: nn.MLP(2, [0]),
    'make_moons n_samples': lambda: data.make_moons(0),
    'make_circles factor': lambda: data.make_circles(10, factor=1.0),
    'SGD lr': lambda: optim.SGD([Value(1.0)], lr=-0.1),
    'Adam betas': lambda: optim.Adam([Value(1.0)], betas=(0.9, 1.0)),
    'fit epochs': lambda: training.fit(nn.MLP(2, [1]), X, Y, epochs=0, progress=False),
    'fit loss': lambda: training.fit(nn.MLP(2, [1]), X, Y, loss='l1', progress=False),
    'check_grads order': lambda: check_grads(Value.exp, [1.0], order=0),
    'check_grads eps': lambda: check_grads(Value.exp, [1.0], eps=0.0),
    'expressions n_inputs': lambda: testing.expressions(n_inputs=0),
    'cross_entropy target': lambda: losses.cross_entropy([1.0, 2.0], 5),
    'mse targets': lambda: losses.mse([1.0], [1.0, 2.0]),
    'Neuron activation': lambda: nn.Neuron(2, activation='gelu'),
    'decision boundary resolution': lambda: plots.save_decision_boundary(nn.MLP(2, [1]), X, Y, 'unused.png',
                                                                         resolution=1),
    'noise': lambda: data.make_xor(4, noise=-1.0),
}

NAMED = {'MLP width': 'nouts', 'make_moons n_samples': 'n_samples', 'make_circles factor': 'factor',
         'SGD lr': 'lr', 'Adam betas': 'betas', 'fit epochs': 'epochs', 'fit loss': 'loss',
         'check_grads order': 'order', 'check_grads eps': 'eps', 'expressions n_inputs': 'n_inputs',
         'cross_entropy target': 'target', 'mse targets': 'targets', 'Neuron activation': 'init',
         'decision boundary resolution': 'resolution', 'random_state': 'random_state', 'noise': 'noise'}


@pytest.mark.parametrize('case', WRONG_TYPES)
def test_a_wrong_type_is_a_type_error_naming_the_argument_and_what_it_got(case):
    with pytest.raises(TypeError) as error:
        WRONG_TYPES[case]()
    message = str(error.value)
    assert NAMED[case] in message and ' must be ' in message and ', got ' in message


@pytest.mark.parametrize('case', WRONG_VALUES)
def test_a_wrong_value_is_a_value_error_naming_the_argument(case):
    with pytest.raises(ValueError) as error:
        WRONG_VALUES[case]()
    message = str(error.value)
    expected = 'activation' if case == 'Neuron activation' else NAMED[case]
    assert expected in message and (' must be ' in message or 'same length' in message)
