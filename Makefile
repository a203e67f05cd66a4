# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make run    set up, then serve Pathmark and the sandbox LMS
#   make test   set up, then run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format bench install clean screenshots

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/lti-tool init --sandbox
	$(BIN)/lti-tool dev

test: install
	$(BIN)/ruff check lti_tool tests benchmarks
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check lti_tool tests benchmarks
	$(BIN)/ruff format --check lti_tool tests benchmarks

format: install
	$(BIN)/ruff format lti_tool tests benchmarks
	$(BIN)/ruff check --fix lti_tool tests benchmarks

bench: install
	$(BIN)/python benchmarks/launch.py
	$(BIN)/python benchmarks/launch_breakdown.py
	$(BIN)/python benchmarks/intake.py
	$(BIN)/python benchmarks/assessment.py
	$(BIN)/python benchmarks/grade_sync.py
	$(BIN)/python benchmarks/mint.py
	$(BIN)/python benchmarks/authoring_preview.py
	$(BIN)/python benchmarks/media_walks.py

# The set-up guides' screenshots: Pathmark and the sandbox on 127.0.0.1,
# Debian's chromium through Playwright, PNGs into docs/img/.
screenshots: install
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
