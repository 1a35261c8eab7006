"""Storage: real SQL tables built from the metadata, schema sync, and record queries."""
