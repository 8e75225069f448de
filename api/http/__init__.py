"""The HTTP edge: request guards that run before any route, and public link building."""
