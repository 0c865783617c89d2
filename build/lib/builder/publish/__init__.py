"""Publishing edges: generated pages into docs/, and the atomic swap of site/ (with the spare
the next build starts from)."""
