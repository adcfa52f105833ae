"""Orchestration: command line, pipeline runner, executor. The only place that knows all four stages."""
