"""Record what micrograd 0.1.0 computes for the idioms of micrograd_idioms.py into micrograd_idioms.json.

Run by hand, never by the tests (they read only the JSON):

    python tests/data/record_micrograd_idioms.py [micrograd-0.1.0-py3-none-any.whl]

The wheel defaults to benchmarks/.ref/, where `python benchmarks/run.py`
downloads it from PyPI. micrograd 0.1.0 is imported from the wheel under its
own name `micrograd`, in a fresh interpreter (so `from micrograd.engine import *`
means micrograd's), and this project is never on that interpreter's path.
"""

import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
IDIOMS = os.path.join(HERE, 'micrograd_idioms.py')
WHEEL = os.path.join(HERE, '..', '..', 'benchmarks', '.ref', 'micrograd-0.1.0-py3-none-any.whl')

RUN_ON_MICROGRAD = '''
import contextlib, json, sys
sys.path[:0] = [{wheel!r}, {here!r}]
import micrograd
assert micrograd.__file__.startswith({wheel!r}), "not micrograd 0.1.0: " + micrograd.__file__
import micrograd_idioms as idioms
results = {{scenario.__name__: scenario() for scenario in idioms.SCENARIOS}}
results['graph_shapes'] = idioms.graph_shapes(contextlib.nullcontext)
print(json.dumps(results))
'''


def main():
    wheel = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else WHEEL)
    code = RUN_ON_MICROGRAD.format(wheel=wheel, here=HERE)
    # -I: no PYTHONPATH, no user site, no current directory, so nothing but the wheel can be `micrograd`.
    output = subprocess.run([sys.executable, '-I', '-c', code], capture_output=True, text=True, check=True).stdout
    with open(IDIOMS, 'rb') as file:
        digest = hashlib.sha256(file.read()).hexdigest()
    record = {'source': 'micrograd 0.1.0 (PyPI) running tests/data/micrograd_idioms.py',
              'micrograd_idioms.py sha256': digest, 'results': json.loads(output)}
    with open(os.path.join(HERE, 'micrograd_idioms.json'), 'w') as file:
        json.dump(record, file, indent=1)
        file.write('\n')


if __name__ == '__main__':
    main()
