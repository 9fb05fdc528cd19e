# Every target creates .venv on a fresh machine (Python 3.11 + pip, package registries only).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/teacher-match demo

test: $(STAMP)
	$(PY) -m pytest -q -n 2

bench: $(STAMP)
	$(PY) -m benchmarks.report

lint: $(STAMP)
	$(PY) -m ruff check teacher_match tests benchmarks examples docs
	$(PY) -m mypy

clean:
	rm -rf $(VENV) build *.egg-info
