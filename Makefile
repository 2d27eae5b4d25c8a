# The two commands a newcomer needs: `make serve` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
NLU := $(VENV)/bin/nlu
STAMP := $(VENV)/.installed
DATA := data/intents_id.yaml
TEST_DATA := data/test_id.jsonl
INFORMAL_DATA := data/test_informal_id.jsonl
STAMP_NOW = $$(date +%Y%m%d-%H%M%S)

.PHONY: install train serve test bench eval notebook clean

install: $(STAMP)

# Re-installs only when pyproject.toml changes; torch is pinned to the CPU build on disk.
# The notebooks' kernel spec goes into the venv (not ~/.local): it runs the venv's python.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (tokocare-nlu)"
	touch $(STAMP)

# A new versioned artifact under models/, then models/current points at it.
train: install
	$(NLU) train --data $(DATA) --out models/$(STAMP_NOW) --link models/current

models/current:
	$(MAKE) train

serve: install models/current
	$(NLU) serve --model models/current

test: install
	$(PY) -m pytest -q

# BANKING77 accuracy and speed; then the server under wrk (installed from Debian packages
# when missing) beside the model's in-process throughput, both profiles, ~2 minutes; then
# what storing a prediction costs a request (SQLite; --postgres URL for PostgreSQL).
bench: install
	@command -v wrk > /dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(NLU) benchmark banking77
	$(PY) -m benchmarks.http
	$(PY) -m benchmarks.recorder

# Trains both profiles and reports, for each, on the real customer reviews first (all lines
# and the `sure` subset; ../shared/benchmarks/real_reviews_dev, skipped with a message when
# absent), then on the project's own sets (test_id with the robustness report):
# reports/<profile>-real/, reports/<profile>/, reports/<profile>-informal/.
REAL_DEV := ../shared/benchmarks/real_reviews_dev/dev.jsonl
eval: install
	@set -e; for profile in accurate fast; do \
	  out=models/eval/$$profile-$(STAMP_NOW); \
	  $(NLU) train --data $(DATA) --profile $$profile --out $$out > /dev/null; \
	  if [ -f $(REAL_DEV) ]; then \
	    echo "== $$profile on $(REAL_DEV) (real customers)"; \
	    $(NLU) evaluate --model $$out --data $(REAL_DEV) --subset sure --report reports/$$profile-real; \
	  else echo "== $(REAL_DEV) is missing: no real-text figures (see README)"; fi; \
	  echo "== $$profile on $(TEST_DATA)"; \
	  $(NLU) evaluate --model $$out --data $(TEST_DATA) --robustness --report reports/$$profile; \
	  echo "== $$profile on $(INFORMAL_DATA)"; \
	  $(NLU) evaluate --model $$out --data $(INFORMAL_DATA) --report reports/$$profile-informal; \
	done

# JupyterLab on the project's venv, opened on notebooks/ (committed without outputs).
# Jupyter refuses to start as root unless told; these machines run as root.
notebook: install
	$(VENV)/bin/jupyter lab --notebook-dir notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

clean:
	rm -rf $(VENV) reports build *.egg-info
