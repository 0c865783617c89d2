"""Checking: read a published site back as a search engine would (extruct, the schema.org
vocabulary, feeds and sitemaps, links, requests to other hosts)."""
