/**
 * The status page at / for people: one self-contained HTML file (no external scripts, styles or fonts)
 * that reads /status every few seconds and draws it — readiness, throughput and lag over the last hour,
 * lag per partition, departments (stale ones first, in red), dead letters by reason, and the snapshot
 * history with links to each version's report.md.
 */

export function statusPageHtml(refreshSeconds = 5): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>casepipe status</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2430; background: #f6f7f9; }
  h1 { font-size: 1.3rem; margin: 0 0 .2rem; } h2 { font-size: 1rem; margin: 0 0 .5rem; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1rem; }
  section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: .8rem 1rem; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid #eef0f3; }
  td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
  .badge { display: inline-block; padding: .1rem .6rem; border-radius: 1rem; font-weight: 600; }
  .ok { background: #dff5e3; color: #17612a; } .bad { background: #fde2e1; color: #9b1c1c; } .warn { background: #fff3cd; color: #7a5a00; }
  tr.stale td { background: #fde2e1; color: #9b1c1c; font-weight: 600; }
  .muted { color: #6b7480; } svg { width: 100%; height: 70px; background: #fbfcfd; border: 1px solid #eef0f3; }
</style>
</head>
<body>
<h1>casepipe worker <span id="ready" class="badge">…</span></h1>
<div class="muted" id="meta">loading /status …</div>
<div id="reasons"></div>
<div class="grid">
  <section><h2>Throughput, last hour (events/s)</h2><svg id="throughput" viewBox="0 0 400 70" preserveAspectRatio="none"></svg><div id="throughput-now" class="muted"></div></section>
  <section><h2>Lag, last hour (records)</h2><svg id="lag-chart" viewBox="0 0 400 70" preserveAspectRatio="none"></svg><div id="lag-now" class="muted"></div></section>
  <section><h2>Departments</h2><table id="departments"><thead><tr><th>code</th><th>name</th><th>last data</th><th>cadence</th><th>health</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Lag per partition</h2><table id="partitions"><thead><tr><th>partition</th><th class="n">end</th><th class="n">stored</th><th class="n">lag</th><th class="n">oldest waiting</th></tr></thead><tbody></tbody></table><div id="members" class="muted"></div></section>
  <section><h2>Dead letters by reason</h2><table id="dead-letters"><thead><tr><th>reason</th><th class="n">records</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Snapshots</h2><table id="snapshots"><thead><tr><th>month</th><th>version</th><th>written</th><th>state</th><th>report</th></tr></thead><tbody></tbody></table><div id="runs" class="muted"></div></section>
</div>
<script>
const REFRESH_MS = ${refreshSeconds * 1000};
const esc = (v) => String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const ago = (iso) => {
  if (!iso) return 'never';
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return s < 90 ? Math.round(s) + ' s ago' : s < 5400 ? Math.round(s / 60) + ' min ago' : s < 172800 ? Math.round(s / 3600) + ' h ago' : Math.round(s / 86400) + ' d ago';
};
const dur = (s) => (s < 120 ? s + ' s' : s < 7200 ? Math.round(s / 60) + ' min' : s < 172800 ? Math.round(s / 3600) + ' h' : Math.round(s / 86400) + ' d');
const rows = (id, html) => { document.querySelector('#' + id + ' tbody').innerHTML = html || '<tr><td colspan="5" class="muted">none</td></tr>'; };
function chart(id, values) {
  const svg = document.getElementById(id);
  if (values.length < 2) { svg.innerHTML = ''; return; }
  const max = Math.max(1, ...values);
  const pts = values.map((v, i) => (i * 400 / (values.length - 1)).toFixed(1) + ',' + (68 - v * 64 / max).toFixed(1)).join(' ');
  svg.innerHTML = '<polyline fill="none" stroke="#2f6fd6" stroke-width="1.5" points="' + pts + '"/><text x="4" y="12" font-size="10" fill="#6b7480">max ' + esc(max) + '</text>';
}
function render(s) {
  const ready = document.getElementById('ready');
  ready.textContent = s.ready ? 'ready' : 'not ready';
  ready.className = 'badge ' + (s.ready ? 'ok' : 'bad');
  document.getElementById('meta').textContent = 'group ' + s.groupId + ' · topic ' + s.topic + ' · partitions ' + (s.assigned.join(', ') || 'none') +
    ' · store ' + (s.store.fileBytes / 1048576).toFixed(1) + ' MiB, ' + s.store.milestones + ' milestones, ' + s.store.consultations + ' consultations · updated ' + new Date(s.at).toLocaleTimeString();
  document.getElementById('reasons').innerHTML = s.notReady.map((r) => '<p class="badge bad">' + esc(r.code) + ': ' + esc(r.message) + ' (since ' + esc(ago(r.since)) + ')</p>').join(' ');
  chart('throughput', s.throughput.lastHour.map((h) => h.eventsPerSecond));
  chart('lag-chart', s.throughput.lastHour.map((h) => h.lag));
  document.getElementById('throughput-now').textContent = 'now ' + s.throughput.eventsPerSecond + ' events/s';
  document.getElementById('lag-now').textContent = 'now ' + s.lag.total + ' records behind' + (s.lag.error ? ' · end offsets unavailable: ' + s.lag.error : '') + (s.lag.refreshedAt ? ' · read ' + ago(s.lag.refreshedAt) : '');
  const depts = s.departments.slice().sort((a, b) => Number(b.stale) - Number(a.stale) || a.code.localeCompare(b.code));
  rows('departments', depts.map((d) => '<tr class="' + (d.stale ? 'stale' : '') + '" data-department="' + esc(d.code) + '"><td>' + esc(d.code) + '</td><td>' + esc(d.name) + '</td><td>' + esc(ago(d.lastEventAt)) +
    '</td><td>' + esc(dur(d.cadenceSeconds)) + (d.declared ? '' : ' (default)') + '</td><td>' + (d.stale ? 'STALE' : 'ok') + '</td></tr>').join(''));
  rows('partitions', s.lag.partitions.map((p) => '<tr data-partition="' + p.partition + '"><td>' + p.partition + '</td><td class="n">' + esc(p.end) + '</td><td class="n">' + esc(p.stored) +
    '</td><td class="n">' + p.lag + '</td><td class="n">' + (p.lag > 0 ? esc(dur(Math.round(p.oldestAgeSeconds))) : '–') + '</td></tr>').join(''));
  document.getElementById('members').innerHTML = 'group members: ' + s.lag.members.length + (s.lag.unexpectedMembers.length ? ' <span class="badge warn">unexpected: ' +
    s.lag.unexpectedMembers.map((m) => esc(m.clientId + '@' + m.clientHost)).join(', ') + '</span>' : '');
  rows('dead-letters', s.deadLetters.map((d) => '<tr><td>' + esc(d.reason) + '</td><td class="n">' + d.count + '</td></tr>').join(''));
  rows('snapshots', s.snapshots.versions.map((v) => '<tr><td>' + esc(v.month) + '</td><td>v' + v.version + '</td><td>' + esc(new Date(v.createdAt).toLocaleString()) + '</td><td>' +
    (v.provisional ? '<span class="badge warn">provisional</span>' : 'final') + '</td><td><a href="' + esc(v.report) + '">report.md</a></td></tr>').join(''));
  document.getElementById('runs').textContent = s.snapshots.runs.slice(0, 5).map((r) => r.month + ' ' + r.outcome + (r.version ? ' v' + r.version : '') + ' in ' + r.seconds.toFixed(1) + ' s' + (r.error ? ': ' + r.error : '')).join(' · ');
}
async function refresh() {
  try {
    const res = await fetch('status', { cache: 'no-store' });
    render(await res.json());
  } catch (err) {
    const ready = document.getElementById('ready');
    ready.textContent = 'worker not answering';
    ready.className = 'badge bad';
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}
refresh();
</script>
</body>
</html>
`;
}
