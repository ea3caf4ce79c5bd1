# `make demo`, `make test` and `make docs` each do all set-up on a fresh machine:
# a .venv with the project and its dev tools, and Graphviz's `dot` program.
VENV := .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PYTEST_ARGS ?=

# apt-get as root, through sudo otherwise; says what to install when neither works.
define apt_install
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	else echo "please install the Debian/Ubuntu package(s) $(1) (apt-get install $(1))" >&2; exit 1; fi; \
	$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $(1) >/dev/null
endef

.PHONY: test demo docs bench graphviz chromium clean

$(INSTALLED): setup.cfg pyproject.toml
	python3 -m venv $(VENV) || { rm -rf $(VENV); $(call apt_install,python3-venv); python3 -m venv $(VENV); }
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

# Graphviz's `dot` renders the graphs; install it where it is missing.
graphviz:
	@command -v dot >/dev/null 2>&1 || { $(call apt_install,graphviz); }

# Debian's chromium and its chromedriver run the step-by-step page's browser tests (selenium drives them).
chromium:
	@{ [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; } || { $(call apt_install,chromium chromium-driver); }

# The tests include tests/test_docs.py, which runs every code sample of docs/ and builds the site strictly.
test: $(INSTALLED) graphviz chromium
	$(PYTHON) -m pytest -n 2 --nbmake tests notebooks $(PYTEST_ARGS)

demo: $(INSTALLED) graphviz
	$(VENV)/bin/micrograd demo

# The documentation site, into site/ (git-ignored); --strict fails on any broken link or reference.
# The notebooks run as the site is built, so their pages show current output.
docs: $(INSTALLED) graphviz
	NO_MKDOCS_2_WARNING=1 $(PYTHON) -m mkdocs build --strict

bench: $(INSTALLED)
	$(PYTHON) benchmarks/run.py

clean:
	rm -rf $(VENV) micrograd-demo site .pytest_cache .hypothesis .mypy_cache *.egg-info
