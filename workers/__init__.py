"""Background jobs (RQ on Redis; in-process in embedded mode). Thin: they call the domain."""
