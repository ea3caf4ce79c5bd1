"""`micrograd.compile`: trace a function of Values once, replay it as array programs (numpy or torch).

    step = micrograd.compile(loss_fn)
    loss = step(X, y)          # first call: traced; later calls: replayed on the new numbers
    model.zero_grad(); loss.backward()

The function is ordinary micrograd code. Its arguments are numbers, lists or
tuples of numbers (they reach it as Value leaves) and Values (they receive
gradients); Values it uses from outside (model parameters) are read afresh
on every call and receive gradients too. It returns Values, numbers, or
lists and tuples of them, and a replay returns the same structure, each Value
a node of the ordinary graph.

What a trace cannot know makes it unsafe, and compile refuses such a trace
instead of replaying it wrongly: comparisons of Values are checked on every
replay (a call where one comes out differently is traced again), while
reading or writing `.data` inside the function, computing inside no_grad(),
or micrograd-style `_backward` closures make it run uncompiled, with a
CompileWarning that says where. Python numbers the function uses from outside
(a learning rate in a global, say) are constants of the trace. Needs numpy
(`pip install micrograd[compile]`); backend='torch' needs torch.
"""

try:
    import numpy  # noqa: F401 - imported here first, to say how to install it when it is missing
except ModuleNotFoundError as error:
    if error.name != 'numpy':
        raise
    raise ImportError("micrograd.compile needs numpy, which is not installed: "
                      "pip install micrograd[compile]") from error

from micrograd.compiler.function import Compiled, CompileWarning

__all__ = ['Compiled', 'CompileWarning']  # and compile(), used as micrograd.compile: never star-imported over the builtin


def compile(fn=None, backend='numpy', *, max_traces=8, static_argnums=()):  # noqa: A001 - as torch.compile
    """fn traced on its first call and replayed vectorized afterwards; usable as a decorator.

    backend: 'numpy' (default) or 'torch' (float64 tensors, on CUDA when
    torch.cuda.is_available()). max_traces: how many traces to keep (each
    argument structure and each outcome of fn's comparisons is one).
    static_argnums: positions of arguments that reach fn as they are (labels
    a loss indexes with, say) instead of as Values; each distinct value is
    traced separately.
    """
    if fn is None:
        return lambda function: Compiled(function, backend, max_traces, static_argnums)
    return Compiled(fn, backend, max_traces, static_argnums)
