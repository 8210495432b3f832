"""The embedded engine: llama.cpp in-process (`llama`), the bundled weights in the layout it
reads fastest (`weights`), and article prefixes read once and kept on disk (`kv_cache`,
`kv_layout`)."""
