"""micrograd.nn against micrograd 0.1.0's recorded weights and losses, PyTorch, and the four backprop equations."""

import json
import math
import os
import random
import re
import stat

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
    with pytest.raises(ValueError, match="parameter 'b' is inf"):
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
    'a list': ([1, 2], 'expected a JSON object, got list'),
    'wrong format': (dict(_good_document(), format='pickle'), "format is 'pickle'"),
    'wrong version': (dict(_good_document(), version=2), 'unsupported version 2'),
    'version as text': (dict(_good_document(), version='1'), "unsupported version '1'"),
    'no version': (_without(_good_document(), 'version'), "missing \\['version'\\]"),
    'no parameters': (_without(_good_document(), 'parameters'), "missing \\['parameters'\\]"),
    'unknown type': (_with_model(type='CNN'), "'type' is one of"),
    'type as a list': (_with_model(type=['MLP']), "'type' is one of"),
    'activation as a list': (_with_model(activation=['relu']), r"activation must be one of .*, got list: \['relu'\]"),
    'deeply nested': (b'[' * 100000 + b']' * 100000, 'invalid JSON'),
    'model not an object': (dict(_good_document(), model=[1]), "'type' is one of"),
    'no nouts': ({**_good_document(), 'model': _without(_good_document()['model'], 'nouts')},
                 "missing \\['nouts'\\]"),
    'extra model key': (_with_model(dropout=0.5), "unexpected keys \\['dropout'\\]"),
    'nin as text': (_with_model(nin='2'), 'nin must be a positive int'),
    'nin as bool': (_with_model(nin=True), 'nin must be a positive int'),
    'nouts not a list': (_with_model(nouts=3), 'nouts must be a list'),
    'unknown activation': (_with_model(activation='gelu'), "activation must be one of .*, got 'gelu'"),
    'too few parameters': (_with_model(nouts=[3, 1]), 'has 13 parameters but the file lists 9'),
    'huge architecture': (_with_model(nin=10 ** 12), 'parameters but the file lists 9'),
    'parameters not an object': (dict(_good_document(), parameters=[0.5] * 9), "'parameters' must be an object"),
    'parameter as text': (_with_parameter('layers.0.neurons.0.b', '0.5'), 'must be a finite number, got str'),
    'parameter null': (_with_parameter('layers.0.neurons.0.b', None), 'must be a finite number, got NoneType'),
    'renamed parameter': ({**_good_document(), 'parameters': {
        name.replace('.0.b', '.0.bias'): value for name, value in _good_document()['parameters'].items()}},
        r"missing \['layers.0.neurons.0.b', 'layers.1.neurons.0.b'\], unexpected \['layers.0.neurons.0.bias'"),
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
