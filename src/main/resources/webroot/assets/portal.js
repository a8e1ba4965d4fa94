/* Customer portal: one organization's endpoints, messages, event catalog and live deliveries.
 * Opened by the link of POST /organizations/{org}/portal-access: /portal#token=… (the fragment
 * never reaches a server). The token is kept in this closure only (no storage, no cookie) and
 * taken out of the address bar at once. Everything goes through the REST API and the SockJS
 * bridge with that token. What it shares with the dashboard (the REST call, the fragment, the live feed,
 * the chart, DOM helpers) is in pages.js. No framework, no outside host, no inline script. */
(function (P) {
  'use strict';

  var PAGE = 25;

  var $ = P.$, el = P.el, clear = P.clear, when = P.when, setConnection = P.setConnection;

  var state = {
    token: null,
    org: null,
    eventTypes: [],            // [{name, description, schema, example}]
    endpoints: [],             // the loaded endpoints
    endpointsIterator: null,
    messagesIterator: null,
    messageFilter: '',
    openEndpoint: null,        // id of the endpoint whose detail is shown
    openMessage: null,         // id of the message whose detail is shown
    secretShown: false,
    feed: null,
    fatal: false
  };

  // ------------------------------------------------------------------ small helpers

  /** Each cell names its column (data-label), which narrow screens show as the table stacks into cards. */
  function labelCells(table) {
    var names = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) { return th.textContent.trim(); });
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      Array.prototype.forEach.call(row.cells, function (td, i) { if (td.colSpan === 1 && names[i]) { td.dataset.label = names[i]; } });
    });
  }

  function pretty(value) {
    if (value == null) { return ''; }
    if (typeof value === 'string') {
      try { return JSON.stringify(JSON.parse(value), null, 2); } catch (e) { return value; }
    }
    return JSON.stringify(value, null, 2);
  }

  function setStatus(id, message, bad) {
    var node = $(id);
    node.textContent = message || '';
    node.className = 'status' + (bad ? ' error' : '');
    node.dataset.kind = bad ? 'error' : 'ok';
  }

  var noticeTimer = null;

  function notice(message, kind) {
    var node = $('notice');
    node.textContent = message || '';
    node.hidden = !message;
    node.dataset.kind = kind || 'error';
    clearTimeout(noticeTimer);
    if (message && kind === 'ok') { noticeTimer = setTimeout(function () { notice(null); }, 6000); }
  }

  /** The token has expired or is not valid: nothing else can work, so say so and stop. */
  function fatal(message) {
    state.fatal = true;
    notice(message);
    document.body.dataset.state = 'refused';
    $('tabs').hidden = true;
    Array.prototype.forEach.call(document.querySelectorAll('.view'), function (v) { v.hidden = true; });
    if (state.feed) { state.feed.close(); state.feed = null; }
    setConnection('live feed: off', false, 'disconnected');
  }

  var EXPIRED = 'This portal link has expired or is not valid. Ask for a new link to manage your webhooks.';

  /** One REST call with the portal token (see pages.js); a 401 replaces the page with its notice. */
  var api = P.rest({
    token: function () { return state.token; },
    unauthorized: function () { fatal(EXPIRED); },
    fieldErrors: true
  });

  function org(path) { return P.orgPath(state.org, path); }
  function q(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      if (params[k] != null && params[k] !== '') { parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(params[k])); }
    });
    return parts.length ? '?' + parts.join('&') : '';
  }

  /** A failure shown where the user acted; a 401 has already replaced the page with its notice. */
  function failed(where) {
    return function (err) {
      if (err && err.status === 401) { return; }
      setStatus(where, (err && err.message) || 'Something went wrong.', true);
    };
  }

  // ------------------------------------------------------------------ tabs (keyboard: arrows, Home, End)

  var TABS = ['endpoints', 'messages', 'catalog', 'live'];

  function show(name, focus) {
    TABS.forEach(function (t) {
      var tab = $('tab-' + t);
      var on = t === name;
      tab.setAttribute('aria-selected', on ? 'true' : 'false');
      tab.tabIndex = on ? 0 : -1;
      $('view-' + t).hidden = !on;
    });
    document.body.dataset.view = name;
    if (focus) { $('tab-' + name).focus(); }
    if (name === 'messages') { loadMessages(true); }
    if (name === 'endpoints') { loadEndpoints(); }
  }

  TABS.forEach(function (t, i) {
    var tab = $('tab-' + t);
    tab.addEventListener('click', function () { show(t, false); });
    tab.addEventListener('keydown', function (e) {
      var next = null;
      if (e.key === 'ArrowRight') { next = TABS[(i + 1) % TABS.length]; }
      if (e.key === 'ArrowLeft') { next = TABS[(i + TABS.length - 1) % TABS.length]; }
      if (e.key === 'Home') { next = TABS[0]; }
      if (e.key === 'End') { next = TABS[TABS.length - 1]; }
      if (next) { e.preventDefault(); show(next, true); }
    });
  });

  // ------------------------------------------------------------------ event types (catalog and pickers)

  function loadEventTypes() {
    return api('GET', '/event-types').then(function (types) {
      state.eventTypes = Array.isArray(types) ? types : (types && types.data) || [];
      renderCatalog();
      fillTypeSelects();
    }).catch(function (err) {
      if (err.status === 401) { return; }
      clear($('catalog')).appendChild(el('p', { className: 'error', text: 'The event catalog is unavailable: ' + err.message }));
    });
  }

  function renderCatalog() {
    var root = clear($('catalog'));
    if (!state.eventTypes.length) {
      root.appendChild(el('p', { className: 'muted', text: 'No event types.' }));
      return;
    }
    state.eventTypes.forEach(function (t) {
      root.appendChild(el('details', { className: 'event-type', dataset: { type: t.name } }, [
        el('summary', null, [el('code', { text: t.name }), ' ', el('span', { className: 'muted', text: t.description || '' })]),
        el('div', { className: 'type-body' }, [
          el('div', null, [el('h3', { text: 'Schema' }), el('pre', { className: 'code schema', tabindex: '0', text: pretty(t.schema) })]),
          el('div', null, [el('h3', { text: 'Example' }), el('pre', { className: 'code example', tabindex: '0', text: pretty(t.example) })])
        ])
      ]));
    });
  }

  function fillTypeSelects() {
    var filter = $('messages-type');
    var chosen = filter.value;
    clear(filter).appendChild(el('option', { value: '', text: 'all types' }));
    state.eventTypes.forEach(function (t) { filter.appendChild(el('option', { value: t.name, text: t.name })); });
    filter.value = chosen;
    var test = clear($('test-type'));
    state.eventTypes.forEach(function (t) { test.appendChild(el('option', { value: t.name, text: t.name })); });
  }

  function renderTypeChecks(selected) {
    var list = clear($('endpoint-types-list'));
    if (!state.eventTypes.length) {
      list.appendChild(el('span', { className: 'muted', text: 'The event catalog is unavailable: the endpoint gets every type.' }));
      return;
    }
    state.eventTypes.forEach(function (t, i) {
      var id = 'endpoint-type-' + i;
      list.appendChild(el('div', { className: 'check' }, [
        el('input', { type: 'checkbox', id: id, value: t.name, name: 'eventTypes', checked: selected.indexOf(t.name) >= 0 }),
        el('label', { 'for': id, text: t.name })
      ]));
    });
  }

  // ------------------------------------------------------------------ endpoints

  function loadEndpoints(more) {
    var body = $('endpoints').tBodies[0];
    var params = { limit: 50, iterator: more ? state.endpointsIterator : null };
    return api('GET', org('/endpoints' + q(params))).then(function (page) {
      var data = (page && page.data) || [];
      state.endpoints = more ? state.endpoints.concat(data) : data;
      state.endpointsIterator = page && !page.done ? page.iterator : null;
      $('endpoints-more').hidden = !state.endpointsIterator;
      renderEndpoints();
      if (state.openEndpoint) {
        var ep = findEndpoint(state.openEndpoint);
        if (ep) { $('endpoint-detail-url').textContent = ep.url; } else { closeEndpoint(); }
      }
    }).catch(function (err) {
      if (err.status === 401) { return; }
      clear(body).appendChild(el('tr', null, [el('td', { colspan: '5', className: 'error', text: 'Endpoints are unavailable: ' + err.message })]));
    });
  }

  function findEndpoint(id) {
    for (var i = 0; i < state.endpoints.length; i++) { if (state.endpoints[i].id === id) { return state.endpoints[i]; } }
    return null;
  }

  function renderEndpoints() {
    var body = clear($('endpoints').tBodies[0]);
    $('endpoint-count').textContent = '(' + state.endpoints.length + (state.endpointsIterator ? '+' : '') + ')';
    if (!state.endpoints.length) {
      body.appendChild(el('tr', null, [el('td', { colspan: '5', className: 'muted', text: 'No endpoints yet: add one to receive webhooks.' })]));
      return;
    }
    state.endpoints.forEach(function (ep) {
      var label = ep.url;
      var actions = el('td', { className: 'actions' }, [
        el('button', { type: 'button', className: 'secondary small', 'data-action': 'open', 'aria-label': 'Manage ' + label, text: 'Manage', onclick: function () { openEndpoint(ep.id); } }),
        el('button', { type: 'button', className: 'secondary small', 'data-action': 'edit', 'aria-label': 'Edit ' + label, text: 'Edit', onclick: function () { editEndpoint(ep); } }),
        el('button', { type: 'button', className: 'secondary small', 'data-action': 'toggle', 'aria-label': (ep.disabled ? 'Enable ' : 'Disable ') + label, text: ep.disabled ? 'Enable' : 'Disable', onclick: function () { toggleEndpoint(ep); } }),
        deleteButton(ep)
      ]);
      body.appendChild(el('tr', { dataset: { endpointId: ep.id, state: ep.disabled ? 'disabled' : 'enabled' } }, [
        el('td', { className: 'mono url', text: ep.url }),
        el('td', { text: ep.description || '' }),
        el('td', { text: (ep.eventTypes && ep.eventTypes.length) ? ep.eventTypes.join(', ') : 'all types' }),
        el('td', null, [el('span', { className: 'pill ' + (ep.disabled ? 'off' : 'on'), text: ep.disabled ? 'disabled' : 'enabled' })]),
        actions
      ]));
    });
    labelCells($('endpoints'));
  }

  /** Delete asks once more in place (Confirm / Keep) instead of a modal dialog. */
  function deleteButton(ep) {
    var holder = el('span', { className: 'confirm-holder' });
    var ask = el('button', { type: 'button', className: 'danger small', 'data-action': 'delete', 'aria-label': 'Delete ' + ep.url, text: 'Delete' });
    ask.addEventListener('click', function () {
      clear(holder);
      var yes = el('button', { type: 'button', className: 'danger small', 'data-action': 'confirm-delete', text: 'Confirm delete' });
      var no = el('button', { type: 'button', className: 'secondary small', 'data-action': 'keep', text: 'Keep' });
      yes.addEventListener('click', function () {
        yes.disabled = true;
        api('DELETE', org('/endpoints/' + encodeURIComponent(ep.id))).then(function () {
          if (state.openEndpoint === ep.id) { closeEndpoint(); }
          notice('Endpoint ' + ep.url + ' deleted.', 'ok');
          return loadEndpoints();
        }).catch(function (err) { if (err.status !== 401) { notice('Could not delete the endpoint: ' + err.message); } yes.disabled = false; });
      });
      no.addEventListener('click', function () { clear(holder).appendChild(ask); ask.focus(); });
      holder.appendChild(el('span', { className: 'sr-only', text: 'Delete ' + ep.url + '?' }));
      holder.appendChild(yes);
      holder.appendChild(no);
      yes.focus();
    });
    holder.appendChild(ask);
    return holder;
  }

  function toggleEndpoint(ep) {
    api('PATCH', org('/endpoints/' + encodeURIComponent(ep.id)), { disabled: !ep.disabled }).then(function (updated) {
      notice('Endpoint ' + ep.url + (updated && updated.disabled ? ' disabled.' : ' enabled.'), 'ok');
      return loadEndpoints();
    }).catch(function (err) { if (err.status !== 401) { notice('Could not change the endpoint: ' + err.message); } });
  }

  function showEndpointForm(title, ep) {
    $('endpoint-form-title').textContent = title;
    $('endpoint-id').value = ep ? ep.id : '';
    $('endpoint-url').value = ep ? ep.url : '';
    $('endpoint-description').value = ep ? (ep.description || '') : '';
    renderTypeChecks(ep && ep.eventTypes ? ep.eventTypes : []);
    $('endpoint-form-error').hidden = true;
    $('endpoint-form').hidden = false;
    $('endpoint-url').focus();
  }

  function editEndpoint(ep) { showEndpointForm('Edit endpoint', ep); }

  $('add-endpoint').addEventListener('click', function () { showEndpointForm('Add endpoint', null); });
  $('endpoint-cancel').addEventListener('click', function () { $('endpoint-form').hidden = true; $('add-endpoint').focus(); });
  $('endpoints-more').addEventListener('click', function () { loadEndpoints(true); });

  $('endpoint-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var error = $('endpoint-form-error');
    var url = $('endpoint-url').value.trim();
    if (!/^https?:\/\/[^\s]+$/i.test(url)) {
      error.textContent = 'Enter an http:// or https:// URL.';
      error.hidden = false;
      $('endpoint-url').setAttribute('aria-invalid', 'true');
      $('endpoint-url').focus();
      return;
    }
    $('endpoint-url').removeAttribute('aria-invalid');
    var types = Array.prototype.map.call(document.querySelectorAll('#endpoint-types-list input:checked'), function (c) { return c.value; });
    var id = $('endpoint-id').value;
    var body = { url: url, description: $('endpoint-description').value.trim(), eventTypes: types };
    var call = id ? api('PATCH', org('/endpoints/' + encodeURIComponent(id)), body)
      : api('POST', org('/endpoints'), types.length ? body : { url: body.url, description: body.description });
    $('endpoint-save').disabled = true;
    call.then(function (saved) {
      $('endpoint-form').hidden = true;
      notice('Endpoint ' + (saved ? saved.url : url) + (id ? ' saved.' : ' added.'), 'ok');
      return loadEndpoints();
    }).catch(function (err) {
      if (err.status === 401) { return; }
      error.textContent = err.message;
      error.hidden = false;
    }).then(function () { $('endpoint-save').disabled = false; });
  });

  // ------------------------------------------------------------------ one endpoint: secret, test, recover, attempts

  function openEndpoint(id) {
    var ep = findEndpoint(id);
    if (!ep) { return; }
    state.openEndpoint = id;
    state.secretShown = false;
    $('endpoint-detail').dataset.endpointId = id;
    $('endpoint-detail-title').textContent = ep.description ? 'Endpoint: ' + ep.description : 'Endpoint';
    $('endpoint-detail-url').textContent = ep.url;
    $('secret-value').textContent = '••••••••••••••••';
    $('secret-value').dataset.shown = 'false';
    $('secret-reveal').textContent = 'Reveal secret';
    setStatus('endpoint-detail-status', '');
    if (ep.eventTypes && ep.eventTypes.length) { $('test-type').value = ep.eventTypes[0]; }
    var since = new Date(Date.now() - 24 * 3600 * 1000);
    $('recover-since').value = localInput(since);
    $('recover-since').min = localInput(new Date(Date.now() - 14 * 24 * 3600 * 1000));
    clear($('endpoint-attempts').tBodies[0]);
    $('endpoint-detail').hidden = false;
    $('endpoint-detail').scrollIntoView({ block: 'nearest' });
    $('secret-reveal').focus();
    loadEndpointAttempts();
  }

  function closeEndpoint() {
    state.openEndpoint = null;
    $('endpoint-detail').hidden = true;
    $('secret-value').textContent = '••••••••••••••••';
  }

  function localInput(date) {
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) + 'T' + pad(date.getHours()) + ':' + pad(date.getMinutes());
  }

  function epPath(suffix) { return org('/endpoints/' + encodeURIComponent(state.openEndpoint) + suffix); }

  function revealSecret() {
    return api('GET', epPath('/secret')).then(function (s) {
      state.secretShown = true;
      $('secret-value').textContent = s.key;
      $('secret-value').dataset.shown = 'true';
      $('secret-reveal').textContent = 'Hide secret';
    });
  }

  $('endpoint-detail-close').addEventListener('click', function () { closeEndpoint(); $('add-endpoint').focus(); });
  $('secret-reveal').addEventListener('click', function () {
    if (state.secretShown) {
      state.secretShown = false;
      $('secret-value').textContent = '••••••••••••••••';
      $('secret-value').dataset.shown = 'false';
      $('secret-reveal').textContent = 'Reveal secret';
      return;
    }
    revealSecret().catch(failed('endpoint-detail-status'));
  });
  $('secret-rotate').addEventListener('click', function () {
    var button = $('secret-rotate');
    button.disabled = true;
    api('POST', epPath('/secret/rotate'), {}).then(function () {
      setStatus('endpoint-detail-status', 'Secret rotated: the previous one keeps signing alongside for 24 hours.');
      document.body.dataset.rotations = String(Number(document.body.dataset.rotations || 0) + 1);
      if (state.secretShown) { return revealSecret(); }
    }).catch(failed('endpoint-detail-status')).then(function () { button.disabled = false; });
  });
  $('test-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var type = $('test-type').value;
    api('POST', epPath('/test'), type ? { eventType: type } : {}).then(function (r) {
      setStatus('endpoint-detail-status', 'Test event ' + (r && r.eventType || type) + ' sent (message ' + (r && r.messageId || '') + ').');
      $('endpoint-detail-status').dataset.messageId = r && r.messageId || '';
    }).catch(failed('endpoint-detail-status'));
  });
  $('recover-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var value = $('recover-since').value;
    var since = value ? new Date(value) : null;
    if (!since || isNaN(since.getTime())) {
      setStatus('endpoint-detail-status', 'Pick the time to recover from.', true);
      $('recover-since').focus();
      return;
    }
    api('POST', epPath('/recover'), { since: since.toISOString() }).then(function (r) {
      setStatus('endpoint-detail-status', 'Recovering failed messages since ' + when(r && r.since || since.toISOString()) + '.');
    }).catch(failed('endpoint-detail-status'));
  });

  function attemptRow(a, withEndpoint) {
    var cells = [el('td', { text: when(a.timestamp) })];
    if (withEndpoint) {
      var ep = findEndpoint(a.endpointId);
      cells.push(el('td', { className: 'mono url', text: (ep ? ep.url : (a.url || a.endpointId)) }));
    }
    cells.push(el('td', null, [el('span', { className: 'pill ' + (a.status === 'success' ? 'on' : a.status === 'failed' ? 'off' : 'wait'), text: a.status })]));
    cells.push(el('td', { className: 'code-cell', text: a.responseStatusCode ? String(a.responseStatusCode) : '—' }));
    cells.push(el('td', { text: a.durationMs != null ? a.durationMs + ' ms' : '' }));
    if (withEndpoint) {
      cells.push(el('td', { text: a.trigger || '' }));
    } else {
      cells.push(el('td', { className: 'mono', text: a.messageId || '' }));
    }
    cells.push(el('td', null, [el('pre', { className: 'response', tabindex: '0', text: a.response == null ? '' : String(a.response) })]));
    return el('tr', { dataset: { attemptId: a.id || '', status: a.status || '', endpointId: a.endpointId || '' } }, cells);
  }

  function loadEndpointAttempts() {
    if (!state.openEndpoint) { return Promise.resolve(); }
    var body = $('endpoint-attempts').tBodies[0];
    return api('GET', epPath('/attempts' + q({ limit: 20 }))).then(function (page) {
      clear(body);
      var data = (page && page.data) || [];
      if (!data.length) { body.appendChild(el('tr', null, [el('td', { colspan: '6', className: 'muted', text: 'No attempts yet.' })])); }
      data.forEach(function (a) { body.appendChild(attemptRow(a, false)); });
      labelCells($('endpoint-attempts'));
    }).catch(function (err) {
      if (err.status === 401) { return; }
      clear(body).appendChild(el('tr', null, [el('td', { colspan: '6', className: 'error', text: 'Attempts are unavailable: ' + err.message })]));
    });
  }

  // ------------------------------------------------------------------ messages

  function loadMessages(reset) {
    var body = $('messages').tBodies[0];
    if (reset) { state.messagesIterator = null; }
    state.messageFilter = $('messages-type').value;
    var params = { limit: PAGE, eventType: state.messageFilter, iterator: reset ? null : state.messagesIterator };
    return api('GET', org('/messages' + q(params))).then(function (page) {
      var data = (page && page.data) || [];
      if (reset) { clear(body); }
      if (reset && !data.length) {
        body.appendChild(el('tr', null, [el('td', { colspan: '4', className: 'muted', text: 'No messages' + (state.messageFilter ? ' of type ' + state.messageFilter : '') + ' yet.' })]));
      }
      data.forEach(function (m) {
        body.appendChild(el('tr', { dataset: { messageId: m.id, eventType: m.eventType } }, [
          el('td', { text: when(m.createdAt) }),
          el('td', null, [el('code', { text: m.eventType })]),
          el('td', { className: 'mono', text: m.eventId || '' }),
          el('td', null, [el('button', { type: 'button', className: 'secondary small', 'data-action': 'view', 'aria-label': 'View message ' + (m.eventId || m.id), text: 'View', onclick: function () { openMessage(m.id); } })])
        ]));
      });
      labelCells($('messages'));
      state.messagesIterator = page && !page.done ? page.iterator : null;
      $('messages-more').hidden = !state.messagesIterator;
      document.body.dataset.messages = String(body.querySelectorAll('tr[data-message-id]').length);
    }).catch(function (err) {
      if (err.status === 401) { return; }
      clear(body).appendChild(el('tr', null, [el('td', { colspan: '4', className: 'error', text: 'Messages are unavailable: ' + err.message })]));
    });
  }

  $('messages-filter').addEventListener('submit', function (e) { e.preventDefault(); loadMessages(true); });
  $('messages-type').addEventListener('change', function () { loadMessages(true); });
  $('messages-more').addEventListener('click', function () { loadMessages(false); });
  $('message-detail-close').addEventListener('click', function () { state.openMessage = null; $('message-detail').hidden = true; $('messages-refresh').focus(); });

  function openMessage(id) {
    state.openMessage = id;
    setStatus('message-detail-status', '');
    var detail = $('message-detail');
    detail.dataset.messageId = id;
    detail.dataset.loaded = '';
    clear($('message-meta'));
    clear($('message-attempts').tBodies[0]);
    clear($('resend-list'));
    $('message-payload').textContent = 'Loading…';
    detail.hidden = false;
    return Promise.all([api('GET', org('/messages/' + encodeURIComponent(id))), loadMessageAttempts()]).then(function (r) {
      if (state.openMessage !== id) { return; }
      detail.dataset.loaded = id;
      var m = r[0];
      var meta = clear($('message-meta'));
      [['Event type', m.eventType], ['Event id', m.eventId], ['Message id', m.id], ['Created', when(m.createdAt)]].forEach(function (p) {
        meta.appendChild(el('dt', { text: p[0] }));
        meta.appendChild(el('dd', { className: 'mono', text: p[1] || '' }));
      });
      $('message-payload').textContent = pretty(m.payload);
      $('message-detail').scrollIntoView({ block: 'nearest' });
      $('message-detail-close').focus();
    }).catch(failed('message-detail-status'));
  }

  function loadMessageAttempts() {
    var id = state.openMessage;
    var body = $('message-attempts').tBodies[0];
    return api('GET', org('/messages/' + encodeURIComponent(id) + '/attempts' + q({ limit: 100 }))).then(function (page) {
      if (state.openMessage !== id) { return; }
      clear(body);
      var data = (page && page.data) || [];
      if (!data.length) { body.appendChild(el('tr', null, [el('td', { colspan: '7', className: 'muted', text: 'No attempts yet.' })])); }
      data.forEach(function (a) { body.appendChild(attemptRow(a, true)); });
      labelCells($('message-attempts'));
      renderResend(data);
    });
  }

  /** One resend button per endpoint the message went to (or, before any attempt, per endpoint). */
  function renderResend(attempts) {
    var seen = {};
    var targets = [];
    attempts.forEach(function (a) { if (a.endpointId && !seen[a.endpointId]) { seen[a.endpointId] = true; targets.push({ id: a.endpointId, url: a.url }); } });
    if (!targets.length) { state.endpoints.forEach(function (ep) { targets.push({ id: ep.id, url: ep.url }); }); }
    var list = clear($('resend-list'));
    if (!targets.length) { list.appendChild(el('span', { className: 'muted', text: 'No endpoint to resend to.' })); }
    targets.forEach(function (t) {
      var ep = findEndpoint(t.id);
      var label = ep ? ep.url : (t.url || t.id);
      list.appendChild(el('button', { type: 'button', className: 'secondary small', 'data-action': 'resend', 'data-endpoint-id': t.id, text: 'Resend to ' + label, onclick: function (e) { resend(t.id, label, e.currentTarget); } }));
    });
  }

  function resend(endpointId, label, button) {
    var id = state.openMessage;
    button.disabled = true;
    api('POST', org('/messages/' + encodeURIComponent(id) + '/endpoints/' + encodeURIComponent(endpointId) + '/resend')).then(function () {
      setStatus('message-detail-status', 'Resent to ' + label + '.');
    }).catch(failed('message-detail-status')).then(function () { button.disabled = false; });
  }

  // ------------------------------------------------------------------ live feed and chart

  function describe(type, data) {
    data = data || {};
    if (type.indexOf('webhook.') === 0) {
      var ep = findEndpoint(data.endpointId);
      return [data.eventType, data.eventId || data.msgEventId || data.messageId || data.msgId, ep ? ep.url : data.endpointId,
        data.responseStatusCode != null ? 'HTTP ' + data.responseStatusCode : null,
        data.durationMs != null ? data.durationMs + ' ms' : null].filter(Boolean).join(' · ');
    }
    return [data.url, data.id || data.endpointId, data.disabled === true ? 'disabled' : null, data.reason].filter(Boolean).join(' · ');
  }

  var chart = P.deliveryChart($('chart'));
  var events = P.eventList($('feed'), $('event-count'));

  function onEvent(message) {
    var e = P.eventOf(message);
    var type = e.type, at = e.at;
    var data = e.body.data || {};
    events.add(el('li', { className: 'event', dataset: { type: type, messageId: data.messageId || '', endpointId: data.endpointId || '' } }, [
      el('span', { className: 'time', text: at.toLocaleTimeString() }),
      el('span', { className: 'type', text: type }),
      el('span', { className: 'detail', text: describe(type, data) })
    ]));
    if (chart.count(type, at)) {
      if (state.openMessage && (data.messageId === state.openMessage)) { loadMessageAttempts().catch(function () {}); }
      if (state.openEndpoint && data.endpointId === state.openEndpoint) { loadEndpointAttempts(); }
    } else if (type.indexOf('endpoint.') === 0) {
      loadEndpoints();
    }
  }

  function connect() {
    state.feed = P.liveFeed({
      address: 'webhooks.org.' + state.org,
      token: state.token,
      connected: 'live feed: on',
      onMessage: onEvent,
      onError: function () {
        // a refused register usually means the token expired: the next REST call says so for sure
        if (!state.fatal) { api('GET', org('/endpoints' + q({ limit: 1 }))).catch(function () {}); }
      }
    });
  }

  // ------------------------------------------------------------------ start

  // #token=…&org=…: out of the address bar at once, the token kept in memory only (see pages.js)
  var link = P.fromFragment();
  state.token = link.token;
  var wanted = link.org;

  function begin(organization) {
    state.org = organization;
    $('org-name').textContent = organization;
    $('tabs').hidden = false;
    document.body.dataset.state = 'ready';
    show('endpoints', false);
    loadEventTypes();
    connect();
  }

  if (!state.token) {
    fatal('This page needs a portal link (…/portal#token=…). Ask for a new link to manage your webhooks.');
  } else {
    // the link carries only the token: the service says which organization it is for (a portal token has
    // exactly one; a JWT or API key managing several names one with #org=…)
    api('GET', '/whoami').then(function (me) {
      var orgs = (me && me.organizations) || [];
      if (wanted && (orgs.indexOf(wanted) >= 0 || (me && me.admin))) {
        begin(wanted);
      } else if (orgs.length === 1) {
        begin(orgs[0]);
      } else {
        fatal('This link does not name one organization. Ask for a new portal link to manage your webhooks.');
      }
    }).catch(function (err) {
      if (err.status !== 401) { fatal('The service cannot be reached just now (' + err.message + '). Reload the page to try again.'); }
    });
  }
}(window.WebhookPages));
