"""The step-by-step page of a Walkthrough: one self-contained HTML file that works offline and from file://.

The page's script and style are files next to this module (page_assets/),
inlined here; the graph is Graphviz's SVG, inline too. The steps travel as
JSON in a non-executed <script> element, with '<', '>' and '&' escaped so
that no label can end it, and the script inserts every text with
textContent. A Content-Security-Policy admits only this page's own script
and style (by their hashes) and nothing from anywhere else.
"""

import base64
import hashlib
import html
import json
import re
from importlib import resources
from typing import TYPE_CHECKING, Any, Optional, Tuple

from micrograd.viz.draw import GraphvizFailed, GraphvizNotFound, Marks, drawing

if TYPE_CHECKING:
    from micrograd.viz.explain import Walkthrough

__all__ = ['render', 'build', 'DRAW_LIMIT']

# Above this many Values the page leaves the drawing out (Graphviz would take seconds to lay it out
# and the picture would be unreadable) and plays the steps in the panel alone, with a note saying so.
DRAW_LIMIT = 300

_PLACEHOLDER = re.compile(r'@@(\w+)@@')


def render(walkthrough: 'Walkthrough') -> str:
    """The page's HTML text."""
    return build(walkthrough)[0]


def build(walkthrough: 'Walkthrough') -> Tuple[str, Optional[str]]:
    """(the page's HTML text, None or the note saying why the page has no drawing)."""
    svg, marks, note = _drawing(walkthrough)
    data = walkthrough.page_data()
    data['drawing'] = None if marks is None else _marks_data(marks, data, walkthrough)
    data['note'] = note
    script, style = _asset('page.js'), _asset('page.css')
    policy = (f"default-src 'none'; script-src '{_hash(script)}'; style-src '{_hash(style)}'; "
              "img-src 'none'; base-uri 'none'; form-action 'none'")
    fields = {'policy': html.escape(policy), 'style': style, 'script': script, 'svg': svg or '',
              'title': html.escape(f"Backpropagation step by step: {walkthrough.names[walkthrough.root]}"),
              'data': _data_json(data)}
    # One pass: text put in a placeholder's place is never searched for placeholders again.
    return _PLACEHOLDER.sub(lambda match: fields[match.group(1)], _asset('page.html')), note


def _drawing(walkthrough: 'Walkthrough') -> Tuple[Optional[str], Optional[Marks], Optional[str]]:
    """(SVG element text, Marks, None), or (None, None, why not) where the graph cannot be drawn well."""
    count = len(walkthrough.forward_steps)
    if count > DRAW_LIMIT:
        return None, None, (f"This graph has {count} Values, more than the {DRAW_LIMIT} this page draws (Graphviz "
                            "would take long to lay it out and the picture would be unreadable), so the steps play "
                            "in the panel without the drawing. Explain a smaller part of the graph to see it drawn.")
    gradients = {step.node: step.value for step in walkthrough.backward_steps}
    graph, marks = drawing(walkthrough.root, style=walkthrough.style, names=walkthrough.names, gradients=gradients,
                           element_ids=True)
    try:
        svg = graph.pipe(format='svg').decode('utf-8')
    except (GraphvizNotFound, GraphvizFailed) as error:
        return None, None, f"The drawing is left out: {error}"
    return svg[svg.index('<svg'):], marks, None


def _marks_data(marks: Marks, data: dict[str, Any], walkthrough: 'Walkthrough') -> dict[str, Any]:
    """The drawing's element ids per node (by the page's node numbers) and when each number appears."""
    index = {step.node: i for i, step in enumerate(walkthrough.forward_steps)}
    nodes = data['nodes']
    reveal = {'data': lambda what: nodes[index[what[1]]]['forward'],
              'grad': lambda what: nodes[index[what[1]]]['backward'],
              'share': lambda what: nodes[index[what[1]]]['backward']}
    shapes: list[list[str]] = [[] for _ in nodes]
    inputs: list[list[str]] = [[] for _ in nodes]
    for node, ids in marks.shapes.items():
        shapes[index[node]] = ids
    for node, ids in marks.inputs.items():
        inputs[index[node]] = ids
    return {'shapes': shapes, 'inputs': inputs,
            'texts': [[element, position, reveal[what[0]](what)] for element, position, what in marks.texts]}


def _asset(name: str) -> str:
    return resources.files('micrograd.viz').joinpath('page_assets').joinpath(name).read_text(encoding='utf-8')


def _hash(text: str) -> str:
    return 'sha256-' + base64.b64encode(hashlib.sha256(text.encode('utf-8')).digest()).decode('ascii')


def _data_json(data: dict[str, Any]) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' that could end it or start markup."""
    text = json.dumps(data, ensure_ascii=False, separators=(',', ':'), allow_nan=False)
    return (text.replace('<', '\\u003c').replace('>', '\\u003e').replace('&', '\\u0026')
            .replace('\u2028', '\\u2028').replace('\u2029', '\\u2029'))
