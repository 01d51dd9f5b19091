// How the page writes numbers, times and shares: fixed to en-US, so the page
// (and its tests) show "12,345" whatever the browser's language.

export const intFormat = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0});
const oneDecimal = new Intl.NumberFormat('en-US', {maximumFractionDigits: 1});
export const compact = new Intl.NumberFormat('en-US', {notation: 'compact', maximumFractionDigits: 1});

// uint64 counts come as JSON strings: `big` keeps them exact (BigInt), `n`
// is the nearest Number, for scales and shares.
export function count(text) {
  const big = BigInt(/^\d+$/.test(String(text)) ? String(text) : '0');
  return {big, n: Number(big), text: intFormat.format(big)};
}

// Date.parse is only required to read millisecond fractions; the server
// may send nanoseconds.
export function parseTime(text) {
  const m = /^(.+T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(text || '');
  return m ? Date.parse(m[1] + (m[2] ? m[2].slice(0, 4) : '') + m[3]) : NaN;
}

const pad2 = (n) => String(n).padStart(2, '0');

// "13.6s", "4m 05s", "2h 03m", "3d 04h".
export function duration(seconds) {
  if (!(seconds > 0)) return '0.0s';
  if (seconds < 60) return seconds.toFixed(1) + 's';
  const s = Math.floor(seconds);
  if (s < 3600) return Math.floor(s / 60) + 'm ' + pad2(s % 60) + 's';
  if (s < 86400) return Math.floor(s / 3600) + 'h ' + pad2(Math.floor(s / 60) % 60) + 'm';
  return Math.floor(s / 86400) + 'd ' + pad2(Math.floor(s / 3600) % 24) + 'h';
}

// ETAs in whole seconds: "12s", "4m 05s".
export const eta = (seconds) => seconds < 60 ? Math.ceil(seconds) + 's' : duration(seconds);

// "3.5", "3,658", and "403.4K" past 100,000 (to fit its column).
export const rate = (r) => (r >= 1e5 ? compact : r >= 100 ? intFormat : oneDecimal).format(r > 0 ? r : 0);

export function share(part, whole) {
  const p = whole > 0 ? 100 * part / whole : 0;
  if (p > 0 && p < 0.01) return '<0.01%';
  return (p < 10 ? p.toFixed(2) : p.toFixed(1)) + '%';
}

export const clock = (d) => pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
export const plural = (n, word) => intFormat.format(n) + ' ' + word + (n === 1 ? '' : 's');

