"""Dashboard pages, one module per screen."""
