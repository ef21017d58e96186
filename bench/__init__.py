"""Benchmarks and training scripts: run from the project root as ``python -m bench.<script>``."""
