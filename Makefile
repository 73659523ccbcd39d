# Two commands for a fresh clone with only python3 and make:
#   make run   – set up .venv, load the demo data on first use, open the console
#   make test  – set up .venv and run the whole test suite offscreen
#   (make test-fast skips the tests marked slow; make coverage runs the suite under coverage.py)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run check-system test test-fast coverage lint bench bench-scale demo dist clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The system libraries Qt needs are checked before anything is installed (one line
# naming the packages when one is missing); `make test` runs offscreen and needs no check.
run: check-system
	@$(MAKE) --no-print-directory $(STAMP)
	$(PY) -m csconsole demo --if-empty
	$(PY) -m csconsole

check-system:
	@$(PYTHON) installers/check_system.py

demo: $(STAMP)
	$(PY) -m csconsole demo

# keyrings.alt, for the test that checks csconsole refuses its plaintext keyring, goes in a
# folder of its own that only that test puts on the path: `make run` never picks it up.
TEST_EXTRAS := $(VENV)/test-extras
TEST_STAMP := $(VENV)/.test-extras-stamp
$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --no-deps --target $(TEST_EXTRAS) 'keyrings.alt>=5'
	touch $(TEST_STAMP)

test: $(STAMP) $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

# The loop while working: every test but those marked slow (demo generation, batches, the
# self-test, PostgreSQL, syncs of the whole demo and other processes).
test-fast: $(STAMP) $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

# Line coverage of csconsole by the whole suite (settings in pyproject.toml).
coverage: $(STAMP) $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m coverage run -m pytest $(PYTEST_ARGS)
	$(PY) -m coverage report

lint: $(STAMP)
	$(PY) -m ruff check src tests bench
	$(PY) -m ruff format --check src tests bench
	$(PY) -m mypy

# Every benchmark prints its figures beside its goal (bench/README.md), all of them even when
# some miss, then a summary table; exits non-zero if any missed. Minutes, not seconds.
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) bench/run_all.py

# The same benchmarks at 4,000 clients (~10 M samples), run by hand: the first run builds
# the data into bench/.work/ (a long while), later runs reuse it.
bench-scale: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) bench/run_all.py --clients 4000

# The self-contained application for this machine's platform (README "Install").
DIST_STAMP := $(VENV)/.dist-stamp
$(DIST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,dist]'
	touch $(DIST_STAMP)

dist: $(DIST_STAMP)
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller installers/csconsole.spec
	$(PY) installers/package.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .coverage
