# Two commands for a new user: `make demo` and `make test`. Both run `make setup` first.
VENV := .venv
PY := $(VENV)/bin/python
OUT ?= demo-out

.PHONY: setup demo test bench clean

setup:
	@bash scripts/setup.sh

demo: setup
	$(VENV)/bin/dossier demo --out $(OUT)

test: setup
	$(PY) -m pytest -n 2 --dist loadgroup -q

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(OUT) .pytest_cache
