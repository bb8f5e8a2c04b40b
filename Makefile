# Set-up and everyday commands. Every target creates the virtual environment first if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/herts_beds_luton.toml

.PHONY: run test browser bench lint format mutation clean-venv

$(VENV): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $(VENV)

run: $(VENV)
	$(BIN)/sharedhr run $(SCENARIO)

# Headless Chromium for the briefing's browser tests (tests/test_brief_cli.py, tests/test_briefing_xss.py): Debian's
# chromium package, installed here (announced, as root with apt-get) and never silently by a test. Without it the
# browser tests are skipped with the reason.
browser:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null; then \
		echo "browser: Chromium is installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "browser: installing Debian's chromium for the browser tests (apt-get install -y chromium, about a minute)"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium > /dev/null || \
		echo "browser: could not install chromium; the browser tests will be skipped"; \
	else \
		echo "browser: Chromium is missing; install it (sudo apt-get install -y chromium), else the browser tests are skipped"; \
	fi

test: $(VENV) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(VENV)
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# lint-imports: each stage package imports only the stages below it (the layers contract in pyproject.toml).
lint: $(VENV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Mutation testing of the money and KPI functions (slow, not part of `make test` or CI): tools/mutation.py plants one
# bug at a time and runs the fast tests that cover it; prints kills, survivors and the score per module
# (docs/testing.md). MODULE=kpis limits it to one module.
mutation: $(VENV)
	$(BIN)/python tools/mutation.py $(if $(MODULE),--module $(MODULE))

clean-venv:
	rm -rf $(VENV)
