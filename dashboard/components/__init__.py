"""Reusable widgets as All-in-One components with page-prefixed ids.

Ids are ``{"component", "subcomponent", "aio_id"}`` with an ``aio_id`` such as
``"screen-open"``, so one page's widgets never collide with another's.  A module with
callbacks exposes ``register_callbacks(app)``.
"""
