/* What the operator dashboard and the customer portal share, loaded before either page's own script (after
 * the sockjs and event-bus clients): the REST call with the token, the token taken from the URL fragment,
 * the live feed of the SockJS bridge with its connection badge, the chart of deliveries per minute, the
 * event list, and small DOM helpers. Everything is exposed as window.WebhookPages; each page keeps its
 * token and decides what a 401 or a refused feed means for it. No framework, no outside host, no inline script. */
(function (global) {
  'use strict';

  var BASE = '/api/webhooks';
  var SOCKET = '/api/webhook-socket.io';
  var MINUTES = 15;
  var MAX_FEED = 200;

  var $ = function (id) { return document.getElementById(id); };

  /** An element: attrs text, className, dataset, on<event> (a listener) or any attribute; children nodes or strings. */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v == null || v === false) { return; }
        if (k === 'text') { node.textContent = String(v); } else if (k === 'className') { node.className = v; } else if (k.indexOf('on') === 0) { node.addEventListener(k.substring(2), v); } else if (k === 'dataset') { Object.keys(v).forEach(function (d) { node.dataset[d] = v[d]; }); } else { node.setAttribute(k, v === true ? '' : String(v)); }
      });
    }
    (children || []).forEach(function (c) { if (c != null) { node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); } });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; }

  function when(iso) {
    if (!iso) { return ''; }
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
  }

  function orgPath(org, path) { return '/organizations/' + encodeURIComponent(org) + path; }

  /**
   * The page's REST call: api(method, path, body) with the token of options.token() in the Authorization
   * header; resolves with the parsed JSON body (null when empty) and rejects with an Error whose message is
   * the problem's detail (or title, or "HTTP <status>"), with status and problem. options.unauthorized(err)
   * runs on a 401 before the rejection; options.fieldErrors adds the problem's errors (pointer and message)
   * to the message.
   */
  function rest(options) {
    return function api(method, path, body) {
      var headers = { 'Authorization': 'Bearer ' + options.token(), 'Accept': 'application/json, application/problem+json' };
      var init = { method: method, headers: headers, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' };
      if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
      return fetch(BASE + path, init).then(function (res) {
        return res.text().then(function (text) {
          var parsed = null;
          if (text) { try { parsed = JSON.parse(text); } catch (e) { parsed = null; } }
          if (!res.ok) {
            var detail = parsed && (parsed.detail || parsed.title) || ('HTTP ' + res.status);
            if (options.fieldErrors && parsed && Array.isArray(parsed.errors) && parsed.errors.length) {
              detail += ' (' + parsed.errors.map(function (e) { return (e.pointer || '') + ' ' + (e.message || ''); }).join('; ') + ')';
            }
            var err = new Error(detail);
            err.status = res.status;
            err.problem = parsed;
            if (res.status === 401 && options.unauthorized) { options.unauthorized(err); }
            throw err;
          }
          return parsed;
        });
      });
    };
  }

  /**
   * #token=…&org=…: the fragment never reaches a server (no request line, no log, no Referer); it is taken
   * out of the address bar (and so out of history, bookmarks and any Referer) at once, and only what it
   * says is returned, to be kept in memory. A new link opened in the same tab changes only the fragment:
   * the page starts over with its token.
   */
  function fromFragment() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ''));
    history.replaceState(null, '', location.pathname + location.search);
    window.addEventListener('hashchange', function () {
      if (/(^#|&)token=/.test(location.hash)) { location.reload(); }
    });
    return { token: params.get('token'), org: params.get('org') };
  }

  /** The badge of the live feed (#connection) and body[data-live]. */
  function setConnection(text, on, key) {
    var node = $('connection');
    node.textContent = text;
    node.className = 'badge ' + (on ? 'on' : 'off');
    node.dataset.state = key;
    document.body.dataset.live = key;
  }

  /**
   * The live feed: a SockJS event bus that reconnects by itself and, on every open, registers for
   * options.address with the token in the headers; each message goes to options.onMessage. The badge
   * says options.connected once registered; options.onError(err) runs after a refusal has been shown.
   * Returns {close()}, after which the bus neither reconnects nor touches the badge.
   */
  function liveFeed(options) {
    var open = true;
    setConnection('live feed: connecting…', false, 'connecting');
    var eb = new EventBus(SOCKET, { vertxbus_ping_interval: 5000 });
    eb.enableReconnect(true);
    eb.onopen = function () {
      eb.registerHandler(options.address, { 'Authorization': 'Bearer ' + options.token }, function (err, message) {
        if (err) { setConnection('live feed: refused', false, 'refused'); return; }
        options.onMessage(message);
      });
      setConnection(options.connected, true, 'connected');
    };
    eb.onclose = function () { if (open) { setConnection('live feed: reconnecting…', false, 'disconnected'); } };
    eb.onerror = function (err) {
      setConnection('live feed: refused', false, 'refused');
      if (options.onError) { options.onError(err); }
    };
    return {
      close: function () {
        if (!open) { return; }
        open = false;
        eb.enableReconnect(false);
        eb.close();
      }
    };
  }

  /** A bridge message's body, type and time (now when it has none or an unreadable one). */
  function eventOf(message) {
    var body = message.body || {};
    var at = body.timestamp ? new Date(body.timestamp) : new Date();
    if (isNaN(at.getTime())) { at = new Date(); }
    return { body: body, type: body.type || 'unknown', at: at };
  }

  /**
   * The newest-first event list: add(item) puts an <li> on top of the list, keeps the last MAX_FEED and
   * counts it in the counter element and body[data-events].
   */
  function eventList(list, counter) {
    var events = 0;
    return {
      add: function (item) {
        list.insertBefore(item, list.firstChild);
        while (list.children.length > MAX_FEED) { list.removeChild(list.lastChild); }
        events++;
        counter.textContent = '(' + events + ')';
        document.body.dataset.events = String(events);
      }
    };
  }

  function minuteOf(date) { return Math.floor(date.getTime() / 60000); }

  /**
   * The SVG bar chart of delivered and failed webhooks per minute over the last MINUTES minutes, redrawn
   * every 30 s. count(type, at) counts a webhook.delivered or webhook.failed event and redraws; it says
   * whether the event was one of those.
   */
  function deliveryChart(svg) {
    var buckets = {};
    var ns = 'http://www.w3.org/2000/svg';

    function draw() {
      var now = minuteOf(new Date());
      var max = 1;
      var i, b;
      for (i = 0; i < MINUTES; i++) {
        b = buckets[now - i];
        if (b) { max = Math.max(max, b.delivered + b.failed); }
      }
      clear(svg);
      var slot = 420 / MINUTES, height = 120;
      for (i = 0; i < MINUTES; i++) {
        b = buckets[now - (MINUTES - 1 - i)] || { delivered: 0, failed: 0 };
        var x = i * slot + 4;
        var hd = height * b.delivered / max, hf = height * b.failed / max;
        [['delivered', hd, height - hd], ['failed', hf, height - hd - hf]].forEach(function (bar) {
          if (bar[1] <= 0) { return; }
          var r = document.createElementNS(ns, 'rect');
          r.setAttribute('class', bar[0]);
          r.setAttribute('x', x);
          r.setAttribute('y', bar[2]);
          r.setAttribute('width', slot - 8);
          r.setAttribute('height', bar[1]);
          r.appendChild(document.createElementNS(ns, 'title')).textContent = b[bar[0]] + ' ' + bar[0];
          svg.appendChild(r);
        });
        if (i % 5 === 4 || i === MINUTES - 1) {
          var label = document.createElementNS(ns, 'text');
          label.setAttribute('x', x);
          label.setAttribute('y', 136);
          label.textContent = i === MINUTES - 1 ? 'now' : '-' + (MINUTES - 1 - i) + 'm';
          svg.appendChild(label);
        }
      }
      var axis = document.createElementNS(ns, 'text');
      axis.setAttribute('x', 2);
      axis.setAttribute('y', 9);
      axis.textContent = 'max ' + max;
      svg.appendChild(axis);
    }

    draw();
    setInterval(draw, 30000);
    return {
      count: function (type, at) {
        if (type !== 'webhook.delivered' && type !== 'webhook.failed') { return false; }
        var m = minuteOf(at);
        var b = buckets[m] || (buckets[m] = { delivered: 0, failed: 0 });
        b[type === 'webhook.delivered' ? 'delivered' : 'failed']++;
        draw();
        return true;
      }
    };
  }

  global.WebhookPages = {
    $: $,
    el: el,
    clear: clear,
    when: when,
    orgPath: orgPath,
    rest: rest,
    fromFragment: fromFragment,
    setConnection: setConnection,
    liveFeed: liveFeed,
    eventOf: eventOf,
    eventList: eventList,
    deliveryChart: deliveryChart
  };
}(window));
