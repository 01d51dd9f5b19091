// progressd's web page: polls /api/v1/jobs once a second and shows every
// job as a table row (rows.js). The page's CSP allows no inline script or
// style, and nothing from another host.
import {clock, intFormat, parseTime, plural} from './format.js';
import {makeRow, updateRow} from './rows.js';

const PAGE_SIZE = 50;
const POLL_MS = 1000;
const TIMEOUT_MS = 3000;
const FILTER_DEBOUNCE_MS = 300;

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
  // Relative, like every URL of the page, so it also works behind a proxy
  // that serves it under a path of its own (kubectl proxy, an ingress).
  return 'api/v1/jobs?' + q.toString();
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
  try {
    if (seq === state.seq) handle(outcome);
  } catch (err) {
    // An answer the page cannot show must not stop the polling for good.
    showDown('Cannot show the answer of progressd (' + err.message + ')');
  } finally {
    // After handle(), which may requery(): that asks for a fetch at once.
    state.inFlight = false;
    schedule(state.again ? 0 : POLL_MS);
  }
}

function handle({error, response, body}) {
  if (error) return showDown(error);
  if (response.ok && body && Array.isArray(body.jobs)) {
    if (!body.jobs.length && state.token) {
      // The jobs of this page are gone (dropped, or a filter changed the
      // pages): back to the first.
      resetPaging();
      return requery();
    }
    return showLive(body);
  }
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
