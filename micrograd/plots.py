"""Plots of training: the loss curve and a classifier's decision boundary, as PNG, SVG or PDF.

Uses matplotlib's object API with the Agg canvas (no pyplot, no global
backend switch, so notebooks keep their own), imported only when a plot is
made. The file's extension picks the format (checked before any work); files
are written atomically, following micrograd.atomic's rules.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Callable, Optional, Union

import micrograd
from micrograd import validate
from micrograd._optional import require
from micrograd.atomic import FilePath, write_atomically
from micrograd.engine import Value
from micrograd.losses import predicted_class
from micrograd.messages import brief_repr

__all__ = ['save_loss_curve', 'save_decision_boundary', 'EXTENSIONS']

# File extension -> matplotlib format.
EXTENSIONS = {'.png': 'png', '.svg': 'svg', '.pdf': 'pdf'}


def save_loss_curve(history: Mapping[str, Sequence[float]], path: FilePath) -> None:
    """Plot history['loss'] (and history['accuracy'], if present) per epoch into path (.png .svg .pdf)."""
    Figure = require('matplotlib.figure', extra='train').Figure

    file_format = _format(path)
    if not isinstance(history, Mapping) or not isinstance(history.get('loss'), Sequence) or not history['loss']:
        raise ValueError(f"history must be a dict with a non-empty 'loss' list, as training.fit returns, "
                         f"got {brief_repr(history)}")
    figure = Figure(figsize=(6, 4), layout='tight')
    axes = figure.subplots()
    epochs = range(1, len(history['loss']) + 1)
    axes.plot(epochs, history['loss'], color='tab:blue')
    axes.set(xlabel='epoch', ylabel='loss', title='training')
    axes.tick_params(axis='y', labelcolor='tab:blue')
    if history.get('accuracy'):
        accuracy_axes = axes.twinx()
        accuracy_axes.plot(epochs, history['accuracy'], color='tab:orange')
        accuracy_axes.set(ylabel='accuracy', ylim=(0, 1.05))
        accuracy_axes.tick_params(axis='y', labelcolor='tab:orange')
    _save(figure, path, file_format)


def save_decision_boundary(model: Callable[[list[float]], Union[Value, Sequence[Value]]], X: Sequence[Sequence[float]],
                           y: Sequence[int], path: FilePath, threshold: float = 0.0, resolution: int = 100) -> None:
    """Colour the plane by the model's predicted class and scatter the labelled points into path (.png .svg .pdf).

    A one-output model predicts class 1 where its output exceeds `threshold`
    (0 for hinge scores, 0.5 for sigmoid probabilities); a model with several
    outputs predicts the index of the largest. The plane is sampled on a
    resolution x resolution grid (resolution an int >= 2).
    """
    Figure = require('matplotlib.figure', extra='train').Figure

    file_format = _format(path)
    validate.integer(resolution, "resolution (grid points per axis)", at_least=2)
    if not len(X) or len(X) != len(y):
        raise ValueError(f"X and y must be non-empty and of the same length, got {len(X)} and {len(y)}")
    xs, ys = _grid_axis(X, 0, resolution), _grid_axis(X, 1, resolution)
    with micrograd.no_grad():
        classes = [[predicted_class(model([u, v]), threshold) for u in xs] for v in ys]
    figure = Figure(figsize=(5, 5), layout='tight')
    axes = figure.subplots()
    n_classes = max(max(row) for row in classes) + 1
    colours = {'cmap': 'Spectral', 'vmin': 0, 'vmax': max(n_classes - 1, max(y), 1)}
    axes.contourf(xs, ys, classes, levels=[c - 0.5 for c in range(n_classes + 1)], alpha=0.6, **colours)
    axes.scatter([p[0] for p in X], [p[1] for p in X], c=y, s=30, edgecolors='black', **colours)
    axes.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]), title='decision boundary')
    _save(figure, path, file_format)


def _grid_axis(X: Sequence[Sequence[float]], column: int, resolution: int) -> list[float]:
    low, high = min(p[column] for p in X) - 1, max(p[column] for p in X) + 1
    return [low + (high - low) * i / (resolution - 1) for i in range(resolution)]


def _format(path: FilePath) -> Optional[str]:
    from micrograd.viz import output_format
    return output_format(path, EXTENSIONS)


def _save(figure: Any, path: FilePath, file_format: Optional[str]) -> None:
    write_atomically(path, lambda file: figure.savefig(file, format=file_format, dpi=100))
