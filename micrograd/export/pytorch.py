"""A micrograd Neuron, Layer or MLP as a float64 torch.nn.Sequential, and such a Sequential as an MLP.

Each micrograd layer becomes one `torch.nn.Linear`: row i of its weight is
neuron i's `w` in order, `bias[i]` is neuron i's `b`. After it comes the
layer's activation module (ReLU, Tanh or Sigmoid); a linear layer gets no
module, as a PyTorch user writes `Sequential(Linear, ReLU, Linear)`.
Floats are copied as they are, so the weights agree bit for bit both ways.
"""

from __future__ import annotations

import random
import warnings
from typing import Any, List, Optional, Set, Tuple

import torch

from micrograd import nn
from micrograd.engine import Value

__all__ = ['from_torch', 'to_torch']

ACTIVATION_MODULES = {'relu': torch.nn.ReLU, 'tanh': torch.nn.Tanh, 'sigmoid': torch.nn.Sigmoid}
# torch module type -> micrograd activation name; Identity is how some write "no activation".
ACTIVATION_NAMES: dict[type[torch.nn.Module], str] = {
    **{module: name for name, module in ACTIVATION_MODULES.items()}, torch.nn.Identity: 'linear'}
SUPPORTED = "Linear modules with a bias, each followed by at most one ReLU, Tanh, Sigmoid or Identity"
FORWARD_METHODS = ('__call__', '_forward')  # what a Neuron, Layer or MLP subclass could change the output with


def to_torch(model: nn.Module) -> torch.nn.Sequential:
    """The same network as a float64 torch.nn.Sequential of Linear and ReLU/Tanh/Sigmoid modules.

    A Neuron becomes Linear(nin, 1) and its activation, a Layer one Linear,
    an MLP one Linear per layer. Outputs are tensors: for one sample of shape
    (nout,), for a batch (batch, nout); micrograd returns a Value where nout
    is 1. Feed it float64 tensors (`torch.tensor(X, dtype=torch.float64)`).
    Drawing no random numbers, it leaves torch's random state untouched.
    """
    modules = []
    for layer in _layers(model):
        neurons = [neuron for _, neuron in layer]
        linear = torch.nn.utils.skip_init(torch.nn.Linear, len(neurons[0].w), len(neurons), dtype=torch.float64)
        weight = [[_data(w, f"{path}.w[{j}]") for j, w in enumerate(neuron.w)] for path, neuron in layer]
        bias = [_data(neuron.b, f"{path}.b") for path, neuron in layer]
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weight, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(bias, dtype=torch.float64))
        modules.append(linear)
        if neurons[0].activation != 'linear':
            modules.append(ACTIVATION_MODULES[neurons[0].activation]())
    return torch.nn.Sequential(*modules)


def from_torch(module: torch.nn.Module) -> nn.MLP:
    """The micrograd MLP computing what a Sequential of Linear and ReLU/Tanh/Sigmoid/Identity modules computes.

    Always an MLP, one layer per Linear: it returns what a Layer or Neuron
    would (a Value for one output), and `.layers[0]` or
    `.layers[0].neurons[0]` is that Layer or Neuron. Parameters that are not
    float64 (float32, say) are converted exactly, with a warning: the MLP
    computes in float64. Anything else raises ValueError naming the first
    module that cannot be converted, and its index.
    """
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch expects a torch.nn.Sequential, got {type(module).__name__}: {module!r:.80}")
    if not isinstance(module, torch.nn.Sequential) or type(module).forward is not torch.nn.Sequential.forward:
        raise ValueError(f"from_torch converts a torch.nn.Sequential of {SUPPORTED}; "
                         f"got a {type(module).__name__}: {_short(module)}")
    linears, activations, dtypes = _parse(module)
    hidden = activations[:-1]
    model = nn.MLP(linears[0].in_features, [linear.out_features for linear in linears],
                   activation=hidden[0] if hidden else 'relu', output_activation=activations[-1],
                   rng=random.Random(0))  # init draws are overwritten below; the global random is untouched
    floats = []
    for linear in linears:  # in model.parameters() order: neuron by neuron, its weights then its bias
        for row, bias in zip(_floats(linear.weight), _floats(linear.bias)):
            floats += row + [bias]
    for parameter, value in zip(model.parameters(), floats):
        parameter.data = value
    if dtypes != {torch.float64}:
        names = ', '.join(sorted(str(dtype).replace('torch.', '') for dtype in dtypes - {torch.float64}))
        warnings.warn(f"from_torch: converted the module's {names} parameters to float64 (exactly); the micrograd "
                      f"model computes in float64, so its outputs differ from the module's by {names} rounding",
                      stacklevel=2)
    return model


# Where a neuron sits in the model ('MLP.layers[1].neurons[0]') and the neuron: one list per layer.
_Layer = List[Tuple[str, nn.Neuron]]


def _layers(model: object) -> list[_Layer]:
    """[(path, neuron), ...] for each layer of a Neuron, Layer or MLP, checked to be something torch can compute."""
    if isinstance(model, nn.MLP):
        _check_forward(model, nn.MLP, "MLP")
        if not model.layers:
            raise ValueError("MLP has no layers")
        layers = []
        for i, layer in enumerate(model.layers):
            if not isinstance(layer, nn.Layer):
                raise ValueError(  # noqa: TRY004 - the argument is an MLP, as asked; what it holds is wrong
                    f"MLP.layers[{i}] is a {type(layer).__name__} ({_short(layer)}), not an nn.Layer: "
                    f"to_torch converts MLPs of Layers of Neurons only")
            layers.append(_neurons(layer, f"MLP.layers[{i}]"))
        for i in range(1, len(layers)):
            if len(layers[i][0][1].w) != len(layers[i - 1]):
                raise ValueError(f"MLP.layers[{i}] takes {len(layers[i][0][1].w)} inputs but MLP.layers[{i - 1}] "
                                 f"has {len(layers[i - 1])} neurons")
        return layers
    if isinstance(model, nn.Layer):
        return [_neurons(model, "Layer")]
    if isinstance(model, nn.Neuron):
        _check_neuron(model, "Neuron")
        return [[("Neuron", model)]]
    raise TypeError(f"to_torch expects a micrograd.nn MLP, Layer or Neuron, got {type(model).__name__}: "
                    f"{model!r:.80}")


def _neurons(layer: nn.Layer, where: str) -> _Layer:
    """[(path, neuron), ...] of a layer, checked to share one input size and one activation."""
    _check_forward(layer, nn.Layer, where)
    neurons = [(f"{where}.neurons[{i}]", neuron) for i, neuron in enumerate(layer.neurons)]
    if not neurons:
        raise ValueError(f"{where} has no neurons")
    first = neurons[0][1]
    for i, (path, neuron) in enumerate(neurons):
        _check_neuron(neuron, path)
        if neuron.activation != first.activation:
            raise ValueError(f"{where} mixes activations: neurons[0] is {first.activation!r} and neurons[{i}] is "
                             f"{neuron.activation!r}; a torch Linear layer has one activation after it")
        if len(neuron.w) != len(first.w):
            raise ValueError(f"{where} mixes input sizes: neurons[0] takes {len(first.w)} inputs and "
                             f"neurons[{i}] {len(neuron.w)}")
    return neurons


def _check_neuron(neuron: object, path: str) -> None:
    if not isinstance(neuron, nn.Neuron):
        raise ValueError(  # noqa: TRY004 - a wrong part inside a model, as for MLP.layers
            f"{path} is a {type(neuron).__name__} ({_short(neuron)}), not an nn.Neuron")
    _check_forward(neuron, nn.Neuron, path)
    if neuron.activation != 'linear' and neuron.activation not in ACTIVATION_MODULES:
        raise ValueError(f"{path} has the activation {neuron.activation!r:.60}, which to_torch cannot convert; "
                         f"it converts {sorted(['linear', *ACTIVATION_MODULES])}")


def _check_forward(module: object, base: type, where: str) -> None:
    """Refuse a subclass that computes its output its own way: torch could not reproduce it."""
    mro = type(module).__mro__
    for cls in mro[:mro.index(base)]:
        for name in FORWARD_METHODS:
            if name in vars(cls):
                raise ValueError(f"{where} is a {type(module).__name__}, whose {cls.__name__}.{name} overrides "
                                 f"{base.__name__}'s: to_torch cannot know what it computes")


def _data(value: object, where: str) -> float:
    if not isinstance(value, Value):
        raise TypeError(f"{where} must be a Value, got {type(value).__name__}: {value!r:.60}")
    return value.data


def _parse(sequential: torch.nn.Sequential) -> Tuple[list[torch.nn.Linear], list[str], Set[torch.dtype]]:
    """The Linears, each layer's activation name and the parameter dtypes, checked module by module."""
    linears: list[torch.nn.Linear] = []
    activations: list[str] = []
    dtypes: set[torch.dtype] = set()
    sources: list[str] = []  # per layer: the module that gave it its activation (its Linear when none follows)
    child: Any  # a torch.nn.Module; a Linear where _kind says so
    for index, child in enumerate(sequential):  # iteration keeps a module listed twice; named_children() would not
        where = f"module {index} ({_short(child)})"
        kind = _kind(child)
        if kind is torch.nn.Linear:
            _check_linear(child, where, linears)
            linears.append(child)
            activations.append('linear')  # until an activation module follows
            sources.append(where)
            dtypes |= {child.weight.dtype, child.bias.dtype}
        elif kind in ACTIVATION_NAMES:
            if index == 0 or _kind(sequential[index - 1]) is not torch.nn.Linear:
                before = "nothing" if index == 0 else f"module {index - 1} ({_short(sequential[index - 1])})"
                raise ValueError(f"cannot convert {where} of the Sequential: an activation must follow a Linear, "
                                 f"and {before} comes before it; from_torch converts {SUPPORTED}")
            activations[-1] = ACTIVATION_NAMES[kind]
            sources[-1] = where
        else:
            raise ValueError(f"cannot convert {where} of the Sequential: from_torch converts {SUPPORTED}")
    if not linears:
        raise ValueError(f"the Sequential has no Linear module; from_torch converts {SUPPORTED}")
    for k in range(1, len(linears) - 1):
        if activations[k] != activations[0]:
            raise ValueError(f"cannot convert {sources[k]} of the Sequential: it makes hidden layer {k} "
                             f"{activations[k]!r}, but hidden layer 0 is {activations[0]!r} ({sources[0]}); "
                             f"a micrograd MLP has one activation on all hidden layers")
    return linears, activations, dtypes


def _kind(module: torch.nn.Module) -> Optional[type[torch.nn.Module]]:
    """Linear or the activation class that module is, if it computes what that class computes; else None."""
    kind: type[torch.nn.Module]
    for kind in (torch.nn.Linear, *ACTIVATION_NAMES):  # type: ignore[assignment] # mypy: a starred tuple holds objects
        if isinstance(module, kind) and type(module).forward is kind.forward:
            return kind
    return None


def _check_linear(linear: torch.nn.Linear, where: str, linears: list[torch.nn.Linear]) -> None:
    problem = None
    if linear.bias is None:
        problem = "it has no bias (bias=False), and every micrograd neuron has one"
    elif any(linear is other for other in linears):
        problem = "it is the same Linear as an earlier module (shared weights), which an MLP cannot share"
    elif linears and linear.in_features != linears[-1].out_features:
        problem = f"it takes {linear.in_features} inputs but the Linear before it gives {linears[-1].out_features}"
    elif min(linear.in_features, linear.out_features) < 1:
        problem = "it has no inputs or no outputs"
    elif linear.weight.shape != (linear.out_features, linear.in_features) or \
            linear.bias.shape != (linear.out_features,):
        problem = (f"its weight has shape {tuple(linear.weight.shape)} and its bias {tuple(linear.bias.shape)}, "
                   f"but a Linear({linear.in_features}, {linear.out_features}) needs "
                   f"({linear.out_features}, {linear.in_features}) and ({linear.out_features},)")
    elif linear.weight.is_meta or linear.bias.is_meta:
        problem = "its parameters are on the meta device and hold no numbers"
    elif not (linear.weight.is_floating_point() and linear.bias.is_floating_point()):
        problem = f"its parameters are {linear.weight.dtype}, not real floating point"
    if problem:
        raise ValueError(f"cannot convert {where} of the Sequential: {problem}")


def _floats(tensor: torch.Tensor) -> Any:
    """A parameter's numbers as Python floats (float64, exactly: every float32 is a float64)."""
    return tensor.detach().to(device='cpu', dtype=torch.float64).tolist()


def _short(module: object) -> str:
    """A module's repr on one line, cut to a readable length."""
    text = ' '.join(repr(module).split())
    return text if len(text) <= 80 else text[:77] + '...'
