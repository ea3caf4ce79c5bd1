"""micrograd.nn against micrograd 0.1.0's recorded weights and losses, PyTorch, and the four backprop equations."""

import json
import math
import os
import random
import re
import stat
import subprocess
import sys
import tracemalloc

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd
from micrograd import Value
from micrograd.nn import MLP, Layer, Neuron, load

DATA = os.path.join(os.path.dirname(__file__), 'data')


@pytest.fixture(scope='module')
def reference():
    with open(os.path.join(DATA, 'micrograd_reference.json')) as file:
        return json.load(file)


# micrograd 0.1.0 compatibility (oracle: numbers recorded from micrograd itself, tests/data/README.md)

def test_seed_1337_gives_micrograds_initial_weights_and_repr(reference):
    state = random.getstate()
    try:
        random.seed(1337)
        model = MLP(2, [16, 16, 1])
    finally:
        random.setstate(state)
    assert [p.data for p in model.parameters()] == reference['initial_parameters']
    assert repr(model) == reference['repr']


def test_a_private_rng_draws_what_random_seed_draws(reference):
    model = MLP(2, [16, 16, 1], rng=random.Random(1337))
    assert [p.data for p in model.parameters()] == reference['initial_parameters']


def test_micrograds_demo_loop_gives_micrograds_losses(reference):
    """micrograd's demo.ipynb loop written with our Values: same losses and accuracies."""
    model = MLP(2, [16, 16, 1], rng=random.Random(1337))
    X, y = reference['X'], [label * 2 - 1 for label in reference['y']]
    for k, (expected_loss, expected_accuracy) in enumerate(
            zip(reference['demo_losses'][:3], reference['demo_accuracies'][:3])):
        scores = [model(list(map(Value, row))) for row in X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        total = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        accuracy = sum((yi > 0) == (si.data > 0) for yi, si in zip(y, scores)) / len(y)
        assert total.data == pytest.approx(expected_loss, rel=1e-12, abs=0)
        assert accuracy == expected_accuracy
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad


def test_neuron_is_one_dot_node_with_micrograds_floats():
    neuron = Neuron(3, rng=random.Random(5))
    neuron.b.data = 0.3
    x = [0.1, -2.5, 7.25]
    act = neuron(x)
    assert act._op == 'ReLU' and act._operands[0]._op == 'dot'
    w = [p.data for p in neuron.w]
    z = 0.3 + w[0] * x[0] + w[1] * x[1] + w[2] * x[2]
    assert z != 0 and act.data == max(0.0, z)
    operands = act._operands[0]._operands
    assert operands[0::2] == (*neuron.w, neuron.b) and [v.data for v in operands[1:-1:2]] == x


def _dot_inputs(node):
    """The x operands of a neuron's dot node (w0, x0, w1, x1, ..., b), seen through its activation."""
    dot_node = node if node._op == 'dot' else node._operands[0]
    return dot_node._operands[1:-1:2]


def test_float_inputs_become_values_once_per_call_not_per_neuron():
    layer_outputs = Layer(2, 3)([0.5, 1.5])
    hidden_outputs = _dot_inputs(MLP(2, [3, 1])([0.5, 1.5]))  # the linear output neuron's inputs
    for neurons in (layer_outputs, hidden_outputs):
        inputs = [_dot_inputs(n) for n in neurons]
        assert len(inputs) == 3 and inputs[1] == inputs[0] and inputs[2] == inputs[0]  # the same Values
        assert [x.data for x in inputs[0]] == [0.5, 1.5]


def test_reprs_read_like_micrograds():
    assert repr(Neuron(2)) == 'ReLUNeuron(2)'
    assert repr(Neuron(2, nonlin=False)) == 'LinearNeuron(2)'
    assert repr(Neuron(2, activation='tanh')) == 'TanhNeuron(2)'
    assert repr(Layer(3, 2, activation='sigmoid')) == 'Layer of [SigmoidNeuron(3), SigmoidNeuron(3)]'
    assert repr(MLP(2, [1, 1])) == 'MLP of [Layer of [ReLUNeuron(2)], Layer of [LinearNeuron(1)]]'


def test_none_activations_of_an_mlp_mean_linear_and_of_a_neuron_micrograds_relu():
    model = MLP(3, [4, 2], activation=None, output_activation=None, rng=random.Random(2))
    assert repr(model) == f"MLP of [Layer of [{', '.join(['LinearNeuron(3)'] * 4)}], Layer of [LinearNeuron(4), LinearNeuron(4)]]"
    assert model.architecture()['activation'] == model.architecture()['output_activation'] == 'linear'
    x = [0.5, -1.25, 2.0]
    expected, _ = _torch_forward(model, x)  # torch's nn.Linear stack: no activation
    W1 = [[w.data for w in n.w] for n in model.layers[0].neurons]
    W2 = [[w.data for w in n.w] for n in model.layers[1].neurons]
    hidden = [sum(w * xi for w, xi in zip(row, x)) for row in W1]  # biases are 0
    assert [o.data for o in model(x)] == pytest.approx([sum(w * h for w, h in zip(row, hidden)) for row in W2],
                                                      rel=1e-12)
    assert [o.data for o in model(x)] == pytest.approx(expected.tolist(), rel=1e-12)
    assert repr(Neuron(2, activation=None)) == 'ReLUNeuron(2)' and repr(Layer(2, 1, activation=None)) == \
        'Layer of [ReLUNeuron(2)]'


def test_one_output_layer_returns_a_value_and_wider_a_list():
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    out = Layer(2, 3)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3


# Against PyTorch (float64)

def _torch_forward(model, x):
    """The same network in torch, built from our weights, with per-layer activation."""
    functions = {'relu': torch.relu, 'tanh': torch.tanh, 'sigmoid': torch.sigmoid, 'linear': lambda t: t}
    weights = []
    a = torch.tensor(x, dtype=torch.float64)
    for layer in model.layers:
        W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        weights.append((W, b))
        a = functions[layer.neurons[0].activation](W @ a + b)
    return a, weights


@pytest.mark.parametrize('activation, output_activation', [
    ('relu', 'linear'), ('tanh', 'sigmoid'), ('sigmoid', 'tanh'), ('linear', 'relu')])
@pytest.mark.parametrize('nouts', [[4, 3], [1, 1], [3, 1, 2]])
def test_forward_and_gradients_match_torch(activation, output_activation, nouts):
    model = MLP(3, nouts, activation=activation, output_activation=output_activation, rng=random.Random(7))
    for p in model.parameters()[::3]:
        p.data += 0.1  # nonzero biases too
    x = [0.5, -1.25, 2.0]
    out = model(x)
    outs = out if isinstance(out, list) else [out]
    expected, weights = _torch_forward(model, x)
    assert [o.data for o in outs] == pytest.approx(expected.tolist(), rel=1e-12, abs=1e-15)
    coefficients = [1.0, -2.0, 0.5][:len(outs)]
    sum(c * o for c, o in zip(coefficients, outs)).backward()
    (expected * torch.tensor(coefficients, dtype=torch.float64)).sum().backward()
    for layer, (W, b) in zip(model.layers, weights):
        assert [[w.grad for w in n.w] for n in layer.neurons] == [
            pytest.approx(row, rel=1e-12, abs=1e-15) for row in W.grad.tolist()]
        assert [n.b.grad for n in layer.neurons] == pytest.approx(b.grad.tolist(), rel=1e-12, abs=1e-15)


def test_the_four_backprop_equations_for_a_sigmoid_network():
    """Nielsen's BP1-BP4 for C = 1/2 sum (a_L - y)^2, computed by hand from the forward pass."""
    model = MLP(2, [3, 2], activation='sigmoid', output_activation='sigmoid', rng=random.Random(3))
    x, y = [0.7, -0.4], [1.0, 0.0]
    out = model(x)
    (0.5 * sum((a - t) ** 2 for a, t in zip(out, y))).backward()

    def sigmoid(z):
        return 1 / (1 + math.exp(-z))

    hidden, output = model.layers
    W1 = [[w.data for w in n.w] for n in hidden.neurons]
    W2 = [[w.data for w in n.w] for n in output.neurons]
    z1 = [n.b.data + sum(w * xi for w, xi in zip(row, x)) for n, row in zip(hidden.neurons, W1)]
    a1 = [sigmoid(z) for z in z1]
    z2 = [n.b.data + sum(w * a for w, a in zip(row, a1)) for n, row in zip(output.neurons, W2)]
    a2 = [sigmoid(z) for z in z2]
    slope = [[sigmoid(z) * (1 - sigmoid(z)) for z in zs] for zs in (z1, z2)]
    delta2 = [(a - t) * s for a, t, s in zip(a2, y, slope[1])]  # BP1
    delta1 = [slope[0][k] * sum(W2[j][k] * delta2[j] for j in range(2)) for k in range(3)]  # BP2
    for layer, delta, a_in in ((output, delta2, a1), (hidden, delta1, x)):
        for j, neuron in enumerate(layer.neurons):
            assert neuron.b.grad == pytest.approx(delta[j], rel=1e-12)  # BP3
            assert [w.grad for w in neuron.w] == pytest.approx([a * delta[j] for a in a_in], rel=1e-12)  # BP4


# Shapes, activations, init

def test_width_one_hidden_layers_work():
    model = MLP(2, [1, 1, 1], activation='tanh', rng=random.Random(0))
    w = [p.data for p in model.parameters()]  # (w0, w1, b) (w, b) (w, b)
    hidden = math.tanh(w[0] * 0.5 + w[1] * -1.5 + w[2])
    hidden = math.tanh(w[3] * hidden + w[4])
    assert model([0.5, -1.5]).data == pytest.approx(w[5] * hidden + w[6], rel=1e-15)


def test_width_one_hidden_layers_work_called_one_by_one_too():
    """As micrograd's MLP does: x = layer(x); a width-1 layer's Value is the next layer's one input."""
    model = MLP(2, [1, 1, 1], activation='tanh', rng=random.Random(0))
    x = [0.5, -1.5]
    for layer in model.layers:
        x = layer(x)
    assert isinstance(x, Value) and x.data == model([0.5, -1.5]).data


class _SameNeuron(Neuron):
    """A subclass that changes nothing: the MLP then calls each module instead of taking its short path."""


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.sampled_from(['relu', 'tanh', 'sigmoid', 'linear']),
       st.lists(st.floats(-2, 2), min_size=3, max_size=3), st.booleans())
def test_the_short_path_computes_exactly_what_calling_each_module_computes(nouts, activation, x, micrograd_shaped):
    fast = MLP(3, nouts, activation=activation, rng=random.Random(4))
    called = MLP(3, nouts, activation=activation, rng=random.Random(4))
    for layer in called.layers:
        for i, neuron in enumerate(layer.neurons):
            same = _SameNeuron(3, rng=random.Random(0))
            same.__dict__.update(vars(neuron))
            layer.neurons[i] = same
    with micrograd.micrograd_style() if micrograd_shaped else micrograd.enable_grad():
        outputs = [model(x) for model in (fast, called)]
    outputs = [out if isinstance(out, list) else [out] for out in outputs]
    for out in outputs:
        micrograd.sum(out).backward()
    assert [o.data for o in outputs[0]] == [o.data for o in outputs[1]]
    assert [p.grad for p in fast.parameters()] == [p.grad for p in called.parameters()]


def test_reassigning_the_activation_changes_what_the_neuron_computes():
    neuron = Neuron(2, rng=random.Random(3))
    neuron.b.data = -0.4
    z = neuron.w[0].data * 0.5 + neuron.w[1].data * -1.0 - 0.4
    neuron.activation = 'tanh'
    assert (repr(neuron), neuron.nonlin, neuron([0.5, -1.0]).data) == ('TanhNeuron(2)', True, pytest.approx(math.tanh(z)))
    neuron.nonlin = False  # micrograd's flag: linear
    assert (neuron.activation, repr(neuron), neuron([0.5, -1.0]).data) == ('linear', 'LinearNeuron(2)', pytest.approx(z))
    neuron.nonlin = True  # a linear neuron made nonlinear is micrograd's ReLU one
    assert (neuron.activation, neuron([0.5, -1.0]).data) == ('relu', max(z, 0.0))
    with pytest.raises(ValueError, match="activation must be one of"):
        neuron.activation = 'gelu'
    assert neuron.activation == 'relu' and neuron([0.5, -1.0]).data == max(z, 0.0)  # unchanged
    layer = Layer(2, 2)
    layer.neurons[1].activation = 'sigmoid'
    assert layer.architecture()['activation'] == 'relu' and repr(layer) == 'Layer of [ReLUNeuron(2), SigmoidNeuron(2)]'


def test_inside_micrograd_style_inputs_are_checked_too():
    with micrograd.micrograd_style():
        with pytest.raises(TypeError, match="each input of Neuron must be a real number or a Value, got str: 'a'"):
            Neuron(2)([1.0, 'a'])
        with pytest.raises(ValueError, match='MLP expects 2 inputs, got 1'):
            MLP(2, [3, 1])([1.0])


@pytest.mark.parametrize('module', [Neuron(2), Layer(2, 3), MLP(2, [4, 1])], ids=repr)
def test_a_wrong_input_length_names_expected_and_got(module):
    with pytest.raises(ValueError, match='expects 2 inputs, got 3'):
        module([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match='must be an iterable of numbers or Values, got float'):
        module(1.0)


@pytest.mark.parametrize('activation, function', [
    ('relu', lambda z: max(z, 0.0)), ('tanh', math.tanh), ('sigmoid', lambda z: 1 / (1 + math.exp(-z))),
    ('linear', lambda z: z)])
def test_activations(activation, function):
    neuron = Neuron(2, activation=activation, rng=random.Random(1))
    neuron.b.data = -0.25
    for x in ([0.3, 0.9], [-2.0, 1.5]):
        z = -0.25 + neuron.w[0].data * x[0] + neuron.w[1].data * x[1]
        assert neuron(x).data == pytest.approx(function(z), rel=1e-15)


@pytest.mark.parametrize('init, bound', [('xavier', lambda i, o: math.sqrt(6 / (i + o))),
                                         ('he', lambda i, o: math.sqrt(6 / i))])
def test_scaled_inits_scale_micrograds_draws(init, bound):
    plain = MLP(3, [5, 2], rng=random.Random(9))
    scaled = MLP(3, [5, 2], init=init, rng=random.Random(9))
    for plain_layer, layer, (fan_in, fan_out) in zip(plain.layers, scaled.layers, [(3, 5), (5, 2)]):
        for p, n in zip(plain_layer.neurons, layer.neurons):
            assert [w.data for w in n.w] == pytest.approx([bound(fan_in, fan_out) * w.data for w in p.w], rel=1e-15)
            assert n.b.data == 0.0


@pytest.mark.parametrize('make, message', [
    (lambda: Neuron(2, activation='softmax'), "activation must be one of 'relu', 'tanh', 'sigmoid', 'linear', got 'softmax'"),
    (lambda: Neuron(2, nonlin=False, activation='tanh'), 'contradicts'),
    (lambda: MLP(2, [3], init='normal'), "init must be one of 'uniform', 'xavier', 'he', got 'normal'"),
    (lambda: MLP(2, []), 'at least one layer'),
    (lambda: Neuron(0), 'positive int'),
    (lambda: Layer(2, -1), 'positive int'),
])
def test_bad_constructor_arguments_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize('make, message', [
    (lambda: Neuron(2.5), 'Neuron nin must be a positive int, got float: 2.5'),
    (lambda: MLP(2, 16), 'nouts must be a list of layer widths, got int: 16'),
    (lambda: MLP(True, [1]), 'Neuron nin must be a positive int, got bool: True'),
    (lambda: MLP(2, [1.5]), 'each layer width in nouts must be a positive int, got float: 1.5'),
    (lambda: Neuron(2, activation=1), "activation must be one of 'relu', 'tanh', 'sigmoid', 'linear', got int: 1"),
    (lambda: MLP(2, [3], init=None), "init must be one of 'uniform', 'xavier', 'he', got NoneType"),
])
def test_wrong_constructor_types_raise_type_error(make, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        make()


# Parameters and state dicts

def test_parameters_are_in_micrograds_order():
    model = MLP(2, [16, 16, 1])
    params = model.parameters()
    assert len(params) == 337
    first = model.layers[0].neurons[0]
    assert params[:3] == [first.w[0], first.w[1], first.b]
    assert params[-1] is model.layers[-1].neurons[0].b


def test_parameters_ask_every_module_so_overrides_are_seen(monkeypatch):
    model = MLP(2, [2, 1], rng=random.Random(0))
    extra = Value(7.0)
    first = model.layers[0].neurons[0]
    first.parameters = lambda: first.w + [first.b, extra]  # on one instance, as micrograd would call it
    assert model.parameters()[:4] == [*first.w, first.b, extra] and len(model.parameters()) == 10
    del first.parameters
    monkeypatch.setattr(Neuron, 'parameters', lambda self: [self.b])  # on the class
    assert model.parameters() == [n.b for layer in model.layers for n in layer.neurons]
    monkeypatch.undo()
    model.layers[1].parameters = list
    assert model.parameters() == model.layers[0].parameters()


def test_replaced_parameters_are_seen_like_in_micrograd():
    """micrograd 0.1.0 computes parameters() on each call: Neuron(2) with b and w[0] replaced gives [3.0, w1, 0.5]."""
    neuron = Neuron(2)
    w1 = neuron.w[1]
    neuron.b = Value(0.5)
    neuron.w[0] = Value(3.0)
    assert neuron.parameters() == [neuron.w[0], w1, neuron.b]
    assert [p.data for p in neuron.parameters()] == [3.0, w1.data, 0.5]
    assert neuron.named_parameters() == [('w.0', neuron.w[0]), ('w.1', w1), ('b', neuron.b)]


def test_a_replaced_weight_list_reaches_state_dict_zero_grad_files_and_optimizers(tmp_path):
    model = MLP(2, [3, 1], rng=random.Random(0))
    new = [Value(1.5), Value(2.5)]
    model.layers[0].neurons[0].w = new
    assert model.parameters()[:2] == new
    assert model.named_parameters()[:2] == [('layers.0.neurons.0.w.0', new[0]), ('layers.0.neurons.0.w.1', new[1])]
    assert model.state_dict()['layers.0.neurons.0.w.1'] == 2.5
    model([1.0, 1.0]).backward()
    assert new[0].grad != 0
    model.zero_grad()
    assert new[0].grad == 0.0
    model.save(tmp_path / 'm.json')
    assert load(tmp_path / 'm.json').parameters()[1].data == 2.5
    new[0].grad = 2.0
    micrograd.optim.SGD(model.parameters(), lr=0.25).step()
    assert new[0].data == 1.5 - 0.25 * 2.0


def test_named_parameters_follow_torch_naming():
    model = MLP(2, [2, 1])
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ['layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.1', 'layers.0.neurons.0.b']
    assert names[-1] == 'layers.1.neurons.0.b'
    assert [p for _, p in model.named_parameters()] == model.parameters()


def test_zero_grad_sets_float_zero():
    model = MLP(2, [3, 1])
    model([1.0, 2.0]).backward()
    model.zero_grad()
    assert all(type(p.grad) is float and p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trip_and_mismatches():
    source, target = MLP(2, [3, 1], rng=random.Random(1)), MLP(2, [3, 1], rng=random.Random(2))
    target.load_state_dict(source.state_dict())
    assert [p.data for p in target.parameters()] == [p.data for p in source.parameters()]
    before = target.state_dict()
    broken = dict(before, **{'layers.0.neurons.0.b': math.nan})
    with pytest.raises(ValueError, match="'layers.0.neurons.0.b' must be a finite number, got nan"):
        target.load_state_dict(broken)
    missing = dict(before)
    del missing['layers.1.neurons.0.b']
    with pytest.raises(ValueError, match=r"missing \['layers.1.neurons.0.b'\], unexpected \['extra'\]"):
        target.load_state_dict(dict(missing, extra=1.0))
    with pytest.raises(TypeError, match="'layers.0.neurons.0.b' must be a finite number, got str: '1.0'"):
        target.load_state_dict(dict(before, **{'layers.0.neurons.0.b': '1.0'}))
    with pytest.raises(TypeError, match=r'state must be a dict of name -> number \(a state_dict\(\)\), got list'):
        target.load_state_dict([1.0])
    with pytest.raises(ValueError, match="'layers.0.neurons.0.b' is too large for a float"):
        target.load_state_dict(dict(before, **{'layers.0.neurons.0.b': -10 ** 400}))
    assert target.state_dict() == before  # a failed load changes nothing


# Files

@pytest.mark.parametrize('make', [
    lambda: Neuron(3, activation='tanh'), lambda: Layer(2, 4, nonlin=False),
    lambda: MLP(2, [16, 16, 1]), lambda: MLP(3, [1, 2], activation='sigmoid', output_activation='tanh', init='he')])
def test_save_load_round_trip(tmp_path, make):
    model = make()
    path = tmp_path / 'model.json'
    model.save(path)
    state = random.getstate()
    loaded = load(path)
    assert random.getstate() == state  # loading draws nothing from the global random
    assert type(loaded) is type(model) and repr(loaded) == repr(model)
    assert loaded.state_dict() == model.state_dict()
    x = [0.25, -0.5, 1.0][:model.architecture()['nin']]
    assert _data(loaded(x)) == _data(model(x))
    document = json.loads(path.read_text())
    assert document['format'] == 'micrograd-model' and document['version'] == 1


def test_a_subclass_is_saved_as_its_built_in_base(tmp_path):
    class MyMLP(MLP):
        pass
    model = MyMLP(2, [3, 1])
    model.save(tmp_path / 'm.json')
    assert json.loads((tmp_path / 'm.json').read_text())['model']['type'] == 'MLP'
    loaded = load(tmp_path / 'm.json')
    assert type(loaded) is MLP and loaded.state_dict() == model.state_dict()


def test_saving_through_a_symlink_keeps_the_link_and_the_files_mode(tmp_path):
    target = tmp_path / 'real.json'
    target.write_text('old')
    os.chmod(target, 0o600)
    (tmp_path / 'link.json').symlink_to(target)
    Neuron(2).save(tmp_path / 'link.json')
    assert (tmp_path / 'link.json').is_symlink() and isinstance(load(target), Neuron)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def _data(out):
    return [o.data for o in out] if isinstance(out, list) else out.data


@settings(max_examples=50)
@given(weights=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=7, max_size=7))
def test_saved_floats_round_trip_exactly(tmp_path_factory, weights):
    model = MLP(2, [1, 2])
    for p, w in zip(model.parameters(), weights):
        p.data = w
    path = tmp_path_factory.mktemp('floats') / 'model.json'
    model.save(path)
    assert [p.data for p in load(path).parameters()] == weights


def test_save_refuses_non_finite_parameters_and_writes_nothing(tmp_path):
    model = Neuron(2)
    model.b.data = math.inf
    with pytest.raises(ValueError, match="m.json: parameter 'b' must be a finite number, got inf"):
        model.save(tmp_path / 'm.json')
    assert os.listdir(tmp_path) == []


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / 'm.json'
    Neuron(2).save(path)
    old = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(os, 'fsync', crash)
    with pytest.raises(OSError, match='disk full'):
        Neuron(2).save(path)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ['m.json']


def _good_document():
    model = MLP(2, [2, 1], rng=random.Random(4))
    return {'format': 'micrograd-model', 'version': 1,
            'model': {'type': 'MLP', **model.architecture()}, 'parameters': model.state_dict()}


def _without(mapping, key):
    return {k: v for k, v in mapping.items() if k != key}


def _with_model(**changes):
    document = _good_document()
    document['model'].update(changes)
    return document


def _with_parameter(name, value):
    document = _good_document()
    document['parameters'][name] = value
    return document


BAD_FILES = {
    'not json': (b'hello', 'invalid JSON'),
    'truncated': (json.dumps(_good_document()).encode()[:80], 'invalid JSON'),
    'empty': (b'', 'invalid JSON'),
    'not utf-8': (b'\xff\xfe{}', 'invalid JSON'),
    'a list': ([1, 2], 'expected a JSON object, got an array'),
    'a number': (b' 12 ', 'expected a JSON object, got a number'),
    'wrong format': (dict(_good_document(), format='pickle'), "format is 'pickle'"),
    'wrong version': (dict(_good_document(), version=2), 'unsupported version 2'),
    'version as text': (dict(_good_document(), version='1'), "unsupported version '1'"),
    'no version': (_without(_good_document(), 'version'), "missing \\['version'\\]"),
    'no parameters': (_without(_good_document(), 'parameters'), "missing \\['parameters'\\]"),
    'unknown type': (_with_model(type='CNN'), "'type' is one of"),
    'type as a list': (_with_model(type=['MLP']), "'type' is one of"),
    'activation as a list': (_with_model(activation=['relu']), r"activation must be one of .*, got list: \['relu'\]"),
    'deeply nested': (b'{"model": ' + b'[' * 100000 + b']' * 100000 + b'}', 'invalid JSON'),
    'model not an object': (dict(_good_document(), model=[1]), "'type' is one of"),
    'no nouts': ({**_good_document(), 'model': _without(_good_document()['model'], 'nouts')},
                 "missing \\['nouts'\\]"),
    'extra model key': (_with_model(dropout=0.5), "unexpected keys \\['dropout'\\]"),
    'nin as text': (_with_model(nin='2'), 'nin must be a positive int'),
    'nin as bool': (_with_model(nin=True), 'nin must be a positive int'),
    'nouts not a list': (_with_model(nouts=3), 'nouts must be a list'),
    'unknown activation': (_with_model(activation='gelu'), "activation must be one of .*, got 'gelu'"),
    'too few parameters': (_with_model(nouts=[3, 1]), r"has 13 parameters but the file lists 9: missing "
                           r"\['layers.0.neurons.2.w.0', 'layers.0.neurons.2.w.1', 'layers.0.neurons.2.b', "
                           r"'layers.1.neurons.0.w.2'\], unexpected \[\]"),
    'huge architecture': (_with_model(nin=10 ** 12), 'parameters but the file lists 9'),
    'parameters not an object': (dict(_good_document(), parameters=[0.5] * 9), "'parameters' must be an object"),
    'parameter as text': (_with_parameter('layers.0.neurons.0.b', '0.5'), 'must be a finite number, got str'),
    'parameter null': (_with_parameter('layers.0.neurons.0.b', None), 'must be a finite number, got NoneType'),
    'renamed parameter': ({**_good_document(), 'parameters': {
        name.replace('.0.b', '.0.bias'): value for name, value in _good_document()['parameters'].items()}},
        r"the parameter names do not match it: missing \['layers.0.neurons.0.b', 'layers.1.neurons.0.b'\], "
        r"unexpected \['layers.0.neurons.0.bias'"),
    'overflowing number': (b'', "'layers.1.neurons.0.b' must be a finite number, got inf"),
    'huge integer': (b'', r"'layers.1.neurons.0.b' is too large for a float \(1329-bit integer\)"),
    'NaN': (b'', 'non-finite number NaN'),
    'Infinity': (b'', 'non-finite number -Infinity'),
}


def _bytes_of(case):
    content = BAD_FILES[case][0]
    literals = {'overflowing number': '1e999', 'huge integer': '1' + '0' * 400, 'NaN': 'NaN', 'Infinity': '-Infinity'}
    if case in literals:
        text = json.dumps(_with_parameter('layers.1.neurons.0.b', 12345.5))
        return text.replace('12345.5', literals[case]).encode()
    return content if isinstance(content, bytes) else json.dumps(content).encode()


def test_the_good_document_loads(tmp_path):
    (tmp_path / 'good.json').write_bytes(json.dumps(_good_document()).encode())
    assert isinstance(load(tmp_path / 'good.json'), MLP)


@pytest.mark.parametrize('case', sorted(BAD_FILES))
def test_malformed_files_raise_value_error_naming_file_and_problem(tmp_path, case):
    path = tmp_path / 'bad.json'
    path.write_bytes(_bytes_of(case))
    with pytest.raises(ValueError, match=BAD_FILES[case][1]) as error:
        load(path)
    assert str(error.value).startswith(f"{path}: ")


def test_nn_is_reachable_lazily_from_the_package():
    assert micrograd.nn.MLP is MLP


# save() writes only what load() reads back as the same model (hostile review, issue 15)

def _outputs(model, x):
    return _data(model(x))


def _saved_and_loaded(model, path):
    model.save(path)
    return load(path)


def _old_file(tmp_path):
    path = tmp_path / 'm.json'
    Neuron(2).save(path)
    return path, path.read_bytes()


@pytest.mark.parametrize('spoil, error, message', [
    (lambda m: setattr(m.layers[0].neurons[0].w[1], 'data', True), TypeError,
     r"parameter 'layers.0.neurons.0.w.1' must be a finite number, got bool: True"),
    (lambda m: setattr(m.layers[1].neurons[0].b, 'data', 10 ** 400), ValueError,
     r"parameter 'layers.1.neurons.0.b' is too large for a float \(1329-bit integer\)"),
    (lambda m: setattr(m.layers[1].neurons[0].b, 'data', '0.5'), TypeError,
     r"parameter 'layers.1.neurons.0.b' must be a finite number, got str: '0.5'"),
    (lambda m: setattr(m.layers[0].neurons[1], 'b', 0.5), TypeError,
     r"parameter 'layers.0.neurons.1.b' is a float \(0.5\), not a Value"),
    (lambda m: m.layers[0].neurons[1].w.append(Value(0.25)), ValueError,
     r"the architecture has 9 parameters but the file lists 10: missing \[\], unexpected "
     r"\['layers.0.neurons.1.w.2'\]"),
    (lambda m: m.layers.append(Layer(4, 1)), ValueError,  # 4 inputs after a 1-wide layer
     r"the architecture has 11 parameters but the file lists 14: missing \[\], unexpected "
     r"\['layers.2.neurons.0.w.1', 'layers.2.neurons.0.w.2', 'layers.2.neurons.0.w.3'\]"),
    (lambda m: m.layers.__setitem__(1, object()), TypeError,
     r"layers.1 is a object \(<object object at .*>\), not a Layer: only an MLP of Layers of Neurons can be saved"),
    (lambda m: m.layers[1].neurons.clear(), ValueError, 'layers.1 has no neurons'),
    (lambda m: m.layers.clear(), ValueError, 'the MLP has no layers'),
    (lambda m: setattr(m, 'activation', 'gelu'), ValueError, "activation must be one of .*, got 'gelu'"),
])
def test_save_refuses_what_load_would_refuse_and_keeps_the_old_file(tmp_path, spoil, error, message):
    path, old = _old_file(tmp_path)
    model = MLP(2, [2, 1], rng=random.Random(3))
    spoil(model)
    with pytest.raises(error, match=f"^cannot save {path}: {message}"):
        model.save(path)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ['m.json']


def test_a_subclass_computing_its_own_way_is_refused_not_saved_as_its_base(tmp_path):
    class Doubling(Neuron):
        def _forward(self, x):
            return 2 * super()._forward(x)
    model = MLP(2, [2, 1])
    model.layers[0].neurons[1] = Doubling(2)
    path, old = _old_file(tmp_path)
    with pytest.raises(TypeError, match="layers.0.neurons.1 is a Doubling, whose Doubling._forward replaces Neuron's"):
        model.save(path)
    assert path.read_bytes() == old


def test_numpy_and_float32_parameters_are_saved_as_their_exact_values(tmp_path):
    np = pytest.importorskip('numpy')
    model = Neuron(2)
    model.w[0].data, model.w[1].data, model.b.data = np.float32(0.1), np.float64(-2.5), np.int64(3)
    loaded = _saved_and_loaded(model, tmp_path / 'm.json')
    assert [p.data for p in loaded.parameters()] == [float(np.float32(0.1)), -2.5, 3.0]


def test_a_layer_whose_neurons_have_different_activations_loads_with_the_same_outputs(tmp_path):
    layer = Layer(2, 3, rng=random.Random(5))
    layer.neurons[1] = Neuron(2, activation='tanh', rng=random.Random(6))
    layer.neurons[2].activation = 'sigmoid'
    for neuron in layer.neurons:
        neuron.b.data = -0.3
    x = [0.7, -1.1]
    loaded = _saved_and_loaded(layer, tmp_path / 'm.json')
    assert [n.activation for n in loaded.neurons] == ['relu', 'tanh', 'sigmoid']
    # Oracle: each neuron's activation applied by hand to b + w . x.
    sums = [n.b.data + sum(w.data * xi for w, xi in zip(n.w, x)) for n in layer.neurons]
    expected = [max(sums[0], 0.0), math.tanh(sums[1]), 1 / (1 + math.exp(-sums[2]))]
    assert _outputs(loaded, x) == pytest.approx(expected, rel=1e-15) and _outputs(loaded, x) == _outputs(layer, x)
    assert json.loads((tmp_path / 'm.json').read_text())['model']['activations'] == {
        'neurons.1': 'tanh', 'neurons.2': 'sigmoid'}


def test_an_mlp_with_a_replaced_layer_and_a_grown_neuron_round_trips(tmp_path):
    model = MLP(2, [3, 1], rng=random.Random(7))
    model.layers[0] = Layer(2, 3, activation='tanh', rng=random.Random(8))
    model.layers[1].neurons[0].activation = 'sigmoid'
    loaded = _saved_and_loaded(model, tmp_path / 'm.json')
    assert _outputs(loaded, [0.5, -2.0]) == _outputs(model, [0.5, -2.0])
    assert [n.activation for n in neurons_of(loaded)] == ['tanh'] * 3 + ['sigmoid']
    neuron = Neuron(2, rng=random.Random(9))
    neuron.w.append(Value(0.75))  # a weight list grown by hand: a 3-input neuron
    loaded = _saved_and_loaded(neuron, tmp_path / 'n.json')
    assert len(loaded.w) == 3 and _outputs(loaded, [1.0, 2.0, 3.0]) == _outputs(neuron, [1.0, 2.0, 3.0])


def test_setting_activation_or_nonlin_changes_what_the_neuron_computes_as_in_micrograd():
    neuron = Neuron(2, rng=random.Random(10))
    neuron.b.data = -5.0  # b + w . x < 0 for the input below, so ReLU gives 0 and linear does not
    x = [0.5, 0.5]
    z = -5.0 + sum(w.data * xi for w, xi in zip(neuron.w, x))
    assert neuron(x).data == 0.0
    neuron.nonlin = False  # micrograd's attribute, read on each call there
    assert neuron(x).data == z and neuron.activation == 'linear'
    neuron.nonlin = True
    assert neuron(x).data == 0.0 and neuron.activation == 'relu'
    neuron.activation = 'tanh'
    assert neuron(x).data == math.tanh(z) and neuron.nonlin is True
    with pytest.raises(ValueError, match="activation must be one of .*, got 'gelu'"):
        neuron.activation = 'gelu'
    assert neuron.activation == 'tanh'


@settings(max_examples=30)
@given(data=st.data())
def test_any_mix_of_activations_round_trips_with_the_same_outputs(tmp_path_factory, data):
    nouts = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    model = MLP(2, nouts, rng=random.Random(data.draw(st.integers(0, 100))))
    names = sorted(nn_activations())
    for neuron in neurons_of(model):
        neuron.activation = data.draw(st.sampled_from(names))
        neuron.b.data = data.draw(st.floats(-2, 2))
    loaded = _saved_and_loaded(model, tmp_path_factory.mktemp('mix') / 'm.json')
    assert [n.activation for n in neurons_of(loaded)] == [n.activation for n in neurons_of(model)]
    assert _outputs(loaded, [0.3, -0.8]) == _outputs(model, [0.3, -0.8])


def nn_activations():
    return micrograd.nn.ACTIVATIONS


@pytest.mark.parametrize('make', [lambda: Neuron(3), lambda: Layer(2, 4), lambda: MLP(3, [2, 4, 1])])
def test_the_files_parameter_names_are_the_models(make):
    from micrograd.nn import _checked, _document
    model = make()
    document = _document(model)
    assert list(document['parameters']) == [name for name, _ in model.named_parameters()]
    assert _checked(document)[3] == [p.data for p in model.parameters()]


# load() bounds its work by what the file declares (hostile review, issue 15)

def _document_with(**changes):
    return {**_good_document(), **changes}


def test_an_unknown_key_is_refused_before_its_value_is_parsed(tmp_path):
    path = tmp_path / 'm.json'
    text = json.dumps(_good_document())
    path.write_text(text[:-1] + ', "junk": [1, 2, this is not even JSON')
    with pytest.raises(ValueError, match=r"the key 'junk' is not one of \['format', 'version', 'model', 'parameters'\]"):
        load(path)


def test_a_large_junk_value_costs_no_more_memory_than_reading_the_file(tmp_path):
    path = tmp_path / 'm.json'
    junk = '[' + '0,' * 2_500_000 + '0]'
    path.write_text('{"junk": ' + junk + ', ' + json.dumps(_good_document())[1:])
    size = path.stat().st_size
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="the key 'junk' is not one of"):
            load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * size  # the bytes and their text; json.loads would also build a list of 2.5 million ints


def test_mismatched_parameter_names_are_refused_before_any_neuron_is_built(tmp_path, monkeypatch):
    document = _good_document()
    document['parameters'] = {name.replace('neurons.0.b', 'neurons.0.bias'): value
                              for name, value in document['parameters'].items()}
    path = tmp_path / 'm.json'
    path.write_text(json.dumps(document))

    def no_building(*args, **kwargs):
        raise AssertionError("a Neuron was built before the names were checked")
    monkeypatch.setattr(Neuron, '__init__', no_building)
    with pytest.raises(ValueError, match=r"missing \['layers.0.neurons.0.b', 'layers.1.neurons.0.b'\]"):
        load(path)


@pytest.mark.parametrize('text, message', [
    ('{"format": "micrograd-model", "format": "x"}', "the key 'format' appears twice"),
    (json.dumps(_good_document()).replace('"layers.0.neurons.0.b":', '"layers.0.neurons.0.w.0": 1, '
                                                                       '"layers.0.neurons.0.b":'),
     "the key 'layers.0.neurons.0.w.0' appears twice in an object"),
    ('{"format": 1 "version": 1}', r"invalid JSON \(Expecting ',' delimiter"),
    ('{"format" 1}', r"invalid JSON \(Expecting ':' delimiter"),
    ('{"format": 1} x', r'invalid JSON \(Extra data'),
    ('{}', r"the file is missing \['format', 'version', 'model', 'parameters'\]"),
    ('{1: 2}', r"invalid JSON \(Expecting property name enclosed in double quotes"),
])
def test_the_top_level_object_is_read_key_by_key_with_clear_errors(tmp_path, text, message):
    path = tmp_path / 'm.json'
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load(path)


@pytest.mark.parametrize('activations, message', [
    ({'layers.0.neurons.5': 'tanh'}, "'activations' names 'layers.0.neurons.5', which is not a neuron"),
    ({'layers.0.neurons.1': 'gelu'}, "activation of layers.0.neurons.1 must be one of .*, got 'gelu'"),
    (['tanh'], "'activations' must be an object of neuron -> activation, got list"),
])
def test_per_neuron_activations_in_a_file_are_checked(tmp_path, activations, message):
    document = _good_document()
    document['model']['activations'] = activations
    path = tmp_path / 'm.json'
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=message):
        load(path)


def test_files_above_the_size_limit_are_refused_before_reading_and_never_written(tmp_path, monkeypatch):
    path, old = _old_file(tmp_path)
    monkeypatch.setattr(micrograd.nn, 'MAX_FILE_BYTES', len(old) - 1)
    with pytest.raises(ValueError, match=f"{path}: the model file has {len(old)} bytes, more than the "
                                         f"{len(old) - 1} micrograd reads"):
        load(path)
    with pytest.raises(ValueError, match=f"cannot save {path}: the model file would have [0-9,]+ bytes, more than"):
        Neuron(3).save(path)
    assert path.read_bytes() == old


def test_loading_a_fifo_or_device_is_refused_without_blocking_or_reading(tmp_path):
    os.mkfifo(tmp_path / 'fifo')
    code = ("import sys\nfrom micrograd.nn import load\n"
            "for path in sys.argv[1:]:\n"
            "    try:\n        load(path)\n    except OSError as error:\n        print(error)\n")
    done = subprocess.run([sys.executable, '-c', code, str(tmp_path / 'fifo'), '/dev/zero'], capture_output=True,
                          text=True, timeout=30, env={**os.environ, 'PYTHONPATH': os.getcwd()})
    assert done.stdout.splitlines() == [f"{tmp_path / 'fifo'}: it is a FIFO, not a regular file; micrograd only "
                                        "writes and reads regular files",
                                        "/dev/zero: it is a character device, not a regular file; micrograd only "
                                        "writes and reads regular files"], done.stderr


def test_unprivileged_save_refuses_a_read_only_model_file(shared_dir, unprivileged):
    path = shared_dir / 'model.json'
    Neuron(2).save(path)
    old = path.read_bytes()
    path.chmod(0o444)
    code = ("from micrograd.nn import Neuron\ntry:\n    Neuron(3).save('model.json')\n"
            "except PermissionError as error:\n    print(error.strerror)\n")
    done = unprivileged(code, cwd=shared_dir)
    assert done.stdout == "the file is read-only (mode 0444) for this process; micrograd does not replace it\n", done
    assert path.read_bytes() == old


def neurons_of(model):
    return [neuron for layer in model.layers for neuron in layer.neurons]


def test_errors_name_a_large_model_by_its_type_not_its_repr():
    layer = Layer(3, 2000)
    with pytest.raises(ValueError) as error:
        layer([1.0])
    assert str(error.value) == 'Layer expects 3 inputs, got 1'  # the type, not a 2000-neuron repr
