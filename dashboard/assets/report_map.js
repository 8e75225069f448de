/* 事件上报: a click on the report map places the point; the point, the searched circle and
   the look-alikes are drawn here, in the browser, from the page's stores (no round trip). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  report: {
    bindClicks: function (figure, bound) {
      var attempt = 0;
      function bind() {
        var gd = document.querySelector('#report-map .js-plotly-plot');
        var layout = gd && gd._fullLayout;
        var subplot = layout && layout.map && layout.map._subplot;
        var map = subplot && subplot.map;
        if (!map) {
          if (attempt++ < 100) { setTimeout(bind, 150); }
          return;
        }
        if (map.__reportClicks) { return; }
        map.__reportClicks = true;
        map.on('click', function (event) {
          window.dash_clientside.set_props('report-click', {
            data: {lon: event.lngLat.lng, lat: event.lngLat.lat, at: Date.now()}
          });
        });
      }
      bind();
      return (bound || 0) + 1;
    },
    fillPoint: function (click) {
      /* a click gives WGS84 coordinates: all three inputs change at once (one grid lookup) */
      if (!click) { return window.dash_clientside.no_update; }
      return [click.lon.toFixed(6), click.lat.toFixed(6), 'wgs84'];
    },
    drawMarks: function (point, marks, figure) {
      if (!figure || !figure.data) { return window.dash_clientside.no_update; }
      var spot = point && point.wgs84 ? point.wgs84 : null;
      var found = (marks && marks.found) || [];
      var ring = {lon: [], lat: []};
      if (spot && marks) {
        var dlat = marks.radius_m / 111195;
        var dlon = dlat / Math.cos(spot[1] * Math.PI / 180);
        for (var i = 0; i <= 72; i++) {
          var a = 2 * Math.PI * i / 72;
          ring.lon.push(spot[0] + dlon * Math.cos(a));
          ring.lat.push(spot[1] + dlat * Math.sin(a));
        }
      }
      var data = figure.data.map(function (trace) {
        if (trace.name === 'pin' || trace.name === 'pin_halo') {
          return Object.assign({}, trace, {lon: spot ? [spot[0]] : [], lat: spot ? [spot[1]] : []});
        }
        if (trace.name === 'radius') { return Object.assign({}, trace, ring); }
        if (trace.name === 'nearby') {
          return Object.assign({}, trace, {
            lon: found.map(function (m) { return m[0]; }),
            lat: found.map(function (m) { return m[1]; }),
            text: found.map(function (m) { return m[2]; })
          });
        }
        return trace;
      });
      var layout = figure.layout || {};
      if (marks && spot) {
        /* after the check: close enough to see the searched circle and tell cases apart */
        var view = Object.assign({}, layout.map, {
          center: {lon: spot[0], lat: spot[1]}, zoom: Math.max((layout.map || {}).zoom || 0, 16.6)
        });
        layout = Object.assign({}, layout, {map: view, uirevision: 'check-' + Date.now()});
      }
      return Object.assign({}, figure, {data: data, layout: layout});
    }
  }
});
