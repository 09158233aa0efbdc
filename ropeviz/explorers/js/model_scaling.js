// Static twin of ModelScalingExplorer (real models' RoPE). Every model's frequencies with and
// without its scaling (rope_from_config on the shipped presets), the kind of every pair and Men et
// al.'s cosine sums over the whole head (lowest value per log-spaced stretch of distances, first
// negative distance) are computed in Python and shipped; this script writes the readout and draws
// them with the panels of wavelengths.js.
function draw(ctx) {
  const s = ctx.state, D = ctx.data, c = ropeviz.c, C = D.colors, g = ropeviz.group, f4 = ropeviz.fmt4;
  const M = D.models[s.model];
  ctx.setMax("pair", M.unscaled.length - 1);  // the pair follows a model with fewer pairs
  const T = s.target, i = s.pair, L = M.length;
  const which = M.schedules.long && T > L ? "long" : "scaled", S = M.schedules[which];
  const unscaled = M.unscaled.map((t) => 2 * Math.PI / t), scaled = S.invFreq.map((t) => 2 * Math.PI / t);
  if (ctx.cache.model !== s.model) {
    ctx.cache.waves = ropeviz.waves.frame(ctx, {
      title: "Wavelengths without (grey) and with the model's scaling, against L (solid) and the target (dashed)",
      legend: ropeviz.waves.KINDS.map((k) => [k, c(C[k]), "dot"]).concat([["unscaled", c(C.original), "dot"]]),
      reference: unscaled, top: M.top, length: L, colors: C,
    });
    ctx.cache.model = s.model;
    ctx.cache.key = null;
  }
  const count = D.edges.slice(1).filter((e) => e <= T).length;
  const key = s.model + ":" + T;
  if (ctx.cache.key !== key) {
    ropeviz.waves.setting(ctx.cache.waves, { target: T, wavelengths: scaled, classes: S.classes, colors: C });
    ropeviz.waves.criterion(ctx, {
      title: "Men et al. over the whole head: a similar key beats a random one while \u03a3\u1d62cos(m\u03b8\u1d62) \u2265 0",
      legend: [["unscaled", c(C.original), "line"], ["scaled", c(C.scaled), "line"], ["L", c(C.length), "line"]],
      xs: D.centres.slice(0, count), lows: S.lows.slice(0, count), originalLows: M.originalLows.slice(0, count),
      first: S.first !== null && S.first < T ? S.first : null, xlim: [1, T], xlog: true, length: L, colors: C,
    });
    ctx.cache.key = key;
  }
  ropeviz.waves.marker(ctx.cache.waves, i, c(C.pair));

  const counts = [0, 0, 0];
  S.classes.forEach((k) => { counts[k] += 1; });
  const lines = [
    M.label + ": " + M.ropeType + ", base " + M.baseLabel + ", " + M.rotaryDim + " of " + M.headDim +
      " dimensions rotate (" + M.pairing + " pairs); L = " + g(L) + " (" + M.lengthSource + "); target " + g(T),
  ];
  let scaling;
  if (M.ropeType === "default") {
    scaling = "no context extension: the frequencies are base^(\u22122i/r) at every length";
  } else {
    scaling = "pairs unchanged: " + counts[0] + ", moved partly: " + counts[1] + ", divided by s = " + M.factor + ": " + counts[2];
    if (M.ropeType === "longrope") scaling += T > L ? "; LongRoPE's long factors (target > L)" : "; LongRoPE's short factors (target \u2264 L)";
  }
  if (M.attention !== 1) scaling += "; cos, sin \u00d7 " + f4(M.attention) + " (logits \u00d7 " + f4(M.attention * M.attention) + ")";
  if (M.softmax !== 1) scaling += "; softmax scale \u00d7 " + f4(M.softmax);
  lines.push(scaling);
  const before = unscaled[i], after = scaled[i];
  lines.push("pair " + i + ": wavelength " + f4(before) + " \u2192 " + f4(after) + " tokens; turns: " + f4(L / before) +
    " within L unscaled, " + f4(T / after) + " within the target scaled");
  const overL = unscaled.filter((w) => w > L).length, overT = scaled.filter((w) => w > T).length;
  lines.push(overL + " of " + unscaled.length + " pairs turn less than once within L (unscaled); " + overT +
    " less than once within the target (scaled)");
  const where = (first) => first === null ? "none below " + g(D.maxDistance) : "m = " + g(first) + (first < T ? " (inside the target)" : "");
  lines.push("Men et al. over " + M.headDim / 2 + " pairs" + (M.frozen ? " (" + M.frozen + " not rotating)" : "") +
    ": first negative sum " + where(S.first) + " scaled, " + where(M.originalFirst) + " unscaled");
  if (M.window) lines.push("sliding-window layer: it attends at most " + g(M.window) + " tokens back, so it never meets larger distances");
  return { counts: counts, first: S.first, schedule: which, wavelength: after, readout: lines.join("\n") };
}
