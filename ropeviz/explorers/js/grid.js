// Static twin of GridExplorer: attention of one query patch over the grid (left) and the score
// as a function of the offset, s(dx, dy) = sum_i cos(dx * wx_i + dy * wy_i), with the box of
// offsets the grid covers (right). The map is recomputed here from the frequency vectors, in the
// same order as ropeviz.explorers.grid.offset_scores; the weights are softmax(s / temperature)
// over the box.
function draw(ctx) {
  const s = ctx.state, D = ctx.data, el = ropeviz.el, c = ropeviz.c, C = D.colors;
  const H = D.height, W = D.width, qx = s.query_x, qy = s.query_y, angle = s.angle;
  if (!ctx.cache.maps) ctx.cache.maps = {};
  if (!ctx.cache.grid) drawStatic();
  const G = ctx.cache.grid, M = ctx.cache.map;
  const scores = scoreMap(angle);

  // Right: the score map (redrawn only when the angle changes), then the moving box.
  if (ctx.cache.shownAngle !== angle) {
    ropeviz.clear(M.cells);
    for (let r = 0; r < 2 * H - 1; r++) {
      for (let col = 0; col < 2 * W - 1; col++) {
        const dx = col - (W - 1), dy = r - (H - 1);
        cell(M.cells, M, dx, dy, ropeviz.lut(D.lut, (scores[r][col] - D.scoreRange[0]) / (D.scoreRange[1] - D.scoreRange[0])));
      }
    }
    ropeviz.text(M.cells, M.x(0), M.y(0) + 6, "+", { "text-anchor": "middle", style: "font-size:18px;fill:#000" });
    ctx.cache.shownAngle = angle;
  }
  ropeviz.clear(G.dynamic);
  ropeviz.clear(M.dynamic);
  ropeviz.clear(G.cells);

  // Left: softmax of the boxed scores (times 1/temperature) over the grid.
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
      cell(G.cells, G, x, y, ropeviz.lut(D.lut, w / D.weightLimit), { class: "weight", "data-x": x, "data-y": y, "data-weight": w });
    }
  }
  box(G.dynamic, G, qx - 0.5, qy - 0.5, 1, 1, c(C.query), 2.6, "query-box");
  box(M.dynamic, M, -qx - 0.5, -qy - 0.5, W, H, c(C.box), 2, "window-box");

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
      for (let col = 0; col < 2 * W - 1; col++) {
        const dx = col - (W - 1), dy = r - (H - 1);
        let sum = 0;
        for (let i = 0; i < fx.length; i++) sum += Math.cos(dx * fx[i] + dy * fy[i]);
        row.push(sum);
      }
      rows.push(row);
    }
    ctx.cache.maps[a] = rows;
    return rows;
  }

  function cell(parent, A, cx, cy, fill, attrs) {
    const x0 = A.x(cx - 0.5), x1 = A.x(cx + 0.5), y0 = A.y(cy - 0.5), y1 = A.y(cy + 0.5);
    return el(parent, "rect", Object.assign({ x: Math.min(x0, x1), y: Math.min(y0, y1),
      width: Math.abs(x1 - x0) + 0.4, height: Math.abs(y1 - y0) + 0.4, fill: fill, "shape-rendering": "crispEdges" }, attrs || {}));
  }

  function box(parent, A, x, y, w, h, stroke, width, name) {
    const x0 = A.x(x), x1 = A.x(x + w), y0 = A.y(y), y1 = A.y(y + h);
    return el(parent, "rect", { x: Math.min(x0, x1), y: Math.min(y0, y1), width: Math.abs(x1 - x0),
      height: Math.abs(y1 - y0), fill: "none", stroke: stroke, "stroke-width": width, class: name });
  }

  // Frames and colour bars; the cells go under the frames, the boxes above them.
  function drawStatic() {
    const barTicks = (lo, hi) => ropeviz.ticks(lo, hi, 4).map(([v]) => [v, ropeviz.fmtg(v, 3)]);
    const P = ctx.panel("weights", { aspect: 1.0, min: 300, max: 440 });
    const A = ropeviz.axes(P, {
      title: "Attention weights of the outlined query patch over the grid",
      xlim: [-0.5, W - 0.5], ylim: [-0.5, H - 0.5], yflip: true, equal: true, right: ropeviz.BAR,
      xlabel: "patch x", ylabel: "patch y",
    });
    A.fit();
    ropeviz.colorbar(A, D.lut, 0, D.weightLimit, barTicks(0, D.weightLimit));
    ctx.cache.grid = { x: A.x, y: A.y, cells: el(null, "g", { class: "weights" }), dynamic: el(P.svg, "g", { class: "dynamic" }) };
    A.g.insertBefore(ctx.cache.grid.cells, A.g.firstChild);

    const Q = ctx.panel("map", { aspect: 1.0, min: 300, max: 440 });
    const B = ropeviz.axes(Q, {
      title: "Score s(\u0394x, \u0394y): the same for every query; the box is what the first panel shows",
      xlim: [-W + 0.5, W - 0.5], ylim: [-H + 0.5, H - 0.5], yflip: true, equal: true, right: ropeviz.BAR,
      xlabel: "\u0394x = key x \u2212 query x", ylabel: "\u0394y = key y \u2212 query y",
    });
    B.fit();
    ropeviz.colorbar(B, D.lut, D.scoreRange[0], D.scoreRange[1], barTicks(D.scoreRange[0], D.scoreRange[1]));
    ctx.cache.map = { x: B.x, y: B.y, cells: el(null, "g", { class: "score-map" }), dynamic: el(Q.svg, "g", { class: "dynamic" }) };
    B.g.insertBefore(ctx.cache.map.cells, B.g.firstChild);
  }
}
