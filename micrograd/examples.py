"""Small graphs to look at: the consumption-tax graphs of "Deep Learning from Scratch"
chapter 5 (buy_apple.py, buy_apple_orange.py) and micrograd's single tanh neuron.

Each function returns an `Example`: the output Value as `.root` and every
labelled Value by its label (`ex['apple'].grad`). By default the graph has
been run forward and backward; `backward=False` gives the forward pass only
(all grads 0), as in the book's figures of the forward computation.
"""

from collections.abc import Mapping

from micrograd.engine import Value


class Example(Mapping):
    """A computed graph: `.root` is its output; `example[label]` is the Value with that label."""

    def __init__(self, root, values):
        self.root = root
        self._values = dict(values)

    def __getitem__(self, label):
        return self._values[label]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def __repr__(self):
        items = ', '.join(f'{label}={value.data:g}' for label, value in self._values.items())
        return f'Example({items})'

    def _repr_html_(self):
        """Jupyter: the drawing of the graph (None, so the text repr, where Graphviz is missing)."""
        try:
            from micrograd.viz.jupyter import graph_html
        except ImportError:  # no graphviz package
            return None
        return graph_html(self.root)


def buy_apple(backward=True):
    """2 apples at 100 each plus 10% tax: price 220; d price/d (apple, apple_num, tax) = 2.2, 110, 200."""
    apple, apple_num, tax = Value(100), Value(2), Value(1.1)
    apple_price = apple * apple_num
    price = apple_price * tax
    return _example(price, backward, apple=apple, apple_num=apple_num, tax=tax,
                    apple_price=apple_price, price=price)


def buy_apple_orange(backward=True):
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


def neuron(backward=True):
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


def _example(root, backward, **values):
    """Label each Value with its keyword name, then run backward from root if asked."""
    for label, value in values.items():
        value.label = label
    if backward:
        root.backward()
    return Example(root, values)


# Graph names on the command line -> the function that builds them.
GRAPHS = {'apple': buy_apple, 'apple-orange': buy_apple_orange, 'neuron': neuron}
