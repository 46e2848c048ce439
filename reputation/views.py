"""views of reputation; see DESIGN.md "Layers"."""
