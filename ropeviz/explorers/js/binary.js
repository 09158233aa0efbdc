// Static twin of BinarySinusoidalExplorer: the bits of p and the smooth code as cells, the step
// size from p-1 to p at every position, and the lowest bits as square waves over 64 positions
// with their fundamentals 1/2 - (2/pi) sin(pi (p + 1/2) / 2^k), marked at p mod 64.
function draw(ctx) {
  const s = ctx.state, D = ctx.data, el = ropeviz.el, c = ropeviz.c, C = D.colors;
  const b = D.bits, W = D.window, L = D.waves, N = D.num_positions, p = s.position;
  const theta = [];
  for (let k = 0; k < b; k++) theta.push(D.base === null ? Math.PI / Math.pow(2, k) : Math.pow(D.base, -k / b));
  const bit = (q, k) => Math.floor(q / Math.pow(2, k)) % 2;  // exact for q < 2^53
  const flipped = (q) => { const f = []; for (let k = 0; k < b; k++) if (q > 0 && bit(q, k) !== bit(q - 1, k)) f.push(k); return f; };
  const jump = (q) => {
    let total = 0;
    for (const t of theta) {
      total += (Math.sin(q * t) - Math.sin((q - 1) * t)) ** 2;
      total += (Math.cos(q * t) - Math.cos((q - 1) * t)) ** 2;
    }
    return Math.sqrt(total);
  };
  const offset = (k) => (L - 1 - k) * D.spacing;
  const wx = p % W;  // the waves repeat every 2^L positions, and 2^L divides W
  if (!ctx.cache.code) drawStatic();
  const K = ctx.cache.code, J = ctx.cache.steps, V = ctx.cache.waves;
  for (const panel of [K, J, V]) ropeviz.clear(panel.g);

  // Cells: the bits (filled = 1), then sin and cos of every pair, then the grid and the flips.
  const bits = [], sines = [], cosines = [];
  for (let k = 0; k < b; k++) {
    bits.push(bit(p, k)); sines.push(Math.sin(p * theta[k])); cosines.push(Math.cos(p * theta[k]));
    cell(K.g, k, 0, bits[k] ? c(C.on) : c("bg"), { class: "bit", "data-k": k, "data-value": bits[k] });
    cell(K.g, k, 1, ropeviz.lut(D.lut, (sines[k] + 1) / 2), { class: "sin", "data-k": k });
    cell(K.g, k, 2, ropeviz.lut(D.lut, (cosines[k] + 1) / 2), { class: "cos", "data-k": k });
  }
  for (let k = 0; k <= b; k++) line(K.g, K, k - 0.5, -0.5, k - 0.5, 2.5, c("faint"), 1);
  for (const y of [-0.5, 0.5, 1.5, 2.5]) line(K.g, K, -0.5, y, b - 0.5, y, c("faint"), 1);
  const flips = flipped(p);
  for (const k of flips) {
    el(K.g, "rect", { x: K.x(k - 0.42), y: K.y(-0.42), width: K.x(k + 0.42) - K.x(k - 0.42),
      height: K.y(0.42) - K.y(-0.42), fill: "none", stroke: c(C.marker), "stroke-width": 3, class: "flip", "data-k": k });
  }

  // Markers at p, with the values at p as dots.
  line(J.g, J, p, J.ylim[0], p, J.ylim[1], c(C.marker), 2, { class: "marker-jump", "data-x": p });
  line(V.g, V, wx, V.ylim[0], wx, V.ylim[1], c(C.marker), 2, { class: "marker-waves", "data-x": wx });
  const smooth = p > 0 ? jump(p) : NaN;
  if (p > 0) {
    for (const v of [Math.sqrt(flips.length), smooth]) el(J.g, "circle", { cx: J.x(p), cy: J.y(v), r: 3.5, fill: c(C.dot) });
  }
  for (let k = 0; k < L; k++) el(V.g, "circle", { cx: V.x(wx), cy: V.y(bit(p, k) + offset(k)), r: 3.5, fill: c(C.dot) });

  const lines = ["p = " + p + " = 0b" + p.toString(2).padStart(b, "0") + "; bits LSB first (k = 0, 1, ...): " + bits.join(" ")];
  if (p === 0) {
    lines.push("p = 0 is the first position: no step from p\u22121");
  } else {
    lines.push("from p\u22121 = " + (p - 1) + ": bit" + (flips.length > 1 ? "s " : " ") + flips.join(", ") +
      " flipped (Hamming distance " + flips.length + "), bit-code jump \u221a" + flips.length + " = " +
      Math.sqrt(flips.length).toFixed(3) + "; smooth-code jump " + smooth.toFixed(3) + " (the same length at every step)");
  }
  lines.push(D.base === null
    ? "smooth code: (sin p\u03b8_k, cos p\u03b8_k) with \u03b8_k = \u03c0/2^k, the period 2^(k+1) of bit k; " +
      "pair 0 (period 2) only alternates: sin = 0, cos = \u00b11"
    : "smooth code: sinusoidal_encoding with dim = " + 2 * b + ", base = " + D.base_label +
      ": (sin p\u03b8_k, cos p\u03b8_k), \u03b8_k = base^(-k/" + b + ")");
  lines.push("waves: bit k (steps) and its fundamental 1/2 \u2212 (2/\u03c0)\u00b7sin(\u03c0(p+1/2)/2^k) (smooth)" +
    (N > W ? ", marked at p mod " + W + " = " + wx : ""));
  return { bits: bits, flipped: flips, hamming: flips.length, smooth_jump: p > 0 ? smooth : null,
    wave_x: wx, readout: lines.join("\n") };

  // -- helpers (hoisted) -------------------------------------------------------------------
  function cell(parent, k, row, fill, attrs) {
    return el(parent, "rect", Object.assign({ x: K.x(k - 0.5), y: K.y(row - 0.5),
      width: K.x(k + 0.5) - K.x(k - 0.5), height: K.y(row + 0.5) - K.y(row - 0.5), fill: fill }, attrs));
  }

  function line(parent, A, x1, y1, x2, y2, stroke, width, attrs) {
    return el(parent, "line", Object.assign({ x1: A.x(x1), y1: A.y(y1), x2: A.x(x2), y2: A.y(y2),
      stroke: stroke, "stroke-width": width }, attrs || {}));
  }

  function path(points, A) {
    return points.map(([x, y], n) => (n ? "L" : "M") + A.x(x).toFixed(2) + " " + A.y(y).toFixed(2)).join("");
  }

  // Everything that does not move: frames, the step sizes, the square waves and fundamentals.
  function drawStatic() {
    const every = Math.ceil(b / 8), kticks = [];
    for (let k = 0; k < b; k += every) kticks.push([k, String(k)]);
    const P = ctx.panel("code", { aspect: 0.6, min: 160 });
    const A = ropeviz.axes(P, {
      title: "Bits of p (filled = 1, flips from p\u22121 outlined) and the smooth code, pair k under bit k",
      xlim: [-0.5, b - 0.5], ylim: [-0.5, 2.5], yflip: true, equal: true, xticks: kticks,
      yticks: [[0, "bit k"], [1, "sin p\u03b8\u2096"], [2, "cos p\u03b8\u2096"]], xlabel: "k (least significant first)",
    });
    A.fit();
    ctx.cache.code = { x: A.x, y: A.y, g: el(P.svg, "g", { class: "dynamic" }) };

    const top = N > 1 ? Math.max(Math.sqrt((N - 1).toString(2).length), jump(1)) : 1;
    const Q = ctx.panel("steps", { aspect: 0.62, min: 230, max: 330 });
    const B = ropeviz.axes(Q, {
      title: "Step size from p\u22121 to p",
      legend: [["bits: \u221a(bits flipped)", c(C.step), "line"], ["smooth code", c(C.smooth), "line"]],
      xlim: [-0.5, N - 0.5], ylim: [0, 1.15 * top + 0.2], xlabel: "position p",
      ylabel: "\u2016code(p) \u2212 code(p\u22121)\u2016",
    });
    let stems = "";  // one path, one vertical segment per position
    const flat = [];
    for (let q = 1; q < N; q++) {
      stems += "M" + B.x(q).toFixed(2) + " " + B.y(0).toFixed(2) + "V" + B.y(Math.sqrt(flipped(q).length)).toFixed(2);
      flat.push([q, jump(q)]);
    }
    const stemWidth = Math.max(0.5, Math.min(2.5, 0.6 * B.box.w / N));
    if (stems) el(Q.svg, "path", { d: stems, stroke: c(C.step), "stroke-width": stemWidth, class: "stems" });
    if (flat.length) el(Q.svg, "path", { d: path(flat, B), fill: "none", stroke: c(C.smooth), "stroke-width": 2.5, class: "flat" });
    ctx.cache.steps = { x: B.x, y: B.y, ylim: [0, 1.15 * top + 0.2], g: el(Q.svg, "g", { class: "dynamic" }) };

    const R = ctx.panel("waves", { aspect: 0.75, min: 280, max: 420 });
    const wticks = [];
    for (let q = 0; q < W; q += Math.max(1, W / 8)) wticks.push([q, String(q)]);
    const ylim = [-0.45, offset(0) + 1.45];
    const V = ropeviz.axes(R, {
      title: "Lowest bits: square waves of period 2^(k+1), and fundamentals 1/2 \u2212 (2/\u03c0)\u00b7sin(\u03c0(p+1/2)/2^k)",
      legend: [["bit k", c(C.step), "line"], ["fundamental", c(C.smooth), "line"]],
      xlim: [-0.5, W - 0.5], ylim: ylim, xticks: wticks,
      yticks: Array.from({ length: L }, (_, k) => [offset(k) + 0.5, "bit " + k]), xlabel: D.waves_xlabel,
    });
    for (let k = 0; k < L; k++) {
      const pts = [];  // a step curve with its edges half-way between positions ("steps-mid")
      for (let q = 0; q < W; q++) {
        const y = bit(q, k) + offset(k);
        pts.push([q === 0 ? q : q - 0.5, y], [q === W - 1 ? q : q + 0.5, y]);
      }
      el(R.svg, "path", { d: path(pts, V), fill: "none", stroke: c(C.step), "stroke-width": 2, class: "square", "data-k": k });
      const curve = [], samples = W * 16;
      for (let j = 0; j <= samples; j++) {
        const x = -0.5 + (W * j) / samples;
        curve.push([x, 0.5 - (2 / Math.PI) * Math.sin((Math.PI * (x + 0.5)) / Math.pow(2, k)) + offset(k)]);
      }
      el(R.svg, "path", { d: path(curve, V), fill: "none", stroke: c(C.smooth), "stroke-width": 2.2, class: "fundamental", "data-k": k });
    }
    ctx.cache.waves = { x: V.x, y: V.y, ylim: ylim, g: el(R.svg, "g", { class: "dynamic" }) };
  }
}
