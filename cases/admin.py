"""admin of cases; see DESIGN.md "Layers"."""
