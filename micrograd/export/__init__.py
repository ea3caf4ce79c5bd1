"""micrograd models as PyTorch modules and back: `to_torch(model)` and `from_torch(module)`.

For people who outgrow scalars: export a trained micrograd model and continue
in PyTorch (GPUs, batches, DistributedDataParallel), or bring a small torch
network back to look at every scalar of it. Needs torch
(`pip install micrograd[torch]`); micrograd itself never imports this package.
"""

try:
    import torch  # noqa: F401 - imported here first, to say how to install it when it is missing
except ModuleNotFoundError as error:
    if error.name != 'torch':  # torch is there but something it needs is not: its own message says what
        raise
    raise ImportError("micrograd.export needs PyTorch, which is not installed: "
                      "pip install micrograd[torch]") from error

from micrograd.export.pytorch import from_torch, to_torch

__all__ = ['from_torch', 'to_torch']
