"""api of cases; see DESIGN.md "Layers"."""
