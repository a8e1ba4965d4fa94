/* Operator dashboard: the service as a whole, for an admin token. Initialization figures (with retry of
 * the failed ones and the update of every organization's preconfigured endpoints), /status, the
 * rejected events of an organization (queued again on demand), the admin live feed of the SockJS
 * bridge (webhooks.admin: every organization's deliveries and endpoint changes, and the progress of
 * bulk operations), and any organization's customer portal (POST …/portal-access, opened in a new tab).
 * The token comes from the fragment (/#token=…, never sent to a server) or the form, is kept in this
 * closure only and goes out only in Authorization headers. An organization-scoped token gets the
 * organization part only (its portal, its rejected events). No framework, no outside host, no inline script. */
(function () {
  'use strict';

  var BASE = '/api/webhooks';
  var MINUTES = 15;
  var MAX_FEED = 200;
  var REJECTED_PAGE = 50;
  var REFRESH_MS = 30000;

  var state = {
    token: null, me: null, eb: null, buckets: {}, events: 0, runs: {},
    rejectedOrg: null, rejectedIterator: null, refresh: null, generation: 0
  };

  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v == null || v === false) { return; }
      if (k === 'text') { node.textContent = String(v); } else if (k === 'className') { node.className = v; } else if (k === 'dataset') { Object.keys(v).forEach(function (d) { node.dataset[d] = v[d]; }); } else { node.setAttribute(k, v === true ? '' : String(v)); }
    });
    (children || []).forEach(function (c) { if (c != null) { node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); } });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; }

  function when(iso) {
    if (!iso) { return ''; }
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
  }

  function setConnection(text, on, key) {
    var node = $('connection');
    node.textContent = text;
    node.className = 'badge ' + (on ? 'on' : 'off');
    node.dataset.state = key;
    document.body.dataset.live = key;
  }

  function showError(message) {
    $('error').textContent = message || '';
    $('error').hidden = !message;
  }

  function say(id, message, bad) {
    var node = $(id);
    node.textContent = message || '';
    node.className = 'small' + (bad ? ' error' : '');
  }

  /** One REST call with the token; rejects with an Error carrying the status and the problem's detail. */
  function api(method, path, body) {
    var headers = { 'Authorization': 'Bearer ' + state.token, 'Accept': 'application/json, application/problem+json' };
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
          var err = new Error(parsed && (parsed.detail || parsed.title) || ('HTTP ' + res.status));
          err.status = res.status;
          if (res.status === 401) { signedOut('The token has expired or is not valid (' + err.message + '). Paste another one.'); }
          throw err;
        }
        return parsed;
      });
    });
  }

  function orgPath(org, path) { return '/organizations/' + encodeURIComponent(org) + path; }

  function fill(dl, rows) {
    clear(dl);
    rows.forEach(function (r) {
      dl.appendChild(el('dt', { text: r[0] }));
      dl.appendChild(el('dd', { text: r[1] == null ? '—' : r[1], dataset: { key: r[2] || r[0] } }));
    });
  }

  // ------------------------------------------------------------------ operator figures

  function loadStats() {
    return api('GET', '/initialization-stats').then(function (s) {
      fill($('init-stats'), [
        ['organizations', s.totalOrganizations, 'totalOrganizations'],
        ['initialized', s.initializedOrganizations, 'initializedOrganizations'],
        ['failed', s.failedInitializations, 'failedInitializations'],
        ['pending', s.pendingInitializations, 'pendingInitializations']
      ]);
      $('retry-init').disabled = false;
      document.body.dataset.stats = 'loaded';
    }).catch(function (err) {
      fill($('init-stats'), [['figures', 'Unavailable: ' + err.message]]);
    });
  }

  function yesNo(v) { return v === true ? 'yes' : v === false ? 'no' : null; }

  function loadStatus() {
    return api('GET', '/status').then(function (s) {
      var outbox = s.outbox || {}, svix = s.svix || {}, cluster = s.cluster || {};
      fill($('status'), [
        ['provider', s.provider, 'provider'],
        ['delivery enabled', yesNo(s.enabled), 'enabled'],
        ['Svix', s.provider === 'svix' || svix.configured
          ? (svix.configured ? 'configured' : 'not configured') + ', ' + (svix.reachable ? 'reachable' : 'unreachable') : 'not used', 'svix'],
        ['database', s.database ? (s.database.reachable ? 'reachable' : 'unreachable') : null, 'database'],
        ['outbox backlog', outbox.pending, 'outboxPending'],
        ['oldest pending', outbox.oldestPendingSeconds == null ? null : Math.round(outbox.oldestPendingSeconds) + ' s', 'oldestPendingSeconds'],
        ['outbox rejected', outbox.failed, 'outboxFailed'],
        ['cluster', cluster.enabled ? (cluster.members || []).length + ' members: ' + (cluster.members || []).join(', ') : 'single node', 'cluster']
      ]);
      document.body.dataset.status = 'loaded';
    }).catch(function (err) {
      fill($('status'), [['status', 'Unavailable: ' + err.message]]);
    });
  }

  function bulk(button, path, label) {
    button.disabled = true;
    say('bulk-result', label + '…');
    api('POST', path).then(function (r) {
      var changed = r.succeeded != null ? r.succeeded + ' succeeded' : (r.updated != null ? r.updated + ' updated' : '');
      say('bulk-result', label + ': ' + r.attempted + ' attempted, ' + [changed, r.failed + ' failed'].filter(Boolean).join(', ') + '.', r.failed > 0);
      $('bulk-result').dataset.operation = path.substring(1);
    }).catch(function (err) {
      say('bulk-result', label + ' failed: ' + err.message, true);
    }).then(function () {
      button.disabled = false;
      loadStats();
      loadStatus();
    });
  }

  // ------------------------------------------------------------------ one organization

  function chosenOrg() {
    var input = $('org');
    var org = input.value.trim();
    if (!org || !input.checkValidity()) {
      say('org-status', 'Enter an organization id (letters, digits, ".", "_" or "-").', true);
      input.focus();
      return null;
    }
    return org;
  }

  function openPortal(org) {
    say('org-status', 'Asking for a portal link for ' + org + '…');
    $('portal-link').hidden = true;
    api('POST', orgPath(org, '/portal-access'), { expiresIn: Number($('portal-expiry').value) }).then(function (r) {
      var a = $('portal-anchor');
      a.href = r.url;
      a.textContent = 'Open the portal of ' + org;
      a.dataset.org = org;
      $('portal-link').hidden = false;
      say('org-status', 'Portal link for ' + org + ', valid until ' + when(r.expiresAt) + '.');
      // a new tab with no way back to this page (noopener); the link above stays in case the tab was blocked
      window.open(r.url, '_blank', 'noopener,noreferrer');
    }).catch(function (err) {
      say('org-status', 'No portal link for ' + org + ': ' + err.message, true);
    });
  }

  function loadRejected(org, more) {
    var table = $('rejected');
    var body = table.tBodies[0];
    if (!more) {
      state.rejectedOrg = org;
      state.rejectedIterator = null;
      clear(body);
    }
    var query = '?status=rejected&limit=' + REJECTED_PAGE
      + (more && state.rejectedIterator ? '&iterator=' + encodeURIComponent(state.rejectedIterator) : '');
    say('org-status', 'Loading the rejected events of ' + org + '…');
    return api('GET', orgPath(org, '/events' + query)).then(function (page) {
      $('rejected-org').textContent = org;
      table.hidden = false;
      (page.data || []).forEach(function (e) { body.appendChild(rejectedRow(org, e)); });
      if (!body.rows.length) {
        body.appendChild(el('tr', {}, [el('td', { colspan: '6', className: 'muted', text: 'No rejected events.' })]));
      }
      state.rejectedIterator = page.done ? null : page.iterator;
      $('rejected-more').hidden = !state.rejectedIterator;
      say('org-status', body.querySelectorAll('tr[data-event-id]').length + ' rejected event(s) of ' + org + '.');
    }).catch(function (err) {
      table.hidden = true;
      say('org-status', 'No rejected events for ' + org + ': ' + err.message, true);
    });
  }

  function rejectedRow(org, e) {
    var retry = el('button', { type: 'button', className: 'secondary', text: 'Retry', dataset: { action: 'retry' },
      'aria-label': 'Retry event ' + e.eventId });
    var row = el('tr', { dataset: { eventId: e.eventId, status: e.status } }, [
      el('td', { className: 'mono', text: e.eventId, dataset: { label: 'Event' } }),
      el('td', { text: e.eventType, dataset: { label: 'Type' } }),
      el('td', { text: e.reason, dataset: { label: 'Reason' } }),
      el('td', { text: e.attempts, dataset: { label: 'Attempts' } }),
      el('td', { text: when(e.createdAt), dataset: { label: 'Accepted' } }),
      el('td', {}, [retry])
    ]);
    retry.addEventListener('click', function () {
      retry.disabled = true;
      api('POST', orgPath(org, '/events/' + encodeURIComponent(e.eventId) + '/retry')).then(function () {
        row.dataset.status = 'queued';
        row.cells[2].textContent = 'queued again';
        retry.remove();
        say('org-status', 'Event ' + e.eventId + ' is queued again.');
        loadStatus();
      }).catch(function (err) {
        retry.disabled = false;
        say('org-status', 'Event ' + e.eventId + ' was not queued again: ' + err.message, true);
      });
    });
    return row;
  }

  // ------------------------------------------------------------------ live feed

  function minuteOf(date) { return Math.floor(date.getTime() / 60000); }

  function drawChart() {
    var svg = $('chart');
    var ns = 'http://www.w3.org/2000/svg';
    var now = minuteOf(new Date());
    var max = 1;
    var i, b;
    for (i = 0; i < MINUTES; i++) {
      b = state.buckets[now - i];
      if (b) { max = Math.max(max, b.delivered + b.failed); }
    }
    clear(svg);
    var slot = 420 / MINUTES, height = 120;
    for (i = 0; i < MINUTES; i++) {
      b = state.buckets[now - (MINUTES - 1 - i)] || { delivered: 0, failed: 0 };
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
      return [data.eventType, data.eventId || data.msgEventId || data.messageId || data.msgId, data.endpointId,
        data.responseStatusCode != null ? 'HTTP ' + data.responseStatusCode : null].filter(Boolean).join(' · ');
    }
    return [data.url, data.id || data.endpointId, data.disabled === true ? 'disabled' : null].filter(Boolean).join(' · ');
  }

  /** {operation, done, total, failed}: one progress bar per run of an operation, updated in place. */
  function onProgress(p, at) {
    var op = String(p.operation || 'operation');
    var done = Number(p.done) || 0, total = Math.max(Number(p.total) || 0, done), failed = Number(p.failed) || 0;
    var item = state.runs[op];
    if (!item || item.dataset.complete === 'true') {
      var none = $('progress-none');
      if (none) { none.remove(); }
      item = el('li', { className: 'run', dataset: { operation: op } }, [
        el('label', { className: 'op', text: op }),
        el('progress', {}),
        el('span', { className: 'figures' })
      ]);
      var bar = item.querySelector('progress');
      bar.id = 'progress-' + op + '-' + (++state.generation);
      item.querySelector('label').htmlFor = bar.id;
      $('progress').insertBefore(item, $('progress').firstChild);
      state.runs[op] = item;
    }
    var progress = item.querySelector('progress');
    progress.max = Math.max(total, 1);
    progress.value = total === 0 ? 1 : done;
    var complete = done >= total;
    item.dataset.done = String(done);
    item.dataset.total = String(total);
    item.dataset.failed = String(failed);
    item.dataset.complete = String(complete);
    item.querySelector('.figures').textContent = done + ' / ' + total + (failed ? ', ' + failed + ' failed' : '')
      + (complete ? ' — done ' + at.toLocaleTimeString() : '');
    if (complete) { loadStats(); }
  }

  function onEvent(message) {
    var body = message.body || {};
    var type = body.type || 'unknown';
    var at = body.timestamp ? new Date(body.timestamp) : new Date();
    if (isNaN(at.getTime())) { at = new Date(); }
    if (type === 'bulk.progress') {
      onProgress(body.data || body, at);
      return;
    }
    var feed = $('feed');
    feed.insertBefore(el('li', { className: 'event', dataset: { type: type, org: body.organizationId || '' } }, [
      el('span', { className: 'time', text: at.toLocaleTimeString() }),
      el('span', { className: 'type', text: type }),
      el('span', { className: 'org', text: body.organizationId || '' }),
      el('span', { className: 'detail', text: describe(type, body.data) })
    ]), feed.firstChild);
    while (feed.children.length > MAX_FEED) { feed.removeChild(feed.lastChild); }
    state.events++;
    $('event-count').textContent = '(' + state.events + ')';
    document.body.dataset.events = String(state.events);
    if (type === 'webhook.delivered' || type === 'webhook.failed') {
      var m = minuteOf(at);
      var b = state.buckets[m] || (state.buckets[m] = { delivered: 0, failed: 0 });
      b[type === 'webhook.delivered' ? 'delivered' : 'failed']++;
      drawChart();
    }
  }

  function disconnect() {
    if (state.eb) {
      var eb = state.eb;
      state.eb = null;
      eb.enableReconnect(false);
      eb.close();
    }
  }

  function connect() {
    disconnect();
    setConnection('live feed: connecting…', false, 'connecting');
    var eb = new EventBus('/api/webhook-socket.io', { vertxbus_ping_interval: 5000 });
    state.eb = eb;
    eb.enableReconnect(true);
    eb.onopen = function () {
      eb.registerHandler('webhooks.admin', { 'Authorization': 'Bearer ' + state.token }, function (err, message) {
        if (err) { setConnection('live feed: refused', false, 'refused'); return; }
        onEvent(message);
      });
      setConnection('live feed: every organization', true, 'connected');
    };
    eb.onclose = function () { if (state.eb === eb) { setConnection('live feed: reconnecting…', false, 'disconnected'); } };
    eb.onerror = function (err) {
      setConnection('live feed: refused', false, 'refused');
      showError('The live feed refused this token (' + (err && (err.body || err.message) || 'error') + ').');
    };
  }

  // ------------------------------------------------------------------ start

  function signedOut(message) {
    disconnect();
    clearInterval(state.refresh);
    state.token = null;
    state.me = null;
    $('login').hidden = false;
    $('operator').hidden = true;
    $('organization').hidden = true;
    $('live').hidden = true;
    $('whoami').hidden = true;
    document.body.dataset.state = 'refused';
    setConnection('live feed: off', false, 'disconnected');
    showError(message);
  }

  function start(token) {
    disconnect();
    clearInterval(state.refresh);
    state.token = token;
    showError(null);
    document.body.dataset.state = 'connecting';
    api('GET', '/whoami').then(function (me) {
      state.me = me;
      var orgs = (me && me.organizations) || [];
      var list = clear($('org-list'));
      orgs.forEach(function (o) { list.appendChild(el('option', { value: o })); });
      if (!$('org').value && orgs.length === 1) { $('org').value = orgs[0]; }
      $('login').hidden = true;
      $('organization').hidden = false;
      $('whoami').hidden = false;
      if (me.admin) {
        $('whoami').textContent = 'Signed in as ' + (me.subject || 'an admin') + ' (admin).';
        $('operator').hidden = false;
        $('live').hidden = false;
        document.body.dataset.state = 'operator';
        loadStats();
        loadStatus();
        connect();
        state.refresh = setInterval(function () { loadStats(); loadStatus(); }, REFRESH_MS);
      } else {
        // an organization's own token: its portal and its rejected events; the rest needs an admin token
        $('whoami').textContent = 'Signed in as ' + (me.subject || 'a caller') + ' for ' + (orgs.join(', ') || 'no organization')
          + '. The service-wide figures and the live feed of every organization need an admin token.';
        document.body.dataset.state = 'organization';
      }
    }).catch(function (err) {
      if (err.status !== 401) { signedOut('The service cannot be reached just now (' + err.message + ').'); }
    });
  }

  $('connect-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var token = $('token').value.trim();
    $('token').value = '';
    if (token) { start(token); }
  });
  $('org-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var org = chosenOrg();
    if (org) { openPortal(org); }
  });
  $('load-rejected').addEventListener('click', function () {
    var org = chosenOrg();
    if (org) { loadRejected(org, false); }
  });
  $('rejected-more').addEventListener('click', function () { loadRejected(state.rejectedOrg, true); });
  $('retry-init').addEventListener('click', function () { bulk($('retry-init'), '/retry-failed-initializations', 'Retry failed initializations'); });
  $('update-all').addEventListener('click', function () { bulk($('update-all'), '/update-all-endpoints', 'Update all endpoints'); });
  $('refresh').addEventListener('click', function () { loadStats(); loadStatus(); });
  setInterval(drawChart, 30000);
  drawChart();

  // #token=…: the fragment never reaches a server (no request line, no log, no Referer); it is taken out
  // of the address bar (and history) at once and kept in memory only
  var params = new URLSearchParams(location.hash.replace(/^#/, ''));
  if (location.hash) { history.replaceState(null, '', location.pathname + location.search); }
  var fromLink = params.get('token');
  if (params.get('org')) { $('org').value = params.get('org'); }
  params = null;
  window.addEventListener('hashchange', function () {
    if (/(^#|&)token=/.test(location.hash)) { location.reload(); }
  });
  if (fromLink) {
    start(fromLink);
  } else {
    document.body.dataset.state = 'signed-out';
  }
}());
