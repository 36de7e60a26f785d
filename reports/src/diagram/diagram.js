// The space-time diagram of one run: a lane per node, time left to right. Plain SVG, no library.
// Only what falls in the time window is drawn (at most MAX_ARROWS arrows), so a trace of any
// size stays responsive: zoom with the wheel or the buttons, pan by dragging, pick a window on
// the overview strip.
'use strict';
(function () {
  const data = JSON.parse(document.getElementById('trace-data').textContent);
  // The many things come as arrays (see model.rs); name their fields once here.
  data.arrows = data.arrows.map(([sent, ended, from, to, kind, fate, payload, id]) => ({ sent, ended, from, to, kind, fate, payload, id }));
  data.marks = data.marks.map(([time, node, cls, label]) => ({ time, node, class: cls, label }));
  data.clients = data.clients.map(([invoked, answered, node, outcome, label, answer]) => ({ invoked, answered, node, outcome, label, answer }));
  data.timers = data.timers.map(([time, node, timer]) => ({ time, node, timer }));
  const NS = 'http://www.w3.org/2000/svg';
  const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf',
    '#bcbd22', '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173', '#3182bd', '#7f7f7f'];
  const MAX_ARROWS = 2500;
  const MAX_MARKS = 3000;
  const LANE = 46, LEFT = 58, RIGHT = 14, AXIS = 24, FAULT_ROW = 15, OP_ROW = 8, OP_ROWS = 6;
  const end = Math.max(1, data.end);
  const colour = (kind) => PALETTE[kind % PALETTE.length];
  // Marks drawn as diamonds and labelled first.
  const RARE = new Set(['leader', 'crash', 'restart', 'truncate']);

  const state = {
    t0: 0, t1: end, hiddenKinds: new Set(), hiddenNodes: new Set(),
    timers: true, labels: true, appends: false, pinned: null,
  };
  if (data.arrows.length > MAX_ARROWS) {
    // A big trace opens on its beginning, with room to zoom out.
    state.t1 = Math.max(data.arrows[Math.floor(MAX_ARROWS / 2)].sent, end / 1000);
  }

  // A window in the address (#from-to, in ms) opens there, and moving keeps it up to date, so a
  // view can be shared.
  const asked = /^#(-?[\d.]+)-([\d.]+)$/.exec(location.hash);
  if (asked && Number(asked[2]) > Number(asked[1])) {
    state.t0 = Number(asked[1]) * 1e6;
    state.t1 = Number(asked[2]) * 1e6;
  }

  const $ = (id) => document.getElementById(id);
  const svg = $('diagram');
  const overview = $('overview');
  let hits = [];
  let hot = null;

  function el(tag, attrs, parent, text) {
    const node = document.createElementNS(NS, tag);
    for (const key in attrs) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function fmt(ns, span) {
    span = span || (state.t1 - state.t0);
    if (span >= 5e9) return (ns / 1e9).toFixed(span >= 5e10 ? 1 : 2) + ' s';
    const decimals = span < 1e6 ? 3 : span < 1e7 ? 2 : span < 1e8 ? 1 : 0;
    return (ns / 1e6).toFixed(decimals) + ' ms';
  }
  const exact = (ns) => (ns / 1e6).toFixed(3) + ' ms';

  // ---- filters and legend ----
  function chip(parent, label, colourOf, isOff, toggle) {
    const button = document.createElement('button');
    button.className = 'chip' + (isOff() ? ' off' : '');
    if (colourOf) {
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = colourOf;
      button.appendChild(swatch);
    }
    button.appendChild(document.createTextNode(label));
    button.addEventListener('click', () => { toggle(); button.classList.toggle('off', isOff()); draw(); });
    parent.appendChild(button);
  }
  function toggleIn(set, value) { if (set.has(value)) set.delete(value); else set.add(value); }

  const legend = $('legend');
  data.kinds.forEach((kind, i) => chip(legend, kind.name + ' (' + kind.count + ')', colour(i),
    () => state.hiddenKinds.has(i), () => toggleIn(state.hiddenKinds, i)));
  const nodeChips = $('node-filter');
  for (let n = 0; n < data.nodes; n++) {
    chip(nodeChips, 'n' + n, null, () => state.hiddenNodes.has(n), () => toggleIn(state.hiddenNodes, n));
  }
  for (const [id, key] of [['show-timers', 'timers'], ['show-labels', 'labels'], ['show-appends', 'appends']]) {
    const box = $(id);
    box.checked = state[key];
    box.addEventListener('change', () => { state[key] = box.checked; draw(); });
  }

  // ---- window ----
  function setWindow(t0, t1) {
    let span = Math.max(t1 - t0, 1000);
    span = Math.min(span, end * 1.02);
    t0 = Math.max(Math.min(t0, end - span * 0.98), -span * 0.02);
    state.t0 = t0;
    state.t1 = t0 + span;
    schedule();
  }
  function zoom(factor, around) {
    const at = around === undefined ? (state.t0 + state.t1) / 2 : around;
    setWindow(at - (at - state.t0) * factor, at + (state.t1 - at) * factor);
  }
  $('whole').addEventListener('click', () => setWindow(0, end));
  $('zoom-in').addEventListener('click', () => zoom(0.5));
  $('zoom-out').addEventListener('click', () => zoom(2));
  $('left').addEventListener('click', () => { const s = state.t1 - state.t0; setWindow(state.t0 - s * 0.5, state.t1 - s * 0.5); });
  $('right').addEventListener('click', () => { const s = state.t1 - state.t0; setWindow(state.t0 + s * 0.5, state.t1 + s * 0.5); });
  document.addEventListener('keydown', (e) => {
    if (e.target.tagName === 'INPUT') return;
    if (e.key === '+' || e.key === '=') zoom(0.5);
    else if (e.key === '-') zoom(2);
    else if (e.key === 'ArrowLeft') $('left').click();
    else if (e.key === 'ArrowRight') $('right').click();
  });

  let pending = false;
  function schedule() {
    if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; draw(); }); }
  }

  // ---- layout ----
  function layout() {
    const width = Math.max(420, svg.parentNode.clientWidth);
    const nodes = [];
    for (let n = 0; n < data.nodes; n++) if (!state.hiddenNodes.has(n)) nodes.push(n);
    const faultRows = [];
    const faultRow = data.faults.map((f) => {
      let row = faultRows.findIndex((last) => last < f.from);
      if (row < 0) { row = faultRows.length; faultRows.push(0); }
      faultRows[row] = f.to;
      return row;
    });
    const faultTop = AXIS + 4;
    const opTop = faultTop + faultRows.length * FAULT_ROW + (faultRows.length ? 6 : 0);
    const opHeight = data.clients.length ? OP_ROWS * OP_ROW + 18 : 0;
    const laneTop = opTop + opHeight;
    const laneOf = new Map(nodes.map((n, i) => [n, laneTop + i * LANE + LANE / 2]));
    const height = laneTop + nodes.length * LANE + 8;
    const plot = width - LEFT - RIGHT;
    const x = (t) => LEFT + (t - state.t0) / (state.t1 - state.t0) * plot;
    return { width, height, nodes, laneOf, laneTop, faultTop, faultRow, opTop, opHeight, plot, x };
  }

  // ---- drawing ----
  function draw() {
    const L = layout();
    const { x, laneOf } = L;
    const span = state.t1 - state.t0;
    svg.setAttribute('width', L.width);
    svg.setAttribute('height', L.height);
    svg.setAttribute('viewBox', '0 0 ' + L.width + ' ' + L.height);
    svg.textContent = '';
    hits = [];
    hot = null;
    const defs = el('defs', {}, svg);
    const hatch = el('pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' }, defs);
    el('rect', { width: 6, height: 6, fill: '#eaecf0' }, hatch);
    el('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#98a2b3', 'stroke-width': 2 }, hatch);
    data.kinds.forEach((_, i) => {
      const marker = el('marker', { id: 'head' + i, viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
      el('path', { d: 'M0,0 L8,4 L0,8 z', fill: colour(i) }, marker);
    });
    const clip = el('clipPath', { id: 'plot' }, defs);
    el('rect', { x: LEFT, y: 0, width: L.plot, height: L.height }, clip);

    // Lanes and axis.
    const back = el('g', {}, svg);
    L.nodes.forEach((n) => {
      const y = laneOf.get(n);
      el('rect', { class: 'lane-bg', x: 0, y: y - LANE / 2, width: L.width, height: LANE, fill: 'transparent' }, back);
    });
    const step = niceStep(span / Math.max(2, L.plot / 110));
    for (let t = Math.ceil(state.t0 / step) * step; t <= state.t1; t += step) {
      const tx = x(t);
      el('line', { class: 'tick', x1: tx, x2: tx, y1: AXIS - 4, y2: L.height }, back);
      el('text', { class: 'tick-label', x: tx, y: AXIS - 8, 'text-anchor': 'middle' }, back, fmt(t, span));
    }
    const plot = el('g', { 'clip-path': 'url(#plot)' }, svg);
    const names = el('g', {}, svg);

    // Shaded intervals: down, cut off, slow, in the critical section.
    for (const iv of data.intervals) {
      if (!laneOf.has(iv.node) || iv.to < state.t0 || iv.from > state.t1) continue;
      const y = laneOf.get(iv.node);
      const x1 = Math.max(x(iv.from), LEFT - 2), x2 = Math.min(x(iv.to), L.width);
      const rect = el('rect', { class: 'iv ' + iv.class, x: x1, y: y - LANE / 2 + 4, width: Math.max(1, x2 - x1), height: LANE - 8 }, plot);
      hits.push({ x1, y1: y - LANE / 2 + 4, x2, y2: y + LANE / 2 - 4, area: true, node: rect,
        title: iv.label + ' (n' + iv.node + ')', body: exact(iv.from) + ' – ' + exact(iv.to) });
    }
    L.nodes.forEach((n) => {
      const y = laneOf.get(n);
      el('line', { class: 'lane-line', x1: LEFT, x2: L.width - RIGHT, y1: y, y2: y }, plot);
      el('text', { class: 'lane-name', x: 10, y: y + 4 }, names, 'n' + n);
    });

    // Faults, stacked in rows at the top.
    if (data.faults.length) el('text', { class: 'row-name', x: 10, y: L.faultTop + 11 }, names, 'faults');
    data.faults.forEach((f, i) => {
      if (f.to < state.t0 || f.from > state.t1) return;
      const y = L.faultTop + L.faultRow[i] * FAULT_ROW;
      const x1 = x(f.from), x2 = Math.max(x(f.to), x1 + 3);
      const rect = el('rect', { class: 'fault', x: x1, y, width: x2 - x1, height: FAULT_ROW - 3, rx: 2 }, plot);
      el('text', { class: 'fault-label', x: Math.max(x1, LEFT) + 3, y: y + 10 }, plot, f.fault);
      hits.push({ x1, y1: y, x2, y2: y + FAULT_ROW - 3, area: true, node: rect, title: 'fault ' + f.fault,
        body: exact(f.from) + ' – ' + exact(f.to) + (f.nodes.length ? '\nhit: ' + f.nodes.map((n) => 'n' + n).join(', ') : '') });
    });

    // Client operations, stacked in rows.
    if (data.clients.length) {
      el('text', { class: 'row-name', x: 10, y: L.opTop + 12 }, names, 'clients');
      const rows = new Array(OP_ROWS).fill(-Infinity);
      let drawnOps = 0;
      for (const op of data.clients) {
        // A mutex or election request is a moment (its effect shows on the node's lane); a command
        // lasts until it is answered, or to the end.
        const stop = op.answered !== null ? op.answered : op.client === null ? op.invoked : end;
        if (stop < state.t0 || op.invoked > state.t1 || state.hiddenNodes.has(op.node)) continue;
        if (drawnOps++ > MAX_MARKS) break;
        const x1 = x(op.invoked), x2 = Math.max(x(stop), x1 + 2);
        let row = rows.findIndex((last) => last < x1);
        if (row < 0) row = (drawnOps % OP_ROWS);
        rows[row] = x2 + 1;
        const y = L.opTop + 4 + row * OP_ROW;
        const rect = el('rect', { class: 'op ' + op.outcome, x: x1, y, width: x2 - x1, height: OP_ROW - 2, rx: 1 }, plot);
        hits.push({ x1, y1: y, x2, y2: y + OP_ROW - 2, area: true, node: rect,
          title: op.label + ' at n' + op.node,
          body: 'invoked ' + exact(op.invoked) + (op.client === null ? '' : op.answered === null ? ', no answer' : ', answered ' + exact(op.answered) +
            ' (' + exact(op.answered - op.invoked) + '): ' + op.answer) });
      }
    }

    // Messages.
    const visible = [];
    for (const a of data.arrows) {
      if (a.sent > state.t1) break;
      if (state.hiddenKinds.has(a.kind) || !laneOf.has(a.from) || !laneOf.has(a.to)) continue;
      if (arrowEnd(a) < state.t0) continue;
      visible.push(a);
    }
    const stride = Math.ceil(visible.length / MAX_ARROWS);
    const messages = el('g', {}, plot);
    for (let i = 0; i < visible.length; i += stride) drawArrow(visible[i], messages, L);
    const notice = $('notice');
    notice.textContent = stride > 1
      ? visible.length + ' messages in this window: one in ' + stride + ' is drawn. Zoom in to see them all.'
      : '';

    // Timers.
    if (state.timers) {
      const group = el('g', {}, plot);
      let count = 0;
      for (const t of data.timers) {
        if (t.time < state.t0 || t.time > state.t1 || !laneOf.has(t.node)) continue;
        if (count++ > MAX_MARKS) break;
        const tx = x(t.time), y = laneOf.get(t.node);
        const tick = el('line', { class: 'timer', x1: tx, x2: tx, y1: y - 7, y2: y + 7 }, group);
        hits.push({ x1: tx, y1: y, x2: tx, y2: y, node: tick, title: 'timer ' + t.timer + ' fired at n' + t.node, body: exact(t.time) });
      }
    }

    // Observations. Labels go where there is room on the lane, the rare ones first (a leader,
    // a crash) so the many (commits) do not crowd them out.
    const marks = el('g', {}, plot);
    const shown = [];
    for (const m of data.marks) {
      if (m.time < state.t0 || m.time > state.t1 || !laneOf.has(m.node)) continue;
      if (m.class === 'append' && !state.appends) continue;
      if (shown.length > MAX_MARKS) break;
      shown.push(m);
      const mx = x(m.time), y = laneOf.get(m.node);
      const shape = RARE.has(m.class)
        ? el('path', { class: 'mark ' + m.class, d: 'M' + mx + ',' + (y - 6) + ' l6,6 l-6,6 l-6,-6 z' }, marks)
        : el('circle', { class: 'mark ' + m.class, cx: mx, cy: y, r: 3.5 }, marks);
      hits.push({ x1: mx, y1: y, x2: mx, y2: y, node: shape, title: m.label + ' at n' + m.node, body: exact(m.time) });
    }
    if (state.labels) {
      const taken = new Map();
      const free = (node, from, to) => !(taken.get(node) || []).some(([a, b]) => from < b && a < to);
      for (const pass of [true, false]) {
        for (const m of shown) {
          if (RARE.has(m.class) !== pass || m.class === 'append' || m.class === 'follower') continue;
          const mx = x(m.time), y = laneOf.get(m.node), width = 6 + m.label.length * 5.8;
          if (!free(m.node, mx, mx + width)) continue;
          el('text', { class: 'mark-label ' + m.class, x: mx + 5, y: y - 7 }, marks, m.label);
          if (!taken.has(m.node)) taken.set(m.node, []);
          taken.get(m.node).push([mx, mx + width]);
        }
      }
    }

    // Violations: a red line across the lanes it names (all when it names none).
    for (const v of data.violations) {
      if (v.time < state.t0 || v.time > state.t1) continue;
      const vx = x(v.time);
      const lanes = v.nodes.filter((n) => laneOf.has(n)).map((n) => laneOf.get(n));
      const y1 = lanes.length ? Math.min(...lanes) - LANE / 2 : L.laneTop;
      const y2 = lanes.length ? Math.max(...lanes) + LANE / 2 : L.height;
      const line = el('line', { class: 'violation', x1: vx, x2: vx, y1, y2 }, plot);
      el('text', { class: 'violation-label', x: vx + 4, y: y1 + 12 }, plot, 'violation');
      for (const y of lanes) el('circle', { cx: vx, cy: y, r: 5, fill: 'none', stroke: '#d92d20', 'stroke-width': 2 }, plot);
      hits.push({ x1: vx, y1, x2: vx, y2, node: line, title: 'violation at ' + exact(v.time), body: v.message });
    }

    $('window').textContent = fmt(Math.max(0, state.t0), span) + ' – ' + fmt(Math.min(end, state.t1), span);
    const hash = '#' + (state.t0 / 1e6).toFixed(3) + '-' + (state.t1 / 1e6).toFixed(3);
    if (location.hash !== hash && history.replaceState) history.replaceState(null, '', hash);
    drawOverview();
    if (state.pinned) show(state.pinned);
  }

  function arrowEnd(a) {
    if (a.fate === 'delivered' || a.fate === 'crashed') return a.ended;
    return a.sent + data.typical_delay;
  }

  function drawArrow(a, parent, L) {
    const { x, laneOf } = L;
    const x1 = x(a.sent), y1 = laneOf.get(a.from), yTo = laneOf.get(a.to);
    let x2, y2, cls;
    if (a.fate === 'delivered' || a.fate === 'crashed') {
      x2 = x(a.ended); y2 = yTo; cls = a.fate === 'delivered' ? 'msg' : 'msg lost';
    } else {
      // Lost on the way (or still on it when the run ended): the arrow goes half way.
      x2 = x(a.sent + data.typical_delay / 2); y2 = (y1 + yTo) / 2; cls = a.fate === 'in_flight' ? 'inflight' : 'msg lost';
    }
    const d = a.from === a.to
      ? 'M' + x1 + ',' + y1 + ' C' + (x1 + 10) + ',' + (y1 - 22) + ' ' + (x2 - 10) + ',' + (y2 - 22) + ' ' + x2 + ',' + y2
      : 'M' + x1 + ',' + y1 + ' L' + x2 + ',' + y2;
    const attrs = { class: cls, d, stroke: colour(a.kind) };
    if (a.fate === 'delivered') attrs['marker-end'] = 'url(#head' + a.kind + ')';
    const path = el('path', attrs, parent);
    if (cls === 'msg lost') {
      el('path', { class: 'cross', d: 'M' + (x2 - 4) + ',' + (y2 - 4) + ' l8,8 m0,-8 l-8,8' }, parent);
    }
    const kind = data.kinds[a.kind].name;
    const fate = a.fate === 'delivered' ? 'delivered ' + exact(a.ended) + ' (after ' + exact(a.ended - a.sent) + ')'
      : a.fate === 'in_flight' ? 'still in flight when the run ended'
        : 'lost: ' + a.fate.replace(/_/g, ' ') + (a.fate === 'crashed' ? ' receiver, ' + exact(a.ended) : '');
    hits.push({ x1, y1, x2, y2, node: path, title: kind + ' #' + a.id + ': n' + a.from + ' → n' + a.to,
      body: 'sent ' + exact(a.sent) + ', ' + fate, payload: a.payload });
  }

  function niceStep(raw) {
    const power = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
    for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
    return 10 * power;
  }

  // ---- overview strip ----
  const BUCKETS = 240;
  const density = new Array(BUCKETS).fill(0);
  for (const a of data.arrows) density[Math.min(BUCKETS - 1, Math.floor(a.sent / end * BUCKETS))]++;
  const densest = Math.max(1, ...density);
  function drawOverview() {
    const width = overview.clientWidth || 600, height = 38;
    overview.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    overview.textContent = '';
    const bw = width / BUCKETS;
    density.forEach((count, i) => {
      if (!count) return;
      const h = Math.max(1, count / densest * (height - 4));
      el('rect', { class: 'ov-bar', x: i * bw, y: height - h, width: Math.max(1, bw - 0.5), height: h }, overview);
    });
    for (const v of data.violations) {
      const vx = v.time / end * width;
      el('line', { class: 'ov-violation', x1: vx, x2: vx, y1: 0, y2: height }, overview);
    }
    const wx = Math.max(0, state.t0) / end * width, ww = Math.max(2, (Math.min(end, state.t1) - Math.max(0, state.t0)) / end * width);
    el('rect', { class: 'ov-window', x: wx, y: 0.5, width: ww, height: height - 1 }, overview);
  }
  let overviewDrag = null;
  const overviewTime = (e) => (e.clientX - overview.getBoundingClientRect().left) / overview.clientWidth * end;
  overview.addEventListener('mousedown', (e) => { overviewDrag = overviewTime(e); e.preventDefault(); });
  window.addEventListener('mouseup', (e) => {
    if (overviewDrag === null) return;
    const t = overviewTime(e);
    if (Math.abs(t - overviewDrag) < end / 300) {
      const span = state.t1 - state.t0;
      setWindow(t - span / 2, t + span / 2);
    } else {
      setWindow(Math.min(t, overviewDrag), Math.max(t, overviewDrag));
    }
    overviewDrag = null;
  });

  // ---- pan, zoom, hover, pin ----
  const timeAt = (clientX) => {
    const L = svg.getBoundingClientRect();
    return state.t0 + (clientX - L.left - LEFT) / (L.width - LEFT - RIGHT) * (state.t1 - state.t0);
  };
  svg.addEventListener('wheel', (e) => {
    e.preventDefault();
    zoom(e.deltaY > 0 ? 1.25 : 0.8, timeAt(e.clientX));
  }, { passive: false });
  let drag = null;
  svg.addEventListener('mousedown', (e) => {
    drag = { x: e.clientX, t0: state.t0, t1: state.t1, moved: false };
    svg.classList.add('dragging');
  });
  window.addEventListener('mousemove', (e) => {
    if (drag) {
      const dx = e.clientX - drag.x;
      if (Math.abs(dx) > 3) drag.moved = true;
      if (drag.moved) {
        const per = (drag.t1 - drag.t0) / (svg.getBoundingClientRect().width - LEFT - RIGHT);
        setWindow(drag.t0 - dx * per, drag.t1 - dx * per);
      }
      return;
    }
    if (e.target === svg || svg.contains(e.target)) hover(e);
  });
  window.addEventListener('mouseup', (e) => {
    if (!drag) return;
    svg.classList.remove('dragging');
    if (!drag.moved) {
      const found = nearest(e);
      state.pinned = found ? { x1: found.x1, y1: found.y1, title: found.title, body: found.body, payload: found.payload } : null;
      if (state.pinned) show(state.pinned, true); else show(null);
    }
    drag = null;
  });

  function nearest(e) {
    const box = svg.getBoundingClientRect();
    const px = e.clientX - box.left, py = e.clientY - box.top;
    let best = null, bestDistance = 7;
    for (const h of hits) {
      const d = h.area && px >= h.x1 && px <= h.x2 && py >= h.y1 && py <= h.y2 ? 4 : distance(px, py, h);
      if (d < bestDistance || (d === bestDistance && best && best.area && !h.area)) { best = h; bestDistance = d; }
    }
    return best;
  }
  function distance(px, py, h) {
    const dx = h.x2 - h.x1, dy = h.y2 - h.y1;
    const length = dx * dx + dy * dy;
    const t = length ? Math.max(0, Math.min(1, ((px - h.x1) * dx + (py - h.y1) * dy) / length)) : 0;
    return Math.hypot(px - (h.x1 + t * dx), py - (h.y1 + t * dy));
  }
  function hover(e) {
    const found = nearest(e);
    if (hot && hot !== found) hot.node.classList.remove('hot');
    hot = found;
    if (found) found.node.classList.add('hot');
    if (!state.pinned) show(found);
  }
  function show(item, pinned) {
    const panel = $('details');
    panel.textContent = '';
    if (!item) {
      const hint = document.createElement('p');
      hint.className = 'hint';
      hint.textContent = 'Point at an arrow, a mark or a band to see it here; click to keep it.';
      panel.appendChild(hint);
      return;
    }
    const h = document.createElement('h2');
    h.textContent = item.title + (pinned || state.pinned ? ' (kept: click elsewhere to let go)' : '');
    panel.appendChild(h);
    const body = document.createElement('pre');
    body.textContent = item.body;
    panel.appendChild(body);
    if (item.payload) {
      const payload = document.createElement('pre');
      let text = item.payload;
      try { text = JSON.stringify(JSON.parse(item.payload), null, 1); } catch (_) { /* cut short: shown as is */ }
      payload.textContent = text;
      panel.appendChild(payload);
    }
  }

  window.addEventListener('resize', schedule);
  show(null);
  draw();
  // How long the page took to read its data and draw (for `.ci/browser-check` and curious users).
  document.body.setAttribute('data-drawn-in-ms', String(Math.round(performance.now())));
})();
