"""Neurons, layers and MLPs: micrograd's API and initialisation, plus activations, init scales and JSON files.

`random.seed(1337); MLP(2, [16, 16, 1])` draws exactly the weights micrograd
0.1.0 draws (`random.uniform(-1, 1)` per weight, neuron by neuron, bias 0).
A neuron is one `micrograd.dot` node instead of micrograd's 2n nodes, with
the same floats, which is what makes training fast.
"""

import json
import math
import numbers
import random

from micrograd.atomic import write_atomically
from micrograd.engine import Value, dot

# activation name: (repr prefix, the Value method applied to a neuron's sum, or None)
ACTIVATIONS = {
    'relu': ('ReLU', Value.relu),
    'tanh': ('Tanh', Value.tanh),
    'sigmoid': ('Sigmoid', Value.sigmoid),
    'linear': ('Linear', None),
}

# init name: bound of the uniform weight distribution for (fan_in, fan_out).
# Every scheme draws random.uniform(-1, 1) in micrograd's order and scales it.
INITS = {
    'uniform': lambda fan_in, fan_out: 1.0,  # micrograd's
    'xavier': lambda fan_in, fan_out: math.sqrt(6.0 / (fan_in + fan_out)),  # Glorot uniform
    'he': lambda fan_in, fan_out: math.sqrt(6.0 / fan_in),  # Kaiming uniform, ReLU gain
}

FORMAT = 'micrograd-model'
VERSION = 1


class Module:
    """Base class: parameters, gradients, state dicts and files."""

    def parameters(self):
        """All trainable Values in micrograd's order, read from the current attributes on each call.

        So replacing a parameter (`neuron.b = Value(0.5)`, `neuron.w[0] = ...`)
        is seen everywhere, as in micrograd; a 337-parameter MLP takes ~3 us.
        """
        params = []
        for neuron in self._neurons():
            params += neuron.w
            params.append(neuron.b)
        return params

    def named_parameters(self):
        """(name, Value) pairs in parameters() order, named like PyTorch's ('layers.0.neurons.1.w.0')."""
        return []

    def _neurons(self):
        return ()

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self):
        """{name: float} snapshot of every parameter's data."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state):
        """Set every parameter from a state_dict(); checks everything before changing anything."""
        if not isinstance(state, dict):
            raise ValueError(f"a state dict must be a dict of name -> number, got {type(state).__name__}")
        named = self.named_parameters()
        names = {name for name, _ in named}
        missing = [name for name, _ in named if name not in state]
        unexpected = [name for name in state if name not in names]
        if missing or unexpected:
            raise ValueError(f"parameters do not match {self!r}: "
                             f"missing {_few(missing)}, unexpected {_few(unexpected)}")
        values = [_finite_number(state[name], f"parameter {name!r}") for name, _ in named]
        for (_, p), value in zip(named, values):
            p.data = value

    def architecture(self):
        """The constructor arguments that rebuild this module (without its parameters)."""
        raise NotImplementedError(f"{type(self).__name__} cannot be saved")

    def save(self, path):
        """Write architecture and parameters as JSON, atomically; floats round-trip exactly.

        A subclass of Neuron, Layer or MLP is saved as that built-in type, which load() returns.
        """
        document = {'format': FORMAT, 'version': VERSION,
                    'model': {'type': _saved_type(self), **self.architecture()},
                    'parameters': self.state_dict()}
        for name, value in document['parameters'].items():
            if not math.isfinite(value):
                raise ValueError(f"cannot save {path}: parameter {name!r} is {value}")
        text = json.dumps(document, indent=1)
        write_atomically(path, lambda file: file.write(text.encode('utf-8')))


class Neuron(Module):
    """activation(b + w . x): micrograd's Neuron; `nonlin` picks ReLU or linear unless `activation` is given.

    `init` scales the uniform(-1, 1) draws (see INITS; `fan_out` is the width
    of the neuron's layer, for 'xavier'); `rng` is the random source to draw
    from (default: the global `random`, as micrograd).
    """

    architecture_keys = ('nin', 'activation')

    def __init__(self, nin, nonlin=True, activation=None, init='uniform', fan_out=1, rng=None):
        _check_size(nin, "Neuron nin")
        self.activation = _activation_name(activation, nonlin)
        scale = _init_scale(init, nin, fan_out)
        rng = random if rng is None else rng
        self.w = [Value(scale * rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = self.activation != 'linear'
        self._activate = ACTIVATIONS[self.activation][1]

    def __call__(self, x):
        return self._forward(_inputs(x, len(self.w), self))

    def named_parameters(self):
        return [(f"w.{i}", w) for i, w in enumerate(self.w)] + [('b', self.b)]

    def _neurons(self):
        return (self,)

    def _forward(self, x):
        act = dot(self.w, x, self.b)
        return act if self._activate is None else self._activate(act)

    def architecture(self):
        return {'nin': len(self.w), 'activation': self.activation}

    def __repr__(self):
        return f"{ACTIVATIONS[self.activation][0]}Neuron({len(self.w)})"


class Layer(Module):
    """nout neurons on the same inputs; returns a list, or a single Value when nout == 1 (as micrograd)."""

    architecture_keys = ('nin', 'nout', 'activation')

    def __init__(self, nin, nout, **kwargs):
        _check_size(nout, "Layer nout")
        self.neurons = [Neuron(nin, fan_out=nout, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        out = self._forward(_inputs(x, len(self.neurons[0].w), self))
        return out[0] if len(out) == 1 else out

    def _forward(self, x):
        return [n._forward(x) for n in self.neurons]

    def named_parameters(self):
        return _prefixed('neurons', self.neurons)

    def _neurons(self):
        return self.neurons

    def architecture(self):
        first = self.neurons[0]
        return {'nin': len(first.w), 'nout': len(self.neurons), 'activation': first.activation}

    def __repr__(self):
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Fully connected layers: `activation` on hidden layers (ReLU), `output_activation` on the last (linear).

    None means 'linear' here, as PyTorch users read it (for a Neuron or Layer,
    activation=None keeps micrograd's meaning: ReLU unless nonlin=False).
    """

    architecture_keys = ('nin', 'nouts', 'activation', 'output_activation')

    def __init__(self, nin, nouts, activation='relu', output_activation='linear', init='uniform', rng=None):
        nouts = _sizes(nouts)
        self.activation = _activation_name('linear' if activation is None else activation)
        self.output_activation = _activation_name('linear' if output_activation is None else output_activation)
        sizes = [nin] + nouts
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], init=init, rng=rng,
                             activation=self.output_activation if i == last else self.activation)
                       for i in range(len(nouts))]

    def __call__(self, x):
        x = _inputs(x, len(self.layers[0].neurons[0].w), self)
        for layer in self.layers:  # lists all the way, so width-1 hidden layers work
            x = layer._forward(x)
        return x[0] if len(x) == 1 else x

    def named_parameters(self):
        return _prefixed('layers', self.layers)

    def _neurons(self):
        return [n for layer in self.layers for n in layer.neurons]

    def architecture(self):
        return {'nin': len(self.layers[0].neurons[0].w), 'nouts': [len(layer.neurons) for layer in self.layers],
                'activation': self.activation, 'output_activation': self.output_activation}

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def load(path):
    """The Neuron, Layer or MLP that `save(path)` wrote; a bad file raises ValueError naming path and problem."""
    with open(path, 'rb') as file:
        raw = file.read()
    try:
        document = json.loads(raw.decode('utf-8'), parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"{path}: not a micrograd model file: invalid JSON ({error})") from None
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    try:
        return _from_document(document)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path}: {error}") from None


_MODULES = {'Neuron': Neuron, 'Layer': Layer, 'MLP': MLP}


def _saved_type(module):
    """The name of the nearest built-in module class in module's MRO (a custom Module keeps its own)."""
    return next((cls.__name__ for cls in type(module).__mro__ if _MODULES.get(cls.__name__) is cls),
                type(module).__name__)


def _from_document(document):
    if not isinstance(document, dict):
        raise ValueError(f"expected a JSON object, got {type(document).__name__}")
    _require_keys(document, ('format', 'version', 'model', 'parameters'), "the file")
    if document['format'] != FORMAT:
        raise ValueError(f"format is {document['format']!r}, expected {FORMAT!r}")
    if type(document['version']) is not int or document['version'] != VERSION:
        raise ValueError(f"unsupported version {document['version']!r}, expected {VERSION}")
    spec, parameters = document['model'], document['parameters']
    if not isinstance(spec, dict) or not isinstance(spec.get('type'), str) or spec['type'] not in _MODULES:
        raise ValueError(f"'model' must be an object whose 'type' is one of {sorted(_MODULES)}")
    if not isinstance(parameters, dict):
        raise ValueError(f"'parameters' must be an object of name -> number, got {type(parameters).__name__}")
    cls = _MODULES[spec['type']]
    arguments = {key: value for key, value in spec.items() if key != 'type'}
    expected = cls.architecture_keys  # type: ignore[attr-defined] # each class in _MODULES has it
    _require_keys(arguments, expected, f"'model' ({spec['type']})")
    if set(arguments) != set(expected):
        raise ValueError(f"'model' ({spec['type']}) has unexpected keys {sorted(set(arguments) - set(expected))}")
    count = _parameter_count(arguments)
    if count != len(parameters):
        raise ValueError(f"the architecture has {count} parameters but the file lists {len(parameters)}")
    model = cls(**arguments, rng=random.Random(0))  # init draws are overwritten; the global random is untouched
    model.load_state_dict(parameters)
    return model


def _parameter_count(arguments):
    """How many parameters an architecture has (checked before anything is built)."""
    nin = arguments['nin']
    nouts = arguments.get('nouts', [arguments.get('nout', 1)])
    sizes = [_check_size(nin, "nin")] + _sizes(nouts)
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


def _inputs(x, nin, module):
    """x as a list of nin Values, converting plain numbers once per call."""
    try:
        got = len(x)
    except TypeError:
        raise TypeError(f"{module!r} expects a sequence of {nin} inputs, got {type(x).__name__}") from None
    if got != nin:
        raise ValueError(f"{module!r} expects {nin} inputs, got {got}")
    return [xi if isinstance(xi, Value) else Value(xi) for xi in x]


def _prefixed(prefix, modules):
    return [(f"{prefix}.{i}.{name}", p) for i, module in enumerate(modules) for name, p in module.named_parameters()]


def _check_size(n, what):
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise TypeError(f"{what} must be a positive int, got {type(n).__name__}: {n!r:.60}")
    if n < 1:
        raise ValueError(f"{what} must be a positive int, got {n}")
    return int(n)


def _sizes(nouts):
    if isinstance(nouts, (str, bytes)) or not hasattr(nouts, '__iter__'):
        raise TypeError(f"nouts must be a list of layer widths, got {type(nouts).__name__}")
    nouts = [_check_size(n, "each layer width in nouts") for n in nouts]
    if not nouts:
        raise ValueError("nouts must list at least one layer width")
    return nouts


def _activation_name(activation, nonlin=True):
    if activation is None:
        return 'relu' if nonlin else 'linear'
    _choice(activation, ACTIVATIONS, "activation")
    if not nonlin and activation != 'linear':
        raise ValueError(f"nonlin=False contradicts activation={activation!r}")
    return activation


def _init_scale(init, fan_in, fan_out):
    _choice(init, INITS, "init")
    return INITS[init](fan_in, _check_size(fan_out, "fan_out"))


def _choice(name, table, what):
    if not isinstance(name, str) or name not in table:
        raise ValueError(f"unknown {what} {name!r:.60}, expected one of {sorted(table)}")


def _finite_number(x, what):
    if not isinstance(x, numbers.Real) or isinstance(x, bool):
        raise ValueError(f"{what} must be a number, got {type(x).__name__}: {x!r:.60}")
    try:
        x = float(x)
    except OverflowError:  # an int with hundreds of digits
        raise ValueError(f"{what} is too large for a float ({x.bit_length()}-bit integer)") from None
    if not math.isfinite(x):
        raise ValueError(f"{what} must be finite, got {x}")
    return x


def _require_keys(mapping, keys, what):
    missing = [key for key in keys if key not in mapping]
    if missing:
        raise ValueError(f"{what} is missing {_few(missing)}")


def _reject_constant(name):
    raise ValueError(f"non-finite number {name} in the file")


def _few(names, limit=5):
    shown = ', '.join(repr(name) for name in names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ''
    return f"[{shown}{more}]"
