"""selectors of cases; see DESIGN.md "Layers"."""
