"""`explain(root)`: the forward and backward pass of a graph, step by step, and a page that plays them.

The backward steps are the engine's own pass (`autodiff.backward_steps`),
recorded as it runs: the same order, the same rules, the same floats as
`backward()`, with `.grad` left untouched. Each step says what a node sends
each operand: the local derivative (the op's rule evaluated at upstream 1)
and the contribution (what the engine actually added).
"""

import html
import re
from dataclasses import dataclass
from typing import Any, List, Mapping, NamedTuple, Sequence, Tuple

from micrograd import autodiff, ops
from micrograd.atomic import FilePath, write_atomically
from micrograd.engine import Value
from micrograd.viz.draw import Drawable, format_number, root_value

__all__ = ['explain', 'Walkthrough', 'Step', 'Send']


class Send(NamedTuple):
    """What a backward step passes to one operand slot: local = d node / d operand, contribution = value * local."""

    operand: Value
    local: float
    contribution: float


@dataclass(frozen=True, eq=False)
class Step:
    """One step: phase 'forward' (value = the node's data) or 'backward' (value = d root / d node)."""

    phase: str
    node: Value
    value: float
    sends: Tuple[Send, ...] = ()

    def __repr__(self) -> str:
        return f"Step({self.phase}, {self.node!r}, value={self.value!r}, sends={len(self.sends)})"


def explain(root: Drawable, style: str = 'micrograd') -> 'Walkthrough':
    """Every step of root's forward and backward pass (root: a Value or an examples.Example).

    style picks the drawing on the page: 'micrograd' (boxes) or 'book' (the
    book's figures: numbers on the arrows).
    """
    root = root_value(root, "explain needs a Value to explain")
    if style not in ('micrograd', 'book'):
        raise ValueError(f"style must be 'micrograd' or 'book', got {style!r}")
    backward = [_backward_step(node, upstream, gradients)
                for node, upstream, gradients in autodiff.backward_steps(root)]
    forward = [Step('forward', node, node.data) for node in _topological_order(root)]
    return Walkthrough(root, forward + backward, style)


def _backward_step(node: Value, upstream: float, gradients: Sequence[float]) -> Step:
    if not node._operands:
        return Step('backward', node, upstream)
    locals_ = autodiff.operand_gradients(node, 1.0, False)  # the rule at upstream 1: d node / d operand
    return Step('backward', node, upstream, tuple(
        Send(operand, float(local), contribution)
        for operand, local, contribution in zip(node._operands, locals_, gradients)))


def _topological_order(root: Value) -> list[Value]:
    """Operands before results, each operand list left to right (micrograd's build_topo, without recursion)."""
    order: list[Value] = []
    seen = {root}
    stack = [(root, iter(root._operands))]
    while stack:
        node, operands = stack[-1]
        for operand in operands:
            if operand not in seen:
                seen.add(operand)
                stack.append((operand, iter(operand._operands)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


class Walkthrough:
    """The steps of one graph's forward and backward pass; `to_html()` / `save()` make the page that plays them."""

    def __init__(self, root: Value, steps: List[Step], style: str = 'micrograd') -> None:
        self.root = root
        self.steps = steps
        self.style = style
        self.names = _names([step.node for step in steps if step.phase == 'forward'])

    @property
    def forward_steps(self) -> List[Step]:
        return [step for step in self.steps if step.phase == 'forward']

    @property
    def backward_steps(self) -> List[Step]:
        return [step for step in self.steps if step.phase == 'backward']

    def received(self, node: Value) -> List[Tuple[Step, int, Send]]:
        """The contributions into node's gradient, in the order they arrived: (sending step, slot, send)."""
        return [(step, slot, send) for step in self.backward_steps
                for slot, send in enumerate(step.sends) if send.operand is node]

    def __repr__(self) -> str:
        return (f"<Walkthrough of {self.names[self.root]}: {len(self.forward_steps)} forward and "
                f"{len(self.backward_steps)} backward steps>")

    def to_html(self) -> str:
        """One self-contained page (inline SVG, script and style; nothing from the network) that plays the steps."""
        from micrograd.viz import page
        return page.render(self)

    def save(self, path: FilePath) -> None:
        """Write the page to path atomically (the file is complete or not there)."""
        data = self.to_html().encode('utf-8')
        write_atomically(path, lambda file: file.write(data))

    def _repr_html_(self) -> str:
        """Jupyter: the page in a sandboxed frame, so its script, ids and arrow keys stay its own."""
        return (f'<iframe srcdoc="{html.escape(self.to_html(), quote=True)}" sandbox="allow-scripts" '
                f'style="width: 100%; height: 880px; resize: vertical; border: 1px solid #ddd; border-radius: 6px" '
                f'title="{html.escape(repr(self))}"></iframe>')

    def page_data(self) -> dict[str, Any]:
        """Everything the page shows, as plain JSON-ready data (numbers already formatted as in draw_dot)."""
        nodes = [step.node for step in self.forward_steps]
        index = {node: i for i, node in enumerate(nodes)}
        position = {(step.phase, step.node): i for i, step in enumerate(self.steps)}
        received: dict[Value, list[Any]] = {node: [] for node in nodes}
        for step in self.backward_steps:
            for slot, send in enumerate(step.sends):
                received[send.operand].append([index[step.node], slot, format_number(send.contribution)])
        steps = [{'phase': step.phase, 'node': index[step.node], 'value': format_number(step.value),
                  'sends': [[index[send.operand], format_number(send.local), format_number(send.contribution)]
                            for send in step.sends]} for step in self.steps]
        return {
            'root': index[self.root],
            'nodes': [dict(_node_data(node, self.names, index), received=received[node],
                           forward=position['forward', node], backward=position['backward', node])
                      for node in nodes],
            'steps': steps,
        }


def _names(nodes: Sequence[Value]) -> dict[Value, str]:
    """A name for every node: its label, else t1, t2, ... in forward order (the output: 'out'), never a label taken."""
    taken = {str(node.label) for node in nodes if node.label}
    names: dict[Value, str] = {}
    count = 0
    for node in nodes:
        if node.label:
            names[node] = str(node.label)
            continue
        name = 'out' if node is nodes[-1] else ''
        while not name or name in taken:
            count += 1
            name = f't{count}'
        taken.add(name)
        names[node] = name
    return names


def _node_data(node: Value, names: Mapping[Value, str], index: Mapping[Value, int]) -> dict[str, Any]:
    operands = node._operands
    data: dict[str, Any] = {'name': names[node], 'data': format_number(node.data), 'op': node._op if operands else '',
            'operands': [index[operand] for operand in operands]}
    if not operands:
        return data
    operation = node._operation
    if isinstance(operation, ops.Op):
        letters, expression, local = operation.describe(len(operands))
        data.update(letters=list(letters), expression=expression, local=list(local),
                    named=_substitute(expression, letters, [names[o] for o in operands]),
                    numbers=_substitute(expression, letters, [format_number(o.data) for o in operands], True))
    else:  # a micrograd-style _backward closure: no formula, only its numbers
        call = f"{node._op}({', '.join(names[o] for o in operands)})"
        data.update(named=call, numbers=f"{node._op}({', '.join(format_number(o.data) for o in operands)})")
    return data




_NAME = re.compile(r'(?<!\w)[A-Za-z_]\w*(?!\w|\s*\()')  # a whole name that is not a function being called


def _substitute(expression: str, letters: Sequence[str], texts: Sequence[str], numbers: bool = False) -> str:
    """expression with each operand letter replaced by its text: ('a * b', (a, b), (apple, tax)) -> 'apple * tax'.

    numbers: the texts are numbers, and a negative one gets parentheses unless it is a call's whole
    argument ('2 - (-3)', 'tanh(-6)').
    """
    by_letter = dict(zip(letters, texts))

    def replace(match: 're.Match[str]') -> str:
        text = by_letter.get(match.group(), match.group())
        before, after = expression[:match.start()].rstrip()[-1:], expression[match.end():].lstrip()[:1]
        argument = before in ('(', ',') and after in (')', ',')
        return f"({text})" if numbers and text.startswith('-') and not argument else text
    return _NAME.sub(replace, expression)
