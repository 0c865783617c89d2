"""The offline bundle: the same site rewritten for file://, with its own script-loaded search."""
