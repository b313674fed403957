"""Load harness of `make bench BENCH=load` (Locust against `make cluster`)."""
