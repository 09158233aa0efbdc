// Static twin of RotationExplorer: pair i on the unit circle, and one clock per pair.
// theta_i = base^(-2i/d) is recomputed here; tests check it against ropeviz.inv_frequencies.
function draw(ctx) {
  const s = ctx.state, data = ctx.data, el = ropeviz.el, c = ropeviz.c;
  const d = s.head_dim, pairs = d / 2;
  ctx.setMax("pair", pairs - 1);
  const i = s.pair, m = s.position;
  const theta = [];
  for (let k = 0; k < pairs; k++) theta.push(Math.pow(s.base, -2 * k / d));
  const vec = data.vectors[String(d)];
  const angle = m * theta[i];
  const turn = ((angle % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
  const start = vec.start[i], end = start + turn;

  // Left: the selected pair on the unit circle (static frame drawn once per layout).
  const P = ctx.panel("pair", { aspect: 1.0, min: 280, max: 430 });
  if (!ctx.cache.pair) {
    const A = ropeviz.axes(P, {
      title: "Pair i of a query: position 0 (dashed) and position m (solid)",
      xlim: [-1.25, 1.25], ylim: [-1.25, 1.25], equal: true,
      xticks: [[-1, "\u22121"], [0, "0"], [1, "1"]], yticks: [[-1, "\u22121"], [0, "0"], [1, "1"]],
      xlabel: "first component (normalised)", ylabel: "second component",
    });
    el(P.svg, "line", { x1: A.x(-1.25), x2: A.x(1.25), y1: A.y(0), y2: A.y(0), class: "rv-zero" });
    el(P.svg, "line", { x1: A.x(0), x2: A.x(0), y1: A.y(-1.25), y2: A.y(1.25), class: "rv-zero" });
    el(P.svg, "circle", { cx: A.x(0), cy: A.y(0), r: A.x(1) - A.x(0), fill: "none", stroke: c("faint") });
    ctx.cache.pair = { A: A, g: el(P.svg, "g", { class: "dynamic" }) };
  }
  const { A, g } = ctx.cache.pair;
  ropeviz.clear(g);
  const tip = (a, r) => [A.x(r * Math.cos(a)), A.y(r * Math.sin(a))];
  const [sx, sy] = tip(start, 1), [ex, ey] = tip(end, 1);
  el(g, "line", { x1: A.x(0), y1: A.y(0), x2: sx, y2: sy, stroke: c("faint"), "stroke-width": 2, "stroke-dasharray": "6 4", class: "start-arrow" });
  const steps = Math.max(2, Math.ceil(turn * 20));
  let arc = "";
  for (let k = 0; k <= steps; k++) {
    const [x, y] = tip(start + (turn * k) / steps, 0.3);
    arc += (k ? "L" : "M") + x.toFixed(2) + " " + y.toFixed(2);
  }
  el(g, "path", { d: arc, fill: "none", stroke: c("orange"), "stroke-width": 3, class: "arc" });
  el(g, "line", { x1: A.x(0), y1: A.y(0), x2: ex, y2: ey, stroke: c("blue"), "stroke-width": 3.5, class: "end-arrow" });
  el(g, "circle", { cx: ex, cy: ey, r: 5.5, fill: c("blue") });

  // Right: one clock per pair, hand at m * theta_k; the selected pair circled.
  const cols = pairs <= 64 ? 8 : 16, rows = Math.ceil(pairs / cols);  // as clock_columns()
  let Q = ctx.panel("clocks", ctx.cache.clocks ? { height: ctx.cache.clocks.height } : { aspect: 0.8 });
  const key = d + ":" + Q.w;
  if (ctx.cache.clocksKey !== key) {
    ropeviz.clear(Q.svg);
    const title = ropeviz.wrap(Q.svg, "Every pair\u2019s rotation m\u00b7\u03b8\u1d62 (one clock per pair, selected pair circled)", "rv-title", Q.w - 12);
    const labelW = ropeviz.measure(Q.svg, String(pairs - 1), "rv-tick") + 10;
    const cell = Math.min((Q.w - labelW - 10) / cols, 56);
    const top = 10 + 18 * title.length;
    Q = ctx.panel("clocks", { height: Math.ceil(top + rows * cell + 8) });
    title.forEach((line, n) => ropeviz.text(Q.svg, Q.w / 2, 18 + 18 * n, line, { class: "rv-title", "text-anchor": "middle" }));
    const x0 = labelW + cell / 2, y0 = top + cell / 2, r = 0.42 * cell;
    const faces = el(Q.svg, "g", { class: "faces" });
    for (let k = 0; k < pairs; k++) {
      const x = x0 + (k % cols) * cell, y = y0 + Math.floor(k / cols) * cell;
      el(faces, "circle", { cx: x, cy: y, r: r, fill: "none", stroke: c("faint") });
      el(faces, "line", { x1: x + 0.78 * r, y1: y, x2: x + r, y2: y, stroke: c("faint") });
      if (k % cols === 0) ropeviz.text(faces, labelW - 6, y + 4, String(k), { class: "rv-tick", "text-anchor": "end" });
    }
    ctx.cache.clocks = { x0: x0, y0: y0, r: r, cell: cell, height: Q.h, g: el(Q.svg, "g", { class: "hands" }) };
    ctx.cache.clocksKey = key;
  }
  const K = ctx.cache.clocks;
  ropeviz.clear(K.g);
  for (let k = 0; k < pairs; k++) {
    const x = K.x0 + (k % cols) * K.cell, y = K.y0 + Math.floor(k / cols) * K.cell, a = m * theta[k];
    el(K.g, "line", { x1: x, y1: y, x2: x + 0.9 * K.r * Math.cos(a), y2: y - 0.9 * K.r * Math.sin(a),
      stroke: c("blue"), "stroke-width": K.cell > 30 ? 2 : 1.5, "data-pair": k });
  }
  const hx = K.x0 + (i % cols) * K.cell, hy = K.y0 + Math.floor(i / cols) * K.cell;
  el(K.g, "circle", { cx: hx, cy: hy, r: 1.12 * K.r, fill: "none", stroke: c("vermillion"), "stroke-width": 2.5, class: "highlight" });

  const dims = data.pairing === "interleaved" ? [2 * i, 2 * i + 1] : [i, i + pairs];
  const readout = [
    "pair " + i + " of " + pairs + ": dims (" + dims[0] + ", " + dims[1] + "), |pair| = " +
      vec.norm[i].toFixed(3) + " (unchanged by the rotation)",
    "\u03b8_i = base^(-2i/d) = " + ropeviz.fmt4(theta[i]) + " rad/token, wavelength 2\u03c0/\u03b8_i = " +
      ropeviz.fmt4(2 * Math.PI / theta[i]) + " tokens",
    "m\u00b7\u03b8_i = " + ropeviz.fmt4(angle) + " rad = " + ropeviz.fmt4(angle / (2 * Math.PI)) +
      " turns; mod 2\u03c0: " + turn.toFixed(3) + " rad (" + (turn * 180 / Math.PI).toFixed(1) + "\u00b0)",
  ].join("\n");
  return { angle: angle, turn: turn, theta: theta[i], readout: readout };
}
