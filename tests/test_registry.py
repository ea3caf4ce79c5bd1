"""The op registry (micrograd.ops): every entry complete and true to PyTorch, names and symbols owned once, user ops.

Each library op's float forward, derivative rule and array forms are
checked against the torch function its entry names (float64), at a point
inside every op's domain.
"""

import math
import pickle
import re

import numpy as np
import pytest
import torch

import micrograd
from micrograd import Value, expr, ops, testing

LIBRARY = [op for op in ops.all_ops() if op.library]
FIXED = [op for op in LIBRARY if op.arity is not None]
N_ARY = [op for op in LIBRARY if op.arity is None]
POINT = (0.7, 1.3)  # in every op's domain (log, sqrt, pow, log1p, ...), away from kinks


class _NumpyNames:
    """The xp that array forms get: numpy's functions plus sigmoid."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def sigmoid(a):
        return 1 / (1 + np.exp(-a))


def _ids(op):
    return op.name


def _torch_reference(op, point):
    """(value, gradients) of torch.<op.torch_name> at point, float64."""
    xs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    out = getattr(torch, op.torch_name)(*xs)
    return out.item(), [g.item() for g in torch.autograd.grad(out, xs)]


@pytest.mark.parametrize('op', FIXED, ids=_ids)
def test_every_fixed_arity_op_entry_is_complete(op):
    assert len(op.local) == op.arity and all(op.local)  # one readable formula per operand
    assert op.expression and op.symbol and op.torch_name
    assert op.array_forward is not None and op.array_derivative is not None
    assert op.edge_labels is None or len(op.edge_labels) == op.arity
    names, expression, local = op.describe(op.arity)
    assert (len(names), expression, local) == (op.arity, op.expression, op.local)
    method = getattr(Value, op.method)  # the Value method that applies it
    result = method(*[Value(x) for x in POINT[:op.arity]])
    assert result._op == op.symbol


@pytest.mark.parametrize('op', FIXED, ids=_ids)
def test_forward_derivative_and_array_forms_mean_what_torch_does(op):
    point = POINT[:op.arity]
    value, gradients = _torch_reference(op, point)
    out = op.forward(*point)
    assert out == pytest.approx(value, rel=1e-15)
    assert list(op.derivative(1.0, out, *point)) == pytest.approx(gradients, rel=1e-15)
    arrays = [np.array([x, x]) for x in point]
    array_out = op.array_forward(_NumpyNames(), *arrays)
    assert array_out.tolist() == pytest.approx([value, value], rel=1e-15)
    array_gradients = op.array_derivative(_NumpyNames(), np.ones(2), array_out, *arrays)
    assert [np.broadcast_to(g, (2,)).tolist() for g in array_gradients] == \
        [pytest.approx([g, g], rel=1e-15) for g in gradients]


@pytest.mark.parametrize('op', N_ARY, ids=_ids)
@pytest.mark.parametrize('count', [1, 2, 3, 4, 7])
def test_n_ary_ops_describe_every_operand_count(op, count):
    names, expression, local = op.describe(count)
    assert len(names) == len(set(names)) == len(local) == count and expression
    grads = op.derivative(2.0, 0.0, *[float(i + 1) for i in range(count)])
    assert len(grads) == count


def test_names_and_symbols_are_unique_and_found_again():
    everything = ops.all_ops()
    assert len({op.name for op in everything}) == len({op.symbol for op in everything}) == len(everything)
    for op in everything:
        assert ops.get(op.name) is op and ops.by_symbol(op.symbol) is op
    with pytest.raises(KeyError, match="no op named 'atanh'; known ops: "):
        ops.get('atanh')
    assert ops.by_symbol('atanh') is None


@pytest.mark.parametrize('op', LIBRARY, ids=_ids)
def test_define_op_cannot_take_a_library_name_or_symbol(op):
    def forward(a):
        return a

    def derivative(g, out, a):
        return (g,)
    if op.name.isidentifier():
        with pytest.raises(ValueError, match=re.escape(f"the op name {op.name!r} is already used by the library")):
            micrograd.define_op(op.name, forward, derivative)
    with pytest.raises(ValueError, match=re.escape(f"the op symbol {op.symbol!r} is already used by the library")):
        micrograd.define_op(f"registry_test_{op.name}", forward, derivative, symbol=op.symbol)
    assert ops.get(op.name) is op and ops.by_symbol(op.symbol) is op  # nothing replaced


def test_a_user_op_can_replace_a_user_op_and_old_nodes_keep_their_rule():
    cube = micrograd.define_op('registry_test_cube', lambda a: a ** 3, lambda g, out, a: (3 * g * a * a,))
    x = Value(2.0)
    old = cube(x)
    scaled = micrograd.define_op('registry_test_cube', lambda a: 2 * a ** 3, lambda g, out, a: (6 * g * a * a,))
    new = scaled(x)
    assert (old.data, new.data) == (8.0, 16.0) and old._op == new._op == 'registry_test_cube'
    assert ops.get('registry_test_cube') is scaled.op and ops.by_symbol('registry_test_cube') is scaled.op
    old.backward()
    assert x.grad == 12.0  # the rule old was made with
    x.grad = 0.0
    new.backward()
    assert x.grad == 24.0
    assert Value(5.0, (x,), 'registry_test_cube')._operation is scaled.op  # a hand-built node finds the current one


@pytest.mark.parametrize('exponent, symbol', [(2, '**2'), (2.0, '**2'), (-1, '**-1'), (0.5, '**0.5'), (3.25, '**3.25')])
def test_constant_powers_carry_their_exponent_and_read_like_micrograd(exponent, symbol):
    x = Value(1.5)
    y = x ** exponent
    assert y._op == symbol and y._operation.param == float(exponent)
    assert y._operation is ops.constant_power(float(exponent)) is ops.by_symbol(symbol)
    assert y._operation.name not in {op.name for op in ops.all_ops()}  # made on demand, not a registry name
    y.backward()
    assert x.grad == pytest.approx(exponent * 1.5 ** (exponent - 1), rel=1e-15)
    by_hand = Value(y.data, (x,), symbol)  # micrograd's constructor with the op's name
    assert by_hand._operation is y._operation


@pytest.mark.parametrize('op', LIBRARY + [ops.constant_power(2.0), ops.constant_power(-0.5)], ids=repr)
def test_pickling_an_op_gives_back_the_same_entry(op):
    assert pickle.loads(pickle.dumps(op)) is op


def test_pickling_a_user_op_gives_back_its_registered_entry():
    twice = micrograd.define_op('registry_test_twice', lambda a: 2 * a, lambda g, out, a: (2 * g,))
    assert pickle.loads(pickle.dumps(twice.op)) is twice.op is ops.get('registry_test_twice')


def test_expression_functions_are_the_registrys_unary_functions():
    assert list(expr.FUNCTIONS) == [op.name for op in ops.unary_functions()]
    for name, function in expr.FUNCTIONS.items():
        op = ops.get(name)
        assert op.library and op.arity == 1 and op.expression == f"{name}(a)"
        result = function(Value(POINT[0]))
        assert result._op == op.symbol and result.data == pytest.approx(_torch_reference(op, POINT[:1])[0], rel=1e-15)
    assert {'exp', 'log', 'tanh', 'sigmoid', 'relu', 'sqrt', 'sin', 'cos'} <= set(expr.FUNCTIONS)


def test_testing_draws_every_library_op_once_in_registry_order():
    assert len(testing.ALL_OPS) == len(set(testing.ALL_OPS)) == len(LIBRARY)
    named = [ops.by_symbol(key) if key in ('+', '-', '*', '/', '**') else ops.get(key) for key in testing.ALL_OPS]
    assert named == LIBRARY
    assert set(testing.SMOOTH_OPS) == set(testing.ALL_OPS) - {'abs', 'relu'}


def test_a_library_op_is_never_replaced_through_the_registry():
    with pytest.raises(ValueError, match="the op name 'exp' is already used by the library"):
        ops.register(ops.Op('exp', 'my_exp', 1, math.exp, lambda g, out, a: (g * out,), 'exp(a)', ('exp(a)',)))
    assert ops.get('exp') is ops.EXP
