"""The statistics the screens and analysts read, as SQL aggregates in the caller's scope.

- ``counts``: the SQL form of :data:`api.indicators.CASE_COUNTS` and the grouped tallies;
- ``service``: what each ``/api/stats/…`` route answers.
"""
