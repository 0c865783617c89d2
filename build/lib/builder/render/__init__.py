"""Rendering: Article records -> Markdown pages with JSON-LD, listings, feeds and sitemaps, share
images, and the MkDocs plugin that turns the pages into HTML. Pure functions but the plugin."""
