"""Pictures of computation graphs: Graphviz drawings (`draw_dot`) and, built on them, the step-by-step page."""

from micrograd.viz.draw import (
    EXTENSIONS, FORMATS, INSTALL_HINT, LARGE_GRAPH, MAX_LABEL_CHARS, RANKDIRS, Graph, GraphvizFailed,
    GraphvizNotFound, LargeGraphWarning, draw_dot, format_number, output_format, save)

__all__ = ['draw_dot', 'save', 'output_format', 'format_number', 'Graph', 'GraphvizNotFound', 'GraphvizFailed',
           'LargeGraphWarning', 'RANKDIRS', 'FORMATS', 'EXTENSIONS', 'INSTALL_HINT', 'LARGE_GRAPH',
           'MAX_LABEL_CHARS']
