"""The nashra MkDocs theme: right-to-left, Arabic-first, no request to any other host.

A Python package only so that MkDocs finds it by name (``theme: name: nashra``, through the
``mkdocs.themes`` entry point); everything else here is templates and assets."""
