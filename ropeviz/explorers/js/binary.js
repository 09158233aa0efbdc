// Static twin of BinarySinusoidalExplorer: the bits of p and the smooth code as cells, the step
// size from p-1 to p at every position, and the lowest bits as square waves over 64 positions
// with their fundamentals 1/2 - (2/pi) sin(pi (p + 1/2) / 2^k), marked at p mod 64.
// Layout, limits and tick labels come from the live figure (ropeviz/explorers/_frames.py).
function draw(ctx) {
  const s = ctx.state, D = ctx.data, el = ropeviz.el, C = D.colors, A = D.axes;
  const b = D.bits, W = D.window, L = D.waves, p = s.position;
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
  const code = ropeviz.panel(A.code), steps = ropeviz.panel(A.jump), waves = ropeviz.panel(A.waves);
  const wx = p % W;  // the waves repeat every 2^L positions, and 2^L divides W

  if (!ctx.cache.dynamic) {
    drawStatic(ctx.svg);
    ctx.cache.dynamic = el(ctx.svg, "g", { class: "dynamic" });
  }
  const g = ctx.cache.dynamic;
  while (g.lastChild) g.removeChild(g.lastChild);

  // Cells: the bits (filled = 1), then sin and cos of every pair, then the grid and the flips.
  const bits = [], sines = [], cosines = [];
  for (let k = 0; k < b; k++) {
    bits.push(bit(p, k)); sines.push(Math.sin(p * theta[k])); cosines.push(Math.cos(p * theta[k]));
    cell(g, k, 0, bits[k] ? C.on : "#ffffff", { class: "bit", "data-k": k, "data-value": bits[k] });
    cell(g, k, 1, color(sines[k]), { class: "sin", "data-k": k });
    cell(g, k, 2, color(cosines[k]), { class: "cos", "data-k": k });
  }
  for (let k = 0; k <= b; k++) line(g, code, k - 0.5, -0.5, k - 0.5, 2.5, "#777", 1.1);
  for (const y of [-0.5, 0.5, 1.5, 2.5]) line(g, code, -0.5, y, b - 0.5, y, "#777", 1.1);
  const flips = flipped(p);
  for (const k of flips) {
    el(g, "rect", { x: code.x(k - 0.45), y: code.y(-0.45), width: code.x(k + 0.45) - code.x(k - 0.45),
      height: code.y(0.45) - code.y(-0.45), fill: "none", stroke: C.marker, "stroke-width": 3.6, class: "flip", "data-k": k });
  }

  // Markers at p, with the values at p as dots.
  line(g, steps, p, steps.f.ylim[0], p, steps.f.ylim[1], C.marker, 2.1, { class: "marker-jump", "data-x": p });
  line(g, waves, wx, waves.f.ylim[0], wx, waves.f.ylim[1], C.marker, 2.1, { class: "marker-waves", "data-x": wx });
  const smooth = p > 0 ? jump(p) : NaN;
  if (p > 0) {
    for (const v of [Math.sqrt(flips.length), smooth]) el(g, "circle", { cx: steps.x(p), cy: steps.y(v), r: 3.5, fill: C.dot });
  }
  for (let k = 0; k < L; k++) el(g, "circle", { cx: waves.x(wx), cy: waves.y(bit(p, k) + offset(k)), r: 3.5, fill: C.dot });

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
    (D.num_positions > W ? ", marked at p mod " + W + " = " + wx : ""));
  return { bits: bits, flipped: flips, hamming: flips.length, smooth_jump: p > 0 ? smooth : null,
    wave_x: wx, readout: lines.join("\n") };

  // -- helpers (hoisted) -------------------------------------------------------------------
  function color(v) {
    const n = Math.min(255, Math.max(0, Math.floor(((v + 1) / 2) * 256)));
    return "#" + D.lut.substr(6 * n, 6);
  }

  function cell(parent, k, row, fill, attrs) {
    return el(parent, "rect", Object.assign({ x: code.x(k - 0.5), y: code.y(row - 0.5),
      width: code.x(k + 0.5) - code.x(k - 0.5), height: code.y(row + 0.5) - code.y(row - 0.5), fill: fill }, attrs));
  }

  function line(parent, P, x1, y1, x2, y2, stroke, width, attrs) {
    return el(parent, "line", Object.assign({ x1: P.x(x1), y1: P.y(y1), x2: P.x(x2), y2: P.y(y2),
      stroke: stroke, "stroke-width": width }, attrs || {}));
  }

  function path(points, P) {
    return points.map(([x, y], n) => (n ? "L" : "M") + P.x(x).toFixed(2) + " " + P.y(y).toFixed(2)).join("");
  }


  // Everything that does not move: frames, the step sizes, the square waves and fundamentals.
  function drawStatic(group) {
    ropeviz.frame(group, code, {
      title: ["Bits of p (filled = 1, flips from p\u22121 outlined)", "and the smooth code, pair k under bit k"],
      titleAlign: "left", xlabel: "k (least significant first)",
    });
    ropeviz.frame(group, steps, { title: ["Step size from p\u22121 to p"], titleAlign: "left", xlabel: "position p",
      ylabel: "\u2016code(p) \u2212 code(p\u22121)\u2016", ylabelGap: 30, ylabelStyle: "font-size:12px" });
    const N = D.num_positions, flat = [];
    let stems = "";  // one path, one vertical segment per position
    for (let q = 1; q < N; q++) {
      stems += "M" + steps.x(q).toFixed(2) + " " + steps.y(0).toFixed(2) + "V" + steps.y(Math.sqrt(flipped(q).length)).toFixed(2);
      flat.push([q, jump(q)]);
    }
    if (stems) el(group, "path", { d: stems, stroke: C.step, "stroke-width": D.stem_width, class: "stems" });
    if (flat.length) el(group, "path", { d: path(flat, steps), fill: "none", stroke: C.smooth, "stroke-width": 2.8, class: "flat" });
    // Legend in the panel's top right corner: "bits" then "smooth code", as in the figure.
    let x = steps.x0 + steps.w - 6;
    const y = steps.y0 + 11;
    for (const [label, colour] of [["smooth code", C.smooth], ["bits: \u221a(bits flipped)", C.step]]) {
      const text = ropeviz.text(group, x, y + 4, label, { "text-anchor": "end", style: "font-size:11px;fill:#222" });
      const width = text.getComputedTextLength ? text.getComputedTextLength() || 6 * label.length : 6 * label.length;
      el(group, "line", { x1: x - width - 24, x2: x - width - 6, y1: y, y2: y, stroke: colour, "stroke-width": 2.8 });
      x -= width + 36;
    }

    ropeviz.frame(group, waves, {
      title: ["Lowest bits: square waves, period 2^(k+1),", "and fundamentals 1/2 \u2212 (2/\u03c0)\u00b7sin(\u03c0(p+1/2)/2^k)"],
      xlabel: D.waves_xlabel,
    });
    for (let k = 0; k < L; k++) {
      const pts = [];  // a step curve with its edges half-way between positions ("steps-mid")
      for (let q = 0; q < W; q++) {
        const y = bit(q, k) + offset(k);
        pts.push([q === 0 ? q : q - 0.5, y], [q === W - 1 ? q : q + 0.5, y]);
      }
      el(group, "path", { d: path(pts, waves), fill: "none", stroke: C.step, "stroke-width": 2.2, class: "square", "data-k": k });
      const curve = [], samples = W * 16;
      for (let j = 0; j <= samples; j++) {
        const x = -0.5 + (W * j) / samples;
        curve.push([x, 0.5 - (2 / Math.PI) * Math.sin((Math.PI * (x + 0.5)) / Math.pow(2, k)) + offset(k)]);
      }
      el(group, "path", { d: path(curve, waves), fill: "none", stroke: C.smooth, "stroke-width": 2.5, class: "fundamental", "data-k": k });
    }
  }
}
