"""The scale machinery: partitions as plain tasks any executor runs, the caches that let a
rebuild do only what changed, and the search index made beside the build."""
