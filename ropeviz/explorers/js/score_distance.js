// Static twin of ScoreDistanceExplorer. Per pair, (R_r q).k = A_i cos(r theta_i) + B_i sin(r theta_i);
// A, B of each kind of q, k, the frequencies of each base (inv_frequencies) and the number of
// rotating pairs of each p (scaled_inv_frequencies "p-rope") all come from Python. Stopped
// pairs have frequency 0.
function draw(ctx) {
  const s = ctx.state, D = ctx.data, el = ropeviz.el, c = ropeviz.c, C = D.colors;
  const kinds = ["aligned", "related", "random"], R = D.maxDistance, n = D.headDim / 2;
  const r = s.distance, kept = D.kept[D.fractions.indexOf(s.p)];
  const theta = D.theta[D.bases.indexOf(s.base)].map((t, i) => (i < kept ? t : 0));
  const score = (part, x) => {
    let total = 0;
    for (let i = 0; i < n; i++) total += part.a[i] * Math.cos(x * theta[i]) + part.b[i] * Math.sin(x * theta[i]);
    return total / part.norm;
  };
  const expected = (x) => { let t = 0; for (let i = 0; i < n; i++) t += Math.cos(x * theta[i]); return t / n; };
  const key = s.base + ":" + s.p;
  if (!ctx.cache.scores) drawFrames();
  if (ctx.cache.key !== key) drawCurves();
  const S = ctx.cache.scores, W = ctx.cache.pairs;
  ropeviz.clear(S.g);
  ropeviz.clear(W.g);
  el(S.g, "line", { x1: S.x(r), x2: S.x(r), y1: S.box.y, y2: S.box.y + S.box.h, stroke: c(C.marker), "stroke-dasharray": "2 3", class: "marker" });
  const values = {};
  for (const kind of kinds) {
    values[kind] = score(D.parts[kind], r);
    el(S.g, "circle", { cx: S.x(r), cy: S.y(values[kind]), r: 5, fill: c(C[kind]), stroke: c("fg"), class: "dot-" + kind });
  }
  const yr = Math.max(r, 2);
  el(W.g, "line", { x1: W.box.x, x2: W.box.x + W.box.w, y1: W.y(yr), y2: W.y(yr), stroke: c(C.r), "stroke-width": 1.5, class: "r-line" });

  const p = ropeviz.fmtg(s.p, 6);
  const rotating = kept === n ? "p = " + p + ": all " + n + " pairs rotate (plain RoPE)"
    : kept === 0 ? "p = " + p + ": no pair rotates (NoPE): no score depends on r"
      : "p = " + p + ": the " + kept + " fastest of " + n + " pairs rotate, the " + (n - kept) + " slowest are stopped (frequency 0)";
  const readout = [
    "distance r = " + r + " (query r tokens after the key); d = " + D.headDim + ", base " + ropeviz.group(s.base),
    rotating,
    "score / (|q| |k|) at r: " + kinds.map((kind) => kind + " " + ropeviz.signed(values[kind], 3)).join(", "),
    "expected over Gaussian q: aligned " + ropeviz.signed(expected(r), 3) +
      " (the mean of cos(r\u00b7\u03b8_i) over pairs), random 0 at every r",
  ].join("\n");
  return { kept: kept, aligned: values.aligned, related: values.related, random: values.random, expected: expected(r), readout: readout };

  function drawFrames() {
    const P = ctx.panel("scores", { aspect: 0.75, min: 290, max: 400 });
    const A = ropeviz.axes(P, {
      title: "Score of a query r tokens after the key",
      legend: kinds.map((kind) => [kind, c(C[kind]), "line"]).concat([["aligned, expected", c(C.expected), "dash"]]),
      xlim: [0, R], ylim: [-1.05, 1.05], xlabel: "distance r (tokens)", ylabel: "score / (|q| |k|)",
    });
    el(P.svg, "line", { x1: A.x(0), x2: A.x(R), y1: A.y(0), y2: A.y(0), class: "rv-zero" });
    const Q = ctx.panel("pairs", { aspect: 0.75, min: 290, max: 400 });
    const B = ropeviz.axes(Q, {
      title: "Rotating pairs (dots) and stopped pairs (\u00d7 at the top, \u03b8 = 0)",
      legend: [["rotating", c(C.kept), "dot"], ["distance r", c(C.r), "line"]],
      xlim: [-1, n], ylim: [2, D.wavelengthTop], ylog: true, xlabel: "pair i", ylabel: "wavelength 2\u03c0/\u03b8\u1d62 (tokens)",
    });
    ctx.cache.scores = Object.assign(A, { curves: el(P.svg, "g", { class: "curves" }), g: el(P.svg, "g", { class: "dynamic" }) });
    ctx.cache.pairs = Object.assign(B, { dots: el(Q.svg, "g", { class: "wavelengths" }), g: el(Q.svg, "g", { class: "dynamic" }) });
  }

  function drawCurves() {
    const S = ctx.cache.scores, W = ctx.cache.pairs, xs = [];
    ropeviz.clear(S.curves);
    ropeviz.clear(W.dots);
    for (let x = 0; x <= R; x++) xs.push(x);
    for (const kind of kinds) {
      ropeviz.path(S.curves, xs, xs.map((x) => score(D.parts[kind], x)), S, { stroke: c(C[kind]), "stroke-width": 1.2, class: "curve-" + kind });
    }
    ropeviz.path(S.curves, xs, xs.map(expected), S, { stroke: c(C.expected), "stroke-width": 1.5, "stroke-dasharray": "5 3", class: "curve-expected" });
    const top = D.wavelengthTop / 1.6;
    for (let i = 0; i < n; i++) {
      if (theta[i] > 0) {
        el(W.dots, "circle", { cx: W.x(i), cy: W.y(2 * Math.PI / theta[i]), r: 2.8, fill: c(C.kept), class: "kept" });
      } else {
        const x = W.x(i), y = W.y(top);
        el(W.dots, "path", { d: "M" + (x - 3) + " " + (y - 3) + "L" + (x + 3) + " " + (y + 3) + "M" + (x - 3) + " " + (y + 3) + "L" + (x + 3) + " " + (y - 3),
          stroke: c(C.stopped), "stroke-width": 1.4, class: "stopped" });
      }
    }
    ctx.cache.key = key;
  }
}
