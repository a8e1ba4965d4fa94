/* Operator dashboard: the service as a whole, for an admin token. Initialization figures (with retry of
 * the failed ones and the update of every organization's preconfigured endpoints), /status, the
 * rejected events of an organization (queued again on demand), the admin live feed of the SockJS
 * bridge (webhooks.admin: every organization's deliveries and endpoint changes, and the progress of
 * bulk operations), and any organization's customer portal (POST …/portal-access, opened in a new tab).
 * The token comes from the fragment (/#token=…, never sent to a server) or the form, is kept in this
 * closure only and goes out only in Authorization headers. An organization-scoped token gets the
 * organization part only (its portal, its rejected events). What it shares with the portal (the REST call,
 * the fragment, the live feed, the chart, DOM helpers) is in pages.js. No framework, no outside host, no inline script. */
(function (P) {
  'use strict';

  var REJECTED_PAGE = 50;
  var REFRESH_MS = 30000;

  var state = {
    token: null, me: null, feed: null, runs: {},
    rejectedOrg: null, rejectedIterator: null, refresh: null, generation: 0
  };

  var $ = P.$, el = P.el, clear = P.clear, when = P.when, orgPath = P.orgPath, setConnection = P.setConnection;

  function showError(message) {
    $('error').textContent = message || '';
    $('error').hidden = !message;
  }

  function say(id, message, bad) {
    var node = $(id);
    node.textContent = message || '';
    node.className = 'small' + (bad ? ' error' : '');
  }

  /** One REST call with the token; a 401 signs out (see pages.js for the Error it rejects with). */
  var api = P.rest({
    token: function () { return state.token; },
    unauthorized: function (err) { signedOut('The token has expired or is not valid (' + err.message + '). Paste another one.'); }
  });

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

  var chart = P.deliveryChart($('chart'));
  var events = P.eventList($('feed'), $('event-count'));

  function onEvent(message) {
    var e = P.eventOf(message);
    var body = e.body, type = e.type, at = e.at;
    if (type === 'bulk.progress') {
      onProgress(body.data || body, at);
      return;
    }
    events.add(el('li', { className: 'event', dataset: { type: type, org: body.organizationId || '' } }, [
      el('span', { className: 'time', text: at.toLocaleTimeString() }),
      el('span', { className: 'type', text: type }),
      el('span', { className: 'org', text: body.organizationId || '' }),
      el('span', { className: 'detail', text: describe(type, body.data) })
    ]));
    chart.count(type, at);
  }

  function disconnect() {
    if (state.feed) {
      state.feed.close();
      state.feed = null;
    }
  }

  function connect() {
    disconnect();
    state.feed = P.liveFeed({
      address: 'webhooks.admin',
      token: state.token,
      connected: 'live feed: every organization',
      onMessage: onEvent,
      onError: function (err) {
        showError('The live feed refused this token (' + (err && (err.body || err.message) || 'error') + ').');
      }
    });
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

  // #token=…&org=…: out of the address bar at once, the token kept in memory only (see pages.js)
  var link = P.fromFragment();
  if (link.org) { $('org').value = link.org; }
  if (link.token) {
    start(link.token);
  } else {
    document.body.dataset.state = 'signed-out';
  }
}(window.WebhookPages));
