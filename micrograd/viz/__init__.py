"""Pictures of computation graphs: Graphviz drawings (`draw_dot`) and, built on them, the step-by-step page."""

from micrograd.viz.draw import (
    DOT_TIMEOUT, EXTENSIONS, FAST_LAYOUT, FAST_LAYOUT_ATTRIBUTES, FORMATS, INSTALL_HINT, LARGE_LAYOUT, MAX_LABEL_CHARS,
    MAX_LAYOUT, RANKDIRS, Graph, GraphvizFailed, GraphvizNotFound, GraphvizTimeout, LargeGraphWarning, draw_dot,
    format_number, layout_size, output_format, run_dot, save)

__all__ = ['draw_dot', 'save', 'output_format', 'format_number', 'layout_size', 'run_dot', 'Graph',
           'GraphvizNotFound', 'GraphvizFailed', 'GraphvizTimeout', 'LargeGraphWarning', 'RANKDIRS', 'FORMATS',
           'EXTENSIONS', 'INSTALL_HINT', 'MAX_LABEL_CHARS', 'DOT_TIMEOUT', 'FAST_LAYOUT', 'FAST_LAYOUT_ATTRIBUTES',
           'LARGE_LAYOUT', 'MAX_LAYOUT']
