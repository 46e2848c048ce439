"""filters of cases; see DESIGN.md "Layers"."""
