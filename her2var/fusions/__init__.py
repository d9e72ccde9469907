"""fusions."""
