"""The 民情地图 service: rules ← service ← HTTP edge and CLI.

- ``workflow``: the closed loop's rules, framework-free (vocabulary, access policy, machine,
  steps, calendar, deadlines);
- ``cases``: the case service (intake, actions, queries, supervision, photos), callable
  without HTTP; ``demo``: the demo city's history and simulator on top of it;
- ``models``, ``store``, ``db``, ``migrations``: the schema on PostGIS or SQLite;
- ``routers``, ``http``, ``deps``, ``params``, ``errors``, ``app``: the HTTP edge;
  ``cli``: the ``minqing`` command.
"""
