// Static twin of SinusoidalExplorer: the encoding heatmap (computed here, coloured with
// matplotlib's own RdBu_r table) and pair i on the unit circle at p and p+k.
// theta_i = base^(-2i/d); column 2i holds sin(p*theta_i) and column 2i+1 cos(p*theta_i).
function draw(ctx) {
  const s = ctx.state, D = ctx.data, el = ropeviz.el, c = ropeviz.c, C = D.colors;
  const N = D.num_positions, d = D.dim, TWO_PI = 2 * Math.PI;
  ctx.setMax("position", N - 1 - s.offset);  // p + k stays inside the table
  const p = s.position, k = s.offset, i = s.pair;
  const theta = Math.pow(D.base, -2 * i / d);
  if (!ctx.cache.table) drawStatic();
  const T = ctx.cache.table, R = ctx.cache.circle;
  ropeviz.clear(T.g);
  ropeviz.clear(R.g);

  // Heatmap: the two columns of pair i, then the rows p and p+k (halo in the panel colour).
  const left = T.x(2 * i - 0.5), right = T.x(2 * i + 1.5), b = T.box;
  el(T.g, "rect", { x: left, y: b.y, width: right - left, height: b.h, fill: "none", stroke: "#fff", "stroke-width": 4.5 });
  el(T.g, "rect", { x: left, y: b.y, width: right - left, height: b.h, fill: "none",
    stroke: "#000", "stroke-width": 1.8, class: "pair-columns", "data-columns": 2 * i + "," + (2 * i + 1) });
  for (const [row, colour, name] of [[p, C.p, "row-p"], [p + k, C.pk, "row-pk"]]) {
    const y = T.y(row);
    el(T.g, "line", { x1: b.x, x2: b.x + b.w, y1: y, y2: y, stroke: "#fff", "stroke-width": 5 });
    el(T.g, "line", { x1: b.x, x2: b.x + b.w, y1: y, y2: y, stroke: c(colour), "stroke-width": 2.4, class: name, "data-row": row });
  }

  // Circle: (sin, cos) turns clockwise from the top as p grows; the arc is k*theta_i mod 2pi.
  const start = p * theta, end = (p + k) * theta;
  const turn = ((k * theta % TWO_PI) + TWO_PI) % TWO_PI;
  const at = (phase, r) => [R.x(r * Math.sin(phase)), R.y(r * Math.cos(phase))];
  const steps = Math.max(2, Math.ceil(turn * 30));
  let path = "";
  for (let j = 0; j < steps; j++) {
    const [x, y] = at(start + (turn * j) / (steps - 1), 1);
    path += (j ? "L" : "M") + x.toFixed(2) + " " + y.toFixed(2);
  }
  el(R.g, "path", { d: path, fill: "none", stroke: c(C.arc), "stroke-width": 5, class: "arc" });
  const [ox, oy] = at(0, 0);
  for (const [phase, colour, name] of [[start, C.p, "point-p"], [end, C.pk, "point-pk"]]) {
    const [x, y] = at(phase, 1);
    el(R.g, "line", { x1: ox, y1: oy, x2: x, y2: y, stroke: c(colour), "stroke-width": 2.4 });
    el(R.g, "circle", { cx: x, cy: y, r: 6, fill: c(colour), class: name,
      "data-x": Math.sin(phase), "data-y": Math.cos(phase) });
  }

  const f3 = (v) => v.toFixed(3), deg = (v) => (v * 180 / Math.PI).toFixed(1);
  const lines = [
    "pair i = " + i + " of " + d / 2 + ": columns " + 2 * i + " = sin(p\u00b7\u03b8_i), " + (2 * i + 1) +
      " = cos(p\u00b7\u03b8_i); \u03b8_i = base^(-2i/d) = " + ropeviz.fmt4(theta) +
      " rad/token, wavelength 2\u03c0/\u03b8_i = " + ropeviz.fmt4(TWO_PI / theta) + " tokens",
  ];
  for (const [name, where, phase] of [["PE(p)  ", "p = " + p, start], ["PE(p+k)", "p+k = " + (p + k), end]]) {
    const wrapped = ((phase % TWO_PI) + TWO_PI) % TWO_PI;
    lines.push(name + " at " + where + ": phase mod 2\u03c0 = " + f3(wrapped) + " rad (" + deg(wrapped) +
      "\u00b0 clockwise from the top), (sin, cos) = (" + f3(Math.sin(phase)) + ", " + f3(Math.cos(phase)) + ")");
  }
  lines.push("rotation PE(p) \u2192 PE(p+k): k\u00b7\u03b8_i = " + ropeviz.fmt4(k * theta) + " rad, mod 2\u03c0: " +
    f3(turn) + " rad (" + deg(turn) + "\u00b0); it depends on k = " + k + " only, not on p");
  return { theta: theta, turn: turn, phase_p: start, phase_pk: end, readout: lines.join("\n") };

  // -- helpers (hoisted) -------------------------------------------------------------------

  // A canvas painted pixel by pixel with the colour table, as a PNG data URL.
  function picture(width, height, value) {
    const canvas = document.createElement("canvas");
    canvas.width = width; canvas.height = height;
    const c2d = canvas.getContext("2d"), image = c2d.createImageData(width, height);
    for (let row = 0; row < height; row++) {
      for (let col = 0; col < width; col++) {
        const v = value(row, col), n = Math.min(255, Math.max(0, Math.floor(((v + 1) / 2) * 256)));
        const o = 4 * (row * width + col);
        for (let ch = 0; ch < 3; ch++) image.data[o + ch] = parseInt(D.lut.substr(6 * n + 2 * ch, 2), 16);
        image.data[o + 3] = 255;
      }
    }
    c2d.putImageData(image, 0, 0);
    return canvas.toDataURL("image/png");
  }

  function drawStatic() {
    const P = ctx.panel("table", { aspect: 0.95, min: 300, max: 440 });
    const A = ropeviz.axes(P, {
      title: "Sinusoidal encoding PE[p, j]: rows p and p+k, columns of pair i",
      xlim: [-0.5, d - 0.5], ylim: [-0.5, N - 0.5], yflip: true, right: ropeviz.BAR,
      xlabel: "dimension j (2i: sin, 2i+1: cos)", ylabel: "position p",
    });
    if (!ctx.cache.heat) {
      const thetas = [];
      for (let j = 0; j < d / 2; j++) thetas.push(Math.pow(D.base, -2 * j / d));
      ctx.cache.heat = picture(d, N, (row, col) => (col % 2 ? Math.cos : Math.sin)(row * thetas[col >> 1]));
    }
    const img = el(null, "image", { href: ctx.cache.heat, x: A.box.x, y: A.box.y, width: A.box.w, height: A.box.h,
      preserveAspectRatio: "none", style: "image-rendering:pixelated", class: "heatmap" });
    A.g.insertBefore(img, A.g.firstChild);
    ropeviz.colorbar(A, D.lut, -1, 1, [[-1, "\u22121"], [0, "0"], [1, "1"]]);
    ctx.cache.table = { x: A.x, y: A.y, box: A.box, g: el(P.svg, "g", { class: "dynamic" }) };

    const Q = ctx.panel("circle", { aspect: 1.0, min: 300, max: 440 });
    const B = ropeviz.axes(Q, {
      title: "Pair i: PE(p) \u2192 PE(p+k) turns by k\u00b7\u03b8\u1d62 (clockwise as p grows; the same angle for every p)",
      legend: [["PE(p)", c(C.p), "dot"], ["PE(p+k)", c(C.pk), "dot"]],
      xlim: [-1.25, 1.25], ylim: [-1.25, 1.25], equal: true,
      xticks: [[-1, "\u22121"], [0, "0"], [1, "1"]], yticks: [[-1, "\u22121"], [0, "0"], [1, "1"]],
      xlabel: "PE[p, 2i] = sin(p\u00b7\u03b8\u1d62)", ylabel: "PE[p, 2i+1] = cos(p\u00b7\u03b8\u1d62)",
    });
    el(Q.svg, "line", { x1: B.x(-1.25), x2: B.x(1.25), y1: B.y(0), y2: B.y(0), class: "rv-zero" });
    el(Q.svg, "line", { x1: B.x(0), x2: B.x(0), y1: B.y(-1.25), y2: B.y(1.25), class: "rv-zero" });
    el(Q.svg, "circle", { cx: B.x(0), cy: B.y(0), r: B.x(1) - B.x(0), fill: "none", stroke: c("faint") });
    ctx.cache.circle = { x: B.x, y: B.y, g: el(Q.svg, "g", { class: "dynamic" }) };
  }
}
