"""filters of reputation; see DESIGN.md "Layers"."""
