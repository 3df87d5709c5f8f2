# The two commands of the quickstart: `make demo` and `make test`.
VENV ?= .venv
export ORT_DISABLE_TELEMETRY := 1

.PHONY: demo test test-fast bench sim clean

demo:
	@scripts/bootstrap.sh
	$(VENV)/bin/edge demo

test:
	@scripts/bootstrap.sh --test
	$(VENV)/bin/python -m pytest

test-fast:  ## unit tests only: no models, no broker
	@scripts/bootstrap.sh --test
	$(VENV)/bin/python -m pytest -m "not slow and not integration"

bench:
	@scripts/bootstrap.sh
	$(VENV)/bin/python benchmarks/loop_latency.py
	$(VENV)/bin/python benchmarks/wakeword_accuracy.py

.PHONY: train-nlu
train-nlu:  ## fine-tune + export the NLU model to models/nlu/artifacts (about 23 min on 2 cores); FEEDBACK="a.jsonl ..." adds speakers' ground truth to the train fold
	$(VENV)/bin/pip install -q -e ".[train]"
	HF_HUB_OFFLINE=1 $(VENV)/bin/python -m models.nlu.train $(foreach f,$(FEEDBACK),--feedback $(f))

clean:
	rm -rf $(VENV) .pytest_cache
