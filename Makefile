# Two commands for a fresh machine: `make run` (portal on SQLite with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8501

.PHONY: run test install install-dev system-deps lint e2e serve clean bench-national

$(VENV)/.installed: requirements.txt requirements-ocr.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	$(PIP) install --quiet --no-deps -r requirements-ocr.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt requirements-testdata.txt
	$(PIP) install --quiet -r requirements-dev.txt
	$(PIP) install --quiet --no-deps -r requirements-testdata.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# CJK fonts for the synthetic ID card generator; Chromium and an emoji font for browser tests; Node.js and npm for
# the OpenID Connect provider the sign-in test runs (tests/oidc) (Debian; needs root).
system-deps:
	@if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		need=""; \
		fc-list 2>/dev/null | grep -q NotoSansCJK || need="$$need fonts-noto-cjk"; \
		fc-list 2>/dev/null | grep -q NotoColorEmoji || need="$$need fonts-noto-color-emoji"; \
		fc-list 2>/dev/null | grep -q ukai || need="$$need fonts-arphic-ukai"; \
		fc-list 2>/dev/null | grep -q wqy-microhei || need="$$need fonts-wqy-microhei"; \
		command -v chromium >/dev/null || need="$$need chromium"; \
		command -v nginx >/dev/null || need="$$need nginx"; \
		command -v node >/dev/null || need="$$need nodejs"; \
		command -v npm >/dev/null || need="$$need npm"; \
		/usr/bin/python3 -c 'import gi, cairo; gi.require_version("PangoCairo", "1.0"); from gi.repository import PangoCairo' 2>/dev/null || need="$$need python3-gi python3-gi-cairo gir1.2-pango-1.0"; \
		if [ -n "$$need" ]; then \
			echo "system-deps: installing$$need"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; \
		fi; \
	else echo "system-deps: skipped (needs root and apt-get)"; fi

run: install
	$(PY) -m portal migrate
	$(PY) -m portal seed-demo --if-empty
	$(VENV)/bin/streamlit run streamlit_app.py --server.port $(PORT) --server.headless true

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install-dev lint
	$(PY) -m pytest

e2e: install-dev system-deps
	$(PY) -m pytest -m e2e

# National scale on PostgreSQL, kept out of `make test` (about 15 minutes; after `make install`): a fresh database NATIONAL_DB, migrated,
# seeded with 1,000,000 candidates / 50,000 units (timed), then `bench dashboards` on it; figures in
# $(NATIONAL_JSON) and printed. The database is left in place for EXPLAIN; drop it with `dropdb`.
PGHOST ?= 127.0.0.1
PGUSER ?= postgres
NATIONAL_DB ?= portal_national
NATIONAL_URL ?= postgresql+psycopg://$(PGUSER)@$(PGHOST)/$(NATIONAL_DB)
NATIONAL_CANDIDATES ?= 1000000
NATIONAL_UNITS ?= 50000
NATIONAL_JSON ?= artifacts/bench-national.json

bench-national:
	dropdb --if-exists -h $(PGHOST) -U $(PGUSER) $(NATIONAL_DB)
	createdb -h $(PGHOST) -U $(PGUSER) $(NATIONAL_DB)
	@mkdir -p $(dir $(NATIONAL_JSON))
	PORTAL_DATABASE_URL=$(NATIONAL_URL) $(PY) -m portal migrate
	@started=$$(date +%s); \
	PORTAL_DATABASE_URL=$(NATIONAL_URL) $(PY) -m portal seed-demo \
		--candidates $(NATIONAL_CANDIDATES) --units $(NATIONAL_UNITS) >/dev/null || exit 1; \
	echo $$(( $$(date +%s) - started )) > $(NATIONAL_JSON).seed; \
	echo "seed-demo --candidates $(NATIONAL_CANDIDATES) --units $(NATIONAL_UNITS): $$(cat $(NATIONAL_JSON).seed) s"
	@# what autovacuum does after a load (visibility map for index-only scans), in case it is off on this server
	@started=$$(date +%s); psql -q -h $(PGHOST) -U $(PGUSER) -d $(NATIONAL_DB) -c 'VACUUM ANALYZE' || exit 1; \
	echo "VACUUM ANALYZE: $$(( $$(date +%s) - started )) s"
	$(PY) -m portal bench dashboards --url $(NATIONAL_URL) --no-seed --json > $(NATIONAL_JSON).tmp
	@$(PY) -c 'import json, sys; f = json.load(open(sys.argv[1])); f["seed_seconds"] = int(open(sys.argv[2]).read()); \
	json.dump(f, open(sys.argv[3], "w"), ensure_ascii=False, indent=1); \
	print("candidates", f["candidates"], "| seed", f["seed_seconds"], "s | snapshot rebuild", f["statistics_rebuild_seconds"], "s"); \
	[print("%9.1f ms p95 %9.1f ms median  %s" % (r["p95_ms"], r["median_ms"], n)) for n, r in f["results"].items()]' \
		$(NATIONAL_JSON).tmp $(NATIONAL_JSON).seed $(NATIONAL_JSON)
	@rm -f $(NATIONAL_JSON).tmp $(NATIONAL_JSON).seed

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
