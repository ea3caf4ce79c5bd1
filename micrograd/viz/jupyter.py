"""How graphs show themselves in Jupyter: drawn inline while that is quick, as text otherwise.

Jupyter asks for a rich display of every cell result, so this must stay
cheap and must never fail: a graph of more than INLINE_LIMIT Values (counted
without walking the rest of it) or a machine without Graphviz's `dot`
gives None, and Jupyter shows the plain text repr instead. (Without the
graphviz package this module cannot be imported: callers catch ImportError.)
"""

from typing import Optional

from micrograd.engine import Value
from micrograd.viz.draw import GraphvizFailed, GraphvizNotFound, draw_dot

__all__ = ['graph_html', 'INLINE_LIMIT']

# A drawing of this many Values takes Graphviz about a tenth of a second; larger ones show as text.
INLINE_LIMIT = 150


def graph_html(root: Value) -> Optional[str]:
    """root's draw_dot drawing as inline SVG markup, or None where it would be slow or cannot be made."""
    if _more_values_than(root, INLINE_LIMIT):
        return None
    try:
        svg = draw_dot(root).pipe(format='svg').decode('utf-8')
    except (GraphvizNotFound, GraphvizFailed):
        return None
    return svg[svg.index('<svg'):]


def _more_values_than(root: Value, limit: int) -> bool:
    """Whether more than limit Values are reachable from root; stops counting at limit + 1."""
    seen = {root}
    stack = [root]
    while stack:
        for operand in stack.pop()._operands:
            if operand not in seen:
                if len(seen) == limit:
                    return True
                seen.add(operand)
                stack.append(operand)
    return False
