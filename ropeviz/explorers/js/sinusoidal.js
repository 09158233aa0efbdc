// Static twin of SinusoidalExplorer: the encoding heatmap (computed here, coloured with
// matplotlib's own RdBu_r table) and pair i on the unit circle at p and p+k.
// Layout, limits and tick labels come from the live figure (ropeviz/explorers/_frames.py).
// theta_i = base^(-2i/d); column 2i holds sin(p*theta_i) and column 2i+1 cos(p*theta_i).
function draw(ctx) {
  const s = ctx.state, D = ctx.data, el = ropeviz.el, C = D.colors, A = D.axes;
  const N = D.num_positions, d = D.dim, TWO_PI = 2 * Math.PI;
  ctx.setMax("position", N - 1 - s.offset);  // p + k stays inside the table
  const p = s.position, k = s.offset, i = s.pair;
  const theta = Math.pow(D.base, -2 * i / d);
  const table = ropeviz.panel(A.table), circle = ropeviz.panel(A.circle);
  if (!ctx.cache.dynamic) ctx.cache.dynamic = drawStatic(ctx.svg, D, table, circle);
  const g = ctx.cache.dynamic;
  while (g.lastChild) g.removeChild(g.lastChild);

  // Heatmap: the two columns of pair i, then the rows p and p+k (white halo, as in the figure).
  const left = table.x(2 * i - 0.5), right = table.x(2 * i + 1.5);
  el(g, "rect", { x: left, y: table.y0, width: right - left, height: table.h, fill: "none", stroke: "#fff", "stroke-width": 5 });
  el(g, "rect", { x: left, y: table.y0, width: right - left, height: table.h, fill: "none",
    stroke: C.pair, "stroke-width": 1.9, class: "pair-columns", "data-columns": 2 * i + "," + (2 * i + 1) });
  for (const [row, color, name] of [[p, C.p, "row-p"], [p + k, C.pk, "row-pk"]]) {
    const y = table.y(row);
    el(g, "line", { x1: table.x0, x2: table.x0 + table.w, y1: y, y2: y, stroke: "#fff", "stroke-width": 5.8 });
    el(g, "line", { x1: table.x0, x2: table.x0 + table.w, y1: y, y2: y, stroke: color, "stroke-width": 2.5, class: name, "data-row": row });
  }

  // Circle: (sin, cos) turns clockwise from the top as p grows; the arc is k*theta_i mod 2pi.
  const start = p * theta, end = (p + k) * theta;
  const turn = ((k * theta % TWO_PI) + TWO_PI) % TWO_PI;
  const at = (phase, r) => [circle.x(r * Math.sin(phase)), circle.y(r * Math.cos(phase))];
  const steps = Math.max(2, Math.ceil(turn * 30));
  let path = "";
  for (let j = 0; j < steps; j++) {
    const [x, y] = at(start + (turn * j) / (steps - 1), 1);
    path += (j ? "L" : "M") + x.toFixed(2) + " " + y.toFixed(2);
  }
  el(g, "path", { d: path, fill: "none", stroke: C.arc, "stroke-width": 5.5, class: "arc" });
  const [ox, oy] = at(0, 0);
  for (const [phase, color, name] of [[start, C.p, "point-p"], [end, C.pk, "point-pk"]]) {
    const [x, y] = at(phase, 1);
    el(g, "line", { x1: ox, y1: oy, x2: x, y2: y, stroke: color, "stroke-width": 2.5 });
    el(g, "circle", { cx: x, cy: y, r: 6.3, fill: color, class: name,
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
        for (let c = 0; c < 3; c++) image.data[o + c] = parseInt(D.lut.substr(6 * n + 2 * c, 2), 16);
        image.data[o + 3] = 255;
      }
    }
    c2d.putImageData(image, 0, 0);
    return canvas.toDataURL("image/png");
  }

  function drawStatic(svg, D, table, circle) {
    const thetas = [];
    for (let j = 0; j < d / 2; j++) thetas.push(Math.pow(D.base, -2 * j / d));
    const heat = picture(d, N, (row, col) => (col % 2 ? Math.cos : Math.sin)(row * thetas[col >> 1]));
    const crisp = { preserveAspectRatio: "none", "image-rendering": "pixelated", style: "image-rendering:pixelated" };
    el(svg, "image", Object.assign({ href: heat, x: table.x0, y: table.y0, width: table.w, height: table.h, class: "heatmap" }, crisp));
    ropeviz.frame(svg, table, {
      title: ["Sinusoidal encoding PE[p, j]", "rows p and p+k, columns of pair i"],
      xlabel: "dimension j (2i: sin, 2i+1: cos)", ylabel: "position p", ylabelGap: 36,
    });
    const bar = ropeviz.panel(D.axes.colorbar);
    el(svg, "image", Object.assign({ href: picture(1, 256, (row) => 1 - (2 * row + 1) / 256),
      x: bar.x0, y: bar.y0, width: bar.w, height: bar.h }, crisp));
    ropeviz.frame(svg, bar, { yRight: true });

    const R = circle.x(1) - circle.x(0), cx = circle.x(0), cy = circle.y(0);
    el(svg, "line", { x1: circle.x0, x2: circle.x0 + circle.w, y1: cy, y2: cy, stroke: "#ccc" });
    el(svg, "line", { x1: cx, x2: cx, y1: circle.y0, y2: circle.y0 + circle.h, stroke: "#ccc" });
    el(svg, "circle", { cx: cx, cy: cy, r: R, fill: "none", stroke: "#999" });
    ropeviz.frame(svg, circle, {
      title: ["Pair i: PE(p) \u2192 PE(p+k) turns by k\u00b7\u03b8_i",
        "(clockwise as p grows; same angle for all p)"],
      xlabel: "PE[p, 2i] = sin(p\u00b7\u03b8_i)", ylabel: "PE[p, 2i+1] = cos(p\u00b7\u03b8_i)",
    });
    [["PE(p)", D.colors.p], ["PE(p+k)", D.colors.pk]].forEach(([label, color], n) => {
      const y = circle.y0 + circle.h - 30 + 16 * n;
      el(svg, "circle", { cx: circle.x0 + 14, cy: y, r: 5.5, fill: color });
      ropeviz.text(svg, circle.x0 + 25, y + 4, label, { style: "font-size:11px;fill:#222" });
    });
    return el(svg, "g", { class: "dynamic" });
  }
}
