"""micrograd.testing: the strategies draw what they promise, sources read back to the same
function, failures shrink to short expressions, and MLPs match PyTorch."""

import ast
import math
import re
import subprocess
import sys

import pytest
import torch
from oracles import f64
from hypothesis import find, given, settings
from hypothesis import strategies as st

import micrograd
from micrograd import GradcheckError, Value, check_grads
from micrograd.testing import (ALL_OPS, BOUND, MARGIN, SMOOTH_OPS, Expression, expressions, inputs, mlps,
                               values)


def test_importing_micrograd_does_not_import_hypothesis():
    code = "import sys, micrograd; micrograd.gradcheck; assert 'hypothesis' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@given(values(min_value=-2.5, max_value=4.0, label='w'))
def test_values_are_finite_normal_floats_in_range(v):
    assert isinstance(v, Value) and v.label == 'w' and v._operands == ()
    assert -2.5 <= v.data <= 4.0
    assert v.data == 0.0 or abs(v.data) >= sys.float_info.min  # never subnormal


# Reading a source back: a tiny interpreter of its Python syntax on floats (an oracle for the text).
# The oracle for a call in the source text: the math module's function of the same name, or these.
NOT_IN_MATH = {
    'sigmoid': lambda x: 1 / (1 + math.exp(-x)), 'relu': lambda x: max(x, 0.0), 'abs': abs,
    'sum': lambda terms: math.fsum(terms),
    'dot': lambda w, x, bias=0.0: bias + math.fsum(a * b for a, b in zip(w, x)),
}
OPERATORS = {ast.Add: float.__add__, ast.Sub: float.__sub__, ast.Mult: float.__mul__,
             ast.Div: float.__truediv__, ast.Pow: lambda a, b: float(a) ** b}


def read_back(source, xs):
    names = {f"x{i}": x for i, x in enumerate(xs)}
    *lets, last = source.split("; ")
    for let in lets:
        name, text = let.split(" = ", 1)
        names[name] = interpret(ast.parse(text, mode="eval").body, names)
    return interpret(ast.parse(last, mode="eval").body, names)


def interpret(node, names):
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return names[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -interpret(node.operand, names)
    if isinstance(node, ast.BinOp):
        return OPERATORS[type(node.op)](float(interpret(node.left, names)), interpret(node.right, names))
    if isinstance(node, ast.List):
        return [interpret(item, names) for item in node.elts]
    assert isinstance(node, ast.Call), ast.dump(node)
    function = NOT_IN_MATH.get(node.func.id) or getattr(math, node.func.id)
    return function(*[interpret(arg, names) for arg in node.args])


@settings(max_examples=100)
@given(inputs(4, min_value=-5, max_value=2, min_magnitude=0.5))
def test_inputs_stay_min_magnitude_away_from_zero(xs):
    assert len(xs) == 4 and all(0.5 <= abs(x) and -5 <= x <= 2 for x in xs)


def test_inputs_take_both_signs_and_zero_only_when_min_magnitude_is_0():
    for sign in (1, -1):
        assert find(inputs(1), lambda xs, sign=sign: sign * xs[0] > 0, settings=settings(database=None))
    assert find(inputs(1, min_magnitude=0), lambda xs: xs[0] == 0.0, settings=settings(database=None)) == [0.0]
    assert find(inputs(1, min_value=0.5), lambda xs: True, settings=settings(database=None))[0] >= 0.5


@pytest.mark.parametrize("options, text", [
    ({"min_magnitude": -1}, "min_magnitude must be a finite number >= 0, got -1"),
    ({"min_value": -0.05, "max_value": 0.05}, "no point of [-0.05, 0.05] is min_magnitude=0.1 from 0"),
    ({"n_inputs": 0}, "n_inputs must be a positive int, got 0"),
])
def test_bad_inputs_options_raise_value_errors(options, text):
    with pytest.raises(ValueError, match=re.escape(text)):
        inputs(**options)


@settings(max_examples=300)
@given(expressions(n_inputs=2, max_ops=6, ops=('/', '**', '+', '*')), inputs(2, min_magnitude=0))
def test_denominators_and_integer_power_bases_keep_one_sign_over_the_box(expr, xs):
    # Where a guard made them negative they must stay below -MARGIN on the whole box (the corners too).
    corners = [[-3.0, -3.0], [-3.0, 3.0], [3.0, -3.0], [3.0, 3.0], xs]
    traces = [[getattr(node, 'data', node) for node in expr.trace([Value(x) for x in point])] for point in corners]
    for op, operands, _ in expr.steps:
        if op == '/' or (op == '**' and isinstance(traces[0][operands[1]], int) and traces[0][operands[1]] < 0):
            key = operands[1] if op == '/' else operands[0]
            signs = {trace[key] > 0 for trace in traces}
            assert len(signs) == 1 and all(abs(trace[key]) >= MARGIN for trace in traces), expr


def test_guards_make_denominators_negative_about_half_the_time():
    signs = []

    @settings(max_examples=300, database=None, derandomize=True)
    @given(expressions(n_inputs=1, min_ops=1, max_ops=1, ops=('/',)))
    def draw(expr):
        # x0 / x0 at x0 = 1 divides by the guard alone: x0 * x0 + 1 = 2 or -1 - x0 * x0 = -2.
        signs.append(expr(1.0).data)
    draw()
    assert set(signs) == {0.5, -0.5}
    assert 0.3 < signs.count(-0.5) / len(signs) < 0.7


def test_negative_guards_shrink_to_positive_ones():
    negative = find(expressions(n_inputs=1, ops=('/',)), lambda e: e(1.0).data < 0,
                    settings=settings(database=None, derandomize=True))
    assert negative.source == "x0 / (-1 - x0 * x0)"
    positive = find(expressions(n_inputs=1, ops=('/',)), lambda e: True, settings=settings(database=None))
    assert positive.source == "x0 / (x0 * x0 + 1)"


@settings(max_examples=200)
@given(expressions(n_inputs=3, max_ops=12), inputs(3))
def test_the_source_computes_what_the_expression_computes(expr, xs):
    assert isinstance(expr, Expression) and str(expr) == expr.source
    value = expr(*xs)
    assert isinstance(value, Value)
    assert math.isclose(read_back(expr.source, xs), value.data, rel_tol=1e-9, abs_tol=1e-9), expr


@settings(max_examples=200)
@given(expressions(n_inputs=2, max_ops=12, min_value=-5, max_value=2), st.data())
def test_every_node_stays_finite_in_domain_and_bounded_over_the_box(expr, data):
    # The corners of the box and a drawn point inside it.
    points = [[-5.0, -5.0], [-5.0, 2.0], [2.0, -5.0], [2.0, 2.0], data.draw(inputs(2, -5, 2))]
    for xs in points:
        for node in expr.trace([Value(x) for x in xs], dot=micrograd.dot, sum=micrograd.sum):
            data_of = node.data if isinstance(node, Value) else node
            assert math.isfinite(data_of) and abs(data_of) <= BOUND, (expr, xs)


def test_shared_sub_expressions_are_named_once_and_the_simplest_one_is_found():
    shared = find(expressions(), lambda expr: "t1 =" in expr.source,
                  settings=settings(database=None, derandomize=True))  # find() shrinks deterministically
    # Two operations, the shared one named once: 't1 = x1 + x1; t1 + t1' or 't1 = -x1; t1 + t1'.
    assert re.fullmatch(r"t1 = [^;]*x\d[^;]*; t1 \+ t1", shared.source) and len(shared.steps) == 2, shared.source
    x = Value(1.5)
    out = shared(0.0, x)
    out.backward()
    assert out.data == read_back(shared.source, [0.0, 1.5])
    h = 1e-6
    central = (read_back(shared.source, [0.0, 1.5 + h]) - read_back(shared.source, [0.0, 1.5 - h])) / (2 * h)
    assert x.grad == pytest.approx(central, rel=1e-6)


def test_an_op_is_found_in_its_simplest_expression():
    with_sin = find(expressions(n_inputs=3), lambda expr: 'sin' in expr.ops,
                    settings=settings(database=None, derandomize=True))
    assert with_sin.source == "sin(x2)"


def test_a_failing_gradient_property_shrinks_to_a_short_readable_expression(monkeypatch):
    # cos's derivative rule with the wrong sign: the engine bug a property should pin down.
    wrong_cos = micrograd.define_op('cos_with_wrong_sign', math.cos, lambda g, out, a: (g * math.sin(a),))
    monkeypatch.setattr(Value, 'cos', wrong_cos)
    failing = []

    @settings(max_examples=300, database=None)
    @given(expressions(n_inputs=2, max_ops=8, ops=SMOOTH_OPS), inputs(2))
    def gradients_are_right(expr, xs):
        try:
            check_grads(expr, xs)
        except GradcheckError:
            failing.append(expr)
            raise

    with pytest.raises(GradcheckError):
        gradients_are_right()
    assert failing[-1].source == "cos(x1)"  # the last failure Hypothesis replays is the shrunk one


@settings(max_examples=100)
@given(expressions(n_inputs=2, max_ops=8), inputs(2))
def test_evaluate_runs_the_same_expression_on_torch_tensors(expr, xs):
    tensors = [f64(x) for x in xs]
    assert math.isclose(expr.evaluate(tensors).item(), expr(*xs).data, rel_tol=1e-9, abs_tol=1e-9)


def test_expressions_take_floats_or_values_and_check_the_count():
    expr = find(expressions(), lambda e: 'exp' in e.ops, settings=settings(database=None))
    assert expr.source == "exp(x1)"
    assert expr(0.0, 1.0).data == math.exp(1.0) and expr(Value(0.0), Value(1.0))._op == 'exp'
    with pytest.raises(TypeError, match="this expression takes 2 inputs, got 1"):
        expr(1.0)


@given(expressions(n_inputs=1, min_ops=0, max_ops=0))
def test_zero_ops_is_the_input_itself(expr):
    assert expr.source == "x0" and expr(Value(2.0)).data == 2.0


@pytest.mark.parametrize("options, text", [
    ({"ops": ["+", "max"]}, "ops must be a non-empty selection of"),
    ({"ops": []}, "ops must be a non-empty selection of"),
    ({"n_inputs": 0}, "n_inputs must be a positive int, got 0"),
    ({"max_ops": 0}, "max_ops must be a positive int, got 0"),
    ({"min_ops": 3, "max_ops": 2}, "max_ops must be an int >= 3, got 2"),
    ({"min_value": 1, "max_value": 1}, "max_value must be a finite number in (1, 100], got 1"),
    ({"min_value": -101}, "min_value must be a finite number in [-100, 100), got -101"),
    ({"max_value": 100.5}, "max_value must be a finite number in (-3, 100], got 100.5"),
])
def test_bad_expression_options_raise_value_errors(options, text):
    with pytest.raises(ValueError, match=re.escape(text)):
        expressions(**options)


@pytest.mark.parametrize("make, text", [
    (lambda: expressions(n_inputs=2.0), "n_inputs must be a positive int, got float: 2.0"),
    (lambda: expressions(min_value="0"), "min_value must be a finite number in [-100, 100), got str: '0'"),
    (lambda: inputs(min_magnitude=None), "min_magnitude must be a finite number >= 0, got NoneType: None"),
    (lambda: mlps(max_width=True), "max_width must be a positive int, got bool: True"),
])
def test_wrong_option_types_raise_type_errors(make, text):
    with pytest.raises(TypeError, match=re.escape(text)):
        make()


@settings(max_examples=60)
@given(st.sampled_from(ALL_OPS).flatmap(lambda op: st.tuples(st.just(op), expressions(ops=[op]))))
def test_every_op_can_be_drawn_alone(case):
    op, expr = case
    assert op in expr.ops


def torch_mlp(model, x):
    """The MLP's function in PyTorch float64, rebuilt from its parameters (neuron by neuron: weights, then bias)."""
    activation = {'relu': torch.relu, 'tanh': torch.tanh, 'sigmoid': torch.sigmoid}[model.activation]
    parameters = [f64(p.data, grad=True) for p in model.parameters()]
    values = [f64(v) for v in x]
    remaining = iter(parameters)
    for k, layer in enumerate(model.layers):
        outputs = []
        for _ in layer.neurons:
            weights = [next(remaining) for _ in values]
            z = next(remaining) + sum(w * v for w, v in zip(weights, values))
            outputs.append(z if k == len(model.layers) - 1 else activation(z))
        values = outputs
    return values[0], parameters


@settings(max_examples=100)
@given(mlps())
def test_mlps_match_torch_in_output_and_parameter_gradients(case):
    model, x = case
    assert len(x) == len(model.layers[0].neurons[0].w) and len(model.layers[-1].neurons) == 1
    out = model(x)
    out.backward()
    expected, parameters = torch_mlp(model, x)
    expected.backward()
    assert math.isclose(out.data, expected.item(), rel_tol=1e-12, abs_tol=1e-12)
    for p, t in zip(model.parameters(), parameters):
        assert -1 <= p.data <= 1
        assert math.isclose(p.grad, t.grad.item(), rel_tol=1e-12, abs_tol=1e-12)


@settings(max_examples=50)
@given(mlps(activations=('tanh', 'sigmoid')))
def test_smooth_mlps_pass_check_grads_in_their_inputs(case):
    model, x = case
    assert check_grads(lambda *xs: model(list(xs)), x, order=2)
