// Static twin of ScalingExplorer (context extension). Every schedule (scaled_inv_frequencies),
// YaRN's ramp (yarn_ramp), the kind of every pair and Men et al.'s cosine sums (lowest value per
// stretch of distances, first negative distance) are computed in Python and shipped; this
// script writes the readout and draws them with the panels of wavelengths.js.
function draw(ctx) {
  const s = ctx.state, D = ctx.data, c = ropeviz.c, C = D.colors;
  const L = D.length, kinds = ropeviz.waves.KINDS;
  const factor = ropeviz.fmtg(s.factor, 6), S = D.settings[s.method + ":" + factor];
  const target = Math.round(s.factor * L), i = s.pair;
  if (!ctx.cache.waves) drawFrame();
  const key = s.method + ":" + factor;
  if (ctx.cache.key !== key) drawSetting();
  ropeviz.waves.marker(ctx.cache.waves, i, c(C.pair));

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

  function drawFrame() {
    ctx.cache.waves = ropeviz.waves.frame(ctx, {
      title: "Wavelengths before (grey) and after scaling, against L (solid) and sL (dashed)",
      legend: kinds.map((k) => [k, c(C[k]), "dot"]).concat([["before", c(C.original), "dot"]]),
      reference: D.theta.map((t) => 2 * Math.PI / t), top: D.top, length: L, colors: C,
    });
  }

  function drawSetting() {
    ropeviz.waves.setting(ctx.cache.waves, {
      target: target, wavelengths: S.invFreq.map((f) => 2 * Math.PI / f), classes: S.classes, colors: C,
    });
    // The criterion panel depends on sL (its x axis): redrawn whole.
    const xs = [];
    const bins = S.lows.length;
    for (let k = 0; k < bins; k++) xs.push(((k + 0.5) * target) / bins);
    ropeviz.waves.criterion(ctx, {
      title: "Men et al.: a similar key beats a random one while \u03a3\u1d62cos(m\u03b8\u1d62) \u2265 0",
      legend: [["original", c(C.original), "line"], ["scaled", c(C.scaled), "line"], ["L", c(C.length), "line"]],
      xs: xs, lows: S.lows, originalLows: D.originals[factor].lows, first: S.first,
      xlim: [0, target], xlog: false, length: L, colors: C,
    });
    ctx.cache.key = key;
  }
}
