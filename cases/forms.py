"""forms of cases; see DESIGN.md "Layers"."""
