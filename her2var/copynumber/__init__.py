"""copynumber."""
