// Static twin of ScalingExplorer (context extension). Every schedule (scaled_inv_frequencies),
// YaRN's ramp (yarn_ramp), the kind of every pair and Men et al.'s cosine sums (lowest value per
// stretch of distances, first negative distance) are computed in Python and shipped; this
// script only draws them and writes the readout.
function draw(ctx) {
  const s = ctx.state, D = ctx.data, el = ropeviz.el, c = ropeviz.c, C = D.colors;
  const n = D.headDim / 2, L = D.length, kinds = ["kept", "between", "interpolated"];
  const factor = ropeviz.fmtg(s.factor, 6), S = D.settings[s.method + ":" + factor];
  const target = Math.round(s.factor * L), i = s.pair;
  if (!ctx.cache.waves) drawFrames();
  const key = s.method + ":" + factor;
  if (ctx.cache.key !== key) drawSetting();
  const Wv = ctx.cache.waves;
  ropeviz.clear(Wv.g);
  el(Wv.g, "line", { x1: Wv.x(i), x2: Wv.x(i), y1: Wv.box.y, y2: Wv.box.y + Wv.box.h, stroke: c(C.pair), "stroke-width": 1.5, class: "pair-marker" });

  const counts = [0, 0, 0];
  S.classes.forEach((k) => { counts[k] += 1; });
  const label = D.methodLabels[D.methods.indexOf(s.method)];
  let pairs = counts[0] + " pairs kept (\u03b8' = \u03b8), " + counts[1] + " in between, " + counts[2] + " interpolated (\u03b8' = \u03b8/s)";
  if (s.method === "dynamic") {
    pairs += "; dynamic NTK at \u2113 = sL: s_eff = s\u00b7\u2113/L \u2212 (s \u2212 1) = " + ropeviz.fmtg(s.factor * target / L - (s.factor - 1), 6);
  }
  if (S.attention !== 1) pairs += "; attention factor " + ropeviz.fmt4(S.attention) + ": logits \u00d7 " + ropeviz.fmt4(S.attention * S.attention);
  const before = 2 * Math.PI / D.theta[i], after = 2 * Math.PI / S.invFreq[i];
  let pair = "pair " + i + ": wavelength " + ropeviz.fmt4(before) + " \u2192 " + ropeviz.fmt4(after) + " tokens; turns within L: " +
    ropeviz.fmt4(L / before) + "; \u03b8'/\u03b8 = " + ropeviz.fmt4(S.invFreq[i] / D.theta[i]);
  if (s.method === "yarn") pair += "; YaRN ramp \u03b3 = " + ropeviz.fmt4(D.ramp[i]);
  const O = D.originals[factor];
  const verdict = S.first === null ? "stays \u2265 0 for every m < sL" : "first negative at m = " + ropeviz.group(S.first);
  const original = O.first === null ? "never negative below sL" : "first negative at m = " + ropeviz.group(O.first);
  const readout = [
    label + ", s = " + factor + ": trained on L = " + ropeviz.group(L) + " tokens, target sL = " + ropeviz.group(target) +
      "; d = " + D.headDim + ", base " + D.baseLabel,
    pairs,
    pair,
    "Men et al.: \u03a3 cos(m\u00b7\u03b8'_i) " + verdict + "; original schedule " + original + "; smallest base for L: " + D.minBase,
  ].join("\n");
  return { counts: counts, first: S.first, wavelength: after, readout: readout };

  function drawFrames() {
    const P = ctx.panel("wavelengths", { aspect: 0.8, min: 300, max: 420 });
    const A = ropeviz.axes(P, {
      title: "Wavelengths before (grey) and after scaling, against L (solid) and sL (dashed)",
      legend: kinds.map((k) => [k, c(C[k]), "dot"]).concat([["before", c(C.original), "dot"]]),
      xlim: [-1, n], ylim: [2, D.top], ylog: true, xlabel: "pair i", ylabel: "wavelength 2\u03c0/\u03b8 (tokens)",
    });
    el(P.svg, "line", { x1: A.box.x, x2: A.box.x + A.box.w, y1: A.y(L), y2: A.y(L), stroke: c(C.length), "stroke-width": 1.2, class: "length-line" });
    for (let k = 0; k < n; k++) el(P.svg, "circle", { cx: A.x(k), cy: A.y(2 * Math.PI / D.theta[k]), r: 2.4, fill: c(C.original) });
    const Q = ctx.panel("criterion", { aspect: 0.8, min: 300, max: 420 });
    ctx.cache.waves = Object.assign(A, { setting: el(P.svg, "g", { class: "setting" }), g: el(P.svg, "g", { class: "dynamic" }) });
    ctx.cache.criterion = { P: Q };
  }

  function drawSetting() {
    const Wv = ctx.cache.waves;
    ropeviz.clear(Wv.setting);
    el(Wv.setting, "line", { x1: Wv.box.x, x2: Wv.box.x + Wv.box.w, y1: Wv.y(target), y2: Wv.y(target), stroke: c(C.length), "stroke-width": 1.2, "stroke-dasharray": "6 4", class: "target-line" });
    for (let k = 0; k < n; k++) {
      el(Wv.setting, "circle", { cx: Wv.x(k), cy: Wv.y(2 * Math.PI / S.invFreq[k]), r: 3.2, fill: c(C[kinds[S.classes[k]]]), class: "pair " + kinds[S.classes[k]] });
    }
    // The criterion panel depends on sL (its x axis): redrawn whole.
    const Q = ctx.cache.criterion.P;
    ropeviz.clear(Q.svg);
    const B = ropeviz.axes(Q, {
      title: "Men et al.: a similar key beats a random one while \u03a3\u1d62cos(m\u03b8\u1d62) \u2265 0",
      legend: [["original", c(C.original), "line"], ["scaled", c(C.scaled), "line"], ["L", c(C.length), "line"]],
      xlim: [0, target], ylim: [-0.35, 1.05], xlabel: "distance m (tokens)", ylabel: "lowest \u03a3\u1d62cos(m\u03b8\u1d62) / (d/2)",
    });
    el(Q.svg, "line", { x1: B.x(0), x2: B.x(target), y1: B.y(0), y2: B.y(0), class: "rv-zero" });
    el(Q.svg, "line", { x1: B.x(L), x2: B.x(L), y1: B.box.y, y2: B.box.y + B.box.h, stroke: c(C.length), "stroke-width": 1.2 });
    const xs = [];
    const bins = S.lows.length;
    for (let k = 0; k < bins; k++) xs.push(((k + 0.5) * target) / bins);
    ropeviz.path(Q.svg, xs, D.originals[factor].lows, B, { stroke: c(C.original), "stroke-width": 1.4, class: "original-lows" });
    ropeviz.path(Q.svg, xs, S.lows, B, { stroke: c(C.scaled), "stroke-width": 1.6, class: "scaled-lows" });
    if (S.first !== null) el(Q.svg, "circle", { cx: B.x(S.first), cy: B.y(0), r: 5, fill: c(C.first), class: "first-negative" });
    ctx.cache.key = key;
  }
}
