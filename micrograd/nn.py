"""Neurons, layers and MLPs: micrograd's API and initialisation, plus activations, init scales and JSON files.

`random.seed(1337); MLP(2, [16, 16, 1])` draws exactly the weights micrograd
0.1.0 draws (`random.uniform(-1, 1)` per weight, neuron by neuron, bias 0).
A neuron is one `micrograd.dot` node instead of micrograd's 2n nodes, with
the same floats, which is what makes training fast; inside
`micrograd.micrograd_style()` it is micrograd's `*` and `+` nodes.

Modules talk through micrograd's protocol: an MLP calls each layer, a layer
each neuron, and `parameters()` asks every child for its `parameters()`, so
subclasses, patched methods and custom modules in `MLP.layers` work as in
micrograd. Where every module is a built-in one with nothing overridden, a
call takes a shorter path with the same result.
"""

import json
import math
import numbers
import random

from micrograd import grad_mode, validate
from micrograd.atomic import write_atomically
from micrograd.engine import Value, dot

# Value too: micrograd's `from micrograd.nn import *` brings it, and code written for micrograd relies on that.
__all__ = ['Value', 'Module', 'Neuron', 'Layer', 'MLP']

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
        is seen everywhere, as in micrograd. A module with children lists
        what each child's parameters() returns.
        """
        return []

    def named_parameters(self):
        """(name, Value) pairs in parameters() order, named like PyTorch's ('layers.0.neurons.1.w.0')."""
        return []

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self):
        """{name: float} snapshot of every parameter's data."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state):
        """Set every parameter from a state_dict(); checks everything before changing anything."""
        if not isinstance(state, dict):
            raise validate.type_error("state", "a dict of name -> number (a state_dict())", state)
        named = self.named_parameters()
        names = {name for name, _ in named}
        missing = [name for name, _ in named if name not in state]
        unexpected = [name for name in state if name not in names]
        if missing or unexpected:
            raise ValueError(f"parameters do not match {self!r}: "
                             f"missing {_few(missing)}, unexpected {_few(unexpected)}")
        values = [validate.real(state[name], f"parameter {name!r}") for name, _ in named]
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
        validate.integer(nin, "Neuron nin", at_least=1)
        self.activation = _activation_name(activation, nonlin)
        scale = _init_scale(init, nin, fan_out)
        rng = random if rng is None else rng
        self.w = [Value(scale * rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)

    @property
    def activation(self):
        """The activation's name ('relu', 'tanh', 'sigmoid', 'linear'); assigning one changes what the neuron computes."""
        return self._activation

    @activation.setter
    def activation(self, name):
        self._activate = ACTIVATIONS[validate.choice(name, "activation", ACTIVATIONS)][1]
        self._activation = name

    @property
    def nonlin(self):
        """micrograd's flag: whether an activation follows the sum. False makes the neuron linear, True a linear one ReLU."""
        return self._activation != 'linear'

    @nonlin.setter
    def nonlin(self, nonlinear):
        if not nonlinear:
            self.activation = 'linear'
        elif self._activation == 'linear':
            self.activation = 'relu'

    def __call__(self, x):
        micrograd_shapes = _recording.micrograd_shapes
        return _output(self, _inputs(x, len(self.w), self, micrograd_shapes), micrograd_shapes)

    def parameters(self):
        return self.w + [self.b]

    def named_parameters(self):
        return [(f"w.{i}", w) for i, w in enumerate(self.w)] + [('b', self.b)]

    def architecture(self):
        return {'nin': len(self.w), 'activation': self.activation}

    def __repr__(self):
        return f"{ACTIVATIONS[self.activation][0]}Neuron({len(self.w)})"


class Layer(Module):
    """nout neurons on the same inputs; returns a list, or a single Value when nout == 1 (as micrograd)."""

    architecture_keys = ('nin', 'nout', 'activation')

    def __init__(self, nin, nout, **kwargs):
        validate.integer(nout, "Layer nout", at_least=1)
        self.neurons = [Neuron(nin, fan_out=nout, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        x = _listed(x, self)  # an iterator is read once and given to every neuron
        out = _built_in_outputs((self,), x, self)
        if out is None:
            out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

    def named_parameters(self):
        return _prefixed('neurons', self.neurons)

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
        """micrograd's loop, `x = layer(x)` for each layer; a width-1 hidden layer's Value is one input to the next."""
        x = _listed(x, self)
        out = _built_in_outputs(self.layers, x, self)
        if out is not None:
            return out[0] if len(out) == 1 else out
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        built_in = _built_in_parameters(self.layers)
        if built_in is not None:
            return built_in
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self):
        return _prefixed('layers', self.layers)

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
    expected = cls.architecture_keys
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
    sizes = [validate.integer(nin, "nin", at_least=1)] + _sizes(nouts)
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


_recording = grad_mode.state
_NEURON_CALL = Neuron.__call__
_LAYER_CALL = Layer.__call__
_NEURON_PARAMETERS = Neuron.parameters
_LAYER_PARAMETERS = Layer.parameters


def _output(neuron, x, micrograd_shapes):
    """activation(b + w . x) for a list of input Values.

    One dot node, or with micrograd_shapes (inside micrograd_style())
    micrograd's own nodes: a `*` per weight and a `+` per term, from the bias.
    """
    if micrograd_shapes:
        act = sum((wi * xi for wi, xi in zip(neuron.w, x)), neuron.b)  # micrograd's Neuron.__call__, verbatim
    else:
        act = dot(neuron.w, x, neuron.b)
    return act if neuron._activate is None else neuron._activate(act)


def _built_in_outputs(layers, x, module):
    """What calling the layers in turn computes, in one loop, if they are built-in Layers of built-in Neurons.

    The inputs x (a list) become Values once and every layer's outputs stay
    a list (a width-1 layer's Value is the next layer's one input either way).
    Returns the last layer's outputs, or None as soon as a module is of
    another class or Layer.__call__ or Neuron.__call__ is not the library's:
    the caller then calls each module, so its own code runs.
    """
    if Layer.__call__ is not _LAYER_CALL or Neuron.__call__ is not _NEURON_CALL or not layers:
        return None
    first = layers[0].neurons[0] if type(layers[0]) is Layer and layers[0].neurons else None
    if type(first) is not Neuron:
        return None
    micrograd_shapes = _recording.micrograd_shapes
    x = _inputs(x, len(first.w), module, micrograd_shapes)
    for layer in layers:
        if type(layer) is not Layer:
            return None
        outputs = []
        for neuron in layer.neurons:
            if type(neuron) is not Neuron:
                return None
            outputs.append(_output(neuron, x, micrograd_shapes))
        x = outputs
    return x


def _built_in_parameters(layers):
    """What asking each layer for its parameters() gives, in one loop, if all are built-in with nothing overridden.

    None as soon as a module is of another class or its `parameters` is not
    the library's method (replaced on the class or on the instance): the
    caller then asks each module. (Reading `module.__dict__` instead would
    make every later attribute lookup on the module slower.)
    """
    params = []
    for layer in layers:
        if type(layer) is not Layer or getattr(layer.parameters, '__func__', None) is not _LAYER_PARAMETERS:
            return None
        for neuron in layer.neurons:
            if type(neuron) is not Neuron or getattr(neuron.parameters, '__func__', None) is not _NEURON_PARAMETERS:
                return None
            params += neuron.w
            params.append(neuron.b)
    return params


def _listed(x, module):
    """x as a list or tuple; a single Value (what a one-output layer returns) is one input, as in a width-1 layer."""
    if type(x) is list or type(x) is tuple:
        return x
    if isinstance(x, Value):
        return [x]
    return validate.items(x, f"the input of {type(module).__name__}", "an iterable of numbers or Values")


def _inputs(x, nin, module, keep_numbers=False):
    """x as a list of nin Values, converting plain numbers once per call.

    keep_numbers (inside micrograd_style()): numbers stay numbers, so that,
    as in micrograd, each neuron's products make their own constant leaves.
    """
    x = _listed(x, module)
    if len(x) != nin:
        raise ValueError(f"{type(module).__name__} expects {nin} inputs, got {len(x)}")
    if not keep_numbers:
        return [xi if isinstance(xi, Value) else Value(xi) for xi in x]
    for xi in x:
        if not isinstance(xi, (Value, numbers.Real)):
            raise validate.type_error(f"each input of {type(module).__name__}", "a real number or a Value", xi)
    return x


def _prefixed(prefix, modules):
    return [(f"{prefix}.{i}.{name}", p) for i, module in enumerate(modules) for name, p in module.named_parameters()]


def _sizes(nouts):
    nouts = [validate.integer(n, "each layer width in nouts", at_least=1)
             for n in validate.items(nouts, "nouts", "a list of layer widths")]
    if not nouts:
        raise ValueError("nouts must list at least one layer width")
    return nouts


def _activation_name(activation, nonlin=True):
    if activation is None:
        return 'relu' if nonlin else 'linear'
    validate.choice(activation, "activation", ACTIVATIONS)
    if not nonlin and activation != 'linear':
        raise ValueError(f"nonlin=False contradicts activation={activation!r}")
    return activation


def _init_scale(init, fan_in, fan_out):
    validate.choice(init, "init", INITS)
    return INITS[init](fan_in, validate.integer(fan_out, "fan_out", at_least=1))


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
