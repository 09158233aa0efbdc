// Static twin of GridExplorer: attention of one query patch over the grid (left) and the score
// as a function of the offset, s(dx, dy) = sum_i cos(dx * wx_i + dy * wy_i), with the box of
// offsets the grid covers (right). The map is recomputed here from the frequency vectors, in the
// same order as ropeviz.explorers.grid.offset_scores; the weights are softmax(s / temperature)
// over the box.
// Layout, limits and tick labels come from the live figure (ropeviz/explorers/_frames.py).
function draw(ctx) {
  const s = ctx.state, D = ctx.data, el = ropeviz.el, A = D.axes, C = D.colors;
  const H = D.height, W = D.width, qx = s.query_x, qy = s.query_y, angle = s.angle;
  const grid = ropeviz.panel(A.grid), map = ropeviz.panel(A.map);
  if (!ctx.cache.maps) {
    ctx.cache.maps = {};
    ctx.cache.mapLayer = el(ctx.svg, "g", { class: "score-map" });
    ctx.cache.weightLayer = el(ctx.svg, "g", { class: "weights" });
    drawStatic(ctx.svg);  // frames on top of the cells
    ctx.cache.dynamic = el(ctx.svg, "g", { class: "dynamic" });
  }
  const scores = scoreMap(angle);

  // Right: the score map (redrawn only when the angle changes), then the moving box.
  if (ctx.cache.shownAngle !== angle) {
    const layer = ctx.cache.mapLayer;
    while (layer.lastChild) layer.removeChild(layer.lastChild);
    for (let r = 0; r < 2 * H - 1; r++) {
      for (let c = 0; c < 2 * W - 1; c++) {
        const dx = c - (W - 1), dy = r - (H - 1);
        cell(layer, map, dx, dy, colour(D.lut, (scores[r][c] - D.scoreRange[0]) / (D.scoreRange[1] - D.scoreRange[0])));
      }
    }
    el(layer, "text", { x: map.x(0), y: map.y(0) + 5, "text-anchor": "middle", style: "font-size:16px;fill:#000" }).textContent = "+";
    ctx.cache.shownAngle = angle;
  }
  const g = ctx.cache.dynamic, cells = ctx.cache.weightLayer;
  while (g.lastChild) g.removeChild(g.lastChild);
  while (cells.lastChild) cells.removeChild(cells.lastChild);

  // Left: softmax of the boxed scores (times 1/sqrt(d)) over the grid.
  const logits = [];
  let top = -Infinity;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = scores[y - qy + H - 1][x - qx + W - 1] * D.scale;
      logits.push(v);
      if (v > top) top = v;
    }
  }
  let total = 0;
  const weights = logits.map((v) => { const e = Math.exp(v - top); total += e; return e; }).map((e) => e / total);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const w = weights[y * W + x];
      cell(cells, grid, x, y, colour(D.lut, w / D.weightLimit), { class: "weight", "data-x": x, "data-y": y, "data-weight": w });
    }
  }
  box(g, grid, qx - 0.5, qy - 0.5, 1, 1, C.query, 2.4, "query-box");
  box(g, map, -qx - 0.5, -qy - 0.5, W, H, C.box, 1.8, "window-box");

  // The strongest patch other than the query; ties go to the first in raster order.
  const me = qy * W + qx;
  let best = -1;
  for (let n = 0; n < H * W; n++) if (n !== me && weights[n] > best) best = weights[n];
  let index = 0;
  while (index === me || weights[index] < best - D.tie) index++;
  const kind = angle === 0 ? "axial frequency vectors" : "mixed: axial vectors turned by \u03c6";
  const readout = [
    "query patch (x, y) = (" + qx + ", " + qy + "); \u03c6 = " + angle + "\u00b0 (" + kind + ")",
    "attention on itself " + weights[me].toFixed(3) + "; strongest other patch (" + (index % W) + ", " +
      Math.floor(index / W) + ") with " + weights[index].toFixed(3),
    "box: \u0394x from " + (-qx) + " to " + (W - 1 - qx) + ", \u0394y from " + (-qy) + " to " +
      (H - 1 - qy) + "; s(0, 0) = " + D.headDim / 2 + " for every query",
  ].join("\n");
  return { self_weight: weights[me], strongest: [index % W, Math.floor(index / W)], readout: readout };

  // -- helpers (hoisted) -------------------------------------------------------------------

  // s(dx, dy) for every offset, rows dy = 1-H .. H-1, columns dx = 1-W .. W-1 (cached per angle).
  function scoreMap(a) {
    if (ctx.cache.maps[a]) return ctx.cache.maps[a];
    const [fx, fy] = D.freqs[String(a)], rows = [];
    for (let r = 0; r < 2 * H - 1; r++) {
      const row = [];
      for (let c = 0; c < 2 * W - 1; c++) {
        const dx = c - (W - 1), dy = r - (H - 1);
        let total = 0;
        for (let i = 0; i < fx.length; i++) total += Math.cos(dx * fx[i] + dy * fy[i]);
        row.push(total);
      }
      rows.push(row);
    }
    ctx.cache.maps[a] = rows;
    return rows;
  }

  // matplotlib's 256-entry table: value v in [0, 1] -> entry floor(v * 256), clipped.
  function colour(lut, v) {
    const n = Math.min(255, Math.max(0, Math.floor(v * 256)));
    return "#" + lut.substr(6 * n, 6);
  }

  function cell(parent, P, cx, cy, fill, attrs) {
    const x0 = P.x(cx - 0.5), x1 = P.x(cx + 0.5), y0 = P.y(cy - 0.5), y1 = P.y(cy + 0.5);
    return el(parent, "rect", Object.assign({ x: Math.min(x0, x1), y: Math.min(y0, y1),
      width: Math.abs(x1 - x0) + 0.4, height: Math.abs(y1 - y0) + 0.4, fill: fill, "shape-rendering": "crispEdges" }, attrs || {}));
  }

  function box(parent, P, x, y, w, h, stroke, width, name) {
    const x0 = P.x(x), x1 = P.x(x + w), y0 = P.y(y), y1 = P.y(y + h);
    return el(parent, "rect", { x: Math.min(x0, x1), y: Math.min(y0, y1), width: Math.abs(x1 - x0),
      height: Math.abs(y1 - y0), fill: "none", stroke: stroke, "stroke-width": width, class: name });
  }

  function drawStatic(svg) {
    const frames = el(svg, "g", { class: "frames" });
    for (const name of ["gridBar", "mapBar"]) {
      const bar = ropeviz.panel(A[name]);
      for (let k = 0; k < 64; k++) {
        el(frames, "rect", { x: bar.x0, y: bar.y0 + (bar.h * (63 - k)) / 64, width: bar.w, height: bar.h / 64 + 0.5,
          fill: colour(D.lut, (k + 0.5) / 64), "shape-rendering": "crispEdges" });
      }
      ropeviz.frame(frames, bar, { yRight: true });
    }
    ropeviz.frame(frames, grid, { title: ["Attention weights of the outlined", "query patch over the grid"],
      xlabel: "patch x", ylabel: "patch y", ylabelGap: 30 });
    ropeviz.frame(frames, map, { title: ["Score s(\u0394x, \u0394y): the same for every query;", "the box is what the left panel shows"],
      xlabel: "\u0394x = key x \u2212 query x", ylabel: "\u0394y = key y \u2212 query y", ylabelGap: 34 });
  }
}
