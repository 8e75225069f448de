"""What the big-screen benchmark serves and runs in the browser: the bare page and the probes.

:func:`screen_app` is the app as ``minqing serve`` builds it, plus ``/bench-static/`` (files
of ``MINQING_BENCH_STATIC``) ahead of every route, so the baseline page comes from the same
server as ``/screen``.  :func:`write_bare_page` writes that baseline: the same
``plotly.min.js``, the same small-grid layer URL and the same case query as the wall, drawn
with one ``Plotly.newPlot``.  The JavaScript constants are the in-page probes: when a map is
painted, and when a filed case reaches a bare ``EventSource``, the map's points and the ticker.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from api.app import create_app
from api.settings import Settings
from dashboard import figures, theme
from dashboard.readings import OPEN_STATUSES

STATIC_PREFIX = "/bench-static"
BARE_FILE = "bare-screen.html"
PLOTLY_URL = "/_dash-component-suites/plotly/package_data/plotly.min.js"
SCREEN_GRAPH = "#screen-map .js-plotly-plot"
BARE_GRAPH = "#bare-map"
GRIDS_URL = "/api/grids?level=small&geometry=overview"

PAINTED = """([selector, traces, cases, points]) => {
    const g = document.querySelector(selector);
    const m = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot;
    if (!(m && m.map && m.map.loaded() && g.data.length === traces)) return false;
    const t = g.data[cases];
    return t && t.customdata && t.customdata.length === points ? performance.now() : false;
}"""
"""Milliseconds since navigation start once the map is loaded with every trace and point."""

DRAWN = """(selector) => {
    const g = document.querySelector(selector);
    const m = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot;
    const t = g && g.data && g.data[g.data.length - 1];
    return {traces: g && g.data ? g.data.length : 0, loaded: !!(m && m.map && m.map.loaded()),
            points: t && t.customdata ? t.customdata.length : 0};
}"""
"""What a map holds so far (for the message when it never gets painted)."""

TRANSFERRED = """() => {
    const all = [...performance.getEntriesByType('navigation'),
                 ...performance.getEntriesByType('resource')];
    const sum = (key) => all.reduce((n, e) => n + (e[key] || 0), 0);
    const calls = all.filter(e => e.name.includes('/_dash-update-component'));
    const pages = all.filter(e => e.name.includes('/api/incidents?'));
    const figure = calls.reduce((a, e) => (a && a.decodedBodySize >= e.decodedBodySize ? a : e),
                                null);
    const data = pages.length ? pages : figure ? [figure] : [];
    const grids = all.find(e => e.name.includes('/api/grids?level=small'));
    return {transfer: sum('transferSize'), decoded: sum('decodedBodySize'), requests: all.length,
            data_bytes: data.reduce((n, e) => n + e.decodedBodySize, 0),
            data_at: Math.max(0, ...data.map(e => e.responseEnd)),
            grids_at: grids ? grids.startTime : 0};
}"""
"""Bytes over the wire and decoded; the map's points (the bare page's case pages, or the wall's
largest Dash answer: its map figure) and when they were in; when the small-grid layer was asked
for (the map's first step in the browser)."""

WALL_FEED = """(() => {
    const Native = window.EventSource;
    window.__wallFeed = {};
    window.__NativeEventSource = Native;
    window.EventSource = class extends Native {
        constructor(url, options) {
            super(url, options);
            this.addEventListener('message', (e) => {
                const id = JSON.parse(e.data).case_id;
                if (!(id in window.__wallFeed))
                    window.__wallFeed[id] = performance.timeOrigin + performance.now();
            });
        }
    };
})();"""
"""An init script: the wall's own feed (its ``EventSource``) notes when each case's first
message came.  On SQLite every subscriber looks at the log on its own 0.5 s clock, so the wall's
message and the bare one's come at different moments."""

WATCH = """([token, after, selector, cases]) => {
    const now = () => performance.timeOrigin + performance.now();
    const b = window.__bench = {feed: {}, point: {}, ticker: [], open: false};
    const feed = new window.__NativeEventSource(
        `/api/stream?access_token=${encodeURIComponent(token)}&after=${after}`);
    feed.onopen = () => { b.open = true; };
    b.calls = [];
    new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if (e.name.includes('/_dash-update-component'))
            b.calls.push([performance.timeOrigin + e.startTime,
                          performance.timeOrigin + e.responseEnd]);
    }).observe({type: 'resource'});
    feed.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (!(m.case_id in b.feed)) b.feed[m.case_id] = now();
    };
    let seen = null, last = null, length = -1;
    const frame = () => {
        const g = document.querySelector(selector);
        const ids = g && g.data && g.data[cases] && g.data[cases].customdata;
        if (ids && (ids !== last || ids.length !== length)) {
            const at = now();
            if (seen === null) seen = new Set(ids);
            else for (const id of ids) if (!seen.has(id)) { seen.add(id); b.point[id] = at; }
            last = ids; length = ids.length;
        }
        requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    const ticker = document.querySelector('#screen-ticker');
    new MutationObserver(() => b.ticker.push([now(), ticker.textContent]))
        .observe(ticker, {childList: true, subtree: true, characterData: true});
}"""
"""Record, in epoch milliseconds, when each case reaches a bare feed, the points and the ticker,
and when each Dash callback started and was answered."""

ARRIVED = """([id, no]) => {
    const b = window.__bench;
    const line = b.ticker.find(([_, text]) => text.includes(no));
    const own = window.__wallFeed[id];
    if (!(b.feed[id] && own && b.point[id] && line)) return false;
    const call = b.calls.find(([start]) => start >= own - 1);
    return [b.feed[id], own, b.point[id], line[0], call ? call[1] : null];
}"""
"""The arrival times of case ``id`` (number ``no``) once all have happened: on the bare feed, on
the wall's feed, in the points, in the ticker; and when the first Dash callback that started
after the wall's message (its feed callback) was answered."""


def screen_app() -> FastAPI:
    """Our app from ``MINQING_*`` variables with the benchmark's static files, for uvicorn."""
    app = create_app(Settings())
    static = os.environ.get("MINQING_BENCH_STATIC")
    if static:
        app.router.routes.insert(0, Mount(STATIC_PREFIX, app=StaticFiles(directory=static)))
    return app


def case_query(most: int) -> str:
    """The wall's case query: open statuses, GeoJSON pages of up to 10,000."""
    statuses = "&".join(f"status={s}" for s in OPEN_STATUSES)
    return f"/api/incidents?format=geojson&{statuses}&limit={min(most, 10_000)}"


BARE_HTML = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>bare map · bench</title>
<style>html, body {{ margin: 0; background: {background}; }}
#bare-map {{ width: {width}px; height: {height}px; }}</style>
<script src="{plotly}"></script></head>
<body><div id="bare-map"></div>
<script>
const CONFIG = {config};
(async () => {{
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  const headers = {{Authorization: 'Bearer ' + token}};
  const grids = fetch(CONFIG.grids).then(r => r.json());
  const found = [];
  let url = CONFIG.cases;
  while (url && found.length < CONFIG.most) {{
    const page = await (await fetch(url, {{headers}})).json();
    found.push(...page.features);
    const next = (page.links || []).find(l => l.rel === 'next');
    url = next ? next.href : null;
  }}
  const cases = found.slice(0, CONFIG.most), p = cases.map(f => f.properties);
  const layer = await grids, codes = layer.features.map(f => f.properties.code);
  Plotly.newPlot('bare-map', [
    {{type: 'choroplethmap', geojson: layer, featureidkey: 'properties.code', locations: codes,
      z: codes.map(() => 1), colorscale: CONFIG.scale, showscale: false,
      marker: {{line: {{width: 0.4, color: CONFIG.line}}, opacity: 0.85}}, hoverinfo: 'skip'}},
    {{type: 'scattermap', mode: 'markers', customdata: p.map(q => q.id),
      lon: cases.map(f => f.geometry.coordinates[0]),
      lat: cases.map(f => f.geometry.coordinates[1]),
      text: p.map(q => `${{q.case_no}}<br>${{q.category_name || ''}} · ${{q.status_label}}`),
      hovertemplate: '%{{text}}<extra></extra>',
      marker: {{size: 7, opacity: 0.9,
                color: p.map(q => CONFIG.colours[q.status] || CONFIG.other)}}}}
  ], {{map: {{style: CONFIG.style, center: CONFIG.center, zoom: CONFIG.zoom}},
      margin: {{l: 0, r: 0, t: 0, b: 0}}, paper_bgcolor: 'rgba(0,0,0,0)', showlegend: false}},
  {{displayModeBar: false, staticPlot: true}});
}})();
</script></body></html>
"""


def write_bare_page(
    directory: Path, *, view: figures.MapView, size: tuple[int, int], most: int
) -> str:
    """Write the baseline page into ``directory``; return its path on the server."""
    config: dict[str, Any] = {
        "grids": GRIDS_URL,
        "cases": case_query(most),
        "most": most,
        "style": figures.map_style(dark=True),
        "center": {"lon": view.lon, "lat": view.lat},
        "zoom": view.zoom,
        "scale": [[0, theme.CHOROPLETH_SCALE[0][1]], [1, theme.CHOROPLETH_SCALE[0][1]]],
        "line": theme.PANEL_EDGE,
        "colours": theme.STAGE_COLOURS,
        "other": theme.OTHER,
    }
    html = BARE_HTML.format(
        background=theme.SCREEN_BG,
        width=size[0],
        height=size[1],
        plotly=PLOTLY_URL,
        config=json.dumps(config, ensure_ascii=False),
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / BARE_FILE).write_text(html, encoding="utf-8")
    return f"{STATIC_PREFIX}/{BARE_FILE}"
