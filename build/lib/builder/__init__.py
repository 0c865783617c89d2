"""Arabic-first static news publisher: raw articles -> Markdown + JSON-LD -> RTL MkDocs site."""
