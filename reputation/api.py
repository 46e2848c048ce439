"""api of reputation; see DESIGN.md "Layers"."""
