"""The command line: parsing, printing and exit codes. Nothing below this package imports it."""

from bench.cli.main import main

__all__ = ["main"]
