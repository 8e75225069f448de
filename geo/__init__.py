"""Pure geometry: CRS conversion, grid files and hierarchy checks, assignment, demo city."""
