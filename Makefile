# Set-up and everyday commands. Every target creates the virtual environment first if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/herts_beds_luton.toml

.PHONY: run app test browser axe bench docs screenshots lint format mutation clean-venv

$(VENV): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $(VENV)

run: $(VENV)
	$(BIN)/sharedhr run $(SCENARIO)

# The what-if workbench (docs/app.md) on http://127.0.0.1:$(PORT); Ctrl-C stops it.
PORT ?= 8501
app: $(VENV)
	$(BIN)/sharedhr app $(SCENARIO) --port $(PORT)

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

# axe-core for the accessibility test (tests/test_briefing_accessibility.py), from the npm registry at the version
# pinned in .browser/package.json and its lock file (integrity hash checked by `npm ci`), into .browser/node_modules.
# Installed here (announced), never by a test; without it (or without npm) that test is skipped with the reason.
axe:
	@if [ -f .browser/node_modules/axe-core/package.json ] && \
		grep -q '"version": "'"$$(sed -n 's/.*"axe-core": "\(.*\)".*/\1/p' .browser/package.json)"'"' .browser/node_modules/axe-core/package.json; then \
		echo "axe: axe-core is installed"; \
	elif command -v npm >/dev/null; then \
		echo "axe: installing axe-core (pinned in .browser/package.json) from the npm registry into .browser/node_modules"; \
		npm ci --prefix .browser --no-audit --no-fund --silent || echo "axe: could not install axe-core; the accessibility test will be skipped"; \
	else \
		echo "axe: npm is missing (apt-get install -y npm); the accessibility test will be skipped"; \
	fi

test: $(VENV) browser axe
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(MKDOCS) build --strict --quiet
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# The documentation site (mkdocs.yml: Material theme, API pages from the docstrings) into site/, offline. --strict
# turns every warning (a broken link or anchor, a stale API name, a docstring griffe cannot read) into a failure.
# NO_MKDOCS_2_WARNING silences Material's end-of-life banner, which is not a warning about these pages.
MKDOCS := NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs

docs: $(VENV)
	$(MKDOCS) build --strict

# Retake the app screenshots the docs show (docs/images/app/) with the browser test; needs `make browser` first.
screenshots: $(VENV)
	SHAREDHR_SCREENSHOTS=$(CURDIR)/docs/images/app $(BIN)/python -m pytest tests/test_app_browser.py -q

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
