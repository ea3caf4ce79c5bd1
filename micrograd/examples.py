"""Small graphs to look at: the consumption-tax graphs of "Deep Learning from Scratch"
chapter 5 (buy_apple.py, buy_apple_orange.py), micrograd's single tanh neuron and
the 2-2-2 network of Matt Mazur's "A Step by Step Backpropagation Example".

Each function returns an `Example`: the output Value as `.root` and every
labelled Value by its label (`ex['apple'].grad`). By default the graph has
been run forward and backward; `backward=False` gives the forward pass only
(all grads 0), as in the book's figures of the forward computation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Callable, Iterable, Iterator, Optional, Sequence, Tuple, Union

from micrograd.engine import Number, Value

__all__ = ['GRAPHS', 'MAZUR_START', 'MAZUR_WEIGHTS', 'Example', 'buy_apple', 'buy_apple_orange', 'mazur', 'neuron']


class Example(Mapping[str, Value]):
    """A computed graph: `.root` is its output; `example[label]` is the Value with that label."""

    def __init__(self, root: Value, values: Union[Mapping[str, Value], Iterable[Tuple[str, Value]]]) -> None:
        self.root = root
        self._values = dict(values)

    def __getitem__(self, label: str) -> Value:
        return self._values[label]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        items = ', '.join(f'{label}={value.data:g}' for label, value in self._values.items())
        return f'Example({items})'

    def _repr_html_(self) -> Optional[str]:
        """Jupyter: the drawing of the graph (None, so the text repr, where Graphviz is missing)."""
        try:
            from micrograd.viz.jupyter import graph_html
        except ImportError:  # no graphviz package
            return None
        return graph_html(self.root)


def buy_apple(backward: bool = True) -> Example:
    """2 apples at 100 each plus 10% tax: price 220; d price/d (apple, apple_num, tax) = 2.2, 110, 200."""
    apple, apple_num, tax = Value(100), Value(2), Value(1.1)
    apple_price = apple * apple_num
    price = apple_price * tax
    return _example(price, backward, apple=apple, apple_num=apple_num, tax=tax,
                    apple_price=apple_price, price=price)


def buy_apple_orange(backward: bool = True) -> Example:
    """2 apples at 100 and 3 oranges at 150 plus 10% tax: price 715; d price/d tax = 650."""
    apple, apple_num = Value(100), Value(2)
    orange, orange_num = Value(150), Value(3)
    tax = Value(1.1)
    apple_price = apple * apple_num
    orange_price = orange * orange_num
    all_price = apple_price + orange_price
    price = all_price * tax
    return _example(price, backward, apple=apple, apple_num=apple_num, orange=orange,
                    orange_num=orange_num, tax=tax, apple_price=apple_price,
                    orange_price=orange_price, all_price=all_price, price=price)


def neuron(backward: bool = True) -> Example:
    """o = tanh(x1*w1 + x2*w2 + b) with the bias that makes o = 1/sqrt(2) (micrograd's lecture neuron)."""
    x1, x2 = Value(2.0), Value(0.0)
    w1, w2 = Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    return _example(o, backward, x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2,
                    x1w1x2w2=x1w1x2w2, n=n, o=o)


# The numbers Mazur's post starts from: inputs, weights, the two shared biases, targets.
MAZUR_START = {'i1': 0.05, 'i2': 0.10,
               'w1': 0.15, 'w2': 0.20, 'w3': 0.25, 'w4': 0.30, 'w5': 0.40, 'w6': 0.45, 'w7': 0.50, 'w8': 0.55,
               'b1': 0.35, 'b2': 0.60, 'target_o1': 0.01, 'target_o2': 0.99}
# The parameters the post trains (it updates the weights and leaves b1 and b2 as they are).
MAZUR_WEIGHTS = ('w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8')


def mazur(backward: bool = True, **start: Number) -> Example:
    """Mazur's 2-2-2 logistic network on one sample, with E_total = sum 1/2 (target - out)**2 as root.

    Built from * + sigmoid ** so that a drawing shows the post's neurons:
    net_h1 = w1*i1 + w2*i2 + b1 and net_h2 = w3*i1 + w4*i2 + b1 (one bias for the
    layer, as in the post), net_o1 = w5*out_h1 + w6*out_h2 + b2, net_o2 = w7*out_h1
    + w8*out_h2 + b2, out_x = sigmoid(net_x), E_o = 1/2 (target_o - out_o)**2.
    Each product is labelled too ('w1*i1'). The post's numbers: E_total 0.298371109,
    d E_total/d w5 = 0.082167041, d E_total/d w1 = 0.000438568.
    Keyword arguments named as in MAZUR_START replace its starting numbers, so
    `mazur(**new_weights)` is the network after an update.
    """
    unknown = sorted(set(start) - set(MAZUR_START))
    if unknown:
        raise TypeError(f"mazur() got unexpected keyword argument(s) {', '.join(unknown)}; "
                        f"its numbers are named {', '.join(MAZUR_START)}")
    v = {name: Value(number) for name, number in {**MAZUR_START, **start}.items()}
    _logistic_neuron(v, 'h1', ('w1', 'w2'), ('i1', 'i2'), 'b1')
    _logistic_neuron(v, 'h2', ('w3', 'w4'), ('i1', 'i2'), 'b1')
    _logistic_neuron(v, 'o1', ('w5', 'w6'), ('out_h1', 'out_h2'), 'b2')
    _logistic_neuron(v, 'o2', ('w7', 'w8'), ('out_h1', 'out_h2'), 'b2')
    for o in ('o1', 'o2'):
        v[f'E_{o}'] = 0.5 * (v[f'target_{o}'] - v[f'out_{o}']) ** 2
    v['E_total'] = v['E_o1'] + v['E_o2']
    return _example(v['E_total'], backward, **v)


def _logistic_neuron(v: dict[str, Value], name: str, weights: Sequence[str], inputs: Sequence[str], bias: str) -> None:
    """Add 'w*x' for each weight and input, 'net_<name>' = their sum + bias and 'out_<name>' = sigmoid(net) to v."""
    products: list[Value] = []
    for w, x in zip(weights, inputs):
        products.append(v[w] * v[x])
        v[f'{w}*{x}'] = products[-1]
    v[f'net_{name}'] = products[0] + products[1] + v[bias]
    v[f'out_{name}'] = v[f'net_{name}'].sigmoid()


def _example(root: Value, backward: bool, **values: Value) -> Example:
    """Label each Value with its keyword name, then run backward from root if asked."""
    for label, value in values.items():
        value.label = label
    if backward:
        root.backward()
    return Example(root, values)


# Graph names on the command line -> the function that builds them.
GRAPHS: dict[str, Callable[..., Example]] = {
    'apple': buy_apple, 'apple-orange': buy_apple_orange, 'neuron': neuron, 'mazur': mazur}
