"""Every write of the cases app, one module per sub-domain."""
