"""micrograd.optim against torch.optim: same float64 parameters and gradients, several steps.

Not bit for bit: torch fuses multiply-adds (`add_(x, alpha=a)` rounds once,
Python's `a * x + y` twice), which differs by an ulp now and then; over these
6-8 steps the largest relative difference measured is 3e-15 (a parameter
near zero magnifies it), so 1e-12 relative leaves room without hiding a
wrong formula (a wrong bias correction or buffer is off by 1e-3 or more).
"""

import math
import re

import pytest
import torch
from oracles import f64

from micrograd import Value
from micrograd.optim import SGD, Adam

START = [0.5, -1.25, 2.0, 0.0, -0.003]


def _gradients(step):
    """A different, deterministic gradient per step and parameter (zero included)."""
    return [math.sin(1.7 * step + i) * (i + 1) if i != 3 else 0.0 for i in range(len(START))]


def _run_both(make_ours, make_torch, steps=6):
    params = [Value(x) for x in START]
    tensor = f64(START, grad=True)
    ours, theirs = make_ours(params), make_torch([tensor])
    for step in range(steps):
        grads = _gradients(step)
        ours.zero_grad()
        for p, g in zip(params, grads):
            p.grad += g
        theirs.zero_grad()
        tensor.grad = f64(grads)
        ours.step()
        theirs.step()
        assert [p.data for p in params] == pytest.approx(tensor.tolist(), rel=1e-12, abs=1e-16), f"step {step}"
    return params


@pytest.mark.parametrize('lr, momentum, weight_decay', [
    (0.1, 0.0, 0.0), (0.05, 0.9, 0.0), (0.2, 0.0, 0.01), (0.01, 0.5, 0.1), (0.0, 0.9, 0.0)])
def test_sgd_matches_torch(lr, momentum, weight_decay):
    _run_both(lambda p: SGD(p, lr=lr, momentum=momentum, weight_decay=weight_decay),
              lambda p: torch.optim.SGD(p, lr=lr, momentum=momentum, weight_decay=weight_decay))


@pytest.mark.parametrize('kwargs', [
    {}, {'lr': 0.1}, {'lr': 0.01, 'betas': (0.5, 0.9)}, {'lr': 0.05, 'weight_decay': 0.1},
    {'lr': 0.3, 'betas': (0.0, 0.0), 'eps': 1e-3}, {'betas': (0.3, 0.99)}])
def test_adam_matches_torch(kwargs):
    _run_both(lambda p: Adam(p, **kwargs), lambda p: torch.optim.Adam(p, **kwargs), steps=8)


def test_adam_with_eps_0_divides_like_torch_giving_nan_and_inf():
    """A zero gradient gives 0/0 = nan, a gradient whose square underflows m/0 = inf, as in torch."""
    start, grads = [0.5, 0.25, -1.0], [0.0, 1e-200, 0.75]
    params = [Value(x) for x in start]
    tensor = f64(start, grad=True)
    ours, theirs = Adam(params, lr=0.1, eps=0.0), torch.optim.Adam([tensor], lr=0.1, eps=0.0)
    for p, g in zip(params, grads):
        p.grad = g
    tensor.grad = f64(grads)
    ours.step()
    theirs.step()
    assert [p.data for p in params] == pytest.approx(tensor.tolist(), rel=1e-12, nan_ok=True)
    assert math.isnan(params[0].data) and params[1].data == -math.inf
    assert params[2].data == pytest.approx(-1.0 - 0.1, rel=1e-15)  # Adam's first step is lr * sign(g)


@pytest.mark.parametrize('make', [lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: Adam(p, lr=0.1)])
def test_a_failing_step_changes_no_parameter_and_no_state(make):
    params = [Value(1.0), Value(2.0)]
    optimizer = make(params)
    params[0].grad, params[1].grad = 0.5, None  # the second gradient is broken
    with pytest.raises(TypeError):
        optimizer.step()
    assert [p.data for p in params] == [1.0, 2.0]
    params[1].grad = 0.5  # the next step is the first, as if the failed one never happened
    optimizer.step()
    fresh = [Value(1.0), Value(2.0)]
    for p in fresh:
        p.grad = 0.5
    make(fresh).step()
    assert [p.data for p in params] == [p.data for p in fresh]


@pytest.mark.parametrize('optimizer', [SGD, Adam])
def test_a_parameter_listed_twice_is_refused(optimizer):
    p, q = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match='the same Value twice, at index 0 and 2'):
        optimizer([p, q, p], lr=0.1)


@pytest.mark.parametrize('optimizer', [SGD, Adam])
def test_parameters_may_come_from_a_generator_but_not_be_empty(optimizer):
    params = [Value(1.0), Value(2.0)]
    assert optimizer((p for p in params), lr=0.1).params == params
    with pytest.raises(ValueError, match='optimizer got an empty parameter list'):
        optimizer((p for p in []), lr=0.1)


def test_first_momentum_step_uses_the_gradient_as_buffer():
    p = Value(1.0)
    optimizer = SGD([p], lr=0.5, momentum=0.9)
    p.grad = 2.0
    optimizer.step()
    assert p.data == 1.0 - 0.5 * 2.0  # buf = grad, no dampening
    optimizer.step()
    assert p.data == 0.0 - 0.5 * (0.9 * 2.0 + 2.0)


def test_updates_happen_outside_the_graph():
    p = Value(1.0)
    loss = p * p
    loss.backward()
    SGD([p], lr=0.1).step()
    assert p._operands == () and p._op == '' and p.data == 1.0 - 0.1 * 2.0


def test_zero_grad_and_lr_schedule():
    params = [Value(1.0), Value(2.0)]
    optimizer = SGD(iter(params), lr=1.0)
    for p in params:
        p.grad = 3.0
    optimizer.zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]
    optimizer.lr = 0.25
    params[0].grad = 4.0
    optimizer.step()
    assert params[0].data == 0.0
    with pytest.raises(ValueError, match='learning rate lr must be a finite number >= 0, got -1'):
        optimizer.lr = -1


@pytest.mark.parametrize('make, message', [
    (lambda p: SGD(p, lr=-0.1), 'learning rate lr must be a finite number >= 0, got -0.1'),
    (lambda p: SGD(p, lr=math.nan), 'learning rate lr must be a finite number >= 0, got nan'),
    (lambda p: SGD(p, lr=0.1, momentum=-0.5), 'momentum must be a finite number >= 0, got -0.5'),
    (lambda p: SGD(p, lr=0.1, weight_decay=-1), 'weight_decay must be a finite number >= 0, got -1'),
    (lambda p: Adam(p, lr=-1e-3), 'learning rate lr must be a finite number >= 0'),
    (lambda p: Adam(p, betas=(1.0, 0.999)), 'betas[0] must be a finite number in [0, 1), got 1.0'),
    (lambda p: Adam(p, betas=(0.9, -0.1)), 'betas[1] must be a finite number in [0, 1), got -0.1'),
    (lambda p: Adam(p, betas=(0.9,)), 'betas must be a pair (beta1, beta2), got (0.9,)'),
    (lambda p: Adam(p, eps=-1e-8), 'eps must be a finite number >= 0'),
    (lambda p: Adam(p, weight_decay=math.inf), 'weight_decay must be a finite number >= 0, got inf'),
    (lambda p: Adam([]), 'empty parameter list'),
])
def test_bad_hyper_parameters_raise_value_error(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make([Value(1.0)])


@pytest.mark.parametrize('make, message', [
    (lambda p: SGD(p, lr='0.1'), "learning rate lr must be a finite number >= 0, got str: '0.1'"),
    (lambda p: SGD(p, lr=0.1, momentum=None), 'momentum must be a finite number >= 0, got NoneType'),
    (lambda p: Adam(p, betas=0.9), 'betas must be a pair (beta1, beta2), got float: 0.9'),
    (lambda p: Adam(p, betas=(0.9, True)), 'betas[1] must be a finite number in [0, 1), got bool: True'),
    (lambda p: SGD(5, lr=0.1), 'params must be an iterable of Values, got int: 5'),
])
def test_wrong_hyper_parameter_types_raise_type_error(make, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        make([Value(1.0)])


def test_params_must_be_values():
    with pytest.raises(TypeError, match='must be Values, got float at index 1'):
        SGD([Value(1.0), 2.0], lr=0.1)
