"""The terminal interface: a thin shell over the core capabilities."""
