// Static twin of RotationExplorer: the same two panels, drawn in SVG from the slider state.
// theta_i = base^(-2i/d) is recomputed here; tests check it against ropeviz.inv_frequencies.
function draw(ctx) {
  const s = ctx.state, data = ctx.data, svg = ctx.svg, el = ropeviz.el, C = data.colors;
  const d = s.head_dim, pairs = d / 2;
  ctx.setMax("pair", pairs - 1);
  const i = s.pair, m = s.position;
  const theta = [];
  for (let k = 0; k < pairs; k++) theta.push(Math.pow(s.base, -2 * k / d));
  const vec = data.vectors[String(d)];
  const angle = m * theta[i];
  const turn = ((angle % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
  const start = vec.start[i], end = start + turn;

  while (svg.lastChild && svg.lastChild.tagName !== "title") svg.removeChild(svg.lastChild);
  // Left panel: the selected pair on the unit circle.
  const cx = 215, cy = 200, R = 140;
  ropeviz.text(svg, cx, 28, "Pair i of a query: position 0 (dashed), position m (solid)", { "text-anchor": "middle", class: "title" });
  el(svg, "circle", { cx: cx, cy: cy, r: R, fill: "none", stroke: "#999" });
  el(svg, "line", { x1: cx - R - 15, y1: cy, x2: cx + R + 15, y2: cy, stroke: "#ccc" });
  el(svg, "line", { x1: cx, y1: cy - R - 15, x2: cx, y2: cy + R + 15, stroke: "#ccc" });
  const tip = (a, r) => [cx + r * Math.cos(a), cy - r * Math.sin(a)];
  const [sx, sy] = tip(start, R), [ex, ey] = tip(end, R);
  el(svg, "line", { x1: cx, y1: cy, x2: sx, y2: sy, stroke: "#888", "stroke-width": 2, "stroke-dasharray": "6 4", class: "start-arrow" });
  el(svg, "line", { x1: cx, y1: cy, x2: ex, y2: ey, stroke: C.hand, "stroke-width": 4, class: "end-arrow" });
  el(svg, "circle", { cx: ex, cy: ey, r: 6, fill: C.hand });
  const steps = Math.max(2, Math.ceil(turn * 20));
  let path = "";
  for (let k = 0; k <= steps; k++) {
    const [x, y] = tip(start + (turn * k) / steps, 0.3 * R);
    path += (k ? "L" : "M") + x.toFixed(2) + " " + y.toFixed(2);
  }
  el(svg, "path", { d: path, fill: "none", stroke: C.arc, "stroke-width": 3, class: "arc" });
  const dims = data.pairing === "interleaved" ? [2 * i, 2 * i + 1] : [i, i + pairs];
  const readout = [
    "pair " + i + " of " + pairs + ": dims (" + dims[0] + ", " + dims[1] + "), |pair| = " +
      vec.norm[i].toFixed(3) + " (unchanged by the rotation)",
    "\u03b8_i = base^(-2i/d) = " + ropeviz.fmt4(theta[i]) + " rad/token, wavelength 2\u03c0/\u03b8_i = " +
      ropeviz.fmt4(2 * Math.PI / theta[i]) + " tokens",
    "m\u00b7\u03b8_i = " + ropeviz.fmt4(angle) + " rad = " + ropeviz.fmt4(angle / (2 * Math.PI)) +
      " turns; mod 2\u03c0: " + turn.toFixed(3) + " rad (" + (turn * 180 / Math.PI).toFixed(1) + "\u00b0)",
  ].join("\n");
  ropeviz.text(svg, cx, cy + R + 38, "first component (normalised)", { "text-anchor": "middle" });
  ropeviz.text(svg, cx - R - 30, cy, "second component", { "text-anchor": "middle", transform: "rotate(-90 " + (cx - R - 30) + " " + cy + ")" });

  // Right panel: one clock per pair, hand at m*theta_k.
  const cols = pairs <= 64 ? 8 : 16, rows = Math.ceil(pairs / cols);  // as clock_columns()
  const cell = Math.min(440 / (cols + 1), 340 / Math.max(rows, 8));
  const r = 0.42 * cell, x0 = 460 + 1.4 * cell, y0 = 62 + cell / 2;
  ropeviz.text(svg, 670, 28, "Every pair\u2019s rotation m\u00b7\u03b8_i (selected pair circled)", { "text-anchor": "middle", class: "title" });
  const hands = el(svg, "g", { class: "hands" });
  for (let k = 0; k < pairs; k++) {
    const x = x0 + (k % cols) * cell, y = y0 + Math.floor(k / cols) * cell;
    el(svg, "circle", { cx: x, cy: y, r: r, fill: "none", stroke: k === i ? C.highlight : "#aaa", "stroke-width": k === i ? 3 : 1 });
    el(svg, "line", { x1: x + 0.8 * r, y1: y, x2: x + r, y2: y, stroke: "#aaa" });
    const a = m * theta[k];
    el(hands, "line", { x1: x, y1: y, x2: x + 0.9 * r * Math.cos(a), y2: y - 0.9 * r * Math.sin(a), stroke: C.hand, "stroke-width": 2, "data-pair": k });
    if (k % cols === 0) ropeviz.text(svg, x - r - 8, y + 4, String(k), { "text-anchor": "end", style: "font-size:11px;fill:#555" });
  }
  return { angle: angle, turn: turn, theta: theta[i], readout: readout };
}
