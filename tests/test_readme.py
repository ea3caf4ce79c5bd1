"""The README is the front door: every Python block and every `micrograd` command in it runs verbatim."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
COMMANDS = [line for block in re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL)
            for line in block.splitlines() if line.startswith("micrograd ")]


def test_the_readme_has_examples_and_commands():
    assert len(PYTHON_BLOCKS) >= 5 and len(COMMANDS) >= 4


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=[f"python-{i}" for i in range(len(PYTHON_BLOCKS))])
def test_python_block_runs(block, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {"__name__": "readme"})  # our own README, not user input


def test_readme_example_prints_micrographs_numbers(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    exec(compile(PYTHON_BLOCKS[0], "README.md", "exec"), {"__name__": "readme"})
    assert capsys.readouterr().out.split() == ["24.7041", "138.8338", "645.5773"]


@pytest.mark.parametrize("command", COMMANDS)
def test_command_runs(command, tmp_path):
    script = Path(sys.executable).with_name("micrograd")
    program = [str(script)] if script.exists() else [sys.executable, "-m", "micrograd"]
    args = shlex.split(command, comments=True)[1:]
    result = subprocess.run(program + args, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout
