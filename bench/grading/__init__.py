"""Grading: the rule grader, the LLM judge, and the graders built from both."""
