"""bench: a fact-question benchmark and evaluator for QA and LLM systems."""

__version__ = "0.1.0"
