"""Benchmarks (not tests): run them from the project's root as modules, with the project's
virtualenv, e.g. `.venv/bin/python -m bench.crawl_bench`. See bench/README.md."""
