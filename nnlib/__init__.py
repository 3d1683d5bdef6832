"""nnlib: a small numpy core for the chapter-3 companion notebooks."""
