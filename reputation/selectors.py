"""selectors of reputation; see DESIGN.md "Layers"."""
