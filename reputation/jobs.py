"""jobs of reputation; see DESIGN.md "Layers"."""
