"""Code written the way micrograd's lectures and users write it, for micrograd 0.1.0 and for this package alike.

Every function here imports `micrograd` by that name and uses only what
micrograd 0.1.0 has (plus a `style` context, which is
`micrograd.micrograd_style` for this package), and returns plain numbers.
`record_micrograd_idioms.py` runs them on micrograd 0.1.0 itself and stores
the results in `micrograd_idioms.json`; `tests/test_micrograd_idioms.py` runs
them on this package and compares. Change nothing here without recording
again: the JSON keeps this file's SHA-256, and the tests check it.
"""

import math
import random

from micrograd import nn
from micrograd.engine import Value

# The lecture's neuron: o = tanh(x1*w1 + x2*w2 + b), with b chosen so that o = 1/sqrt(2).
NEURON_INPUTS = {'x1': 2.0, 'x2': 0.0, 'w1': -3.0, 'w2': 1.0, 'b': 6.8813735870195432}


def lecture_tanh(v, cls=Value):
    """The lecture's new op: the result node gets a closure that adds the local derivative times out.grad."""
    t = (math.exp(2 * v.data) - 1) / (math.exp(2 * v.data) + 1)
    out = cls(t, (v,), 'tanh')

    def _backward():
        v.grad += (1 - t ** 2) * out.grad
    out._backward = _backward
    return out


class TanhValue(Value):
    """A subclass of Value with the lecture's tanh as a method (its results are TanhValues too)."""

    def tanh(self):
        return lecture_tanh(self, TanhValue)


def lecture_neuron(tanh=lecture_tanh):
    """The lecture's neuron, every node named as in the lecture; nothing run backward yet."""
    x1, x2, w1, w2, b = (Value(NEURON_INPUTS[name]) for name in ('x1', 'x2', 'w1', 'w2', 'b'))
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = tanh(n)
    return {'x1': x1, 'x2': x2, 'w1': w1, 'w2': w2, 'b': b, 'x1w1': x1w1, 'x2w2': x2w2, 'x1w1x2w2': x1w1x2w2,
            'n': n, 'o': o}


def _numbers(nodes):
    return {name: [v.data, v.grad] for name, v in nodes.items()}


def closure_op_on_a_value():
    """backward() through the lecture's tanh closure."""
    nodes = lecture_neuron()
    nodes['o'].backward()
    return _numbers(nodes)


def manual_backward_node_by_node():
    """The lecture's walk: set o.grad = 1, then call each node's _backward() from the output down."""
    nodes = lecture_neuron()
    nodes['o'].grad = 1.0
    for name in ('o', 'n', 'b', 'x1w1x2w2', 'x2w2', 'x1w1'):
        nodes[name]._backward()
    return _numbers(nodes)


def closure_op_on_a_subclass():
    """tanh as a method of a Value subclass, used twice (y = 3 * tanh(x) + x * tanh(x))."""
    x = TanhValue(0.5)
    t = x.tanh()
    y = t * 3 + x * t
    y.backward()
    return {'x': [x.data, x.grad], 't': [t.data, t.grad], 'y': [y.data, y.grad]}


def closure_named_like_a_built_in_op():
    """An op named 'tanh' that doubles its operand: its closure, not any tanh rule, gives the gradient."""
    def doubled(v, cls):
        out = cls(2 * v.data, (v,), 'tanh')

        def _backward():
            v.grad += 2 * out.grad
        out._backward = _backward
        return out

    results = {}
    for cls in (Value, TanhValue):
        x = cls(0.75)
        y = doubled(x, cls) * x
        y.backward()
        results[cls.__name__] = [y.data, x.grad]
    return results


def prev_sets():
    """micrograd's own tests of _prev: the set of distinct children."""
    a, b = Value(2.0), Value(-3.0)
    return {
        'a + b == {a, b}': (a + b)._prev == {a, b},
        'a * b == {a, b}': (a * b)._prev == {a, b},
        'len(a * a)': len((a * a)._prev),
        'len(a + a)': len((a + a)._prev),
        'a ** 2 == {a}': (a ** 2)._prev == {a},
        'relu == {a}': a.relu()._prev == {a},
        'leaf == set()': Value(1.0)._prev == set(),
        'type': type((a + b)._prev).__name__,
    }


STAR_IMPORTS = '''
from micrograd.engine import *
from micrograd.nn import *
import random
random.seed(7)
n = Neuron(3)
x = [Value(1.0), Value(-2.0), Value(0.5)]
act = sum((wi * xi for wi, xi in zip(n.w, x)), n.b)
accuracy = [(s > 0) == (y > 0) for s, y in [(0.5, 1), (-0.2, 1), (0.3, -1), (-1.0, -1)]]
result = {'act': act.data, 'accuracy': sum(accuracy) / len(accuracy),
          'accuracy type': type(sum(accuracy) / len(accuracy)).__name__}
'''


def star_imports():
    """Star imports followed by the builtin sum(..., start) and sum(bools) / len: a fixed program, in a fresh namespace."""
    namespace = {}
    exec(STAR_IMPORTS, namespace)  # a constant string of this file, never user text
    exported = {}
    for module in ('micrograd.engine', 'micrograd.nn'):
        names = {}
        exec(f"from {module} import *", names)
        exported[module] = sorted(set(names) - {'__builtins__'})
    return {**namespace['result'], 'exported': exported}


def _tiny_mlp():
    random.seed(11)
    return nn.MLP(2, [3, 1])


def _run(model, x):
    out = model(x)
    out.backward()
    return {'out': out.data, 'grads': [p.grad for p in model.parameters()]}


def patched_neuron_call():
    """Neuron.__call__ replaced on the class (here: the sum scaled by 0.5 before ReLU): every MLP neuron uses it."""
    original = nn.Neuron.__call__

    def call(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b) * 0.5
        return act.relu() if self.nonlin else act
    nn.Neuron.__call__ = call
    try:
        return _run(_tiny_mlp(), [Value(0.7), Value(-1.3)])
    finally:
        nn.Neuron.__call__ = original


class GainNeuron(nn.Neuron):
    """A Neuron with one more trainable parameter, a gain on its output."""

    def __init__(self, nin, **kwargs):
        super().__init__(nin, **kwargs)
        self.gain = Value(1.5)

    def __call__(self, x):
        return super().__call__(x) * self.gain

    def parameters(self):
        return super().parameters() + [self.gain]


class GainLayer(nn.Layer):
    def __init__(self, nin, nout, **kwargs):
        self.neurons = [GainNeuron(nin, **kwargs) for _ in range(nout)]


def subclassed_neurons():
    """A layer of Neuron subclasses with extra parameters, placed in an MLP: they are called, trained and zeroed."""
    model = _tiny_mlp()
    model.layers[0] = GainLayer(2, 3)
    result = _run(model, [0.7, -1.3])
    result['count'] = len(model.parameters())
    model.zero_grad()
    result['after zero_grad'] = [p.grad for p in model.parameters()]
    return result


class Scale(nn.Module):
    """A custom module: one trainable factor per input."""

    def __init__(self, n):
        self.s = [Value(1.0 + 0.5 * i) for i in range(n)]

    def __call__(self, x):
        return [xi * si for xi, si in zip(x, self.s)]

    def parameters(self):
        return self.s


class Half(nn.Module):
    """A custom last module taking the single Value a one-output layer returns."""

    def __call__(self, x):
        return x * 0.5


def custom_modules_in_mlp_layers():
    """Custom modules inserted into MLP.layers: called in turn, their parameters listed in order."""
    model = _tiny_mlp()
    model.layers.insert(1, Scale(3))
    model.layers.append(Half())
    result = _run(model, [0.7, -1.3])
    result['count'] = len(model.parameters())
    return result


def neuron_on_a_map():
    """Any iterable of inputs: Neuron(2)(map(Value, [1, 2]))."""
    random.seed(3)
    neuron = nn.Neuron(2)
    return neuron(map(Value, [1, 2])).data


def _graph(root):
    """Count the Values reachable from root and list their op names, the way micrograd's trace_graph walks _prev."""
    nodes, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node not in nodes:
            nodes.add(node)
            stack.extend(node._prev)
    return {'nodes': len(nodes), 'ops': sorted(node._op for node in nodes),
            'children per op': sorted([node._op, len(node._prev)] for node in nodes)}


def _expression_graphs():
    """name -> (root, leaves) of expressions whose shape micrograd's operator definitions decide."""
    a, b, c = Value(1.5), Value(-0.5), Value(2.0)
    return {
        'a - b': (a - b, [a, b]), 'a / b': (a / b, [a, b]), '-a': (-a, [a]),
        '2 - a': (2 - a, [a]), '2 / a': (2 / a, [a]), 'a - 2': (a - 2, [a]), 'a ** 2': (a ** 2, [a]),
        'trace_graph: (x * 2 + 1).relu()': ((a * 2 + 1).relu(), [a]),
        'mixed': (((a * b - c / a) ** 2).relu() + 3 - b / c, [a, b, c]),
    }


def graph_shapes(style):
    """The graphs micrograd draws, built inside `style()`: node counts, op names, values and gradients."""
    shapes = {}
    with style():
        built = _expression_graphs()
        random.seed(1337)
        neuron = nn.Neuron(2)  # trace_graph.ipynb's neuron
        neuron_x = [Value(1.0), Value(-2.0)]
        built['trace_graph: Neuron(2)'] = (neuron(neuron_x), neuron_x + neuron.parameters())
        model = _tiny_mlp()
        built['MLP(2, [3, 1])'] = (model([0.7, -1.3]), model.parameters())
        scores = [model(x) for x in ([0.7, -1.3], [-0.2, 0.4])]
        losses = [(1 + -y * s).relu() for y, s in zip([1, -1], scores)]
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
        built["demo.ipynb's loss on 2 points"] = (loss, model.parameters())
    for name, (root, leaves) in built.items():
        for leaf in leaves:  # the MLP's parameters are leaves of two graphs
            leaf.grad = 0
        root.backward()  # each graph once (micrograd 0.1.0 double counts on a second call)
        shapes[name] = {**_graph(root), 'data': root.data, 'grads': [leaf.grad for leaf in leaves]}
    return shapes


SCENARIOS = [closure_op_on_a_value, manual_backward_node_by_node, closure_op_on_a_subclass,
             closure_named_like_a_built_in_op, prev_sets, star_imports, patched_neuron_call, subclassed_neurons,
             custom_modules_in_mlp_layers, neuron_on_a_map]
