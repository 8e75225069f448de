"""The Dash front end: a client of the API."""
