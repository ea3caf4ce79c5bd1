"""A compiled trace as a plain torch function of its inputs, which torch autograd differentiates.

`compiled.to_torch()` gives a torch.nn.Module whose forward takes the same
arguments as the compiled function (numbers, nested lists, or float64
tensors in their place; a tensor stands for a whole list when it holds as many
numbers) and returns its results with 0-d tensors where the Values were. The
captured Values (model parameters) become one float64 Parameter, `params`, in
the order of `captured`, holding their data at export time.

The forward runs the same groups as the compiled program, each result a new
tensor (no buffer written in place, which autograd could not follow), so
`torch.autograd.grad` through it gives the engine's gradients. It checks the
trace's comparisons too, and refuses arguments for which they come out
differently.
"""

import numpy as np
import torch

from micrograd.compiler import structure
from micrograd.compiler.backends import TorchBackend
from micrograd.compiler.program import compiled_groups
from micrograd.engine import Value

__all__ = ['TorchFunction']


class TorchFunction(torch.nn.Module):
    """fn's trace on torch tensors (see the module docstring)."""

    def __init__(self, key, plan, template, name):
        super().__init__()
        for _, _, group in plan.groups:
            op = getattr(group, 'op', None)
            if op is not None and op.array_forward is None:
                raise ValueError(f"to_torch needs an array form of every op; op {op.name!r} has none "
                                 f"(give define_op an array_forward)")
        self._key, self._plan, self._template, self._name = key, plan, template, name
        self._backend = TorchBackend()
        self._kernels, self._comparisons = compiled_groups(plan, self._backend)
        self.captured = list(plan.captured)
        device = self._backend.device
        self.params = torch.nn.Parameter(torch.tensor([v.data for v in self.captured], dtype=torch.float64,
                                                      device=device))
        self.register_buffer('constants', torch.as_tensor(plan.constants, dtype=torch.float64, device=device))

    def forward(self, *args):
        if len(args) != len(self._key):
            raise TypeError(f"{self._name} takes {len(self._key)} argument(s), got {len(args)}")
        inputs: list = []
        arguments: list = []
        for i, (key, arg) in enumerate(zip(self._key, args)):
            self._flatten(key, arg, inputs, arguments, f"argument {i}")
        parts = [self._tensor(inputs), self._tensor(arguments), self.params, self.constants]
        values = torch.cat(parts)
        xp = self._backend.xp
        for _, kernel in self._kernels:
            parts.append(kernel.forward(xp, values).reshape(-1))
            values = torch.cat(parts)
        for compare, a, b, expected in self._comparisons:
            if not bool((compare(a(values), b(values)) == expected).all()):
                raise ValueError(f"for these arguments {self._name}'s comparisons of Values come out differently "
                                 f"than in the trace this function was exported from; export a trace made with "
                                 f"such arguments")
        return structure.rebuild_result(self._template, [values[slot] for slot in self._plan.results])

    def _tensor(self, pieces):
        if not pieces:
            return torch.zeros(0, dtype=torch.float64, device=self._backend.device)
        return torch.cat([torch.as_tensor(piece, dtype=torch.float64, device=self._backend.device).reshape(-1)
                          for piece in pieces])

    def _flatten(self, key, arg, inputs, arguments, where):
        """Append arg's numbers (tensors, flattened) to inputs and its Value positions to arguments."""
        if key == structure.VALUE:
            arguments.append(arg.data if isinstance(arg, Value) else _scalar(arg, where))
            return
        if key == structure.NUMBER:
            inputs.append(_scalar(arg, where))
            return
        if key[0] == structure.STATIC:
            if type(arg) is not key[1] or arg != key[2]:
                raise ValueError(f"{where} is static: the trace was made with {key[2]!r:.60}, got {arg!r:.60}")
            return
        if isinstance(arg, np.ndarray):
            arg = torch.from_numpy(arg)
        if isinstance(arg, torch.Tensor):
            count = structure.count(key)
            if structure.count(key, structure.VALUE) or arg.numel() != count:
                raise ValueError(f"{where}: a tensor in place of a list needs {count} numbers and no Values there, "
                                 f"got {arg.numel()} numbers")
            inputs.append(arg)
            return
        items = structure.items(key)
        if not isinstance(arg, (list, tuple)) or len(arg) != len(items):
            expected = 'list' if key[0] == structure.NDARRAY else key[0].__name__
            raise ValueError(f"{where}: expected a {expected} of {len(items)} (or a tensor), got {arg!r:.60}")
        for i, (item_key, item) in enumerate(zip(items, arg)):
            self._flatten(item_key, item, inputs, arguments, f"{where}[{i}]")


def _scalar(x, where):
    if isinstance(x, torch.Tensor) and x.numel() == 1:
        return x
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return torch.tensor(float(x), dtype=torch.float64)
    raise TypeError(f"{where} must be a number or a one-element tensor, got {type(x).__name__}: {x!r:.60}")
