# Two commands on a fresh clone: `make run` and `make test`. Each creates .venv and installs
# what it needs the first time (and again when pyproject.toml changes).
PYTHON ?= python3
# Test processes: much of the suite waits on real servers and schedules, so two overlap well
# even on two cores. Whole files go to one process (module fixtures start servers once), in
# conftest.py's order (--no-loadscope-reorder): files that start servers or run the flow first.
TEST_WORKERS ?= 2
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m pipeline run --corpus corpus --lexicons lexicons --out outputs

test: $(STAMP)
	PYTHON=$(PY) bash scripts/install-browser.sh
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pipeline lexicon lint --lexicons lexicons

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP)
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) outputs/runs outputs/latest outputs/history.csv
