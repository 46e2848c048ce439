"""jobs of cases; see DESIGN.md "Layers"."""
