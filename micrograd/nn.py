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
from typing import Any, Callable, Iterable, Mapping, Optional, Protocol, Sequence, Tuple, Union

from micrograd import grad_mode, validate
from micrograd.atomic import FilePath, read_regular_file, write_atomically
from micrograd.engine import Number, Value, dot
from micrograd.messages import PATH_LIMIT, brief, brief_repr

# Value too: micrograd's `from micrograd.nn import *` brings it, and code written for micrograd relies on that.
__all__ = ['Value', 'Module', 'Neuron', 'Layer', 'MLP']

# What a module takes: an iterable of numbers or Values (a single Value is one input, as a width-1 layer gives it).
Input = Union[Value, Iterable[Union[Value, Number]]]
# What a Layer or MLP returns: a list of Values, or the Value itself when there is one output (as micrograd).
Output = Union[Value, list[Value]]


class _Uniform(Protocol):
    """A random source: the random module or a random.Random."""

    def uniform(self, a: float, b: float) -> float: ...


# activation name: (repr prefix, the Value method applied to a neuron's sum, or None)
ACTIVATIONS: dict[str, Tuple[str, Optional[Callable[[Value], Value]]]] = {
    'relu': ('ReLU', Value.relu),
    'tanh': ('Tanh', Value.tanh),
    'sigmoid': ('Sigmoid', Value.sigmoid),
    'linear': ('Linear', None),
}

# init name: bound of the uniform weight distribution for (fan_in, fan_out).
# Every scheme draws random.uniform(-1, 1) in micrograd's order and scales it.
INITS: dict[str, Callable[[int, int], float]] = {
    'uniform': lambda fan_in, fan_out: 1.0,  # micrograd's
    'xavier': lambda fan_in, fan_out: math.sqrt(6.0 / (fan_in + fan_out)),  # Glorot uniform
    'he': lambda fan_in, fan_out: math.sqrt(6.0 / fan_in),  # Kaiming uniform, ReLU gain
}

FORMAT = 'micrograd-model'
VERSION = 1
# A model file may have at most this many bytes (about 4 million parameters): load() refuses a larger
# one before reading it, and save() refuses to write one.
MAX_FILE_BYTES = 256 * 2**20


class Module:
    """Base class: parameters, gradients, state dicts and files."""

    architecture_keys: Tuple[str, ...] = ()  # the constructor arguments a model file records (see architecture())

    def parameters(self) -> list[Value]:
        """All trainable Values in micrograd's order, read from the current attributes on each call.

        So replacing a parameter (`neuron.b = Value(0.5)`, `neuron.w[0] = ...`)
        is seen everywhere, as in micrograd. A module with children lists
        what each child's parameters() returns.
        """
        return []

    def named_parameters(self) -> list[Tuple[str, Value]]:
        """(name, Value) pairs in parameters() order, named like PyTorch's ('layers.0.neurons.1.w.0')."""
        return []

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """{name: float} snapshot of every parameter's data."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Number]) -> None:
        """Set every parameter from a state_dict(); checks everything before changing anything."""
        if not isinstance(state, dict):
            raise validate.type_error("state", "a dict of name -> number (a state_dict())", state)
        named = self.named_parameters()
        names = {name for name, _ in named}
        missing = [name for name, _ in named if name not in state]
        unexpected = [name for name in state if name not in names]
        if missing or unexpected:
            raise ValueError(f"parameters do not match {brief_repr(self)}: "
                             f"missing {_few(missing)}, unexpected {_few(unexpected)}")
        values = [validate.real(state[name], f"parameter {name!r}") for name, _ in named]
        for (_, p), value in zip(named, values):
            p.data = value

    def architecture(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module, read from its current parts (no parameters).

        Neurons whose activation differs from what those arguments give are listed
        under 'activations' (e.g. {'neurons.1': 'tanh'}).
        """
        raise TypeError(f"a {type(self).__name__} cannot be saved: only Neuron, Layer and MLP can")

    def save(self, path: FilePath) -> None:
        """Write architecture and parameters as JSON, atomically; floats round-trip exactly.

        The file is checked with load()'s own rules before anything is replaced, so
        save never writes a file that load() refuses or reads as another model: a
        parameter that is not a finite number, a part that is not a Neuron, Layer
        or MLP, or a subclass with its own __call__ or _forward raises ValueError
        or TypeError naming it. Any other subclass of Neuron, Layer or MLP is saved
        as that built-in type, which load() returns.
        """
        try:
            data = json.dumps(_document(self), indent=1).encode('utf-8')
            _checked(_parse(data))
        except (TypeError, ValueError) as error:
            raise type(error)(f"cannot save {brief(path, PATH_LIMIT)}: {error}") from None
        write_atomically(path, lambda file: file.write(data))


class Neuron(Module):
    """activation(b + w . x): micrograd's Neuron; `nonlin` picks ReLU or linear unless `activation` is given.

    `init` scales the uniform(-1, 1) draws (see INITS; `fan_out` is the width
    of the neuron's layer, for 'xavier'); `rng` is the random source to draw
    from (default: the global `random`, as micrograd).
    """

    architecture_keys = ('nin', 'activation')

    w: list[Value]
    b: Value
    _activate: Optional[Callable[[Value], Value]]

    def __init__(self, nin: int, nonlin: bool = True, activation: Optional[str] = None, init: str = 'uniform',
                 fan_out: int = 1, rng: Optional[random.Random] = None) -> None:
        validate.integer(nin, "Neuron nin", at_least=1)
        self.activation = _activation_name(activation, nonlin)
        scale = _init_scale(init, nin, fan_out)
        draws: _Uniform = random if rng is None else rng
        self.w = [Value(scale * draws.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)

    @property
    def activation(self) -> str:
        """The activation's name ('relu', 'tanh', 'sigmoid', 'linear'); assigning one changes what the neuron computes."""
        return self._activation

    @activation.setter
    def activation(self, name: str) -> None:
        self._activate = ACTIVATIONS[validate.choice(name, "activation", ACTIVATIONS)][1]
        self._activation = name

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: whether an activation follows the sum. False makes the neuron linear, True a linear one ReLU."""
        return self._activation != 'linear'

    @nonlin.setter
    def nonlin(self, nonlinear: bool) -> None:
        if not nonlinear:
            self.activation = 'linear'
        elif self._activation == 'linear':
            self.activation = 'relu'

    def __call__(self, x: Input) -> Value:
        micrograd_shapes = _recording.micrograd_shapes
        return _output(self, _inputs(x, len(self.w), self, micrograd_shapes), micrograd_shapes)

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def named_parameters(self) -> list[Tuple[str, Value]]:
        return [(f"w.{i}", w) for i, w in enumerate(self.w)] + [('b', self.b)]

    def architecture(self) -> dict[str, Any]:
        self._checked_parts('')
        return {'nin': len(self.w), 'activation': self.activation}

    def _checked_parts(self, where: str) -> None:
        _check_forward(self, Neuron, where or 'the Neuron')

    def __repr__(self) -> str:
        return f"{ACTIVATIONS[self.activation][0]}Neuron({len(self.w)})"


class Layer(Module):
    """nout neurons on the same inputs; returns a list, or a single Value when nout == 1 (as micrograd)."""

    architecture_keys = ('nin', 'nout', 'activation')

    neurons: list[Neuron]

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        validate.integer(nout, "Layer nout", at_least=1)
        self.neurons = [Neuron(nin, fan_out=nout, **kwargs) for _ in range(nout)]

    def __call__(self, x: Input) -> Output:
        x = _listed(x, self)  # an iterator is read once and given to every neuron
        out = _built_in_outputs((self,), x, self)
        if out is None:
            out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def named_parameters(self) -> list[Tuple[str, Value]]:
        return _prefixed('neurons', self.neurons)

    def architecture(self) -> dict[str, Any]:
        self._checked_parts('')
        first = self.neurons[0]
        return _with_overrides({'nin': len(first.w), 'nout': len(self.neurons), 'activation': first.activation},
                               self, lambda prefix: first.activation)

    def _checked_parts(self, where: str) -> None:
        _check_forward(self, Layer, where or 'the Layer')
        if not self.neurons:
            raise ValueError(f"{where or 'the Layer'} has no neurons")
        for j, neuron in enumerate(self.neurons):
            _check_part(neuron, Neuron, f"{where}.neurons.{j}" if where else f"neurons.{j}")

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Fully connected layers: `activation` on hidden layers (ReLU), `output_activation` on the last (linear).

    None means 'linear' here, as PyTorch users read it (for a Neuron or Layer,
    activation=None keeps micrograd's meaning: ReLU unless nonlin=False).
    """

    architecture_keys = ('nin', 'nouts', 'activation', 'output_activation')

    layers: list[Layer]

    def __init__(self, nin: int, nouts: Iterable[int], activation: Optional[str] = 'relu',
                 output_activation: Optional[str] = 'linear', init: str = 'uniform',
                 rng: Optional[random.Random] = None) -> None:
        nouts = _sizes(nouts)
        self.activation = _activation_name('linear' if activation is None else activation)
        self.output_activation = _activation_name('linear' if output_activation is None else output_activation)
        sizes = [nin] + nouts
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], init=init, rng=rng,
                             activation=self.output_activation if i == last else self.activation)
                       for i in range(len(nouts))]

    def __call__(self, x: Input) -> Output:
        """micrograd's loop, `x = layer(x)` for each layer; a width-1 hidden layer's Value is one input to the next."""
        x = _listed(x, self)
        out = _built_in_outputs(self.layers, x, self)
        if out is not None:
            return out[0] if len(out) == 1 else out
        for layer in self.layers:
            x = layer(x)
        return x  # type: ignore[return-value] # a layer's output; only an MLP whose layers were emptied returns its input

    def parameters(self) -> list[Value]:
        built_in = _built_in_parameters(self.layers)
        if built_in is not None:
            return built_in
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self) -> list[Tuple[str, Value]]:
        return _prefixed('layers', self.layers)

    def architecture(self) -> dict[str, Any]:
        self._checked_parts('')
        last = f"layers.{len(self.layers) - 1}."
        return _with_overrides(
            {'nin': len(self.layers[0].neurons[0].w), 'nouts': [len(layer.neurons) for layer in self.layers],
             'activation': self.activation, 'output_activation': self.output_activation},
            self, lambda prefix: self.output_activation if prefix.startswith(last) else self.activation)

    def _checked_parts(self, where: str) -> None:
        _check_forward(self, MLP, 'the MLP')
        if not self.layers:
            raise ValueError("the MLP has no layers")
        for i, layer in enumerate(self.layers):
            _check_part(layer, Layer, f"layers.{i}")

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def load(path: FilePath) -> Union[Neuron, Layer, MLP]:
    """The Neuron, Layer or MLP that `save(path)` wrote; a bad file raises ValueError naming path and problem.

    Everything is checked before anything is built: keys, architecture, parameter
    names and numbers, so a wrong file costs at most the time to read it; a file
    larger than MAX_FILE_BYTES is refused before it is read, an unknown key
    before its value is parsed. A FIFO, device or directory raises OSError.
    """
    data = read_regular_file(path, MAX_FILE_BYTES, 'model file')
    try:
        return _built(_checked(_parse(data)))
    except (TypeError, ValueError) as error:
        raise ValueError(f"{brief(path, PATH_LIMIT)}: {error}") from None


_Model = Union[Neuron, Layer, MLP]
# (class, constructor arguments, activation overrides, parameter values): a model file load() accepts
_Checked = Tuple[type[_Model], dict[str, Any], dict[str, str], list[float]]
_MODULES: dict[str, type[_Model]] = {'Neuron': Neuron, 'Layer': Layer, 'MLP': MLP}
_FILE_KEYS = ('format', 'version', 'model', 'parameters')


def _saved_type(module: Module) -> str:
    """The name of the nearest built-in module class in module's MRO (a custom Module keeps its own)."""
    return next((cls.__name__ for cls in type(module).__mro__ if _MODULES.get(cls.__name__) is cls),
                type(module).__name__)


# The file format, one definition used both ways: _document (what save writes), then _parse and
# _checked (what load accepts, which save also applies before writing), then _built.

def _document(module: Module) -> dict[str, Any]:
    """The JSON document of module, read from what it computes."""
    architecture = module.architecture()  # checks the parts first
    parameters: dict[str, float] = {}
    for name, p in module.named_parameters():
        if not isinstance(p, Value):
            raise TypeError(f"parameter {name!r} is a {type(p).__name__} ({brief_repr(p)}), not a Value")
        parameters[name] = validate.real(p.data, f"parameter {name!r}")
    return {'format': FORMAT, 'version': VERSION, 'model': {'type': _saved_type(module), **architecture},
            'parameters': parameters}


def _parse(data: bytes) -> dict[str, Any]:
    """The file's top-level JSON object; each key is checked before its value is parsed, so junk never is."""
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"the model file would have {len(data):,} bytes, more than the {MAX_FILE_BYTES:,} "
                         f"load() reads")
    decoder = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    try:
        text = data.decode('utf-8')
        position = _skip_space(text, 0)
        if not text.startswith('{', position):
            raise ValueError(f"expected a JSON object, got {_json_kind(decoder, text, position)}")
        document: dict[str, Any] = {}
        position = _skip_space(text, position + 1)
        while not text.startswith('}', position):
            if not text.startswith('"', position):
                raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, position)
            key, position = decoder.raw_decode(text, position)
            if key not in _FILE_KEYS or key in document:
                what = 'appears twice' if key in document else f"is not one of {list(_FILE_KEYS)}"
                raise ValueError(f"the key {brief_repr(key)} {what}")
            position = _expect(text, _skip_space(text, position), ':', "':' delimiter")
            document[key], position = decoder.raw_decode(text, _skip_space(text, position))
            position = _skip_space(text, position)
            if not text.startswith('}', position):
                position = _skip_space(text, _expect(text, position, ',', "',' delimiter"))
        if _skip_space(text, position + 1) != len(text):
            raise json.JSONDecodeError("Extra data", text, position + 1)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"not a micrograd model file: invalid JSON ({error})") from None
    return document


def _checked(document: dict[str, Any]) -> _Checked:
    """(class, constructor arguments, activation overrides, parameter values): load()'s rules, nothing built."""
    _require_keys(document, _FILE_KEYS, "the file")
    if document['format'] != FORMAT:
        raise ValueError(f"format is {brief_repr(document['format'])}, expected {FORMAT!r}")
    if type(document['version']) is not int or document['version'] != VERSION:
        raise ValueError(f"unsupported version {brief_repr(document['version'])}, expected {VERSION}")
    spec, parameters = document['model'], document['parameters']
    if not isinstance(spec, dict) or not isinstance(spec.get('type'), str) or spec['type'] not in _MODULES:
        raise ValueError(f"'model' must be an object whose 'type' is one of {sorted(_MODULES)}")
    if not isinstance(parameters, dict):
        raise ValueError(f"'parameters' must be an object of name -> number, got {type(parameters).__name__}")
    cls = _MODULES[spec['type']]
    arguments = {key: value for key, value in spec.items() if key not in ('type', 'activations')}
    _require_keys(arguments, cls.architecture_keys, f"'model' ({spec['type']})")
    unexpected = sorted(set(arguments) - set(cls.architecture_keys))
    if unexpected:
        raise ValueError(f"'model' ({spec['type']}) has unexpected keys {_few(unexpected)}")
    for key in ('activation', 'output_activation'):
        if key in arguments:
            validate.choice(arguments[key], key.replace('_', ' '), ACTIVATIONS)
    sizes = [validate.integer(arguments['nin'], "nin", at_least=1)] + _sizes(arguments.get('nouts', [arguments.get('nout', 1)]))
    count = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    mismatch = f"the architecture has {count} parameters but the file lists {len(parameters)}"
    if count > 2 * len(parameters) + 100:  # listing the expected names would cost more than the file did
        raise ValueError(mismatch)
    prefixes = _neuron_prefixes(spec['type'], sizes[1:])
    names = [f"{prefix}{name}" for prefix, nin in zip(prefixes, _neuron_inputs(sizes))
             for name in _neuron_parameter_names(nin)]
    if count != len(parameters) or set(names) != set(parameters):
        raise ValueError(f"{mismatch if count != len(parameters) else 'the parameter names do not match it'}: "
                         f"missing {_few([name for name in names if name not in parameters])}, "
                         f"unexpected {_few(sorted(set(parameters) - set(names)))}")
    overrides = _checked_overrides(spec.get('activations', {}), prefixes)
    values = [validate.real(parameters[name], f"parameter {name!r}") for name in names]
    return cls, arguments, overrides, values


def _built(checked: _Checked) -> _Model:
    cls, arguments, overrides, values = checked
    model = cls(**arguments, rng=random.Random(0))  # init draws are overwritten; the global random is untouched
    for prefix, neuron in zip(_neuron_prefixes(_saved_type(model), _widths(model)), _neurons_of(model)):
        neuron.activation = overrides.get(prefix[:-1], neuron.activation)
    for p, value in zip(model.parameters(), values):
        p.data = value
    return model


def _neuron_prefixes(kind: str, widths: Sequence[int]) -> list[str]:
    """Each neuron's parameter-name prefix in parameters() order: '', 'neurons.J.' or 'layers.I.neurons.J.'."""
    if kind == 'Neuron':
        return ['']
    if kind == 'Layer':
        return [f"neurons.{j}." for j in range(widths[0])]
    return [f"layers.{i}.neurons.{j}." for i, width in enumerate(widths) for j in range(width)]


def _neuron_inputs(sizes: Sequence[int]) -> list[int]:
    """Each neuron's input count, for layer sizes [nin, nout1, nout2, ...]."""
    return [nin for nin, nout in zip(sizes, sizes[1:]) for _ in range(nout)]


def _neuron_parameter_names(nin: int) -> list[str]:
    return [f"w.{i}" for i in range(nin)] + ['b']


def _neurons_of(module: _Model) -> list[Neuron]:
    """The neurons of a Neuron, Layer or MLP, in parameters() order."""
    if isinstance(module, MLP):
        return [neuron for layer in module.layers for neuron in layer.neurons]
    return list(module.neurons) if isinstance(module, Layer) else [module]


def _widths(module: _Model) -> list[int]:
    return [len(layer.neurons) for layer in module.layers] if isinstance(module, MLP) else \
        [len(module.neurons)] if isinstance(module, Layer) else [1]


def _with_overrides(architecture: dict[str, Any], module: _Model, expected: Callable[[str], str]) -> dict[str, Any]:
    """architecture plus 'activations': {neuron: name} for each neuron whose activation expected() does not give."""
    prefixes = _neuron_prefixes(_saved_type(module), _widths(module))
    overrides = {prefix[:-1]: neuron.activation for prefix, neuron in zip(prefixes, _neurons_of(module))
                 if neuron.activation != expected(prefix)}
    return {**architecture, 'activations': overrides} if overrides else architecture


def _checked_overrides(overrides: object, prefixes: Sequence[str]) -> dict[str, str]:
    if not isinstance(overrides, dict):
        raise ValueError(f"'activations' must be an object of neuron -> activation, got {type(overrides).__name__}")
    neurons = {prefix[:-1] for prefix in prefixes}
    for neuron, activation in overrides.items():
        if neuron not in neurons:
            raise ValueError(f"'activations' names {brief_repr(neuron)}, which is not a neuron of the architecture")
        validate.choice(activation, f"activation of {neuron}", ACTIVATIONS)
    return overrides


def _check_part(part: Module, cls: type[_Model], where: str) -> None:
    """Refuse a part save() cannot describe: not the built-in class, or a subclass computing its own way."""
    if not isinstance(part, cls):
        raise TypeError(f"{where} is a {type(part).__name__} ({brief_repr(part)}), not a {cls.__name__}: "
                        "only an MLP of Layers of Neurons can be saved")
    part._checked_parts(where)


def _check_forward(module: Module, base: type[Module], where: str) -> None:
    mro = type(module).__mro__
    for cls in mro[:mro.index(base)]:
        for name in ('__call__', '_forward'):
            if name in vars(cls):
                raise TypeError(f"{where} is a {type(module).__name__}, whose {cls.__name__}.{name} replaces "
                                f"{base.__name__}'s: a model file cannot say what it computes")


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in ' \t\n\r':
        position += 1
    return position


def _expect(text: str, position: int, char: str, what: str) -> int:
    if not text.startswith(char, position):
        raise json.JSONDecodeError(f"Expecting {what}", text, position)
    return position + 1


def _json_kind(decoder: json.JSONDecoder, text: str, position: int) -> str:
    """The kind of JSON value at position, read no further than needed (an array is not parsed)."""
    kinds = {'[': 'an array', '"': 'a string'}
    if text[position:position + 1] in kinds:
        return kinds[text[position]]
    value, _ = decoder.raw_decode(text, position)  # a number, true, false or null: short
    return {bool: 'a boolean', type(None): 'null'}.get(type(value), 'a number')


def _unique_keys(pairs: list[Tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key given twice (json would silently keep the last)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise ValueError(f"the key {brief_repr(twice)} appears twice in an object")
    return result


_recording = grad_mode.state
_NEURON_CALL = Neuron.__call__
_LAYER_CALL = Layer.__call__
_NEURON_PARAMETERS = Neuron.parameters
_LAYER_PARAMETERS = Layer.parameters


def _output(neuron: Neuron, x: Sequence[Any], micrograd_shapes: bool) -> Value:
    """activation(b + w . x) for a list of input Values.

    One dot node, or with micrograd_shapes (inside micrograd_style())
    micrograd's own nodes: a `*` per weight and a `+` per term, from the bias.
    """
    if micrograd_shapes:
        act = sum((wi * xi for wi, xi in zip(neuron.w, x)), neuron.b)  # micrograd's Neuron.__call__, verbatim
    else:
        act = dot(neuron.w, x, neuron.b)
    return act if neuron._activate is None else neuron._activate(act)


def _built_in_outputs(layers: Sequence[Layer], x: Sequence[Any], module: Module) -> Optional[list[Value]]:
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
    return x  # type: ignore[return-value] # layers is not empty: the last layer's outputs


def _built_in_parameters(layers: Sequence[Layer]) -> Optional[list[Value]]:
    """What asking each layer for its parameters() gives, in one loop, if all are built-in with nothing overridden.

    None as soon as a module is of another class or its `parameters` is not
    the library's method (replaced on the class or on the instance): the
    caller then asks each module. (Reading `module.__dict__` instead would
    make every later attribute lookup on the module slower.)
    """
    params: list[Value] = []
    for layer in layers:
        if type(layer) is not Layer or getattr(layer.parameters, '__func__', None) is not _LAYER_PARAMETERS:
            return None
        for neuron in layer.neurons:
            if type(neuron) is not Neuron or getattr(neuron.parameters, '__func__', None) is not _NEURON_PARAMETERS:
                return None
            params += neuron.w
            params.append(neuron.b)
    return params


def _listed(x: Input, module: Module) -> Sequence[Any]:
    """x as a list or tuple; a single Value (what a one-output layer returns) is one input, as in a width-1 layer."""
    if type(x) is list or type(x) is tuple:
        return x
    if isinstance(x, Value):
        return [x]
    return validate.items(x, f"the input of {type(module).__name__}", "an iterable of numbers or Values")


def _inputs(x: Input, nin: int, module: Module, keep_numbers: bool = False) -> Sequence[Any]:
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


def _prefixed(prefix: str, modules: Sequence[Module]) -> list[Tuple[str, Value]]:
    return [(f"{prefix}.{i}.{name}", p) for i, module in enumerate(modules) for name, p in module.named_parameters()]


def _sizes(nouts: Iterable[int]) -> list[int]:
    nouts = [validate.integer(n, "each layer width in nouts", at_least=1)
             for n in validate.items(nouts, "nouts", "a list of layer widths")]
    if not nouts:
        raise ValueError("nouts must list at least one layer width")
    return nouts


def _activation_name(activation: Optional[str], nonlin: bool = True) -> str:
    if activation is None:
        return 'relu' if nonlin else 'linear'
    validate.choice(activation, "activation", ACTIVATIONS)
    if not nonlin and activation != 'linear':
        raise ValueError(f"nonlin=False contradicts activation={activation!r}")
    return activation


def _init_scale(init: str, fan_in: int, fan_out: int) -> float:
    validate.choice(init, "init", INITS)
    return INITS[init](fan_in, validate.integer(fan_out, "fan_out", at_least=1))


def _require_keys(mapping: Mapping[str, Any], keys: Iterable[str], what: str) -> None:
    missing = [key for key in keys if key not in mapping]
    if missing:
        raise ValueError(f"{what} is missing {_few(missing)}")


def _reject_constant(name: str) -> None:
    raise ValueError(f"non-finite number {name} in the file")


def _few(names: Sequence[object], limit: int = 5) -> str:
    shown = ', '.join(repr(name) for name in names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ''
    return f"[{shown}{more}]"
