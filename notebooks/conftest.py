"""Notebooks run by pytest (nbmake) take their quick path: MICROGRAD_NOTEBOOK_QUICK=1 unless set otherwise.

The kernels nbmake starts inherit this process's environment. Opened in Jupyter,
a notebook does its full, documented run.
"""

import os

os.environ.setdefault("MICROGRAD_NOTEBOOK_QUICK", "1")
