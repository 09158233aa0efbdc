// Static twin of RelativeExplorer. The curves come precomputed from Python; the score at the
// current (m, n) is recomputed here from the rotated query and key, pair by pair.
function draw(ctx) {
  const s = ctx.state, data = ctx.data, el = ropeviz.el, c = ropeviz.c, C = data.colors;
  const M = data.maxPosition, m = s.query_position, n = s.key_position, r = m - n;
  const kinds = ["aligned", "random", "constant"];
  if (!ctx.cache.frames) {
    const xs = [];
    for (let v = -M; v <= M; v++) xs.push(v);
    const random = data.curves.random.map((v) => v * data.scale);
    const lo = Math.min(...random), hi = Math.max(...random), pad = 0.05 * (hi - lo);
    const P = ctx.panel("score", { aspect: 0.8, min: 280, max: 400 });
    const a = ropeviz.axes(P, {
      title: "One random q, k: the score is a function of m \u2212 n",
      xlim: [-M, M], ylim: [lo - pad, hi + pad], xlabel: "relative distance m \u2212 n",
      ylabel: "score (R\u2098q)\u00b7(R\u2099k)",
    });
    el(P.svg, "line", { x1: a.x(-M), x2: a.x(M), y1: a.y(0), y2: a.y(0), class: "rv-zero" });
    ropeviz.path(P.svg, xs, random, a, { stroke: c(C.random), "stroke-width": 1.2 });
    const Q = ctx.panel("kinds", { aspect: 0.8, min: 280, max: 400 });
    const b = ropeviz.axes(Q, {
      title: "Normalised score for three kinds of q, k",
      legend: kinds.map((kind) => [kind, c(C[kind]), "line"]),
      xlim: [-M, M], ylim: [-1.05, 1.05], xlabel: "relative distance m \u2212 n", ylabel: "score / (|q| |k|)",
    });
    el(Q.svg, "line", { x1: b.x(-M), x2: b.x(M), y1: b.y(0), y2: b.y(0), class: "rv-zero" });
    for (const kind of kinds) ropeviz.path(Q.svg, xs, data.curves[kind], b, { stroke: c(C[kind]), "stroke-width": 1.3 });
    ctx.cache.frames = { a: a, b: b, ga: el(P.svg, "g", { class: "dynamic" }), gb: el(Q.svg, "g", { class: "dynamic" }) };
  }
  const f = ctx.cache.frames;
  ropeviz.clear(f.ga);
  ropeviz.clear(f.gb);
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
  const { a, b } = f;
  el(f.ga, "line", { x1: a.x(r), x2: a.x(r), y1: a.box.y, y2: a.box.y + a.box.h, stroke: c(C.marker), "stroke-dasharray": "5 4" });
  el(f.ga, "circle", { cx: a.x(r), cy: a.y(score), r: 5.5, fill: c(C.marker), class: "score-marker" });
  el(f.gb, "line", { x1: b.x(r), x2: b.x(r), y1: b.box.y, y2: b.box.y + b.box.h, stroke: c(C.marker), "stroke-dasharray": "5 4" });
  const values = [];
  for (const kind of kinds) {
    const v = data.curves[kind][index];
    el(f.gb, "circle", { cx: b.x(r), cy: b.y(v), r: 5, fill: c(C[kind]), stroke: c("fg") });
    values.push(kind + " " + ropeviz.signed(v, 3));
  }
  const readout = [
    "m = " + m + ", n = " + n + ", m \u2212 n = " + r,
    "random q, k: (R_m q)\u00b7(R_n k) = " + ropeviz.signed(score, 4) + " (the same for every m, n with m \u2212 n = " + r + ")",
    "normalised scores at m \u2212 n = " + r + ": " + values.join(", "),
  ].join("\n");
  return { relative: r, score: score, readout: readout };
}
