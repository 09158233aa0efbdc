// Shared by the static twins that draw every pair's wavelength and Men et al.'s criterion:
// ScalingExplorer (extension.js) and ModelScalingExplorer (model_scaling.js). The numbers are
// computed in Python (ropeviz/explorers/_wavelengths.py, the same panels in matplotlib); these
// functions only draw them.
ropeviz.waves = {
  KINDS: ["kept", "between", "interpolated"],
  // The wavelength panel's frame: axes, the unscaled wavelengths (grey dots) and the training
  // length L (solid line). o: title, legend, reference (wavelengths), top, length, colors.
  // Returns the axes with two groups: setting (target line, coloured dots) and g (pair marker).
  frame(ctx, o) {
    const el = ropeviz.el, c = ropeviz.c, C = o.colors;
    const P = ctx.panel("wavelengths", { aspect: 0.8, min: 300, max: 420 });
    ropeviz.clear(P.svg);
    const n = o.reference.length;
    const A = ropeviz.axes(P, {
      title: o.title, legend: o.legend, xlim: [-1, n], ylim: [2, o.top], ylog: true,
      xlabel: "pair i", ylabel: "wavelength 2\u03c0/\u03b8 (tokens)",
    });
    el(P.svg, "line", { x1: A.box.x, x2: A.box.x + A.box.w, y1: A.y(o.length), y2: A.y(o.length), stroke: c(C.length), "stroke-width": 1.2, class: "length-line" });
    for (let k = 0; k < n; k++) el(P.svg, "circle", { cx: A.x(k), cy: A.y(o.reference[k]), r: 2.4, fill: c(C.original) });
    return Object.assign(A, { setting: el(P.svg, "g", { class: "setting" }), g: el(P.svg, "g", { class: "dynamic" }) });
  },
  // One schedule on the frame: the target as a dashed line, every pair coloured by its kind.
  // o: target, wavelengths, classes (indices into KINDS), colors.
  setting(W, o) {
    const el = ropeviz.el, c = ropeviz.c, C = o.colors, kinds = ropeviz.waves.KINDS;
    ropeviz.clear(W.setting);
    el(W.setting, "line", { x1: W.box.x, x2: W.box.x + W.box.w, y1: W.y(o.target), y2: W.y(o.target), stroke: c(C.length), "stroke-width": 1.2, "stroke-dasharray": "6 4", class: "target-line" });
    for (let k = 0; k < o.wavelengths.length; k++) {
      const kind = kinds[o.classes[k]];
      el(W.setting, "circle", { cx: W.x(k), cy: W.y(o.wavelengths[k]), r: 3.2, fill: c(C[kind]), class: "pair " + kind });
    }
  },
  // The selected pair's marker (a vertical line).
  marker(W, i, colour) {
    ropeviz.clear(W.g);
    ropeviz.el(W.g, "line", { x1: W.x(i), x2: W.x(i), y1: W.box.y, y2: W.box.y + W.box.h, stroke: colour, "stroke-width": 1.5, class: "pair-marker" });
  },
  // The criterion panel, redrawn whole: the lowest cosine sum per stretch of distances for the
  // unscaled (original) and the scaled schedule, the zero line, L, and the first negative
  // distance. o: title, legend, xs, lows, originalLows, first, xlim, xlog, length, colors.
  criterion(ctx, o) {
    const el = ropeviz.el, c = ropeviz.c, C = o.colors;
    const Q = ctx.panel("criterion", { aspect: 0.8, min: 300, max: 420 });
    ropeviz.clear(Q.svg);
    const B = ropeviz.axes(Q, {
      title: o.title, legend: o.legend, xlim: o.xlim, xlog: o.xlog, ylim: [-0.35, 1.05],
      xlabel: "distance m (tokens)", ylabel: "lowest \u03a3\u1d62cos(m\u03b8\u1d62) / (d/2)",
    });
    el(Q.svg, "line", { x1: B.x(o.xlim[0]), x2: B.x(o.xlim[1]), y1: B.y(0), y2: B.y(0), class: "rv-zero" });
    if (o.length >= o.xlim[0] && o.length <= o.xlim[1]) {
      el(Q.svg, "line", { x1: B.x(o.length), x2: B.x(o.length), y1: B.box.y, y2: B.box.y + B.box.h, stroke: c(C.length), "stroke-width": 1.2 });
    }
    ropeviz.path(Q.svg, o.xs, o.originalLows, B, { stroke: c(C.original), "stroke-width": 1.4, class: "original-lows" });
    ropeviz.path(Q.svg, o.xs, o.lows, B, { stroke: c(C.scaled), "stroke-width": 1.6, class: "scaled-lows" });
    if (o.first !== null) el(Q.svg, "circle", { cx: B.x(o.first), cy: B.y(0), r: 5, fill: c(C.first), class: "first-negative" });
    return B;
  },
};
