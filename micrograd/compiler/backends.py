"""The array namespaces (`xp`) that compiled programs and the registry's array forms compute with.

A namespace has numpy's function names; `sigmoid`, which numpy lacks, is
added here in the form that never overflows (like the engine's float sigmoid).
"""

from micrograd._optional import require

__all__ = ['numpy_namespace']


class _Namespace:
    """numpy's (or torch's) functions by numpy's names, plus sigmoid; `array` makes a float64 array."""

    def __init__(self, module, sigmoid, array, names=None):
        self._module = module
        self._names = names or {}
        self.sigmoid = sigmoid
        self.array = array

    def __getattr__(self, name):
        return getattr(self._module, self._names.get(name, name))


def numpy_namespace():
    np = require('numpy', extra='compile')

    def sigmoid(a):
        z = np.exp(-np.abs(a))  # never overflows
        return np.where(a >= 0, 1.0 / (1.0 + z), z / (1.0 + z))

    return _Namespace(np, sigmoid, lambda data: np.asarray(data, dtype=np.float64))
