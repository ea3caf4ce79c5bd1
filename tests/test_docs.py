"""The documentation site: every code sample in docs/ runs and prints what it says, and the site builds strictly.

Python blocks run one by one in a fresh interpreter; a `print(...)` line's
trailing comment is what it prints (the comment starts with the output).
Lines of bash blocks that start with `micrograd ` run as commands; console
blocks (`$ micrograd ...` followed by its output) must print exactly that.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / 'docs'
# docs/notebooks links to notebooks/, which nbmake runs; every other page is Markdown written for the site.
PAGES = sorted(path for path in DOCS.rglob('*.md') if 'notebooks' not in path.relative_to(DOCS).parts)
FENCE = re.compile(r'^```(\S*)\n(.*?)^```', flags=re.DOTALL | re.MULTILINE)
# Languages that are shown but not run: program output, file contents.
SHOWN_ONLY = {'text', 'json'}
RUN = {'python', 'bash', 'console'}
PRINT_WITH_COMMENT = re.compile(r'^\s*print\(.*\)\s+# (.*)$')


def blocks(language):
    found = []
    for page in PAGES:
        for index, (lang, body) in enumerate(FENCE.findall(page.read_text(encoding='utf-8'))):
            if lang == language:
                found.append(pytest.param(body, id=f'{page.relative_to(DOCS).as_posix()}:{index}'))
    return found


def commands(body):
    """The lines of a shell block, backslash continuations joined."""
    return body.replace('\\\n', ' ').splitlines()


def micrograd_program():
    script = Path(sys.executable).with_name('micrograd')
    return [str(script)] if script.exists() else [sys.executable, '-m', 'micrograd']


def run(argv, cwd, timeout=300):
    """The finished process; callers check its status and output themselves (notebooks take their quick path)."""
    return subprocess.run(argv, check=False, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={'MICROGRAD_NOTEBOOK_QUICK': '1', **os.environ, 'NO_MKDOCS_2_WARNING': '1'})


def test_the_site_has_the_pages_and_samples_it_should():
    names = {page.relative_to(DOCS).as_posix() for page in PAGES}
    assert {'index.md', 'getting-started.md', 'concepts/graph.md', 'how-to/add-an-op.md',
            'coming-from/pytorch.md', 'reference/engine.md'} <= names
    assert len(blocks('python')) >= 20 and blocks('bash') and blocks('console')


@pytest.mark.parametrize('page', PAGES, ids=lambda page: page.relative_to(DOCS).as_posix())
def test_every_code_block_names_a_language_that_is_run_or_only_shown(page):
    languages = {lang for lang, _ in FENCE.findall(page.read_text(encoding='utf-8'))}
    assert languages <= RUN | SHOWN_ONLY, f"{page}: blocks in {languages - RUN - SHOWN_ONLY} would not be checked"


@pytest.mark.parametrize('body', blocks('python'))
def test_python_block_runs_and_prints_what_it_says(body, tmp_path):
    done = run([sys.executable, '-c', body], tmp_path)
    assert done.returncode == 0, done.stderr
    printed = done.stdout.splitlines()
    promised = [match.group(1) for match in map(PRINT_WITH_COMMENT.match, body.splitlines()) if match]
    assert len(promised) == body.count('print('), "every print(...) says what it prints in a comment"
    assert len(printed) == len(promised), printed
    for output, comment in zip(printed, promised):
        assert comment.startswith(output), f"printed {output!r}, the page says {comment!r}"


@pytest.mark.parametrize('body', blocks('bash'))
def test_micrograd_commands_in_bash_blocks_run(body, tmp_path):
    for line in commands(body):
        if line.startswith('micrograd '):
            args = shlex.split(line, comments=True)[1:]
            done = run(micrograd_program() + args, tmp_path)
            assert done.returncode == 0, done.stderr
            assert 'wrote' in done.stdout


@pytest.mark.parametrize('body', blocks('console'))
def test_console_blocks_show_what_the_command_prints(body, tmp_path):
    sessions = re.findall(r'^\$ (micrograd .*)\n((?:(?!\$ ).*\n)*)', body, flags=re.MULTILINE)
    assert sessions
    for command, output in sessions:
        done = run(micrograd_program() + shlex.split(command)[1:], tmp_path)
        assert done.stdout + done.stderr == output


def test_mkdocs_builds_the_site_strictly_with_the_notebooks_run(tmp_path):
    """--strict makes every warning an error: a broken link, anchor or API reference, a page not in the nav."""
    site = tmp_path / 'site'
    done = run([sys.executable, '-m', 'mkdocs', 'build', '--strict', '--site-dir', str(site)], ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-5000:]
    tutorial = (site / 'notebooks' / '01_consumption_tax' / 'index.html').read_text(encoding='utf-8')
    assert '<svg' in tutorial and 'apple_price' in tutorial  # executed: draw_dot's drawings are in the page
    reference = (site / 'reference' / 'engine' / 'index.html').read_text(encoding='utf-8')
    assert 'id="micrograd.engine.Value.backward"' in reference
