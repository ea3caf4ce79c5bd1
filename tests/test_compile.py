"""micrograd.compile against the interpreted engine: data and gradients of random graphs and MLPs,
replays on new numbers, guards, retraces, training runs, Values as arguments, refusals and errors.

The oracle is the interpreted engine on the same function, and micrograd 0.1.0's recorded demo
losses for training. A replay computes every node with the same float operations as the engine
except that layers run as matrix products (which add in another order), numpy's tanh and x**2
may differ from Python's by an ulp, and gradients arriving at a node from several uses are added
in another order. So results agree to RTOL relative, or within FLOOR where they cancel to nearly
0 (nodes stay within 100 and derivatives below ~1e4 on the drawn boxes: a few ulps of 1e4).
"""

import math
import random
import threading
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd
from micrograd import Value, nn
from micrograd.compiler import CompileWarning
from micrograd.engine import define_op
from micrograd.testing import ALL_OPS, expressions, inputs, mlps

RTOL = 1e-12
FLOOR = 1e-12


def assert_close(compiled, interpreted, what):
    assert math.isclose(compiled, interpreted, rel_tol=RTOL, abs_tol=FLOOR), \
        f"{what}: compiled {compiled!r}, interpreted {interpreted!r}"


def interpreted(fn, data):
    """fn's result and the gradients of its leaves, by the engine alone."""
    leaves = [Value(x) for x in data]
    out = fn(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def compiled_call(compiled, data):
    leaves = [Value(x) for x in data]
    out = compiled(*leaves)
    out.backward()
    return out, [leaf.grad for leaf in leaves]


@settings(max_examples=150)
@given(expressions(n_inputs=3, ops=ALL_OPS, max_ops=12), inputs(n_inputs=3), inputs(n_inputs=3))
def test_random_expressions_replay_with_the_engines_data_and_gradients(expr, first, second):
    compiled = micrograd.compile(expr)
    for data in (first, second):  # traced, then replayed on new numbers
        out, grads = compiled_call(compiled, data)
        expected, expected_grads = interpreted(expr, data)
        assert_close(out.data, expected, f"{expr} at {data}")
        for i, (got, want) in enumerate(zip(grads, expected_grads)):
            assert_close(got, want, f"d/dx{i} of {expr} at {data}")
    assert compiled.traces == 1


@settings(max_examples=60)
@given(expressions(n_inputs=2, ops=ALL_OPS, max_ops=10), st.lists(inputs(n_inputs=2), min_size=6, max_size=6))
def test_random_expressions_on_a_batch_run_as_array_operations_with_the_engines_numbers(expr, rows):
    """Six samples make groups of six nodes an op, computed by the ops' array forms (fewer run on floats)."""
    compiled = micrograd.compile(lambda batch: [expr(*row) for row in batch])
    for batch in (rows, [[x * 0.5 for x in row] for row in rows]):
        leaves = [[Value(x) for x in row] for row in batch]
        outs = compiled(leaves)
        micrograd.sum(outs).backward()
        for row, out, row_leaves in zip(batch, outs, leaves):
            expected, expected_grads = interpreted(expr, row)
            assert_close(out.data, expected, f"{expr} at {row}")
            for i, (leaf, want) in enumerate(zip(row_leaves, expected_grads)):
                assert_close(leaf.grad, want, f"d/dx{i} of {expr} at {row}")
    kinds = {type(kernel).__name__ for _, kernel in compiled._traces[0].program.kernels}
    assert 'FloatKernel' not in kinds
    assert compiled.traces == 1


@given(mlps(max_inputs=3, max_hidden_layers=2, max_width=4), st.floats(-0.5, 0.5), st.randoms(use_true_random=False))
def test_random_mlps_replay_with_the_engines_output_and_parameter_gradients(drawn, shift, rng):
    model, x = drawn
    compiled = micrograd.compile(model)
    for call in range(3):
        if call:  # new parameters and a new input: replayed with the current data of both
            for p in model.parameters():
                p.data += shift * rng.uniform(-1, 1)
            x = [xi + shift for xi in x]
        model.zero_grad()
        out = compiled(x)
        out.backward()
        grads = [p.grad for p in model.parameters()]
        model.zero_grad()
        reference = model(x)
        reference.backward()
        assert_close(out.data, reference.data, f"{model} at {x}")
        for i, (got, p) in enumerate(zip(grads, model.parameters())):
            assert_close(got, p.grad, f"d/dparameter {i}")
    assert compiled.traces == 1


def demo_loss(model):
    """micrograd's demo loss, written as its notebook writes it (builtin sum and all)."""
    def loss(X, y):
        scores = [model(x) for x in X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    return loss


def train(reference, steps, compiled):
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(1337))
    loss_fn = demo_loss(model)
    step = micrograd.compile(loss_fn) if compiled else loss_fn
    y = [2 * label - 1 for label in reference['y']]
    history = []
    for k in range(steps):
        total = step(reference['X'], y)
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        history.append(total.data)
    return history, step


@pytest.fixture(scope='module')
def reference():
    import json
    import os
    with open(os.path.join(os.path.dirname(__file__), 'data', 'micrograd_reference.json')) as file:
        return json.load(file)


def test_fifty_compiled_training_steps_give_the_interpreted_losses_and_micrograds(reference):
    compiled_losses, step = train(reference, 50, compiled=True)
    interpreted_losses, _ = train(reference, 50, compiled=False)
    assert compiled_losses == pytest.approx(interpreted_losses, rel=1e-10, abs=0)
    recorded = reference['demo_losses']  # micrograd 0.1.0's first 10 steps
    assert compiled_losses[:len(recorded)] == pytest.approx(recorded, rel=1e-10, abs=0)
    assert step.traces == 1


def test_the_compiled_demo_step_is_a_handful_of_array_groups(reference):
    _, step = train(reference, 1, compiled=True)
    program = step._traces[0].program
    kinds = [type(kernel).__name__ for _, kernel in program.kernels]
    assert kinds.count('GemmKernel') == 3  # the three layers on the batch of 100
    assert kinds.count('ChainKernel') == 2  # builtin sum() of the losses and of the squares
    assert len(kinds) <= 16


def test_a_guard_retraces_when_the_comparison_flips_and_replays_both_sides():
    def f(x):
        if x > 0:
            return x.log()
        return (-x).sqrt() * 2
    compiled = micrograd.compile(f)
    for x in [2.0, 3.0, -4.0, -9.0, 5.0, -1.0]:
        out, (grad,) = compiled_call(compiled, [x])
        expected, (expected_grad,) = interpreted(f, [x])
        assert out.data == pytest.approx(expected, rel=1e-15) and grad == pytest.approx(expected_grad, rel=1e-15)
    assert compiled.traces == 2  # one per side of the comparison


def test_comparisons_of_values_the_result_does_not_use_are_checked_too():
    def f(x, y):
        gate = x * y
        return x * 3 if gate >= 1 else x * 5  # gate itself is not part of the result
    compiled = micrograd.compile(f)
    assert compiled(1.0, 2.0).data == 3.0
    assert compiled(1.0, 0.5).data == 5.0
    assert compiled(2.0, 0.25).data == 10.0
    assert compiled.traces == 2


def test_a_new_argument_length_retraces_and_old_lengths_replay():
    compiled = micrograd.compile(lambda xs: micrograd.sum(x * x for x in xs))
    assert compiled([1.0, 2.0, 3.0]).data == 14.0
    assert compiled([1.0, 2.0, 3.0, 4.0, 5.0]).data == 55.0
    assert compiled([2.0, 2.0, 2.0]).data == 12.0
    assert compiled((1.0, 1.0, 1.0)).data == 3.0  # a tuple is another structure
    assert compiled.traces == 3


def test_the_trace_cache_is_bounded():
    compiled = micrograd.compile(lambda xs: micrograd.sum(xs), max_traces=2)
    with pytest.warns(CompileWarning, match="traced on each"):
        for n in (1, 2, 3, 1):
            assert compiled([1.0] * n).data == n
    assert compiled.traces == 4 and len(compiled._traces) == 2


def test_retracing_on_every_call_warns_once():
    compiled = micrograd.compile(lambda xs: micrograd.sum(xs), max_traces=2)
    with pytest.warns(CompileWarning, match="traced on each of its last 3 calls"):
        for n in range(1, 6):
            compiled([1.0] * n)


def test_values_as_arguments_receive_gradients_and_may_change_between_calls():
    compiled = micrograd.compile(lambda a, b: a * b + a.exp())
    a, b = Value(0.5), Value(3.0)
    compiled(a, b).backward()
    assert (a.grad, b.grad) == pytest.approx((3.0 + math.exp(0.5), 0.5), rel=1e-15)
    c = Value(-1.0)
    out = compiled(c, b)  # another Value in the same place: replayed
    out.backward()
    assert out.data == pytest.approx(-3.0 + math.exp(-1.0), rel=1e-15)
    assert c.grad == pytest.approx(3.0 + math.exp(-1.0), rel=1e-15) and b.grad == pytest.approx(0.5 - 1.0)
    a.grad = 0.0
    compiled(a, a).backward()  # the same Value twice: both uses count, as interpreted
    assert a.grad == pytest.approx(0.5 + 0.5 + math.exp(0.5), rel=1e-15)
    assert compiled.traces == 1


def test_a_value_argument_that_the_function_also_captures_keeps_both_roles():
    w = Value(2.0)
    compiled = micrograd.compile(lambda x: x * w)
    out = compiled(w)  # w * w
    out.backward()
    assert out.data == 4.0 and w.grad == 4.0
    other = Value(3.0)
    out = compiled(other)
    out.backward()
    assert out.data == 6.0 and other.grad == 2.0 and w.grad == 4.0 + 3.0


def test_a_captured_computed_value_gets_its_gradient_and_passes_it_on():
    """A Value computed outside fn is an input of the program: backward goes on through its own graph."""
    a = Value(3.0)
    scale = a * 2  # made outside, used inside
    compiled = micrograd.compile(lambda x: x * scale)
    out = compiled(4.0)
    out.backward()
    assert out.data == 24.0 and scale.grad == 4.0 and a.grad == 8.0
    assert scale in out._prev


def test_results_are_ordinary_nodes_that_combine_and_draw():
    p = Value(1.5, label='p')
    compiled = micrograd.compile(lambda x: (x * p).tanh())
    out = compiled(2.0)
    combined = out * out + p
    combined.backward()
    t = math.tanh(3.0)
    assert combined.data == pytest.approx(t * t + 1.5, rel=1e-15)
    assert p.grad == pytest.approx(2 * t * (1 - t * t) * 2.0 + 1.0, rel=1e-14)
    assert out._op == 'compiled <lambda>' and out._prev == {p}
    source = micrograd.draw_dot(combined).source
    assert 'compiled &lt;lambda&gt;' in source or 'compiled <lambda>' in source


def test_several_results_numbers_and_structure_come_back_as_returned():
    w = Value(0.5)

    def f(xs):
        outs = [x * w for x in xs]
        total = micrograd.sum(outs)
        return total, outs, len(xs), (total, None)

    compiled = micrograd.compile(f)
    for xs in ([1.0, 2.0], [3.0, -1.0]):
        total, outs, n, (again, nothing) = compiled(xs)
        assert again is total and nothing is None and n == 2 and isinstance(outs, list)
        assert total.data == pytest.approx(0.5 * sum(xs)) and [o.data for o in outs] == [0.5 * x for x in xs]
        w.grad = 0.0
        outs[1].backward()  # one result alone: only its own derivatives
        assert w.grad == xs[1]
        w.grad = 0.0
        (total + outs[0]).backward()
        assert w.grad == pytest.approx(sum(xs) + xs[0])


def test_returning_an_argument_or_a_captured_value_returns_that_value():
    w = Value(1.0)
    compiled = micrograd.compile(lambda v, x: (v, w, x, Value(7.0)))
    for _ in range(2):
        v = Value(3.0)
        got_v, got_w, x, seven = compiled(v, 5.0)
        assert got_v is v and got_w is w and x.data == 5.0 and seven.data == 7.0 and not x._prev


def test_no_grad_around_a_call_gives_leaves():
    w = Value(2.0)
    compiled = micrograd.compile(lambda x: x * w)
    compiled(1.0)
    with micrograd.no_grad():
        out = compiled(3.0)
    assert out.data == 6.0 and not out._prev
    with micrograd.no_grad():  # a first call inside no_grad() traces all the same
        fresh = micrograd.compile(lambda x: x * w)(3.0)
    assert fresh.data == 6.0 and not fresh._prev


def test_define_op_with_array_forms_runs_vectorized_and_without_them_node_by_node():
    with_arrays = define_op('compile_cube', lambda a: a ** 3, lambda g, out, a: (3 * g * a * a,),
                            array_forward=lambda xp, a: a ** 3,
                            array_derivative=lambda xp, g, out, a: (3 * g * a * a,))
    without = define_op('compile_smooth_abs', lambda a: math.sqrt(a * a + 1.0),
                        lambda g, out, a: (g * a / out,))
    w = Value(0.7)

    def f(xs):
        return micrograd.sum(with_arrays(x * w) + without(x - w) for x in xs)

    compiled = micrograd.compile(f)
    for xs in ([0.5, -1.0, 2.0], [1.5, 0.25, -3.0], [0.1 * i - 0.3 for i in range(8)], [0.2 * i for i in range(8)]):
        w.grad = 0.0
        out = compiled(xs)
        out.backward()
        grad = w.grad
        w.grad = 0.0
        expected = f([Value(x) for x in xs])
        expected.backward()
        assert_close(out.data, expected.data, "data")
        assert_close(grad, w.grad, "gradient")
    few, many = (compiled._traces[i].program.kernels for i in (1, 0))
    assert {type(kernel).__name__ for _, kernel in few} == {'FloatKernel', 'ChainKernel'}  # 3 nodes an op
    assert {type(kernel).__name__ for _, kernel in many} == {'OpKernel', 'ChainKernel'}  # 8 nodes an op
    assert compiled.traces == 2


def test_backward_reads_the_data_its_leaves_have_then_as_the_engine_does():
    w = Value(2.0)
    compiled = micrograd.compile(lambda a: a * w)
    for _ in range(2):
        a = Value(3.0)
        out = compiled(a)
        w.data = 5.0  # changed between forward and backward: d(a*w)/da reads w now
        out.backward()
        assert a.grad == 5.0 and out.data == 3.0 * 2.0
        w.data = 2.0


def test_a_domain_error_on_a_replay_raises_the_engines_error():
    compiled = micrograd.compile(lambda x, y: (x - y).log() + x / y)
    assert compiled(3.0, 1.0).data == pytest.approx(math.log(2.0) + 3.0)
    with pytest.raises(ValueError, match=r"^log\(-1\.0\): log is defined for positive numbers only$"):
        compiled(1.0, 2.0)
    with pytest.raises(ZeroDivisionError, match=r"^3\.0 / 0\.0"):
        compiled(3.0, 0.0)
    exp = micrograd.compile(lambda x: x.exp())
    exp(1.0)
    with pytest.raises(OverflowError, match="exp"):
        exp(1000.0)
    assert compiled(5.0, 1.0).data == pytest.approx(math.log(4.0) + 5.0)  # and replays go on


def test_inf_data_gives_the_engines_inf_and_nan_without_raising():
    compiled = micrograd.compile(lambda x, y: x * y)
    compiled(1.0, 2.0)
    assert compiled(math.inf, 2.0).data == math.inf
    assert math.isnan(compiled(math.inf, 0.0).data)


def test_an_exception_inside_fn_propagates_and_leaves_the_engine_as_it_was():
    def f(x):
        if x > 1:
            raise RuntimeError("too big")
        return x * 2
    compiled = micrograd.compile(f)
    with pytest.raises(RuntimeError, match="too big"):
        compiled(5.0)
    assert isinstance(Value.__dict__['data'], type(Value.__dict__['grad']))  # the slot again, not the watcher
    assert micrograd.engine._comparison_hook is None
    assert compiled(0.5).data == 1.0
    with pytest.raises(RuntimeError, match="too big"):
        compiled(3.0)  # the guard fails, the retrace raises


@pytest.mark.parametrize('fn, where', [
    (lambda x: x * x.data, "read `.data`"),
    (lambda x: Value(x.data * 2), "read `.data`"),
    (lambda x: [x * 2, setattr(x, 'data', 1.0)][0], "wrote `.data`"),
])
def test_reading_data_inside_fn_runs_it_uncompiled_with_a_warning(fn, where):
    compiled = micrograd.compile(fn)
    with pytest.warns(CompileWarning, match=where):
        first = compiled(3.0)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        second = compiled(4.0)
    assert (first.data, second.data) == (fn(Value(3.0)).data, fn(Value(4.0)).data)
    assert 'test_compile.py' in compiled.refusal


def test_no_grad_inside_fn_runs_it_uncompiled_with_a_warning():
    def f(x):
        with micrograd.no_grad():
            target = x * 2
        return (x - target) ** 2
    compiled = micrograd.compile(f)
    with pytest.warns(CompileWarning, match="no_grad"):
        compiled(1.0)
    assert compiled(3.0).data == 9.0


def test_a_backward_closure_runs_uncompiled_with_a_warning():
    def mytanh(x):
        out = Value(math.tanh(2.0), (x,), 'mytanh')  # data from a number: no .data read

        def _backward():
            x.grad += out.grad
        out._backward = _backward
        return out
    compiled = micrograd.compile(lambda x: mytanh(x * 2))
    with pytest.warns(CompileWarning, match="'mytanh'.*define_op"):
        compiled(1.0)


def test_higher_derivatives_through_a_compiled_result_raise_a_clear_error():
    w = Value(2.0)
    out = micrograd.compile(lambda x: x * w * w)(3.0)
    with pytest.raises(ValueError, match=r"create_graph=True\) cannot differentiate through the compiled program"):
        micrograd.grad(out, [w], create_graph=True)
    assert micrograd.grad(out, [w])[0].data == 12.0


def test_a_compiled_function_called_inside_another_is_part_of_its_trace():
    w = Value(3.0)
    inner = micrograd.compile(lambda x: x * w)
    outer = micrograd.compile(lambda x: inner(x) + 1)
    for x in (1.0, 2.0):
        w.grad = 0.0
        out = outer(x)
        out.backward()
        assert out.data == 3 * x + 1 and w.grad == x
    assert outer.traces == 1 and inner.traces == 0


def test_other_threads_use_values_normally_while_one_traces():
    started, results = threading.Event(), []

    def slow(x):
        started.wait(5)
        return x * 2

    def other():
        started.set()
        a = Value(2.0)
        results.append((a * 3 + (a > 1)).data)

    thread = threading.Thread(target=other)
    compiled = micrograd.compile(slow)
    thread.start()
    assert compiled(1.0).data == 2.0
    thread.join()
    assert results == [7.0] and compiled.refusal is None


@pytest.mark.parametrize('call, error, message', [
    (lambda: micrograd.compile(3), TypeError, "needs a function, got int"),
    (lambda: micrograd.compile(abs, backend='jax'), ValueError, "unknown backend 'jax'"),
    (lambda: micrograd.compile(abs, max_traces=0), ValueError, "max_traces must be a positive int"),
    (lambda: micrograd.compile(abs)("3"), TypeError, "argument 0 is str"),
    (lambda: micrograd.compile(abs)([1.0, [2.0, None]]), TypeError, r"argument 0\[1\]\[1\] is NoneType"),
    (lambda: micrograd.compile(abs)(x=1.0), TypeError, "positional arguments only"),
    (lambda: micrograd.compile(lambda x: {'x': x})(1.0), TypeError, "it returned dict"),
])
def test_bad_use_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_compile_works_as_a_decorator_and_keeps_the_functions_name():
    @micrograd.compile
    def square(x):
        """Square it."""
        return x * x

    @micrograd.compile(max_traces=1)
    def cube(x):
        return x * x * x

    assert square(3.0).data == 9.0 and cube(2.0).data == 8.0
    assert square.__name__ == 'square' and square.__doc__ == "Square it." and square.backend == 'numpy'
    assert 'square' in repr(square)


def test_a_result_gets_nothing_from_nodes_it_does_not_depend_on_even_where_their_derivative_is_infinite():
    """sqrt'(0) is inf: backward() from `other` never visits sqrt(x * w), so w gets no nan from it."""
    w = Value(2.0)

    def f(x):
        product = x * w
        at_zero = (product + 0.0) ** 0.5
        other = (product + 1.0) ** 0.5 * w  # ** 0.5 at the same level as at_zero's: one group
        return at_zero, other

    compiled = micrograd.compile(f)
    for x in (0.0, 0.0):
        w.grad = 0.0
        at_zero, other = compiled(x)
        other.backward()
        assert w.grad == 1.0
        w.grad = 0.0
        at_zero.backward()
        assert math.isnan(w.grad)  # as interpreted: inf (sqrt'(0)) times x = 0


def test_fit_with_compile_trains_as_uncompiled_and_as_micrograd(reference):
    from micrograd import optim, training

    histories = []
    for compiled in (False, True):
        model = nn.MLP(2, [16, 16, 1], rng=random.Random(1337))
        histories.append(training.fit(model, reference['X'], reference['y'], loss='hinge',
                                      optimizer=optim.SGD(model.parameters(), lr=1.0), epochs=20, l2=1e-4,
                                      lr_schedule=lambda k: 1.0 - 0.9 * k / 100, progress=False, compile=compiled))
    interpreted_run, compiled_run = histories
    assert compiled_run['loss'] == pytest.approx(interpreted_run['loss'], rel=1e-10, abs=0)
    assert compiled_run['loss'][:10] == pytest.approx(reference['demo_losses'], rel=1e-10, abs=0)
    assert compiled_run['accuracy'] == interpreted_run['accuracy']


def test_fit_with_compile_on_shuffled_minibatches_warns_and_trains_uncompiled():
    from micrograd import data, training

    X, y = data.make_moons(40, noise=0.1, random_state=0)
    runs = []
    for compiled in (False, True):
        model = nn.MLP(2, [4, 1], rng=random.Random(0))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            runs.append(training.fit(model, X, y, epochs=3, batch_size=10, random_state=1, progress=False,
                                     compile=compiled))
        assert [str(w.message) for w in caught if w.category is CompileWarning] == (
            ["fit(compile=True) compiles full-batch training (batch_size=None): shuffled minibatches would be "
             "traced anew at every step; training uncompiled"] if compiled else [])
    assert runs[0] == runs[1]
    with pytest.raises(TypeError, match="compile must be True or False, got str"):
        training.fit(nn.MLP(2, [1]), X, y, epochs=1, progress=False, compile='yes')


def test_static_arguments_reach_fn_as_they_are_and_each_value_is_its_own_trace():
    w = Value(2.0)
    compiled = micrograd.compile(lambda xs, labels: micrograd.sum(xs[i] * w for i in labels), static_argnums=1)
    assert compiled([1.0, 2.0, 3.0], (0, 2)).data == 8.0
    assert compiled([5.0, 2.0, 3.0], (0, 2)).data == 16.0
    assert compiled([5.0, 2.0, 3.0], (1,)).data == 4.0
    assert compiled.traces == 2
    with pytest.raises(TypeError, match=r"static argument 1 must be hashable \(a tuple, not a list\)"):
        compiled([1.0], [0])
    with pytest.raises(ValueError, match="static_argnums must be argument positions"):
        micrograd.compile(abs, static_argnums=('labels',))


def test_numpy_arrays_are_arguments_like_nested_lists():
    import numpy as np

    w = Value(0.5)
    compiled = micrograd.compile(lambda X, c: micrograd.sum(micrograd.dot([w, w], row) for row in X) * c)
    X = np.array([[1.0, 2.0], [3.0, -4.0], [0.5, 0.25]])
    out = compiled(X, np.float64(2.0))
    out.backward()
    assert out.data == pytest.approx(0.5 * X.sum() * 2.0) and w.grad == pytest.approx(X.sum() * 2.0)
    assert compiled(X * 2, 2.0).data == pytest.approx(0.5 * X.sum() * 4.0) and compiled.traces == 1
    assert compiled(X.tolist(), 2.0).data == pytest.approx(0.5 * X.sum() * 2.0)  # lists: another structure
    with pytest.raises(TypeError, match=r"argument 0 is ndarray"):
        compiled(np.array(['a', 'b']), 1.0)
