"""The case service: the closed loop applied to stored cases, callable without HTTP.

- ``schemas``: what the API takes and returns for cases;
- ``record``: the stored case ↔ the rules' snapshot, and what a transition changes;
- ``access``: the access policy (:mod:`api.workflow.access`) as SQL, and visible lookups;
- ``intake``: reports, idempotent retries, look-alike cases;
- ``actions``: one action = one new state + one audit event, race-safe;
- ``queries``: the filtered, paged case list and the timeline;
- ``present``: cases and events as a caller may see them (masking, clocks, labels);
- ``photos``: photo checks, files and records.
"""
