"""The shared core every stage stands on: the Article record, URLs, dates, search folding,
settings, and the on-disk store of the build's article records. Imports nothing above it."""
