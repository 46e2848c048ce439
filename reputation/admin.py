"""admin of reputation; see DESIGN.md "Layers"."""
