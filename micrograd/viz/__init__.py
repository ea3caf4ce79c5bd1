"""Pictures of computation graphs: Graphviz drawings (`draw_dot`) and, built on them, the step-by-step page (`explain`)."""

from micrograd.viz.draw import (
    DOT_TIMEOUT, EXTENSIONS, FAST_LAYOUT, FAST_LAYOUT_ATTRIBUTES, FORMATS, INSTALL_HINT, LARGE_LAYOUT, MAX_LABEL_CHARS,
    MAX_LAYOUT, RANKDIRS, STYLES, Graph, GraphvizFailed, GraphvizNotFound, GraphvizTimeout, LargeGraphWarning, draw_dot,
    format_number, layout_size, output_format, run_dot, save)
from micrograd.viz.explain import Send, Step, Walkthrough, explain

__all__ = ['draw_dot', 'explain', 'Walkthrough', 'Step', 'Send', 'save', 'output_format', 'format_number',
           'layout_size', 'run_dot', 'Graph', 'GraphvizNotFound', 'GraphvizFailed', 'GraphvizTimeout',
           'LargeGraphWarning', 'RANKDIRS', 'STYLES', 'FORMATS', 'EXTENSIONS', 'INSTALL_HINT', 'MAX_LABEL_CHARS',
           'DOT_TIMEOUT', 'FAST_LAYOUT', 'FAST_LAYOUT_ATTRIBUTES', 'LARGE_LAYOUT', 'MAX_LAYOUT']
