"""micrograd.losses against torch.nn.functional (float64) and closed-form gradients."""

import math

import pytest
import torch
from oracles import f64
import torch.nn.functional as F

import micrograd
from micrograd import Value
from micrograd.losses import binary_cross_entropy, cross_entropy, hinge, mse, softmax

PREDICTIONS = [0.3, -1.2, 2.5, 0.0, 0.75]
TARGETS = [0.0, -1.0, 3.0, 1.0, 0.75]


def _ours(loss, xs, *args):
    values = [Value(x) for x in xs]
    out = loss(values, *args)
    out.backward()
    return out.data, [v.grad for v in values]


def _torch(loss, xs, *args):
    tensor = f64(xs, grad=True)
    out = loss(tensor, *args)
    out.backward()
    return out.item(), tensor.grad.tolist()


def _assert_close(ours, theirs):
    assert ours[0] == pytest.approx(theirs[0], rel=1e-13, abs=1e-15)
    assert ours[1] == pytest.approx(theirs[1], rel=1e-13, abs=1e-15)


def test_mse_matches_torch_and_its_closed_form_gradient():
    ours = _ours(mse, PREDICTIONS, TARGETS)
    _assert_close(ours, _torch(F.mse_loss, PREDICTIONS, f64(TARGETS)))
    n = len(PREDICTIONS)
    assert ours[1] == pytest.approx([2 * (p - t) / n for p, t in zip(PREDICTIONS, TARGETS)], rel=1e-15)


def test_hinge_is_micrograds_max_margin_loss():
    labels = [1, -1, -1, 1, 1]
    value, grads = _ours(hinge, PREDICTIONS, labels)
    margins = [1 - y * s for y, s in zip(labels, PREDICTIONS)]
    assert value == pytest.approx(sum(max(0.0, m) for m in margins) / 5, rel=1e-15)
    assert grads == [(-y / 5 if m > 0 else 0.0) for y, m in zip(labels, margins)]
    _assert_close((value, grads), _torch(
        lambda s: torch.relu(1 - f64(labels) * s).mean(), PREDICTIONS))


@pytest.mark.parametrize('probabilities, targets', [
    ([0.2, 0.9, 0.5, 0.01, 0.999], [0.0, 1.0, 1.0, 0.0, 0.3]),
    ([1e-5, 0.5], [1.0, 0.0]),
])
def test_binary_cross_entropy_matches_torch(probabilities, targets):
    _assert_close(_ours(binary_cross_entropy, probabilities, targets),
                  _torch(F.binary_cross_entropy, probabilities, f64(targets)))


@pytest.mark.parametrize('probabilities, targets', [
    ([1e-11, 3e-12, 2 ** -36], [0.0, 0.0, 0.0]),  # log(1 - p) would round 1 - p first: relative error ~1e-6
    ([1 - 1e-11, 1 - 1e-11, 1 - 2 ** -36], [1.0, 0.0, 0.7]),
])
def test_binary_cross_entropy_is_accurate_for_p_near_0_and_1_like_torchs_log1p(probabilities, targets):
    ours = _ours(binary_cross_entropy, probabilities, targets)
    theirs = _torch(F.binary_cross_entropy, probabilities, f64(targets))
    assert ours[0] == pytest.approx(theirs[0], rel=1e-13, abs=0)  # relative: the losses can be ~1e-11
    assert ours[1] == pytest.approx(theirs[1], rel=1e-13, abs=0)


def test_binary_cross_entropy_of_a_tiny_probability():
    """p = 1e-13, target 0: the loss is -log1p(-p) (torch's value); the gradient is d/dp = 1/(1 - p).

    torch's own backward divides by max(p*(1-p), 1e-12) here, so its gradient (0.1) is not the oracle.
    """
    value, grads = _ours(binary_cross_entropy, [1e-13], [0.0])
    torch_value, _ = _torch(F.binary_cross_entropy, [1e-13], f64([0.0]))
    assert value == pytest.approx(torch_value, rel=1e-15, abs=0)
    assert value == pytest.approx(1e-13 + 1e-26 / 2, rel=1e-15, abs=0)  # -log(1 - p) = p + p**2/2 + ...
    assert grads == pytest.approx([1 / (1 - 1e-13)], rel=1e-15, abs=0)


def test_log1p_and_its_derivatives_match_torch():
    x = Value(-0.75)
    log1p = Value.log1p
    (first,) = micrograd.grad(log1p(x), [x], create_graph=True)
    (second,) = micrograd.grad(first, [x])
    t = f64(-0.75, grad=True)
    (t_first,) = torch.autograd.grad(torch.log1p(t), t, create_graph=True)
    (t_second,) = torch.autograd.grad(t_first, t)
    assert log1p(x).data == torch.log1p(t).item()
    assert first.data == pytest.approx(t_first.item(), rel=1e-15)
    assert second.data == pytest.approx(t_second.item(), rel=1e-15)


@pytest.mark.parametrize('probabilities, targets', [
    ([0.0, 1.0], [1.0, 0.0]), ([1e-50, 1.0], [1.0, 1.0]), ([1e-30, 1 - 1e-16], [1.0, 0.5])])
def test_binary_cross_entropy_clamps_logs_at_minus_100_like_torch(probabilities, targets):
    value, grads = _ours(binary_cross_entropy, probabilities, targets)
    torch_value, _ = _torch(F.binary_cross_entropy, probabilities, f64(targets))
    assert math.isfinite(value) and value == pytest.approx(torch_value, rel=1e-14)
    # The gradient is the exact derivative of the clamped expression (a clamped log is a constant);
    # torch's own backward differs only where p*(1-p) < 1e-12, as it divides by max(p*(1-p), 1e-12).
    n = len(probabilities)
    expected = [(-(t / p) if p > 0 and math.log(p) >= -100 else 0.0)
                + ((1 - t) / (1 - p) if p < 1 and math.log(1 - p) >= -100 else 0.0)
                for p, t in zip(probabilities, targets)]
    assert grads == pytest.approx([g / n for g in expected], rel=1e-12)


@pytest.mark.parametrize('logits', [[1.0, 2.0, 3.0], [1000.0, -1000.0, 0.0], [-5.0, -5.0], [750.0, 751.5, 700.0]])
def test_softmax_matches_torch_and_never_overflows(logits):
    values = [Value(x) for x in logits]
    probabilities = softmax(values)
    tensor = f64(logits, grad=True)
    expected = torch.softmax(tensor, dim=0)
    assert [p.data for p in probabilities] == pytest.approx(expected.tolist(), rel=1e-14, abs=1e-300)
    weights = [0.5, -1.0, 2.0][:len(logits)]
    sum(w * p for w, p in zip(weights, probabilities)).backward()
    (expected * f64(weights)).sum().backward()
    assert [v.grad for v in values] == pytest.approx(tensor.grad.tolist(), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize('logits, target', [
    ([1.0, 2.0, 3.0], 0), ([1.0, 2.0, 3.0], 2), ([1000.0, -1000.0], 0), ([1000.0, -1000.0], 1),
    ([-1000.0, -1000.0, -999.0], 1), ([0.25], 0),
    # large logits: adding the largest back after log-sum-exp would round the loss away
    ([1e17, 1e17], 0), ([1e10, 1e10 + 1], 0), ([1e10, 1e10 + 1], 1), ([-3e15, -3e15 + 2, -3e15 - 1], 2)])
def test_cross_entropy_matches_torch_value_and_gradient(logits, target):
    ours = _ours(cross_entropy, logits, target)
    theirs = _torch(lambda t: F.cross_entropy(t.unsqueeze(0), torch.tensor([target])), logits)
    _assert_close(ours, theirs)
    m = max(logits)  # closed form: d/dz_i = softmax_i - [i == target]
    exps = [math.exp(z - m) for z in logits]
    assert ours[1] == pytest.approx([e / sum(exps) - (i == target) for i, e in enumerate(exps)], abs=1e-15)


def test_cross_entropy_of_huge_logits_is_exact():
    assert cross_entropy([Value(1000.0), Value(-1000.0)], 1).data == 2000.0
    assert cross_entropy([1000.0, -1000.0], 0).data == 0.0


@pytest.mark.parametrize('call, error, message', [
    (lambda: mse([1.0, 2.0], [1.0]), ValueError, 'same length, got 2 and 1'),
    (lambda: mse([], []), ValueError, 'must not be empty'),
    (lambda: mse(Value(1.0), [1.0]), TypeError, 'predictions must be a list'),
    (lambda: mse([1.0], ['a']), TypeError, r"targets\[0\] must be a number, got str: 'a'"),
    (lambda: hinge([1.0, 2.0], [1, 0]), ValueError, r'-1 or 1 \(use 2\*y - 1 for 0/1 labels\), got 0 at index 1'),
    (lambda: binary_cross_entropy([1.5], [1.0]), ValueError, r'probabilities must be in \[0, 1\], got 1.5'),
    (lambda: binary_cross_entropy([0.5], [2.0]), ValueError, r'targets must be in \[0, 1\], got 2.0'),
    (lambda: softmax([]), ValueError, 'must not be empty'),
    (lambda: cross_entropy([1.0, 2.0], 2), ValueError, r'target must be a class index in \[0, 1\], got 2'),
    (lambda: cross_entropy([1.0, 2.0], -1), ValueError, r'target must be a class index in \[0, 1\], got -1'),
    (lambda: cross_entropy([1.0, 2.0], 1.0), TypeError, 'cross_entropy target must be an int, got float: 1.0'),
    (lambda: cross_entropy([], 0), ValueError, 'must not be empty'),
])
def test_bad_arguments_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
