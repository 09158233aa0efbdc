// Static twin of PhaseExplorer: the phasors h_i e^{i r theta_i} head to tail, and the score
// s(r) = Re sum_i h_i e^{i r theta_i} against r. theta_i and the phase directions u_i come from
// Python; phi_i = -r0 theta_i + delta u_i and |h_i| = magnitude, as in ropeviz/explorers/phase.py.
function draw(ctx) {
  const s = ctx.state, D = ctx.data, el = ropeviz.el, c = ropeviz.c, C = D.colors;
  const n = D.headDim / 2, R = D.maxDistance, mag = D.magnitude, bound = mag * n;
  const r = s.distance, phi = D.theta.map((t, i) => -s.focus * t + s.spread * D.u[i]);
  const sum = (x) => {
    let re = 0, im = 0;
    for (let i = 0; i < n; i++) { re += mag * Math.cos(phi[i] + x * D.theta[i]); im += mag * Math.sin(phi[i] + x * D.theta[i]); }
    return [re, im];
  };
  const key = s.spread + ":" + s.focus;
  if (!ctx.cache.phasors) drawFrames();
  if (ctx.cache.key !== key) drawCurve();
  const F = ctx.cache.phasors, S = ctx.cache.score;
  ropeviz.clear(F.g);
  ropeviz.clear(S.g);

  // Their sum (under), then the phasors head to tail, pair 0 first (dark), the last pair bright.
  const [x, y] = sum(r);
  el(F.g, "line", { x1: F.x(0), y1: F.y(0), x2: F.x(x), y2: F.y(y), stroke: c(C.sum), "stroke-width": 5, "stroke-opacity": 0.45, class: "resultant" });
  let hx = 0, hy = 0;
  for (let i = 0; i < n; i++) {
    const a = phi[i] + r * D.theta[i], nx = hx + mag * Math.cos(a), ny = hy + mag * Math.sin(a);
    el(F.g, "line", { x1: F.x(hx), y1: F.y(hy), x2: F.x(nx), y2: F.y(ny), stroke: ropeviz.lut(D.lut, i / Math.max(1, n - 1)), "stroke-width": 2, class: "phasor" });
    hx = nx; hy = ny;
  }
  el(F.g, "line", { x1: F.x(x), y1: F.y(0), x2: F.x(x), y2: F.y(y), stroke: c(C.point), "stroke-dasharray": "2 3" });
  el(F.g, "circle", { cx: F.x(x), cy: F.y(0), r: 5.5, fill: c(C.point), class: "projection" });
  el(S.g, "line", { x1: S.x(r), x2: S.x(r), y1: S.box.y, y2: S.box.y + S.box.h, stroke: c("fg"), "stroke-dasharray": "2 3" });
  el(S.g, "circle", { cx: S.x(r), cy: S.y(x), r: 5.5, fill: c(C.point), class: "score-dot" });

  // Attention of one query over its keys r = 0..R: softmax of s(r) / sqrt(d), and its entropy.
  const scores = ctx.cache.scores, logits = scores.map((v) => v / Math.sqrt(D.headDim));
  const top = Math.max(...logits);
  let total = 0;
  const w = logits.map((v) => { const e = Math.exp(v - top); total += e; return e; }).map((e) => e / total);
  let entropy = 0, peak = 0;
  w.forEach((v, k) => { if (v > 0) entropy -= v * Math.log(v); if (v > w[peak]) peak = k; });
  const length = Math.hypot(x, y);
  const readout = [
    "r = " + r + ": score s(r) = Re \u03a3 h_i e^(i r \u03b8_i) = " + ropeviz.signed(x, 3) + "; |\u03a3 h_i e^(i r \u03b8_i)| = " +
      length.toFixed(3) + " of at most \u03a3|h_i| = " + bound.toFixed(3) + " (" + (100 * length / bound).toFixed(1) + "%)",
    "phases \u03c6_i = \u2212r\u2080\u00b7\u03b8_i + \u03b4\u00b7u_i with r\u2080 = " + s.focus + ", \u03b4 = " + ropeviz.fmtg(s.spread, 6) +
      ": at \u03b4 = 0 every phasor lines up at r = r\u2080",
    "attention over r = 0.." + R + " (softmax of s/\u221ad): weight at r " + w[r].toFixed(4) + ", peak at r = " + peak +
      "; entropy " + entropy.toFixed(3) + " nats (uniform " + Math.log(w.length).toFixed(3) + ")",
  ].join("\n");
  return { score: x, imag: y, length: length, weight: w[r], peak: peak, entropy: entropy, readout: readout };

  function drawFrames() {
    const lim = 1.08 * bound, t = ropeviz.ticks(-bound, bound, 4);
    const P = ctx.panel("phasors", { aspect: 1.0, min: 300, max: 440 });
    const A = ropeviz.axes(P, {
      title: "Phasors h\u1d62e^(ir\u03b8\u1d62) head to tail; dashed: the largest possible sum \u03a3|h\u1d62|",
      legend: [["sum", c(C.sum), "line"], ["score = real part", c(C.point), "dot"]],
      xlim: [-lim, lim], ylim: [-lim, lim], equal: true, xticks: t, yticks: t,
      xlabel: "real part (the score)", ylabel: "imaginary part",
    });
    A.fit();
    el(P.svg, "line", { x1: A.x(-lim), x2: A.x(lim), y1: A.y(0), y2: A.y(0), class: "rv-zero" });
    el(P.svg, "line", { x1: A.x(0), x2: A.x(0), y1: A.y(-lim), y2: A.y(lim), class: "rv-zero" });
    el(P.svg, "circle", { cx: A.x(0), cy: A.y(0), r: A.x(bound) - A.x(0), fill: "none", stroke: c("faint"), "stroke-dasharray": "5 4" });
    const Q = ctx.panel("score", { aspect: 0.8, min: 280, max: 400 });
    const B = ropeviz.axes(Q, {
      title: "Score s(r) = Re \u03a3 h\u1d62e^(ir\u03b8\u1d62); dashed: \u00b1\u03a3|h\u1d62|",
      xlim: [0, R], ylim: [-1.08 * bound, 1.08 * bound], xlabel: "distance r = m \u2212 n", ylabel: "score s(r)",
    });
    for (const v of [-bound, bound]) el(Q.svg, "line", { x1: B.x(0), x2: B.x(R), y1: B.y(v), y2: B.y(v), stroke: c("faint"), "stroke-dasharray": "5 4" });
    el(Q.svg, "line", { x1: B.x(0), x2: B.x(R), y1: B.y(0), y2: B.y(0), class: "rv-zero" });
    ctx.cache.phasors = Object.assign(A, { g: el(P.svg, "g", { class: "dynamic" }) });
    ctx.cache.score = Object.assign(B, { curve: el(Q.svg, "g", { class: "curve" }), g: el(Q.svg, "g", { class: "dynamic" }) });
  }

  function drawCurve() {
    const S = ctx.cache.score, xs = [], ys = [];
    for (let k = 0; k <= R; k++) { xs.push(k); ys.push(sum(k)[0]); }
    ropeviz.clear(S.curve);
    ropeviz.path(S.curve, xs, ys, S, { stroke: c(C.curve), "stroke-width": 1.4, class: "score-curve" });
    ctx.cache.scores = ys;
    ctx.cache.key = key;
  }
}
