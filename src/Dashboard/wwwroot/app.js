// ProjectionGen dashboard: polls api/snapshot and draws the page. Every value from the server is put into the DOM
// with textContent or as an SVG attribute value, never parsed as markup (see docs/dashboard.md).
'use strict';
(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  const lagSeries = new Map();      // projection -> [{t, e, s}]
  const confirmations = new Map();  // action key -> expiry time (ms)
  let lagAfter = null;
  let refreshMs = 2000;
  let actions = { mapped: false, allowed: false };
  let firstRender = true;
  let timer = 0;
  // The tenant section's query: filtered and paged on the server (docs/dashboard.md, "Tenant databases").
  const tenantQuery = { filter: '', failed: false, page: 0 };
  let tenantFilterTimer = 0;

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function cell(row, text, className) {
    const td = el('td', text, className);
    row.appendChild(td);
    return td;
  }

  function pill(text, kind) {
    return el('span', text, 'pill ' + String(kind).replace(/[^a-z-]/g, ''));
  }

  // One formatter each: toLocaleString per cell would build a new one every call, the bulk of a 200-row render.
  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  const numberFormat = new Intl.NumberFormat('en-US');

  function time(value) {
    if (!value) return '-';
    return timeFormat.format(new Date(value));
  }

  function ago(value, now) {
    if (!value) return '-';
    const seconds = Math.max(0, (now - new Date(value).getTime()) / 1000);
    if (seconds < 90) return seconds.toFixed(seconds < 10 ? 1 : 0) + ' s ago';
    if (seconds < 5400) return Math.round(seconds / 60) + ' min ago';
    return Math.round(seconds / 3600) + ' h ago';
  }

  function number(value) {
    return value === null || value === undefined ? '-' : numberFormat.format(value);
  }

  function showMessage(text, ok) {
    const banner = document.getElementById('message');
    banner.textContent = text;
    banner.className = ok ? 'banner' : 'banner failed';
    banner.hidden = false;
  }

  async function act(path, key) {
    // Two clicks: the first arms the button for five seconds, the second sends the action with the anti-forgery token.
    const now = Date.now();
    if (!(confirmations.get(key) > now)) {
      confirmations.set(key, now + 5000);
      render(lastSnapshot);
      return;
    }

    confirmations.delete(key);
    const body = new URLSearchParams();
    if (actions.formField && actions.token) body.set(actions.formField, actions.token);
    try {
      const response = await fetch('api/actions/' + path, { method: 'POST', body: body, credentials: 'same-origin', cache: 'no-store' });
      let result;
      try { result = await response.json(); } catch (e) { result = { ok: false, message: 'HTTP ' + response.status }; }
      showMessage(result.message, result.ok === true && response.ok);
    } catch (e) {
      showMessage('The action could not be sent: ' + e.message, false);
    }
    refresh();
  }

  function actionButton(label, path, key) {
    const armed = confirmations.get(key) > Date.now();
    const button = el('button', armed ? 'confirm ' + label.toLowerCase() : label, armed ? 'confirm' : '');
    button.type = 'button';
    button.dataset.action = key;
    button.addEventListener('click', () => act(path, key));
    return button;
  }

  function sparkline(samples) {
    const width = 150, height = 26;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    const base = document.createElementNS(SVG, 'line');
    base.setAttribute('x1', '0'); base.setAttribute('x2', String(width));
    base.setAttribute('y1', String(height - 1)); base.setAttribute('y2', String(height - 1));
    svg.appendChild(base);
    if (!samples || samples.length === 0) return svg;
    const first = samples[0].t, last = samples[samples.length - 1].t;
    const span = Math.max(1, last - first);
    let max = 1;
    for (const s of samples) if (s.e > max) max = s.e;
    const points = samples.map(s => {
      const x = samples.length === 1 ? width : ((s.t - first) / span) * (width - 2) + 1;
      const y = height - 2 - (s.e / max) * (height - 4);
      return x.toFixed(1) + ',' + y.toFixed(1);
    });
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', points.join(' '));
    svg.appendChild(line);
    const title = document.createElementNS(SVG, 'title');
    title.textContent = 'max ' + number(max) + ' events behind over ' + Math.round(span / 60000) + ' min';
    svg.appendChild(title);
    return svg;
  }

  function mergeLag(projections) {
    const present = new Set();
    for (const p of projections) {
      present.add(p.projection);
      let series = lagSeries.get(p.projection);
      if (!series) { series = []; lagSeries.set(p.projection, series); }
      for (const sample of p.lag) {
        const t = new Date(sample.at).getTime();
        if (series.length === 0 || t > series[series.length - 1].t) series.push({ t: t, e: sample.events, s: sample.seconds });
        if (!lagAfter || sample.at > lagAfter) lagAfter = sample.at;
      }
      const cutoff = Date.now() - 3600 * 1000;
      while (series.length > 0 && series[0].t < cutoff) series.shift();
      if (series.length > 400) series.splice(0, series.length - 400);
    }
    for (const name of Array.from(lagSeries.keys())) if (!present.has(name)) lagSeries.delete(name);
  }

  function renderNodes(snapshot, now) {
    document.getElementById('node-source').textContent = 'from ' + snapshot.nodeSource;
    const rows = snapshot.nodes.map(node => {
      const row = el('tr');
      row.dataset.node = node.name;
      cell(row, node.name);
      cell(row).appendChild(node.connected ? pill('connected', 'connected') : pill('no lock connection', 'down'));
      cell(row, time(node.since));
      cell(row, node.connected ? ago(node.lastSeen, now) : '-');
      cell(row, node.locksHeld, 'num');
      cell(row, node.capacity === null ? '-' : node.capacity, 'num');
      cell(row, node.version === null ? '-' : node.version);
      const actionCell = cell(row, null, 'action-column');
      if (actions.allowed && actions.canDrain) actionCell.appendChild(actionButton('Drain', 'drain/' + encodeURIComponent(node.name), 'drain:' + node.name));
      return row;
    });
    document.querySelector('#nodes tbody').replaceChildren(...rows);
  }

  function renderProjections(snapshot, now) {
    const rows = snapshot.projections.map(p => {
      const row = el('tr');
      row.dataset.projection = p.projection;
      cell(row, p.projection, 'name');
      const owner = cell(row, p.owner === null ? '-' : p.owner, 'owner');
      if (p.owner !== null && !p.ownerAlive) owner.appendChild(el('span', ' (no lock)', 'bad'));
      cell(row, p.epoch, 'num epoch');
      cell(row, number(p.position), 'num position');
      cell(row, number(p.highWaterMark), 'num');
      cell(row, number(p.lagEvents), 'num lag');
      cell(row, p.lagSeconds.toFixed(1) + ' s', 'num');
      cell(row).appendChild(sparkline(lagSeries.get(p.projection)));
      const state = p.pausedHere ? 'paused' : p.state;
      cell(row, null, 'state').appendChild(pill(state, state));
      cell(row, ago(p.lastCommitAt, now), 'muted');
      const loss = cell(row, p.lastLossAt ? time(p.lastLossAt) + ' ' + p.lastLossCause : '-', 'loss wrap');
      if (p.lastLossAt && now - new Date(p.lastLossAt).getTime() < 600000) loss.classList.add('bad');
      cell(row, p.deadLetterCount, 'num dead' + (p.deadLetterCount > 0 ? ' bad' : ''));
      const actionCell = cell(row, null, 'action-column');
      if (actions.allowed) {
        actionCell.appendChild(actionButton('Rebuild', 'rebuild/' + encodeURIComponent(p.projection), 'rebuild:' + p.projection));
        if (p.pausedHere && actions.canResume) actionCell.appendChild(actionButton('Resume', 'resume/' + encodeURIComponent(p.projection), 'resume:' + p.projection));
      }
      return row;
    });
    document.querySelector('#projections tbody').replaceChildren(...rows);
    document.getElementById('projection-count').textContent = String(snapshot.projections.length);
  }

  function renderTimeline(snapshot, now) {
    const rows = snapshot.history.map(h => {
      const row = el('tr');
      row.dataset.kind = h.kind;
      row.dataset.projection = h.projection;
      cell(row, time(h.at));
      cell(row).appendChild(pill(h.kind, h.kind));
      cell(row, h.projection);
      cell(row, h.node === null ? '-' : h.node);
      cell(row, h.epoch === null ? '-' : h.epoch, 'num');
      cell(row, number(h.position), 'num');
      cell(row, h.detail === null ? '' : h.detail, 'detail wrap');
      return row;
    });
    document.querySelector('#timeline tbody').replaceChildren(...rows);

    // The hour as a strip: one mark per entry, coloured by kind.
    const width = 1000, height = 44, start = now - 3600 * 1000;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('preserveAspectRatio', 'none');
    const axis = document.createElementNS(SVG, 'line');
    axis.setAttribute('class', 'axis');
    axis.setAttribute('x1', '0'); axis.setAttribute('x2', String(width));
    axis.setAttribute('y1', '30'); axis.setAttribute('y2', '30');
    svg.appendChild(axis);
    const colours = { acquired: '#1a7f37', moved: '#175cd3', lost: '#b42318', rebuilt: '#b54708' };
    const rowsOf = { acquired: 22, moved: 14, lost: 6, rebuilt: 14 };
    for (const h of snapshot.history) {
      const x = ((new Date(h.at).getTime() - start) / (3600 * 1000)) * width;
      if (x < 0 || x > width) continue;
      const mark = document.createElementNS(SVG, 'rect');
      mark.setAttribute('x', Math.min(width - 3, x).toFixed(1));
      mark.setAttribute('y', String(rowsOf[h.kind] || 22));
      mark.setAttribute('width', '3');
      mark.setAttribute('height', '8');
      mark.setAttribute('fill', colours[h.kind] || '#667085');
      const title = document.createElementNS(SVG, 'title');
      title.textContent = time(h.at) + ' ' + h.kind + ' ' + h.projection + (h.node ? ' on ' + h.node : '') + (h.detail ? ': ' + h.detail : '');
      mark.appendChild(title);
      svg.appendChild(mark);
    }
    for (const [label, x] of [['-60 min', 2], ['-30 min', width / 2 - 20], ['now', width - 24]]) {
      const text = document.createElementNS(SVG, 'text');
      text.setAttribute('x', String(x));
      text.setAttribute('y', '42');
      text.textContent = label;
      svg.appendChild(text);
    }
    document.getElementById('timeline-strip').replaceChildren(svg);
  }

  function renderDeadLetters(snapshot) {
    document.getElementById('dead-letter-total').textContent =
      snapshot.deadLetterTotal === 0 ? 'none' : snapshot.deadLetterTotal + (snapshot.deadLetterTotal > snapshot.deadLetters.length ? ' (newest ' + snapshot.deadLetters.length + ' shown)' : '');
    const items = snapshot.deadLetters.map(d => {
      const item = el('article', null, 'dead-letter');
      item.dataset.id = String(d.id);
      const head = el('header');
      head.appendChild(el('strong', d.projection));
      head.appendChild(el('span', 'event ' + d.sequence + ' (' + d.eventType + ') of stream ', 'muted')).appendChild(el('code', d.streamId, 'stream'));
      head.appendChild(el('span', d.attempts + ' attempts, node ' + (d.node || '-') + ', epoch ' + (d.epoch === null ? '-' : d.epoch) + ', ' + time(d.createdAt), 'muted'));
      if (actions.allowed) {
        const buttons = el('span', null, 'actions');
        buttons.appendChild(actionButton('Retry', 'dead-letters/' + d.id + '/retry', 'retry:' + d.id));
        buttons.appendChild(actionButton('Discard', 'dead-letters/' + d.id + '/discard', 'discard:' + d.id));
        head.appendChild(buttons);
      }
      item.appendChild(head);
      item.appendChild(el('div', d.reason, 'reason'));
      item.appendChild(el('pre', d.payload === null ? '(the event is gone)' : d.payload, 'payload'));
      if (d.exception) item.appendChild(el('pre', d.exception, 'exception'));
      return item;
    });
    document.getElementById('dead-letters').replaceChildren(...items);
  }

  function renderTenants(snapshot, now) {
    const section = document.getElementById('tenant-section');
    const tenants = snapshot.tenants;
    section.hidden = !tenants;
    if (!tenants) return;
    const error = document.getElementById('tenant-error');
    error.hidden = !tenants.error;
    error.textContent = tenants.error ? 'The tenant status board cannot be read: ' + tenants.error : '';
    tenantQuery.page = tenants.page;
    const pages = Math.max(1, Math.ceil(tenants.matching / tenants.pageSize));
    document.getElementById('tenant-count').textContent =
      tenants.total + ' tenant databases, ' + tenants.failed + ' failed or without a live node' + (tenants.matching !== tenants.total ? ', ' + tenants.matching + ' matching' : '');
    document.getElementById('tenant-page').textContent = 'page ' + (tenants.page + 1) + ' of ' + pages;
    document.getElementById('tenant-prev').disabled = tenants.page === 0;
    document.getElementById('tenant-next').disabled = tenants.page + 1 >= pages;
    const rows = tenants.rows.map(t => {
      const row = el('tr');
      row.dataset.tenant = t.tenantId;
      cell(row, t.tenantId, 'name');
      const node = cell(row, t.node, 'owner');
      if (!t.nodeAlive) node.appendChild(el('span', ' (gone)', 'bad'));
      const state = t.status.toLowerCase();
      cell(row, null, 'state').appendChild(pill(state, state === 'failed' ? 'down' : state));
      cell(row, ago(t.since, now), 'muted');
      cell(row, number(t.highWaterMark), 'num');
      const slots = cell(row, null, 'slots wrap');
      for (const s of t.slots) {
        slots.appendChild(el('span', s.projection + ' ' + s.epoch + ', ' + number(s.position) + ', ' + number(s.lagEvents) + ' (' + s.status.toLowerCase() + ')', 'slot'));
      }
      cell(row, t.error === null ? '' : t.error, 'detail wrap' + (t.error ? ' bad' : ''));
      return row;
    });
    document.querySelector('#tenants tbody').replaceChildren(...rows);
  }

  function wireTenantControls() {
    const filter = document.getElementById('tenant-filter');
    filter.addEventListener('input', () => {
      clearTimeout(tenantFilterTimer);
      tenantFilterTimer = setTimeout(() => { tenantQuery.filter = filter.value; tenantQuery.page = 0; refresh(); }, 250);
    });
    document.getElementById('tenant-failed').addEventListener('change', e => { tenantQuery.failed = e.target.checked; tenantQuery.page = 0; refresh(); });
    document.getElementById('tenant-prev').addEventListener('click', () => { tenantQuery.page = Math.max(0, tenantQuery.page - 1); refresh(); });
    document.getElementById('tenant-next').addEventListener('click', () => { tenantQuery.page += 1; refresh(); });
  }

  let lastSnapshot = null;

  function render(snapshot) {
    if (!snapshot) return;
    const now = new Date(snapshot.readAt).getTime();
    document.body.classList.toggle('actions', actions.allowed === true);
    renderNodes(snapshot, now);
    renderProjections(snapshot, now);
    renderTenants(snapshot, now);
    renderTimeline(snapshot, now);
    renderDeadLetters(snapshot);
    const owned = snapshot.projections.filter(p => p.ownerAlive).length;
    const losses = snapshot.history.filter(h => h.kind === 'lost').length;
    const plural = (count, word) => count + ' ' + word + (count === 1 ? '' : 's');
    document.getElementById('summary').textContent =
      plural(snapshot.nodes.filter(n => n.connected).length, 'node') + ' connected, ' + owned + '/' + plural(snapshot.projections.length, 'projection') +
      ' owned, ' + plural(losses, 'lock loss').replace('losss', 'losses') + ' in the last hour, ' + plural(snapshot.deadLetterTotal, 'dead letter');
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const query = new URLSearchParams();
      if (lagAfter) query.set('lagAfter', lagAfter);
      if (tenantQuery.filter) query.set('tenant', tenantQuery.filter);
      if (tenantQuery.failed) query.set('tenantFailed', 'true');
      if (tenantQuery.page > 0) query.set('tenantPage', String(tenantQuery.page));
      const text = query.toString();
      const url = 'api/snapshot' + (text ? '?' + text : '');
      const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const snapshot = await response.json();
      if (firstRender) performance.mark('projectiongen-first-data');
      refreshMs = snapshot.refreshMilliseconds || refreshMs;
      actions = snapshot.actions;
      const error = document.getElementById('error');
      if (snapshot.error) {
        error.textContent = 'Data is stale: ' + snapshot.error;
        error.hidden = false;
      } else {
        error.hidden = true;
        mergeLag(snapshot.projections);
        lastSnapshot = snapshot;
        render(snapshot);
        document.getElementById('updated').textContent = 'updated ' + time(snapshot.readAt);
        if (firstRender) {
          firstRender = false;
          performance.mark('projectiongen-first-render');
        }
        document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || '0') + 1);
      }
    } catch (e) {
      const error = document.getElementById('error');
      error.textContent = 'The dashboard cannot be reached: ' + e.message;
      error.hidden = false;
    }
    timer = setTimeout(refresh, refreshMs);
  }

  // Deferred: the document is parsed when this runs, so the first request goes out at once.
  function start() { wireTenantControls(); refresh(); }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
