/**
 * The dashboard's single HTML page: inline CSS and JS, no external assets. Its script subscribes to
 * `/api/events` (Server-Sent Events, one JSON snapshot per message; `EventSource` reconnects by itself) and
 * renders every snapshot; data is written with `textContent` only, never parsed as HTML. Stable element ids:
 * `#status`, `#equity` (SVG chart), `#equity-value`, `#cash`, `#realized`, `#bars`, `#orders-count`, `#fills`,
 * `#rejects`, `#kill-switch`, `#error-count`, `#positions`, `#orders`, `#errors`, `#updates` (messages received).
 */
export function dashboardPage(title = 'tradestate dashboard'): string {
  const t = title.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem 1.5rem; color: #1b1f24; background: #f6f8fa; }
  h1 { font-size: 1.2rem; margin: 0 0 .5rem; }
  h2 { font-size: 1rem; margin: 1rem 0 .4rem; }
  .cards { display: flex; flex-wrap: wrap; gap: .6rem; }
  .card { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: .4rem .8rem; min-width: 7rem; }
  .card b { display: block; font-size: 1.15rem; font-variant-numeric: tabular-nums; }
  .card span { color: #57606a; font-size: .8rem; }
  table { border-collapse: collapse; background: #fff; font-variant-numeric: tabular-nums; }
  th, td { border: 1px solid #d0d7de; padding: .2rem .5rem; text-align: right; }
  th { background: #eaeef2; }
  td.l, th.l { text-align: left; }
  #equity { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; }
  .ACTIVE { color: #1a7f37; } .REDUCING { color: #9a6700; } .HALTED { color: #cf222e; }
  .FILLED { color: #1a7f37; } .REJECTED, .DENIED { color: #cf222e; } .CANCELED, .EXPIRED { color: #57606a; }
  #conn { font-size: .8rem; color: #57606a; }
</style>
</head>
<body>
<h1>${t} <span id="conn">connecting…</span></h1>
<div id="run">run <b id="run-id">–</b> · <span id="status">waiting</span> · <span id="updates">0</span> updates</div>
<div class="cards">
  <div class="card"><span>equity</span><b id="equity-value">–</b></div>
  <div class="card"><span>cash</span><b id="cash">–</b></div>
  <div class="card"><span>realized P&amp;L</span><b id="realized">–</b></div>
  <div class="card"><span>bars</span><b id="bars">0</b></div>
  <div class="card"><span>orders</span><b id="orders-count">0</b></div>
  <div class="card"><span>fills</span><b id="fills">0</b></div>
  <div class="card"><span>rejects</span><b id="rejects">0</b></div>
  <div class="card"><span>kill switch</span><b id="kill-switch" class="ACTIVE">ACTIVE</b></div>
  <div class="card"><span>errors</span><b id="error-count">0</b></div>
</div>
<h2>Equity</h2>
<svg id="equity" width="720" height="180" viewBox="0 0 720 180" role="img" aria-label="equity curve">
  <polyline id="equity-line" fill="none" stroke="#0969da" stroke-width="1.5" points=""></polyline>
  <text id="equity-max" x="4" y="14" font-size="11" fill="#57606a"></text>
  <text id="equity-min" x="4" y="174" font-size="11" fill="#57606a"></text>
</svg>
<h2>Positions</h2>
<table id="positions">
  <thead><tr><th class="l">instrument</th><th>qty</th><th>avg price</th><th>last</th><th>unrealized</th><th>realized</th></tr></thead>
  <tbody></tbody>
</table>
<h2>Orders (last 50)</h2>
<table id="orders">
  <thead><tr><th class="l">client order id</th><th class="l">instrument</th><th class="l">side</th><th>qty</th><th>filled</th><th>price</th><th class="l">state</th></tr></thead>
  <tbody></tbody>
</table>
<h2>Errors (last 20)</h2>
<table id="errors">
  <thead><tr><th class="l">time</th><th class="l">type</th><th class="l">code</th><th class="l">message</th></tr></thead>
  <tbody></tbody>
</table>
<script>
"use strict";
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var updates = 0;
  var fmt = function (x, d) {
    return x === null || x === undefined ? "–" : Number(x).toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  };
  var text = function (id, v) { $(id).textContent = String(v); };
  var time = function (ns) {
    try { return new Date(Number(BigInt(ns) / 1000000n)).toISOString().replace("T", " ").slice(0, 23); } catch (e) { return ns; }
  };
  var fill = function (tableId, rows, cells) {
    var body = $(tableId).tBodies[0];
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      cells(r).forEach(function (c) {
        var td = document.createElement("td");
        td.textContent = String(c[0]);
        if (c[1]) td.className = c[1];
        tr.appendChild(td);
      });
      frag.appendChild(tr);
    });
    body.replaceChildren(frag);
  };
  var chart = function (pts) {
    var line = $("equity-line");
    if (pts.length === 0) { line.setAttribute("points", ""); text("equity-max", ""); text("equity-min", ""); return; }
    var lo = Infinity, hi = -Infinity;
    pts.forEach(function (p) { if (p.equity < lo) lo = p.equity; if (p.equity > hi) hi = p.equity; });
    var span = hi - lo || 1, w = 720, h = 180, pad = 20;
    var n = Math.max(1, pts.length - 1);
    line.setAttribute("points", pts.map(function (p, i) {
      return (pad + (i / n) * (w - 2 * pad)).toFixed(1) + "," + (h - pad - ((p.equity - lo) / span) * (h - 2 * pad)).toFixed(1);
    }).join(" "));
    text("equity-max", fmt(hi, 2));
    text("equity-min", fmt(lo, 2));
  };
  var render = function (s) {
    updates++;
    text("updates", updates);
    text("run-id", s.runId || "–");
    text("status", s.status);
    text("equity-value", fmt(s.equity, 2));
    text("cash", fmt(s.cash, 2));
    text("realized", fmt(s.realized, 2));
    text("bars", s.bars);
    text("orders-count", s.orders);
    text("fills", s.fills);
    text("rejects", s.rejects);
    text("kill-switch", s.killSwitch);
    $("kill-switch").className = s.killSwitch;
    text("error-count", s.errorCount);
    chart(s.equityPoints);
    fill("positions", s.positions, function (p) {
      return [[p.symbol, "l"], [p.qty], [fmt(p.avgPx, 4)], [fmt(p.lastPx, 4)], [fmt(p.unrealized, 2)], [fmt(p.realized, 2)]];
    });
    fill("orders", s.orderList, function (o) {
      return [[o.clientOrderId, "l"], [o.symbol, "l"], [o.side, "l"], [o.qty], [o.filled], [fmt(o.price, 4)], [o.state, "l " + o.state]];
    });
    fill("errors", s.errors, function (e) {
      return [[time(e.ts), "l"], [e.type, "l"], [e.code, "l"], [e.message, "l"]];
    });
  };
  var es = new EventSource("api/events");
  es.onopen = function () { text("conn", "live"); };
  es.onerror = function () { text("conn", "disconnected, retrying…"); };
  es.onmessage = function (ev) {
    try { render(JSON.parse(ev.data)); } catch (e) { text("conn", "bad update: " + e); }
  };
})();
</script>
</body>
</html>
`;
}
