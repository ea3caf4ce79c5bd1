"""The array libraries a compiled program runs on: numpy (the default) and torch (float64, CUDA when there is one).

Each backend gives the op registry's array forms their `xp` namespace (numpy's
function names) and makes the few array operations a program needs: reading
slots out of the value buffer (a slice where they are consecutive, a gather
otherwise) and adding gradients into slots (a slice, a plain indexed add
where no slot repeats, a sum over pre-sorted indices where some do).
"""

import contextlib

import numpy as np

__all__ = ['backend_named', 'NumpyBackend', 'TorchBackend', 'BACKENDS']

BACKENDS = ('numpy', 'torch')


def backend_named(name):
    if name == 'numpy':
        return NumpyBackend()
    if name == 'torch':
        return TorchBackend()
    raise ValueError(f"unknown backend {name!r:.60}, expected one of {', '.join(map(repr, BACKENDS))}")


def _consecutive(slots):
    """(first, last + 1) when slots, read row by row, are consecutive numbers; else None."""
    flat = slots.ravel()
    if flat.size and flat[-1] - flat[0] == flat.size - 1 and (np.diff(flat) == 1).all():
        return int(flat[0]), int(flat[-1]) + 1
    return None


def _sigmoid(xp):
    """The engine's sigmoid on arrays: 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below, so it never overflows."""
    def sigmoid(x):
        small = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1.0 / (1.0 + small), small / (1.0 + small))
    return sigmoid


class _Namespace:
    """numpy's function names (what the registry's array forms call: xp.exp, xp.arctan, ...) on numpy or torch."""

    def __init__(self, module, power, where):
        self._module, self.power, self.where = module, power, where
        self.sigmoid = _sigmoid(self)

    def __getattr__(self, name):  # looked up once, then an ordinary attribute
        function = getattr(self._module, name)
        setattr(self, name, function)
        return function


def _namespace(module, power, where):
    return _Namespace(module, power, where)


class _Backend:
    """What the backends share: reading slots of the value buffer (each backend says how to index it)."""

    def index(self, slots):
        """slots as an index of this backend's value buffer."""
        raise NotImplementedError

    def reader(self, slots):
        """A function of the value buffer returning the values at slots, in their shape."""
        span = _consecutive(slots)
        if span is None:
            index = self.index(slots)
            return lambda values: values[index]
        start, stop = span
        shape = slots.shape
        return lambda values: values[start:stop].reshape(shape)


class NumpyBackend(_Backend):
    name = 'numpy'

    def __init__(self):
        self.xp = _namespace(np, np.power, np.where)

    def array(self, values):
        return np.array(values, dtype=np.float64)

    def index(self, slots):
        """slots as an index of the value buffer: a slice where they are consecutive."""
        span = _consecutive(slots)
        return slots if span is None or slots.ndim != 1 else slice(*span)

    def zeros(self, size):
        return np.zeros(size)

    def copy(self, values):
        return values.copy()

    def unshared(self, view):
        """view, safe to add into the buffer it views (numpy sees the overlap itself)."""
        return view

    def adder(self, slots):
        """A function adding an array shaped like slots (or broadcastable to it) into the gradient buffer."""
        span, shape = _consecutive(slots), slots.shape
        if span is not None:
            start, stop = span

            def add(grads, contribution):
                view = grads[start:stop].reshape(shape)
                view += contribution
        elif np.unique(slots).size == slots.size:
            def add(grads, contribution):
                grads[slots] += contribution
        else:
            order = np.argsort(slots.ravel(), kind='stable')
            ordered = slots.ravel()[order]
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            targets = ordered[starts]

            def add(grads, contribution):
                grads[targets] += np.add.reduceat(np.broadcast_to(contribution, shape).ravel()[order], starts)
        return add

    def rows_sum(self, terms):
        """terms[0] + terms[1] + ... in this order (numpy adds rows in order; a single column it adds pairwise)."""
        return np.add.accumulate(terms[:, 0])[-1:] if terms.shape[1] == 1 else terms.sum(axis=0)

    def stack(self, first, rest):
        return np.concatenate((first[None], rest))

    def all_finite(self, values):
        return bool(np.isfinite(values).all())

    def equal(self, a, b):
        return bool((a == b).all())

    def floats(self, values):
        return values.tolist()

    def mask(self, flags):
        return flags

    def quiet(self):
        """inf and nan are results here, checked afterwards: no warnings while a program runs."""
        return np.errstate(all='ignore')


class TorchBackend(_Backend):
    name = 'torch'

    def __init__(self, device=None):
        import torch
        self.torch = torch
        self.device = torch.device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
        self.xp = _namespace(torch, torch.pow, torch.where)

    def array(self, values):
        return self.torch.as_tensor(values, dtype=self.torch.float64, device=self.device)

    def index(self, slots):
        return self.torch.as_tensor(slots, dtype=self.torch.int64, device=self.device)

    def zeros(self, size):
        return self.torch.zeros(size, dtype=self.torch.float64, device=self.device)

    def copy(self, values):
        return values.clone()

    def unshared(self, view):
        return view.clone()  # index_add_ refuses a source that shares memory with its target

    def adder(self, slots):
        span, shape = _consecutive(slots), slots.shape
        if span is not None:
            start, stop = span

            def add(grads, contribution):
                grads[start:stop].view(shape).add_(contribution)
        else:
            index, as_tensor = self.index(slots.ravel()), self.array

            def add(grads, contribution):
                grads.index_add_(0, index, as_tensor(contribution).expand(shape).reshape(-1))
        return add

    def rows_sum(self, terms):
        return terms.sum(dim=0)

    def stack(self, first, rest):
        return self.torch.cat((first[None], rest))

    def all_finite(self, values):
        return bool(self.torch.isfinite(values).all())

    def equal(self, a, b):
        return bool((a == b).all())

    def floats(self, values):
        return values.tolist()

    def mask(self, flags):
        return self.torch.as_tensor(flags, device=self.device)

    def quiet(self):
        return contextlib.nullcontext()

