"""Batch files: the OpenAI batch format, read and written.

Export writes the request lines a live run would send; import reads output and error files
(OpenAI's Batch API, vLLM's `run-batch`, any engine that speaks the format) back into the run's
journal; `managed` drives a Files + Batches API end to end."""
