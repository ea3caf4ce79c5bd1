"""micrograd.export against PyTorch itself: exported models' outputs and gradients, round trips, refusals."""

import importlib
import importlib.abc
import importlib.machinery
import random
import subprocess
import sys
import warnings

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import micrograd
from micrograd import Value, nn
from micrograd.export import from_torch, to_torch
from micrograd.testing import floats

ACTIVATIONS = ('relu', 'tanh', 'sigmoid', 'linear')
TORCH_ACTIVATIONS = {'relu': torch.nn.ReLU, 'tanh': torch.nn.Tanh, 'sigmoid': torch.nn.Sigmoid}


def layers_of(model):
    """The neurons of each layer of a micrograd Neuron, Layer or MLP."""
    if isinstance(model, nn.MLP):
        return [layer.neurons for layer in model.layers]
    return [model.neurons] if isinstance(model, nn.Layer) else [[model]]


@st.composite
def models(draw):
    """A micrograd MLP, Layer or Neuron of any activations and init, with drawn biases (init makes them 0)."""
    kind = draw(st.sampled_from(['MLP', 'Layer', 'Neuron']))
    nin = draw(st.integers(1, 4))
    activation = st.sampled_from(ACTIVATIONS)
    init = {'init': draw(st.sampled_from(sorted(nn.INITS))), 'rng': random.Random(draw(st.integers(0, 2 ** 32)))}
    if kind == 'MLP':
        nouts = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
        model = nn.MLP(nin, nouts, activation=draw(activation), output_activation=draw(activation), **init)
    elif kind == 'Layer':
        model = nn.Layer(nin, draw(st.integers(1, 4)), activation=draw(activation), **init)
    else:
        model = nn.Neuron(nin, activation=draw(activation), **init)
    for neurons in layers_of(model):
        for neuron in neurons:
            neuron.b.data = draw(floats(-1, 1))
    return model


def batches(nin):
    return st.lists(st.lists(floats(-3, 3), min_size=nin, max_size=nin), min_size=1, max_size=3)


def assert_close(actual, expected):
    """Equal to 1e-12 relative, measured against the tensor's largest entry.

    A sum's rounding error scales with its terms, not with its result, so an
    entry that cancels to nearly 0 is judged by the size of its neighbours.
    """
    actual = torch.as_tensor(actual, dtype=torch.float64)
    expected = torch.as_tensor(expected, dtype=torch.float64)
    torch.testing.assert_close(actual, expected, rtol=1e-12, atol=1e-12 * float(expected.abs().max()))


def outputs(model, x):
    """A micrograd model's outputs on one sample as a list (it returns a Value for one output)."""
    out = model(x)
    return out if isinstance(out, list) else [out]


def bits(xs):
    return [float(x).hex() for x in xs]


def linears(module):
    return [m for m in module if isinstance(m, torch.nn.Linear)]


# to_torch: the same function, the same gradients

@given(st.data())
def test_exported_outputs_and_gradients_equal_micrograds(data):
    model = data.draw(models())
    layers = layers_of(model)
    X = data.draw(batches(len(layers[0][0].w)))
    exported = to_torch(model)

    expected_types = []
    for neurons in layers:
        expected_types.append(torch.nn.Linear)
        if neurons[0].activation != 'linear':
            expected_types.append(TORCH_ACTIVATIONS[neurons[0].activation])
    assert [type(m) for m in exported] == expected_types
    assert all(p.dtype == torch.float64 for p in exported.parameters())

    ours = [outputs(model, x) for x in X]
    theirs = exported(torch.tensor(X, dtype=torch.float64))
    assert theirs.shape == (len(X), len(layers[-1]))
    assert_close([[o.data for o in row] for row in ours], theirs.detach())

    coefficients = data.draw(st.lists(floats(-2, 2), min_size=theirs.numel(), max_size=theirs.numel()))
    c = torch.tensor(coefficients, dtype=torch.float64).reshape(theirs.shape)
    micrograd.sum([ci * o for ci, o in zip(coefficients, [o for row in ours for o in row])]).backward()
    (c * theirs).sum().backward()
    for neurons, linear in zip(layers, linears(exported)):
        assert_close([[w.grad for w in n.w] for n in neurons], linear.weight.grad)
        assert_close([n.b.grad for n in neurons], linear.bias.grad)


def test_one_output_is_a_value_in_micrograd_and_a_tensor_in_torch():
    neuron = nn.Neuron(3, activation='tanh', rng=random.Random(4))
    x = [0.5, -1.0, 2.0]
    exported = to_torch(neuron)
    assert isinstance(neuron(x), Value)
    one = exported(torch.tensor(x, dtype=torch.float64))
    assert one.shape == (1,) and one.item() == pytest.approx(neuron(x).data, rel=1e-12)
    assert exported(torch.tensor([x, x], dtype=torch.float64)).shape == (2, 1)


def test_a_hand_built_mlp_with_different_activations_per_layer_exports():
    model = nn.MLP(2, [3, 3, 1], rng=random.Random(5))
    model.layers[1] = nn.Layer(3, 3, activation='sigmoid', rng=random.Random(6))
    exported = to_torch(model)
    assert [type(m) for m in exported] == [torch.nn.Linear, torch.nn.ReLU, torch.nn.Linear, torch.nn.Sigmoid,
                                           torch.nn.Linear]
    x = [0.3, -0.8]
    assert_close([model(x).data], exported(torch.tensor(x, dtype=torch.float64)).detach())
    with pytest.raises(ValueError, match=r"module 3 \(Sigmoid\(\)\).*hidden layer 1 'sigmoid'.*hidden layer 0 "
                                         r"is 'relu'"):
        from_torch(exported)


def test_to_torch_leaves_torch_random_state_alone():
    state = torch.get_rng_state()
    to_torch(nn.MLP(4, [8, 2], rng=random.Random(1)))
    assert torch.equal(torch.get_rng_state(), state)


# Round trips keep every bit

@given(models())
def test_micrograd_to_torch_to_micrograd_keeps_every_weight_bit(model):
    back = from_torch(to_torch(model))
    assert isinstance(back, nn.MLP)
    assert bits(p.data for p in back.parameters()) == bits(p.data for p in model.parameters())
    assert [[n.activation for n in neurons] for neurons in layers_of(back)] == \
        [[n.activation for n in neurons] for neurons in layers_of(model)]


@st.composite
def sequentials(draw):
    """A float64 torch Sequential of Linears with torch's own init, and ReLU/Tanh/Sigmoid/Identity or nothing."""
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    choices = st.sampled_from([torch.nn.ReLU, torch.nn.Tanh, torch.nn.Sigmoid, torch.nn.Identity, None])
    hidden, output = draw(choices), draw(choices)
    modules = []
    with torch.random.fork_rng():
        torch.manual_seed(draw(st.integers(0, 2 ** 32)))
        for i in range(len(sizes) - 1):
            modules.append(torch.nn.Linear(sizes[i], sizes[i + 1], dtype=torch.float64))
            activation = output if i == len(sizes) - 2 else hidden
            if activation is not None:
                modules.append(activation())
    return torch.nn.Sequential(*modules)


@given(sequentials(), st.data())
def test_torch_to_micrograd_computes_the_same_and_back_keeps_every_bit(module, data):
    model = from_torch(module)
    X = data.draw(batches(module[0].in_features))
    expected = module(torch.tensor(X, dtype=torch.float64)).detach()
    assert_close([[o.data for o in outputs(model, x)] for x in X], expected)

    again = to_torch(model)
    assert [type(m) for m in again] == [type(m) for m in module if type(m) is not torch.nn.Identity]
    for new, old in zip(linears(again), linears(module)):
        for a, b in ((new.weight, old.weight), (new.bias, old.bias)):
            assert torch.equal(a.detach().view(torch.int64), b.detach().view(torch.int64))
    assert torch.equal(again(torch.tensor(X, dtype=torch.float64)), expected)  # same floats, same kernels


def test_layer_and_neuron_come_back_as_the_first_layer_and_neuron_of_an_mlp():
    layer = nn.Layer(3, 2, activation='tanh', rng=random.Random(2))
    neuron = nn.Neuron(3, activation='sigmoid', rng=random.Random(3))
    assert repr(from_torch(to_torch(layer)).layers[0]) == repr(layer)
    back = from_torch(to_torch(neuron)).layers[0].neurons[0]
    assert repr(back) == repr(neuron) and bits(p.data for p in back.parameters()) == \
        bits(p.data for p in neuron.parameters())


def test_from_torch_leaves_the_global_random_alone():
    state = random.getstate()
    from_torch(torch.nn.Sequential(torch.nn.Linear(3, 2, dtype=torch.float64)))
    assert random.getstate() == state


# float32 and other precisions

def test_float32_modules_are_converted_exactly_with_a_warning():
    with torch.random.fork_rng():
        torch.manual_seed(0)
        module = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    with pytest.warns(UserWarning, match=r"converted the module's float32 parameters to float64 \(exactly\)"):
        model = from_torch(module)
    expected = [v for linear in linears(module) for row, b in zip(linear.weight.tolist(), linear.bias.tolist())
                for v in row + [b]]
    assert bits(p.data for p in model.parameters()) == bits(expected)
    x = [0.25, -1.5, 0.75]
    assert_close([model(x).data], module.double()(torch.tensor(x, dtype=torch.float64)).detach())


def test_float64_modules_convert_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2, dtype=torch.float64), torch.nn.ReLU()))


def test_the_warning_names_every_precision_it_converted():
    module = torch.nn.Sequential(torch.nn.Linear(2, 2, dtype=torch.float16), torch.nn.Linear(2, 1))
    with pytest.warns(UserWarning, match=r"float16, float32 parameters"):
        from_torch(module)


# What from_torch refuses, naming the first module it cannot convert

class Doubling(torch.nn.Sequential):
    def forward(self, x):
        return 2 * super().forward(x)


class LeakyLinear(torch.nn.Linear):
    def forward(self, x):
        return torch.nn.functional.leaky_relu(super().forward(x))


def _reshaped():
    linear = torch.nn.Linear(2, 3)
    linear.weight = torch.nn.Parameter(torch.zeros(3, 4))
    return torch.nn.Sequential(linear)


def _shared():
    linear = torch.nn.Linear(2, 2)
    return torch.nn.Sequential(linear, torch.nn.ReLU(), linear)


@pytest.mark.parametrize('make, message', [
    (lambda: torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Conv2d(1, 1, 3)),
     r"cannot convert module 2 \(Conv2d\(1, 1, kernel_size=\(3, 3\).*from_torch converts Linear modules with a bias"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1, bias=False)),
     r"module 1 \(Linear\(in_features=3, out_features=1, bias=False\)\).*no bias"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Tanh()),
     r"module 2 \(Tanh\(\)\).*an activation must follow a Linear, and module 1 \(ReLU\(\)\) comes before it"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Identity(), torch.nn.Identity()),
     r"module 2 \(Identity\(\)\).*an activation must follow a Linear"),
    (lambda: torch.nn.Sequential(torch.nn.Sigmoid(), torch.nn.Linear(2, 3)),
     r"module 0 \(Sigmoid\(\)\).*and nothing comes before it"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.LeakyReLU()),
     r"module 1 \(LeakyReLU\(negative_slope=0.01\)\)"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sequential(torch.nn.Linear(3, 1))),
     r"module 1 \(Sequential\( \(0\): Linear\(in_features=3, out_features=1, bias=True\) \)\)"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(4, 1)),
     r"module 2 .*takes 4 inputs but the Linear before it gives 3"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 3), torch.nn.Linear(3, 1)),
     r"module 2 .*hidden layer 1 'linear', but hidden layer 0 is 'relu' \(module 1 \(ReLU\(\)\)\)"),
    (_reshaped, r"module 0 .*its weight has shape \(3, 4\) and its bias \(3,\), but a Linear\(2, 3\) needs \(3, 2\)"),
    (_shared, r"module 2 .*the same Linear as an earlier module \(shared weights\)"),
    (lambda: torch.nn.Sequential(LeakyLinear(2, 1)), r"module 0 \(LeakyLinear\(in_features=2"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 1, device='meta')), r"module 0 .*meta device"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 1, dtype=torch.complex128)),
     r"module 0 .*torch.complex128, not real floating point"),
    (lambda: torch.nn.Sequential(torch.nn.LazyLinear(3)), r"module 0 .*no inputs or no outputs"),
    (lambda: torch.nn.Sequential(), r"the Sequential has no Linear module"),
    (lambda: torch.nn.Linear(2, 1), r"from_torch converts a torch.nn.Sequential .*got a Linear: Linear\("),
    (lambda: Doubling(torch.nn.Linear(2, 1)), r"got a Doubling"),
])
def test_from_torch_names_the_first_module_it_cannot_convert(make, message):
    with pytest.raises(ValueError, match=message):
        from_torch(make())


def test_linear_and_activation_subclasses_that_compute_the_same_are_accepted():
    from torch.nn.modules.linear import NonDynamicallyQuantizableLinear

    module = torch.nn.Sequential(NonDynamicallyQuantizableLinear(2, 2, dtype=torch.float64),  # MultiheadAttention's
                                 torch.nn.ReLU(inplace=True))
    x = torch.tensor([0.5, -0.25], dtype=torch.float64)
    assert_close([o.data for o in from_torch(module)(x.tolist())], module(x).detach())


def test_from_torch_wants_a_torch_module():
    with pytest.raises(TypeError, match=r"from_torch expects a torch.nn.Sequential, got MLP"):
        from_torch(nn.MLP(2, [1]))


# What to_torch refuses

class Doubled(nn.Neuron):
    def __call__(self, x):
        return 2 * super().__call__(x)


def test_to_torch_refuses_a_layer_that_mixes_activations():
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    model.layers[0].neurons[2] = nn.Neuron(2, activation='tanh')
    with pytest.raises(ValueError, match=r"MLP.layers\[0\] mixes activations: neurons\[0\] is 'relu' and neurons\[2\] "
                                         r"is 'tanh'"):
        to_torch(model)


def test_to_torch_refuses_a_custom_module_in_the_layers():
    class Scale(nn.Module):
        def __call__(self, x):
            return [2 * xi for xi in x]

    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    model.layers.insert(1, Scale())
    with pytest.raises(ValueError, match=r"MLP.layers\[1\] is a Scale .*not an nn.Layer"):
        to_torch(model)


def test_to_torch_refuses_a_neuron_that_computes_its_own_way():
    with pytest.raises(ValueError, match=r"Neuron is a Doubled, whose Doubled.__call__ overrides Neuron's"):
        to_torch(Doubled(2))
    layer = nn.Layer(2, 2)
    layer.neurons[1] = Doubled(2)
    with pytest.raises(ValueError, match=r"^Layer.neurons\[1\] is a Doubled"):
        to_torch(layer)


def test_to_torch_refuses_layers_that_do_not_fit_together():
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    model.layers[1] = nn.Layer(4, 1)
    with pytest.raises(ValueError, match=r"MLP.layers\[1\] takes 4 inputs but MLP.layers\[0\] has 3 neurons"):
        to_torch(model)
    layer = nn.Layer(2, 2)
    layer.neurons[1] = nn.Neuron(3)
    with pytest.raises(ValueError, match=r"mixes input sizes: neurons\[0\] takes 2 inputs and neurons\[1\] 3"):
        to_torch(layer)


def test_to_torch_refuses_a_parameter_that_is_not_a_value():
    neuron = nn.Neuron(2)
    neuron.w[1] = 0.5
    with pytest.raises(TypeError, match=r"^Neuron.w\[1\] must be a Value, got float"):
        to_torch(neuron)


def test_to_torch_refuses_an_activation_it_has_no_module_for(monkeypatch):
    monkeypatch.setitem(nn.ACTIVATIONS, 'swish', ('Swish', lambda v: v * v.sigmoid()))  # a user's own activation
    layer = nn.Layer(2, 2)
    for neuron in layer.neurons:
        neuron.activation = 'swish'
    with pytest.raises(ValueError, match=r"Layer.neurons\[0\] has the activation 'swish', which to_torch cannot "
                                         r"convert; it converts \['linear', 'relu', 'sigmoid', 'tanh'\]"):
        to_torch(layer)


def test_to_torch_wants_a_micrograd_model():
    with pytest.raises(TypeError, match=r"to_torch expects a micrograd.nn MLP, Layer or Neuron, got Sequential"):
        to_torch(torch.nn.Sequential(torch.nn.Linear(2, 1)))


# torch stays optional

def _forget_export(monkeypatch):
    for name in [name for name in sys.modules if name == 'micrograd.export' or name.startswith('micrograd.export.')]:
        monkeypatch.delitem(sys.modules, name)


def test_without_torch_the_import_says_how_to_install_it(monkeypatch):
    _forget_export(monkeypatch)
    monkeypatch.setitem(sys.modules, 'torch', None)  # what `import torch` finds when torch is not installed
    with pytest.raises(ImportError, match=r"micrograd.export needs PyTorch, which is not installed: "
                                          r"pip install micrograd\[torch\]"):
        importlib.import_module('micrograd.export')


class _TorchMissingADependency(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """An installed torch whose own import fails for want of another package."""

    def find_spec(self, name, path=None, target=None):
        return importlib.machinery.ModuleSpec(name, self) if name == 'torch' else None

    def exec_module(self, module):
        raise ModuleNotFoundError("No module named 'typing_extensions'", name='typing_extensions')


def test_a_broken_torch_shows_its_own_error(monkeypatch):
    _forget_export(monkeypatch)
    monkeypatch.delitem(sys.modules, 'torch')
    monkeypatch.setattr(sys, 'meta_path', [_TorchMissingADependency(), *sys.meta_path])
    with pytest.raises(ModuleNotFoundError, match="typing_extensions"):
        importlib.import_module('micrograd.export')


def test_micrograd_does_not_import_torch_until_export_is_used():
    code = ("import sys, micrograd, micrograd.nn, micrograd.training, micrograd.optim, micrograd.losses; "
            "assert 'torch' not in sys.modules, 'torch was imported'; "
            "import micrograd.export; assert 'torch' in sys.modules")
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
