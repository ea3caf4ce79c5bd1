"""The package type-checks clean with mypy (setup.cfg's [mypy] settings), and user code gets the types it is promised.

tests/typing_examples.py holds the promises: the types mypy must infer for
uses of the public API, and the mistakes it must report. mypy keeps its cache
in .mypy_cache, so a second run takes about a second.
"""

import re
import subprocess
import sys
from pathlib import Path

import typing_examples

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_error_in_the_package_or_in_the_typing_examples():
    result = subprocess.run([sys.executable, '-m', 'mypy', 'micrograd', 'tests/typing_examples.py'],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"mypy reports:\n{result.stdout}{result.stderr}"
    checked = int(re.search(r'Success: no issues found in (\d+) source files', result.stdout).group(1))
    assert checked == len(list((ROOT / 'micrograd').rglob('*.py'))) + 1  # every module of the package, and the examples


def test_the_typing_examples_run_and_each_value_is_of_the_type_mypy_infers():
    typing_examples.accepted_uses()
