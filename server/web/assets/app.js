// progressd status page: polls /api/v1/jobs once a second and shows every job
// as a table row. Everything is built with createElement / createElementNS and
// textContent, never innerHTML, so job names and server messages are escaped
// by construction; the page's CSP allows no inline script or style.
'use strict';

(function () {
  const PAGE_SIZE = 50;
  const POLL_MS = 1000;
  const TIMEOUT_MS = 3000;
  const FILTER_DEBOUNCE_MS = 300;
  const SVG_NS = 'http://www.w3.org/2000/svg'; // a namespace name, never fetched
  const CHART_W = 96;
  const CHART_H = 26;

  // Fixed locale: the page (and its tests) show "12,345" whatever the
  // browser's language.
  const intFormat = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0});
  const oneDecimal = new Intl.NumberFormat('en-US', {maximumFractionDigits: 1});
  const compact = new Intl.NumberFormat('en-US', {notation: 'compact', maximumFractionDigits: 1});

  const $ = (id) => document.getElementById(id);
  const ui = {
    status: $('status'), summary: $('summary'), updated: $('updated'), host: $('host'),
    banner: $('banner'), main: $('main'), filter: $('filter'), filterError: $('filter-error'),
    prev: $('prev'), next: $('next'), pagerInfo: $('pager-info'), rows: $('rows'), empty: $('empty'),
  };

  const state = {
    filter: '',
    token: '',       // page token of the page shown ('' = first page)
    back: [],        // tokens of the pages before it, for "previous"
    nextToken: '',   // nextPageToken of the last answer
    data: null,      // last good answer
    lastOk: null,    // when it came (browser clock)
    seq: 0,          // bumped when the query changes: older answers are dropped
    inFlight: false,
    again: false,    // the query changed during a fetch: fetch again at once
    timer: 0,
  };
  const rowsByName = new Map();

  // ---- Formatting ---------------------------------------------------------

  // uint64 counts come as JSON strings; BigInt formats them exactly.
  function count(text) {
    const digits = /^\d+$/.test(String(text)) ? String(text) : '0';
    return {n: Number(digits), text: intFormat.format(BigInt(digits))};
  }

  // Date.parse is only required to read millisecond fractions; the server
  // may send nanoseconds.
  function parseTime(text) {
    const m = /^(.+T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(text || '');
    return m ? Date.parse(m[1] + (m[2] ? m[2].slice(0, 4) : '') + m[3]) : NaN;
  }

  const pad2 = (n) => String(n).padStart(2, '0');

  // "13.6s", "4m 05s", "2h 03m", "3d 04h".
  function duration(seconds) {
    if (!(seconds > 0)) return '0.0s';
    if (seconds < 60) return seconds.toFixed(1) + 's';
    const s = Math.floor(seconds);
    if (s < 3600) return Math.floor(s / 60) + 'm ' + pad2(s % 60) + 's';
    if (s < 86400) return Math.floor(s / 3600) + 'h ' + pad2(Math.floor(s / 60) % 60) + 'm';
    return Math.floor(s / 86400) + 'd ' + pad2(Math.floor(s / 3600) % 24) + 'h';
  }

  // ETAs in whole seconds: "12s", "4m 05s".
  const eta = (seconds) => seconds < 60 ? Math.ceil(seconds) + 's' : duration(seconds);

  // "3.5", "3,658", and "403.4K" past 100,000 (to fit its column).
  const rate = (r) => (r >= 1e5 ? compact : r >= 100 ? intFormat : oneDecimal).format(r > 0 ? r : 0);

  function share(part, whole) {
    const p = whole > 0 ? 100 * part / whole : 0;
    if (p > 0 && p < 0.01) return '<0.01%';
    return (p < 10 ? p.toFixed(2) : p.toFixed(1)) + '%';
  }

  const clock = (d) => pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
  const plural = (n, word) => intFormat.format(n) + ' ' + word + (n === 1 ? '' : 's');

  // ---- DOM helpers --------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  }

  // ---- One row per job ----------------------------------------------------

  function makeRow(name) {
    const r = {};
    r.tr = el('tr', 'job');
    r.tr.dataset.job = name;

    const nameCell = el('td', 'col-name');
    r.nameCell = nameCell;
    nameCell.append(el('span', 'job-name', name));

    const progressCell = el('td');
    r.progress = el('div', 'progress');
    r.bar = el('div', 'bar');
    r.barSuccess = el('div', 'bar-success');
    r.barFailure = el('div', 'bar-failure');
    r.bar.append(r.barSuccess, r.barFailure);
    r.percent = el('span', 'percent');
    r.processed = el('span', 'processed');
    r.progress.append(r.bar, r.percent, r.processed);
    progressCell.append(r.progress);

    r.success = el('td', 'num success');
    r.failure = el('td', 'num failure');
    r.rate = el('td', 'num rate');

    const chartCell = el('td');
    const chartBox = el('div', 'chart-cell');
    r.chart = svg('svg', {class: 'chart', viewBox: `0 0 ${CHART_W} ${CHART_H}`,
                          preserveAspectRatio: 'none', role: 'img'});
    r.chartTitle = svg('title');
    r.chartArea = svg('path', {class: 'chart-area'});
    r.chartLine = svg('path', {class: 'chart-line'});
    r.chart.append(r.chartTitle, r.chartArea, r.chartLine);
    r.chartMax = el('span', 'chart-max');
    chartBox.append(r.chart, r.chartMax);
    chartCell.append(chartBox);

    r.elapsed = el('td', 'num elapsed');
    r.eta = el('td', 'num eta');
    r.clients = el('td', 'num clients');
    r.tr.append(nameCell, progressCell, r.success, r.failure, r.rate, chartCell,
                r.elapsed, r.eta, r.clients);
    return r;
  }

  function updateRow(r, job, serverTime) {
    const success = count(job.success);
    const failure = count(job.failure);
    const total = count(job.expectedTotal);
    const processed = success.n + failure.n;
    const done = job.done === true;

    r.tr.classList.toggle('done', done);
    let mark = r.nameCell.querySelector('.done-mark');
    if (done && !mark) {
      mark = el('span', 'done-mark', '✓ done');
      r.nameCell.append(mark);
    } else if (!done && mark) {
      mark.remove();
    }

    // Progress bar: green success and red failure, each its share of the
    // total; no total: an animated bar while running, a full grey one once
    // done.
    const known = total.n > 0;
    r.bar.classList.toggle('indeterminate', !known && !done);
    if (known) {
      const s = Math.min(100, 100 * success.n / total.n);
      r.barSuccess.style.width = s + '%';
      r.barFailure.style.width = Math.min(100 - s, 100 * failure.n / total.n) + '%';
      // Rounded down, so a job one record short never shows "100.0%".
      r.percent.textContent = (Math.floor(processed * 1000 / total.n) / 10).toFixed(1) + '%';
      r.processed.textContent = `${intFormat.format(processed)} of ${total.text}`;
    } else {
      r.barSuccess.style.width = done ? '100%' : '0';
      r.barFailure.style.width = '0';
      r.percent.textContent = '';
      r.processed.textContent = intFormat.format(processed) + ' processed';
    }

    r.success.textContent = r.success.title = success.text;
    r.failure.textContent = r.failure.title = failure.n > 0 ? `${failure.text} (${share(failure.n, processed)})` : '0';
    r.failure.classList.toggle('has-failures', failure.n > 0);

    // A finished job's recent rate decays to 0: its average says more.
    r.rate.textContent = `${rate(done ? job.averageRate : job.recentRate)} rec/s`;
    if (done) r.rate.prepend(el('span', 'rate-avg', 'avg '));
    r.rate.title = `recent ${rate(job.recentRate)} rec/s, average ${rate(job.averageRate)} rec/s`;

    // Elapsed on the daemon's clock (serverTime), not the browser's.
    const start = parseTime(job.firstUpdateTime || job.createdTime);
    const end = job.finishTime ? parseTime(job.finishTime) : serverTime;
    r.elapsed.textContent = Number.isFinite(start) && Number.isFinite(end) ? duration((end - start) / 1000) : '—';

    const remaining = total.n - processed;
    r.eta.textContent = !done && known && job.recentRate > 0 && remaining > 0 ? eta(remaining / job.recentRate) : '—';
    r.clients.textContent = intFormat.format(job.clients || 0);

    drawChart(r, job.rateHistory);
  }

  // Records/s as an area chart scaled to the job's own peak (shown beside
  // it), stretched over the history the daemon has (up to 5 min).
  function drawChart(r, history) {
    const values = (history && Array.isArray(history.recordsPerSecond) ? history.recordsPerSecond : [])
      .map((v) => (Number(v) > 0 ? Number(v) : 0));
    const max = values.reduce((a, b) => Math.max(a, b), 0);
    if (values.length < 2) {
      r.chartLine.setAttribute('d', '');
      r.chartArea.setAttribute('d', '');
    } else {
      const step = CHART_W / (values.length - 1);
      const y = (v) => (max > 0 ? CHART_H - 1 - (v / max) * (CHART_H - 2) : CHART_H - 1).toFixed(1);
      const line = values.map((v, i) => (i ? 'L' : 'M') + (i * step).toFixed(1) + ' ' + y(v)).join(' ');
      r.chartLine.setAttribute('d', line);
      r.chartArea.setAttribute('d', `${line} L${CHART_W} ${CHART_H} L0 ${CHART_H} Z`);
    }
    const span = values.length * ((history && history.stepSeconds) || 0);
    r.chartMax.textContent = max > 0 ? (max >= 1000 ? compact : intFormat).format(max) : '';
    r.chartTitle.textContent = !values.length ? 'No rate history yet'
      : max > 0 ? `Records/s over the last ${duration(span)}; peak ${rate(max)} rec/s`
        : `No records in the last ${duration(span)}`;
  }

  // ---- Rendering an answer ------------------------------------------------

  function render(data) {
    const jobs = data.jobs;
    const serverTime = parseTime(data.serverTime);
    const seen = new Set();
    for (const job of jobs) {
      let r = rowsByName.get(job.name);
      if (!r) {
        r = makeRow(job.name);
        rowsByName.set(job.name, r);
      }
      updateRow(r, job, serverTime);
      ui.rows.append(r.tr); // moves an existing row into the new order
      seen.add(job.name);
    }
    for (const [name, r] of rowsByName) {
      if (!seen.has(name)) {
        r.tr.remove();
        rowsByName.delete(name);
      }
    }

    const total = Number(data.totalSize) || 0;
    const offset = state.back.length * PAGE_SIZE;
    ui.summary.textContent = plural(total, state.filter ? 'matching job' : 'job') + ' · ' + running(data) + ' running';
    ui.pagerInfo.textContent = jobs.length
      ? `${intFormat.format(offset + 1)}–${intFormat.format(offset + jobs.length)} of ${intFormat.format(total)}`
      : `0 of ${intFormat.format(total)}`;
    ui.prev.disabled = state.back.length === 0;
    ui.next.disabled = !state.nextToken;
    showEmpty(jobs.length ? '' : state.filter
      ? `No job name contains “${state.filter}”.`
      : 'No jobs yet. A job shows up here as soon as a client reports it.');
  }

  // How many of the matching jobs still run, on every page.
  function running(data) {
    return intFormat.format(Number(data.activeSize) || 0);
  }

  function showEmpty(text) {
    ui.empty.textContent = text;
    ui.empty.hidden = !text;
  }

  function setStatus(stateName, text) {
    ui.status.dataset.state = stateName;
    ui.status.textContent = text;
    document.title = (stateName === 'down' ? '⚠ ' : '') + 'progressd · ' + location.host;
  }

  function showLive(data) {
    state.data = data;
    state.lastOk = new Date();
    state.nextToken = data.nextPageToken || '';
    setStatus('live', 'Live');
    ui.updated.textContent = 'Updated ' + clock(state.lastOk);
    ui.banner.hidden = true;
    ui.main.classList.remove('stale');
    showFilterError('');
    render(data);
  }

  function showDown(reason) {
    setStatus('down', 'Cannot reach progressd');
    const since = state.lastOk ? ` — showing data from ${clock(state.lastOk)}` : '';
    ui.banner.textContent = `${reason}${since}. Retrying every second…`;
    ui.banner.hidden = false;
    ui.main.classList.toggle('stale', state.data !== null);
  }

  function showFilterError(message) {
    ui.filterError.textContent = message;
    ui.filterError.hidden = !message;
    ui.filter.classList.toggle('invalid', !!message);
  }

  // ---- Polling ------------------------------------------------------------

  function queryUrl() {
    const q = new URLSearchParams({order: 'active', history: '1', page_size: String(PAGE_SIZE)});
    if (state.filter) q.set('filter', state.filter);
    if (state.token) q.set('page_token', state.token);
    return '/api/v1/jobs?' + q.toString();
  }

  // One fetch at a time: the next is scheduled once this one settles.
  async function poll() {
    state.timer = 0;
    state.inFlight = true;
    const seq = state.seq;
    const abort = new AbortController();
    const timeout = setTimeout(() => abort.abort(), TIMEOUT_MS);
    let outcome;
    try {
      const response = await fetch(queryUrl(), {signal: abort.signal, cache: 'no-store',
                                                headers: {Accept: 'application/json'}});
      const body = await response.json().catch(() => null);
      if (abort.signal.aborted) throw new Error('timed out');
      outcome = {response, body};
    } catch (err) {
      outcome = {error: abort.signal.aborted ? 'progressd did not answer within 3 s' : 'Cannot reach progressd'};
    } finally {
      clearTimeout(timeout);
    }
    if (seq === state.seq) handle(outcome);
    // After handle(), which may requery(): that asks for a fetch at once.
    state.inFlight = false;
    schedule(state.again ? 0 : POLL_MS);
  }

  function handle({error, response, body}) {
    if (error) return showDown(error);
    if (response.ok && body && Array.isArray(body.jobs)) return showLive(body);
    const message = (body && body.error && body.error.message) || response.statusText || 'error';
    if (response.status === 400) {
      if (state.token) {
        // A page token the daemon no longer takes: back to the first page.
        resetPaging();
        return requery();
      }
      // A filter the daemon refuses: the daemon is fine, the filter is not.
      setStatus('live', 'Live');
      ui.banner.hidden = true;
      ui.main.classList.remove('stale');
      showFilterError(message);
      state.nextToken = '';
      render({jobs: [], totalSize: 0, nextPageToken: '', serverTime: ''});
      showEmpty('Fix the filter to see jobs.');
      return;
    }
    showDown(`progressd answered HTTP ${response.status}: ${message}`);
  }

  function schedule(ms) {
    clearTimeout(state.timer);
    state.again = false;
    state.timer = setTimeout(poll, ms);
  }

  // The query changed: answers to the old one are dropped, and the new one
  // is fetched now (or as soon as the fetch in flight settles).
  function requery() {
    state.seq++;
    state.nextToken = '';
    ui.next.disabled = true;
    if (state.inFlight) state.again = true;
    else schedule(0);
  }

  function resetPaging() {
    state.token = '';
    state.back = [];
  }

  // ---- Filter and pager ---------------------------------------------------

  function filterFromHash() {
    return new URLSearchParams(location.hash.slice(1)).get('filter') || '';
  }

  function applyFilter(value) {
    if (value === state.filter) return;
    state.filter = value;
    resetPaging();
    // In the URL, so a filtered view can be shared as a link.
    const hash = value ? '#' + new URLSearchParams({filter: value}).toString() : '';
    history.replaceState(null, '', location.pathname + location.search + hash);
    requery();
  }

  let debounce = 0;
  ui.filter.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => applyFilter(ui.filter.value.trim()), FILTER_DEBOUNCE_MS);
  });
  ui.filter.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      clearTimeout(debounce);
      applyFilter(ui.filter.value.trim());
    }
  });
  window.addEventListener('hashchange', () => {
    ui.filter.value = filterFromHash();
    applyFilter(ui.filter.value);
  });
  // "/" focuses the filter, as on many dashboards.
  document.addEventListener('keydown', (event) => {
    if (event.key === '/' && document.activeElement !== ui.filter) {
      event.preventDefault();
      ui.filter.focus();
    }
  });

  ui.prev.addEventListener('click', () => {
    if (!state.back.length) return;
    state.token = state.back.pop();
    requery();
  });
  ui.next.addEventListener('click', () => {
    if (!state.nextToken) return;
    state.back.push(state.token);
    state.token = state.nextToken;
    requery();
  });

  // ---- Start --------------------------------------------------------------

  ui.host.textContent = location.host;
  setStatus('loading', 'Connecting…');
  state.filter = ui.filter.value = filterFromHash();
  poll();
})();
