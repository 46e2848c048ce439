"""services of reputation; see DESIGN.md "Layers"."""
