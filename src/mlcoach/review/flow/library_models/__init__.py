"""Models of what library calls do to the rows flowing through them, one module per library."""
