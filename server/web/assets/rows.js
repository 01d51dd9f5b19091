// One table row per job: built once with createElement / createElementNS
// and textContent (never markup, so every value is escaped by construction),
// then updated in place from each answer.
import {compact, count, duration, eta, intFormat, parseTime, rate, share} from './format.js';

const SVG_NS = 'http://www.w3.org/2000/svg'; // a namespace name, never fetched
const CHART_W = 96;
const CHART_H = 26;

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

export function makeRow(name) {
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

export function updateRow(r, job, serverTime) {
  const success = count(job.success);
  const failure = count(job.failure);
  const total = count(job.expectedTotal);
  // Exact past 2^53: the sums and the percent are taken in BigInt.
  const processed = success.big + failure.big;
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
    r.percent.textContent = (Number(processed * 1000n / total.big) / 10).toFixed(1) + '%';
    r.processed.textContent = `${intFormat.format(processed)} of ${total.text}`;
  } else {
    r.barSuccess.style.width = done ? '100%' : '0';
    r.barFailure.style.width = '0';
    r.percent.textContent = '';
    r.processed.textContent = intFormat.format(processed) + ' processed';
  }

  r.success.textContent = r.success.title = success.text;
  r.failure.textContent = r.failure.title = failure.n > 0 ? `${failure.text} (${share(failure.n, Number(processed))})` : '0';
  r.failure.classList.toggle('has-failures', failure.n > 0);

  // A finished job's recent rate decays to 0: its average says more.
  r.rate.textContent = `${rate(done ? job.averageRate : job.recentRate)} rec/s`;
  if (done) r.rate.prepend(el('span', 'rate-avg', 'avg '));
  r.rate.title = `recent ${rate(job.recentRate)} rec/s, average ${rate(job.averageRate)} rec/s`;

  // Elapsed on the daemon's clock (serverTime), not the browser's.
  const start = parseTime(job.firstUpdateTime || job.createdTime);
  const end = job.finishTime ? parseTime(job.finishTime) : serverTime;
  r.elapsed.textContent = Number.isFinite(start) && Number.isFinite(end) ? duration((end - start) / 1000) : '—';

  const remaining = Number(total.big - processed);
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

