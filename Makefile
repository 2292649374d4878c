# Quick start: `make demo` (offline demo) and `make test` (the test suite CI runs).
# Each target installs what it needs: uv (via pip, if missing) and the locked environment,
# with bytecode compiled up front (every command starts faster, also where
# PYTHONDONTWRITEBYTECODE is set).

PYTHON ?= python3
UV := $(PYTHON) -m uv
export UV_PYTHON_DOWNLOADS := never
RUN := $(UV) run --locked --all-groups

.PHONY: install demo test lint bench clean

install: .venv/.installed

.venv/.installed: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv \
		|| $(PYTHON) -m pip install --quiet --user --break-system-packages uv
	$(UV) sync --locked --all-groups --compile-bytecode
	$(UV) run --locked --all-groups python -m compileall -q src
	@touch $@

demo: install
	$(RUN) nieuwsradar demo --no-serve

lint: install
	$(RUN) ruff check src tests bench notebooks
	$(RUN) mypy
	$(RUN) lint-imports

test: lint
	$(RUN) pytest -q --nbmake tests notebooks

bench: install
	$(RUN) python bench/ingest.py

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache nieuwsradar-demo.db*
