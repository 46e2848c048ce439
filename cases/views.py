"""views of cases; see DESIGN.md "Layers"."""
