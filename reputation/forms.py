"""forms of reputation; see DESIGN.md "Layers"."""
