/*
 * The live feed in the browser: one EventSource per page, kept open for the page's life.
 *
 * A page puts the stream's URL into a store; the clientside callback `follow` opens one
 * EventSource on it (closing the one before if the URL changed) and, for every message,
 * writes {id, seen} into the page's feed store, which wakes the page's Dash callback.
 * Messages arriving while the last wake-up is fresh are gathered into one (the callback
 * reads every event after the last one it saw), at most one wake-up per THROTTLE_MS.
 * When the connection drops, the browser reconnects by itself and sends Last-Event-ID,
 * so the stream resumes after the last message received: nothing is replayed or missed.
 * The live marker's class says whether the stream is open.
 *
 * (dash-extensions' EventSource component reopened its stream, from the page-load id, on
 * every message it passed on: the wall replayed the whole day in a loop.)
 */
(function () {
    const THROTTLE_MS = 250;
    const feeds = {};

    function mark(liveId, open) {
        if (liveId && window.dash_clientside && window.dash_clientside.set_props) {
            window.dash_clientside.set_props(liveId, {className: open ? "screen-live on" : "screen-live"});
        }
    }

    function follow(url, targetId, liveId) {
        const held = feeds[targetId];
        if (held && held.url === url) {
            return window.dash_clientside.no_update;
        }
        if (held) {
            held.source.close();
            clearTimeout(held.timer);
        }
        if (!url) {
            delete feeds[targetId];
            mark(liveId, false);
            return window.dash_clientside.no_update;
        }
        const feed = {url: url, source: new window.EventSource(url), timer: null, last: null,
                      seen: 0, woken: 0};
        feeds[targetId] = feed;
        const wake = function () {
            feed.timer = null;
            feed.woken = Date.now();
            window.dash_clientside.set_props(targetId, {data: {id: feed.last, seen: feed.seen}});
        };
        feed.source.onopen = function () { mark(liveId, true); };
        feed.source.onerror = function () { mark(liveId, feed.source.readyState === 1); };
        feed.source.onmessage = function (event) {
            feed.last = event.lastEventId || feed.last;
            feed.seen += 1;
            if (feed.timer !== null) {
                return;
            }
            const wait = THROTTLE_MS - (Date.now() - feed.woken);
            if (wait <= 0) {
                wake();
            } else {
                feed.timer = setTimeout(wake, wait);
            }
        };
        return window.dash_clientside.no_update;
    }

    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        live_feed: {follow: follow},
    });
})();
