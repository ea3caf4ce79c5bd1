"""Pictures of computation graphs: Graphviz drawings (`draw_dot`) and, built on them, the step-by-step page (`explain`)."""

from micrograd.viz.draw import (
    EXTENSIONS, FORMATS, INSTALL_HINT, LARGE_GRAPH, MAX_LABEL_CHARS, RANKDIRS, STYLES, Graph, GraphvizFailed,
    GraphvizNotFound, LargeGraphWarning, draw_dot, format_number, output_format, save)
from micrograd.viz.explain import Send, Step, Walkthrough, explain

__all__ = ['draw_dot', 'explain', 'Walkthrough', 'Step', 'Send', 'save', 'output_format', 'format_number', 'Graph',
           'GraphvizNotFound', 'GraphvizFailed', 'LargeGraphWarning', 'RANKDIRS', 'STYLES', 'FORMATS', 'EXTENSIONS',
           'INSTALL_HINT', 'LARGE_GRAPH', 'MAX_LABEL_CHARS']
