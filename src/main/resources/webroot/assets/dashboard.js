/* Live dashboard: paste a token, pick an organization, watch its deliveries and endpoints.
 * Talks to the REST API with the token and to the SockJS event-bus bridge, whose register
 * carries the token in its headers. No framework, no CDN. */
(function () {
  'use strict';

  var API = '/api/webhooks/organizations/';
  var MINUTES = 15;
  var MAX_FEED = 200;
  var state = { token: null, org: null, eb: null, buckets: {}, events: 0 };

  var $ = function (id) { return document.getElementById(id); };

  function setConnection(text, on, key) {
    var el = $('connection');
    el.textContent = text;
    el.className = 'badge ' + (on ? 'on' : 'off');
    el.dataset.state = key;
    document.body.dataset.state = key;
  }

  function showError(message) {
    var el = $('error');
    el.textContent = message || '';
    el.hidden = !message;
  }

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value == null ? '' : String(value);
    if (cls) { el.className = cls; }
    return el;
  }

  /* Organizations a JWT names (claims are readable without verifying; the server verifies). */
  function organizationsOf(token) {
    try {
      var part = token.split('.')[1];
      if (!part) { return []; }
      var claims = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')));
      return Array.isArray(claims.organizations) ? claims.organizations : [];
    } catch (e) {
      return [];
    }
  }

  function fillOrganizations() {
    var list = $('org-list');
    list.innerHTML = '';
    organizationsOf($('token').value.trim()).forEach(function (org) {
      var option = document.createElement('option');
      option.value = org;
      list.appendChild(option);
    });
    if (!$('org').value && list.options.length === 1) {
      $('org').value = list.options[0].value;
    }
  }

  function api(path) {
    return fetch(API + encodeURIComponent(state.org) + path, {
      headers: { 'Authorization': 'Bearer ' + state.token, 'Accept': 'application/json' }
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (!res.ok) {
          var err = new Error((body && (body.detail || body.title)) || ('HTTP ' + res.status));
          err.status = res.status;
          throw err;
        }
        return body;
      });
    });
  }

  function loadStatus() {
    var dl = $('init-status');
    return api('/initialization-status').then(function (status) {
      dl.innerHTML = '';
      Object.keys(status).forEach(function (key) {
        var value = status[key];
        dl.appendChild(text('dt', key));
        dl.appendChild(text('dd', typeof value === 'object' && value !== null ? JSON.stringify(value) : value));
      });
    }).catch(function (err) {
      dl.innerHTML = '';
      dl.appendChild(text('dd', 'Unavailable: ' + err.message, 'muted'));
    });
  }

  function loadEndpoints() {
    var body = $('endpoints').tBodies[0];
    return api('/endpoints?limit=100').then(function (page) {
      body.innerHTML = '';
      var data = page.data || [];
      $('endpoint-count').textContent = '(' + data.length + (page.done === false ? '+' : '') + ')';
      if (!data.length) {
        var row = body.insertRow();
        var cell = text('td', 'No endpoints.', 'muted');
        cell.colSpan = 4;
        row.appendChild(cell);
      }
      data.forEach(function (ep) {
        var row = body.insertRow();
        row.dataset.endpointId = ep.id;
        row.appendChild(text('td', ep.url, 'url'));
        row.appendChild(text('td', ep.description));
        row.appendChild(text('td', (ep.eventTypes || []).join(', ') || 'all'));
        row.appendChild(text('td', ep.disabled ? 'disabled' : 'enabled'));
      });
    }).catch(function (err) {
      body.innerHTML = '';
      var cell = text('td', 'Unavailable: ' + err.message, 'muted');
      cell.colSpan = 4;
      body.insertRow().appendChild(cell);
      if (err.status === 401 || err.status === 403) { showError(err.message); }
    });
  }

  function minuteOf(date) { return Math.floor(date.getTime() / 60000); }

  function drawChart() {
    var svg = $('chart');
    var ns = 'http://www.w3.org/2000/svg';
    var now = minuteOf(new Date());
    var max = 1;
    var i, m, b;
    for (i = 0; i < MINUTES; i++) {
      b = state.buckets[now - i];
      if (b) { max = Math.max(max, b.delivered + b.failed); }
    }
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var slot = 420 / MINUTES, height = 120;
    for (i = 0; i < MINUTES; i++) {
      m = now - (MINUTES - 1 - i);
      b = state.buckets[m] || { delivered: 0, failed: 0 };
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

  function describe(type, data) {
    data = data || {};
    if (type.indexOf('webhook.') === 0) {
      return [data.eventType, data.msgEventId || data.msgId, data.endpointId,
        data.responseStatusCode != null ? 'HTTP ' + data.responseStatusCode : null]
        .filter(Boolean).join(' · ');
    }
    return [data.url, data.id || data.endpointId, data.svixEventType].filter(Boolean).join(' · ');
  }

  function onEvent(message) {
    var body = message.body || {};
    var type = body.type || 'unknown';
    var when = body.timestamp ? new Date(body.timestamp) : new Date();
    var li = document.createElement('li');
    li.className = 'event';
    li.dataset.type = type;
    li.appendChild(text('span', when.toLocaleTimeString(), 'time'));
    li.appendChild(text('span', type, 'type'));
    li.appendChild(text('span', describe(type, body.data), 'detail'));
    var feed = $('feed');
    feed.insertBefore(li, feed.firstChild);
    while (feed.children.length > MAX_FEED) { feed.removeChild(feed.lastChild); }
    state.events++;
    $('event-count').textContent = '(' + state.events + ')';
    document.body.dataset.events = String(state.events);
    if (type === 'webhook.delivered' || type === 'webhook.failed') {
      var m = minuteOf(when);
      var b = state.buckets[m] || (state.buckets[m] = { delivered: 0, failed: 0 });
      b[type === 'webhook.delivered' ? 'delivered' : 'failed']++;
      drawChart();
    } else if (type.indexOf('endpoint.') === 0) {
      loadEndpoints();
    }
  }

  function connect() {
    if (state.eb) {
      state.eb.enableReconnect(false);
      state.eb.close();
      state.eb = null;
    }
    showError(null);
    setConnection('connecting…', false, 'connecting');
    var eb = new EventBus('/api/webhook-socket.io', { vertxbus_ping_interval: 5000 });
    state.eb = eb;
    eb.enableReconnect(true);
    var address = 'webhooks.org.' + state.org;
    var register = function () {
      eb.registerHandler(address, { 'Authorization': 'Bearer ' + state.token }, function (err, message) {
        if (err) { showError('Live feed: ' + (err.message || 'error')); return; }
        onEvent(message);
      });
      setConnection('live: ' + state.org, true, 'connected');
    };
    eb.onopen = register;
    eb.onreconnect = function () { /* onopen registers again */ };
    eb.onclose = function () { if (state.eb === eb) { setConnection('disconnected', false, 'disconnected'); } };
    eb.onerror = function (err) {
      var reason = err && (err.body || err.message) || 'error';
      showError('The live feed refused this token for organization ' + state.org + ' (' + reason + ').');
      setConnection('refused', false, 'refused');
    };
  }

  function start(token, org) {
    state.token = token;
    state.org = org;
    state.buckets = {};
    state.events = 0;
    $('feed').innerHTML = '';
    $('event-count').textContent = '(0)';
    drawChart();
    loadStatus();
    loadEndpoints();
    connect();
  }

  $('token').addEventListener('input', fillOrganizations);
  $('connect-form').addEventListener('submit', function (e) {
    e.preventDefault();
    start($('token').value.trim(), $('org').value.trim());
  });
  setInterval(drawChart, 30000);
  drawChart();

  // #token=…&org=… connects at once: the fragment never reaches a server (no request line, no log,
  // no Referer); the token is then taken out of the address bar and kept in memory only.
  var params = new URLSearchParams(location.hash.replace(/^#/, ''));
  if (params.get('token')) {
    history.replaceState(null, '', location.pathname + location.search);
    $('token').value = params.get('token');
    if (params.get('org')) { $('org').value = params.get('org'); }
    fillOrganizations();
    if ($('org').value) {
      start(params.get('token'), $('org').value.trim());
    }
  }
}());
