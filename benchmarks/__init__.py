"""cspr-bot's benchmark suite: `python -m benchmarks` prints every table (see benchmarks/README.md)."""
