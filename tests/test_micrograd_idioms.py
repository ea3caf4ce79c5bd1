"""Code written for micrograd runs unchanged: the lectures' idioms against micrograd 0.1.0's own numbers and PyTorch.

The idioms are in tests/data/micrograd_idioms.py, written as micrograd users
write them; tests/data/record_micrograd_idioms.py ran that file on micrograd
0.1.0 and stored what it computed (micrograd_idioms.json). Here the same file
runs on this package. micrograd 0.1.0 is never imported.
"""

import builtins
import hashlib
import importlib
import importlib.util
import json
import math
import os
import pkgutil

import pytest
import torch

import micrograd
from micrograd import Value, grad, nn

DATA = os.path.join(os.path.dirname(__file__), 'data')
_spec = importlib.util.spec_from_file_location('micrograd_idioms', os.path.join(DATA, 'micrograd_idioms.py'))
idioms = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(idioms)


@pytest.fixture(scope='module')
def micrograd_results():
    with open(os.path.join(DATA, 'micrograd_idioms.json')) as file:
        record = json.load(file)
    with open(os.path.join(DATA, 'micrograd_idioms.py'), 'rb') as file:
        assert hashlib.sha256(file.read()).hexdigest() == record['micrograd_idioms.py sha256'], \
            "micrograd_idioms.py changed since it was recorded: run tests/data/record_micrograd_idioms.py"
    return record['results']


def _torch_neuron(tanh=torch.tanh):
    """The lecture's neuron in float64 torch: (o, {name: gradient})."""
    leaves = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True)
              for name, value in idioms.NEURON_INPUTS.items()}
    o = tanh(leaves['x1'] * leaves['w1'] + leaves['x2'] * leaves['w2'] + leaves['b'])
    o.backward()
    return o.item(), {name: leaf.grad.item() for name, leaf in leaves.items()}


# Custom ops by closure, backward() and by hand

def test_a_closure_op_on_a_value_gives_micrograds_numbers_and_torchs(micrograd_results):
    ours = idioms.closure_op_on_a_value()
    assert ours == micrograd_results['closure_op_on_a_value']
    o, grads = _torch_neuron()
    assert ours['o'][0] == pytest.approx(o, rel=1e-15)
    for name, gradient in grads.items():
        assert ours[name][1] == pytest.approx(gradient, rel=1e-15, abs=1e-15)
    # The lecture's published numbers.
    assert [round(ours[name][1], 12) for name in ('x1', 'w1', 'x2', 'w2')] == [-1.5, 1.0, 0.5, 0.0]


def test_manual_backward_node_by_node_gives_micrograds_numbers(micrograd_results):
    assert idioms.manual_backward_node_by_node() == micrograd_results['manual_backward_node_by_node']


def test_manual_backward_through_built_in_ops_gives_torchs_numbers():
    """The same walk where every node, tanh included, is one of the engine's own: _backward() works on each."""
    nodes = idioms.lecture_neuron(tanh=Value.tanh)
    nodes['o'].grad = 1.0
    for name in ('o', 'n', 'b', 'x1w1x2w2', 'x2w2', 'x1w1'):
        nodes[name]._backward()
    _, grads = _torch_neuron()
    for name, gradient in grads.items():
        assert nodes[name].grad == pytest.approx(gradient, rel=1e-15, abs=1e-15)


def test_manual_backward_pushes_the_current_grad_once_per_call():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    c.grad = 0.5
    c._backward()
    assert (a.grad, b.grad) == (-1.5, 1.0)
    c._backward()  # as micrograd: each call adds again
    assert (a.grad, b.grad) == (-3.0, 2.0)
    a._backward()  # a leaf has nothing to push
    assert a.grad == -3.0


def test_a_closure_op_on_a_subclass_gives_micrograds_numbers_and_torchs(micrograd_results):
    ours = idioms.closure_op_on_a_subclass()
    assert ours == micrograd_results['closure_op_on_a_subclass']
    x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    t = torch.tanh(x)
    (t * 3 + x * t).backward()
    assert ours['x'][1] == pytest.approx(x.grad.item(), rel=1e-15)


def test_a_closure_wins_over_the_built_in_rule_of_the_same_name(micrograd_results):
    ours = idioms.closure_named_like_a_built_in_op()
    assert ours == micrograd_results['closure_named_like_a_built_in_op']
    assert ours['Value'] == ours['TanhValue'] == [2 * 0.75 * 0.75, 4 * 0.75]  # y = 2x * x, dy/dx = 4x


# _prev, star imports

def test_prev_is_micrograds_set_of_distinct_children(micrograd_results):
    assert idioms.prev_sets() == micrograd_results['prev_sets']


def test_star_imports_keep_the_builtin_sum(micrograd_results):
    ours = idioms.star_imports()
    reference = micrograd_results['star_imports']
    assert {key: ours[key] for key in ('act', 'accuracy', 'accuracy type')} == \
        {key: reference[key] for key in ('act', 'accuracy', 'accuracy type')}
    assert ours['exported']['micrograd.engine'] == ['Number', 'OpFunction', 'Value', 'define_op', 'dot']
    # micrograd's nn also hands out the `random` module it imports; ours exports only its own names.
    assert ours['exported']['micrograd.nn'] == [name for name in reference['exported']['micrograd.nn'] if name != 'random']


def _public_modules():
    return ['micrograd'] + [f"micrograd.{module.name}" for module in pkgutil.iter_modules(micrograd.__path__)
                            if not module.name.startswith('_')]


@pytest.mark.parametrize('module', _public_modules())
def test_no_star_import_shadows_a_builtin(module):
    importlib.import_module(module)
    names = {}
    exec(f"from {module} import *", names)  # module names of this package only
    assert set(names) - {'__builtins__'} & set(dir(builtins)) == set()


# nn through micrograd's protocol

def test_a_patched_neuron_call_is_what_every_mlp_neuron_runs(micrograd_results):
    assert idioms.patched_neuron_call() == micrograd_results['patched_neuron_call']
    assert nn.Neuron.__call__ is idioms.nn.Neuron.__call__  # restored


def test_neuron_subclasses_with_extra_parameters_are_called_trained_and_zeroed(micrograd_results):
    assert idioms.subclassed_neurons() == micrograd_results['subclassed_neurons']


def test_custom_modules_in_mlp_layers_are_called_in_turn(micrograd_results):
    assert idioms.custom_modules_in_mlp_layers() == micrograd_results['custom_modules_in_mlp_layers']


def test_a_patched_layer_call_is_what_the_mlp_runs(monkeypatch):
    calls = []
    original = nn.Layer.__call__

    def counting(self, x):
        calls.append(self)
        return original(self, x)
    monkeypatch.setattr(nn.Layer, '__call__', counting)
    model = nn.MLP(2, [3, 3, 1])
    model([1.0, 2.0])
    assert calls == model.layers


def test_any_iterable_of_inputs(micrograd_results):
    assert idioms.neuron_on_a_map() == micrograd_results['neuron_on_a_map']
    layer, model = nn.Layer(2, 3), nn.MLP(2, [3, 1])
    # micrograd's Layer hands the same, used-up iterator to every neuron; here each neuron sees the inputs.
    assert [o.data for o in layer(map(Value, [1, 2]))] == [o.data for o in layer([1, 2])]
    assert model(x for x in (1.0, 2.0)).data == model((1.0, 2.0)).data == model([Value(1.0), 2]).data
    with pytest.raises(ValueError, match='expects 2 inputs, got 3'):
        model(iter([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="got str: 'ab'"):
        layer('ab')


# micrograd's graph shapes, on request

def test_micrograd_style_builds_micrograds_graphs(micrograd_results):
    """Node counts, op names, children per node, the output and every gradient: all equal, float for float."""
    ours = idioms.graph_shapes(micrograd.micrograd_style)
    reference = micrograd_results['graph_shapes']
    assert list(ours) == list(reference)
    for name, shape in ours.items():
        assert shape == reference[name], name
    assert reference['trace_graph: Neuron(2)']['nodes'] == 10  # micrograd README's picture


def test_by_default_a_neuron_is_one_dot_node_with_the_same_numbers():
    fused, micrograd_shaped = nn.Neuron(3), None
    x = [0.5, -1.0, 2.0]
    with micrograd.micrograd_style():
        micrograd_shaped = fused(x)
    out = fused(x)
    assert out._op == 'ReLU' and [child._op for child in out._prev] == ['dot']
    assert len(micrograd_shaped._prev.pop()._prev) == 2  # a '+' of the last product
    assert out.data == micrograd_shaped.data


# What micrograd got wrong or never had

def _closure_tanh_graph():
    a, b = Value(0.3, label='a'), Value(-1.2, label='b')
    t = idioms.lecture_tanh(a * b)
    return a, b, t * t + t  # the closure node is used twice


def _torch_tanh_graph_gradients():
    a, b = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.3, -1.2))
    t = torch.tanh(a * b)
    (t * t + t).backward()
    return a.grad.item(), b.grad.item()


def test_backward_twice_through_a_closure_adds_exactly_twice():
    a, b, y = _closure_tanh_graph()
    y.backward()
    once = (a.grad, b.grad)
    y.backward()
    assert (a.grad, b.grad) == (2 * once[0], 2 * once[1])
    assert once == pytest.approx(_torch_tanh_graph_gradients(), rel=1e-14)


def test_a_closure_cannot_be_differentiated_again_and_says_to_use_define_op():
    a, b, y = _closure_tanh_graph()
    first = grad(y, [a, b])  # on floats the closure is fine
    assert [g.data for g in first] == pytest.approx(_torch_tanh_graph_gradients(), rel=1e-14)
    with pytest.raises(ValueError, match=r"cannot differentiate again through op 'tanh'.*micrograd.define_op"):
        grad(y, [a, b], create_graph=True)


def test_an_unknown_op_without_a_closure_points_to_define_op():
    a = Value(2.0)
    a.grad = 0.25
    mystery = Value(4.0, (a,), 'mystery')
    y = mystery * 3
    for run in (y.backward, lambda: (setattr(mystery, 'grad', 1.0), mystery._backward())):
        with pytest.raises(ValueError, match=r"op 'mystery'.*no derivative rule.*_backward closure.*define_op"):
            run()
        assert a.grad == 0.25  # never a silent zero or a half-done pass
    assert Value(1.0, (a, a), '**2')._op == '**2'  # a known op with the wrong operand count is unknown too
    with pytest.raises(ValueError, match='define_op'):
        Value(1.0, (a, a), '**2').backward()


def test_a_failing_closure_leaves_every_grad_as_it_was():
    a, b = Value(1.5), Value(-2.0)
    a.grad, b.grad = 0.125, -4.0
    product = a * b
    broken = Value(product.data ** 2, (product,), 'square')

    def fails_half_way():
        product.grad += 2 * product.data * broken.grad
        raise RuntimeError('the closure fails')
    broken._backward = fails_half_way
    y = broken + a * 3  # backward reaches a through the '+' before the closure fails
    with pytest.raises(RuntimeError, match='the closure fails'):
        y.backward()
    assert (a.grad, b.grad, product.grad, broken.grad, y.grad) == (0.125, -4.0, 0.0, 0.0, 0.0)

    def square_rule():
        product.grad += 2 * product.data * broken.grad
    broken._backward = square_rule
    y.backward()  # the failed pass left nothing behind: this one is exact
    assert (a.grad, b.grad) == (0.125 + 2 * -3.0 * -2.0 + 3, -4.0 + 2 * -3.0 * 1.5)
    assert math.isclose(y.data, 9.0 + 4.5)
