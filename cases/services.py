"""services of cases; see DESIGN.md "Layers"."""
