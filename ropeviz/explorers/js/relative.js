// Static twin of RelativeExplorer. The curves come precomputed from Python; the score at the
// current (m, n) is recomputed here from the rotated query and key, pair by pair.
function draw(ctx) {
  const s = ctx.state, data = ctx.data, svg = ctx.svg, C = data.colors;
  const M = data.maxPosition, m = s.query_position, n = s.key_position, r = m - n;
  const xs = [];
  for (let v = -M; v <= M; v++) xs.push(v);
  if (!ctx.cache.frame) {
    // Static part, drawn once: frames, curves, legend.
    const left = { x: 75, y: 45, w: 330, h: 300 }, right = { x: 525, y: 45, w: 350, h: 300 };
    const random = data.curves.random.map((v) => v * data.scale);
    let lo = Math.min(...random), hi = Math.max(...random);
    const pad = 0.05 * (hi - lo);
    const a = ropeviz.axes(svg, left, [-M, M], [lo - pad, hi + pad],
      { title: "One random q, k: the score is a function of m \u2212 n", x: "relative distance m \u2212 n", y: "score (R_m q)\u00b7(R_n k)" });
    ropeviz.el(svg, "line", { x1: a.sx(-M), y1: a.sy(0), x2: a.sx(M), y2: a.sy(0), stroke: "#999" });
    ropeviz.path(svg, xs, random, a.sx, a.sy, { stroke: C.random, "stroke-width": 1 });
    const b = ropeviz.axes(svg, right, [-M, M], [-1.05, 1.05],
      { title: "Normalised score for three kinds of q, k", x: "relative distance m \u2212 n", y: "score / (|q| |k|)" });
    ropeviz.el(svg, "line", { x1: b.sx(-M), y1: b.sy(0), x2: b.sx(M), y2: b.sy(0), stroke: "#999" });
    ["aligned", "random", "constant"].forEach((kind, k) => {
      ropeviz.path(svg, xs, data.curves[kind], b.sx, b.sy, { stroke: C[kind], "stroke-width": 1.2 });
      ropeviz.el(svg, "line", { x1: right.x + 10 + 110 * k, y1: right.y + right.h - 14, x2: right.x + 30 + 110 * k, y2: right.y + right.h - 14, stroke: C[kind], "stroke-width": 2 });
      ropeviz.text(svg, right.x + 35 + 110 * k, right.y + right.h - 10, kind, { style: "font-size:12px" });
    });
    ctx.cache.frame = { a: a, b: b, dynamic: ropeviz.el(svg, "g", { class: "dynamic" }) };
  }
  const f = ctx.cache.frame, g = f.dynamic;
  while (g.firstChild) g.removeChild(g.firstChild);
  // The score from the rotated vectors: sum over pairs of (R_m q_i) . (R_n k_i).
  let score = 0;
  for (let i = 0; i < data.theta.length; i++) {
    const am = m * data.theta[i], an = n * data.theta[i];
    const q1 = data.q[0][i] * Math.cos(am) - data.q[1][i] * Math.sin(am);
    const q2 = data.q[0][i] * Math.sin(am) + data.q[1][i] * Math.cos(am);
    const k1 = data.k[0][i] * Math.cos(an) - data.k[1][i] * Math.sin(an);
    const k2 = data.k[0][i] * Math.sin(an) + data.k[1][i] * Math.cos(an);
    score += q1 * k1 + q2 * k2;
  }
  const index = r + M;
  ropeviz.el(g, "line", { x1: f.a.sx(r), y1: 45, x2: f.a.sx(r), y2: 345, stroke: C.marker, "stroke-dasharray": "5 4" });
  ropeviz.el(g, "circle", { cx: f.a.sx(r), cy: f.a.sy(score), r: 6, fill: C.marker, class: "score-marker" });
  ropeviz.el(g, "line", { x1: f.b.sx(r), y1: 45, x2: f.b.sx(r), y2: 345, stroke: C.marker, "stroke-dasharray": "5 4" });
  const values = [];
  for (const kind of ["aligned", "random", "constant"]) {
    const v = data.curves[kind][index];
    ropeviz.el(g, "circle", { cx: f.b.sx(r), cy: f.b.sy(v), r: 5, fill: C[kind], stroke: "#000" });
    values.push(kind + " " + (v >= 0 ? "+" : "") + v.toFixed(3));
  }
  const sign = (v, digits) => (v >= 0 ? "+" : "") + v.toFixed(digits);
  const readout = [
    "m = " + m + ", n = " + n + ", m \u2212 n = " + r,
    "random q, k: (R_m q)\u00b7(R_n k) = " + sign(score, 4) + " (the same for every m, n with m \u2212 n = " + r + ")",
    "normalised scores at m \u2212 n = " + r + ": " + values.join(", "),
  ].join("\n");
  return { relative: r, score: score, readout: readout };
}
