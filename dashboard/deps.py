"""Callback dependencies written the way Dash names them: ``"component.property"``.

A page's callbacks list many properties of its own components; ``outs(_id, "point.data",
"located.children")`` says them in one line, with ``_id`` turning the page's short
component names into its ids (``report-point``, or an All-in-One component's dict id).
Keyword flags (``allow_duplicate=True``) apply to every output of the call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import Input, Output, State

IdOf = Callable[[str], Any]
"""A page's or a component's short name → its Dash id."""


def _split(name: str) -> tuple[str, str]:
    component, _, prop = name.rpartition(".")
    if not component:
        raise ValueError(f"{name!r} is not 'component.property'")
    return component, prop


def outs(id_of: IdOf, *names: str, **flags: Any) -> list[Output]:
    """The outputs ``names`` (``"component.property"``) of the components ``id_of`` names."""
    return [Output(id_of(c), p, **flags) for c, p in map(_split, names)]


def ins(id_of: IdOf, *names: str) -> list[Input]:
    """The inputs ``names`` (``"component.property"``) of the components ``id_of`` names."""
    return [Input(id_of(c), p) for c, p in map(_split, names)]


def states(id_of: IdOf, *names: str) -> list[State]:
    """The states ``names`` (``"component.property"``) of the components ``id_of`` names."""
    return [State(id_of(c), p) for c, p in map(_split, names)]
