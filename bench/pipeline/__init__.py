"""A run from settings to result file: plan, ask, journal, grade, write."""
