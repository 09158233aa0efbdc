// Static twin of PairingExplorer: the interleaved and half layouts as rows of features
// coloured by pair, joined by the permutation P (pairing_permutation, shipped from Python),
// and P as a matrix. Which features form a pair is shipped from Python too (pair_slices).
function draw(ctx) {
  const s = ctx.state, D = ctx.data, el = ropeviz.el, c = ropeviz.c, C = D.colors;
  const d = s.head_dim;
  ctx.setMax("dim", d - 1);
  const j = s.dim, perm = D.perm[String(d)], pairs = D.pairs[String(d)];
  const inverse = [];
  perm.forEach((from, k) => { inverse[from] = k; });
  const members = (layout, i) => {
    const out = [];
    pairs[layout].forEach((p, f) => { if (p === i) out.push(f); });
    return out;
  };
  const iInt = pairs.interleaved[j], iHalf = pairs.half[j];
  const [a, b] = members("interleaved", iInt), [e1, e2] = members("half", iHalf);

  if (ctx.cache.d !== d) drawStatic();
  const L = ctx.cache.layouts, M = ctx.cache.matrix;
  ropeviz.clear(L.g);
  ropeviz.clear(M.g);
  const box = (g, A, x, y, w, h, stroke, attrs) => el(g, "rect", Object.assign({ x: A.x(x), y: A.y(y + h),
    width: A.x(x + w) - A.x(x), height: A.y(y) - A.y(y + h), fill: "none", stroke: stroke, "stroke-width": 2.4 }, attrs || {}));
  for (const f of [a, b]) {
    el(L.g, "line", { x1: L.x(f), y1: L.y(1.5), x2: L.x(inverse[f]), y2: L.y(0.5), stroke: c(C.pair), "stroke-width": 2.6, class: "pair-link" });
    box(L.g, L, inverse[f] - 0.5, -0.5, 1, 1, c(C.pair), { class: "landed", "data-feature": inverse[f] });
  }
  box(L.g, L, a - 0.5, 1.5, 2, 1, c(C.pair), { class: "interleaved-pair" });
  for (const f of [e1, e2]) box(L.g, L, f - 0.5, -0.42, 1, 0.84, c(C.mark), { "stroke-dasharray": "5 3", "stroke-width": 1.8, class: "half-pair" });
  const tri = (x, y, down) => "M" + (x - 6) + " " + (y + (down ? -5 : 5)) + "L" + (x + 6) + " " + (y + (down ? -5 : 5)) + "L" + x + " " + (y + (down ? 5 : -5)) + "Z";
  el(L.g, "path", { d: tri(L.x(j), L.y(2.5) - 8, true), fill: c(C.mark) });
  el(L.g, "path", { d: tri(L.x(j), L.y(-0.5) + 8, false), fill: c(C.mark) });
  for (const f of [a, b]) {
    el(M.g, "rect", { x: M.x(f - 0.5), y: M.y(inverse[f] - 0.5), width: M.x(f + 0.5) - M.x(f - 0.5),
      height: M.y(inverse[f] + 0.5) - M.y(inverse[f] - 0.5), fill: c(C.pair), class: "matrix-mark" });
  }

  const listing = d <= 32 ? perm.join(", ") : "0, 2, \u2026, " + (d - 2) + ", 1, 3, \u2026, " + (d - 1);
  const readout = [
    "head dim d = " + d + " (" + d / 2 + " pairs), feature j = " + j,
    "interleaved (RoFormer, Meta, GPT-J): feature " + j + " is in pair " + iInt + " = features (" + a + ", " + b + ")",
    "half (Hugging Face, GPT-NeoX): feature " + j + " is in pair " + iHalf + " = features (" + e1 + ", " + e2 + ")",
    "P = pairing_permutation(" + d + ") = [" + listing + "]",
    "P moves interleaved feature " + j + " to half position " + inverse[j] + "; its pair (" + a + ", " + b +
      ") lands on (" + inverse[a] + ", " + inverse[b] + ") = half pair " + iInt,
    "W_q, W_k of every head: permute_qk_weight moves row " + a + " to row " + inverse[a] + " and row " + b +
      " to row " + inverse[b],
  ].join("\n");
  return { interleaved: [iInt, a, b], half: [iHalf, e1, e2], landed: [inverse[a], inverse[b]], readout: readout };

  function drawStatic() {
    for (const svg of Object.values(ctx.svgs)) ropeviz.clear(svg);
    const step = Math.max(1, d / 4), ticks = [];
    for (let k = 0; k < d; k += step) ticks.push([k, String(k)]);
    const P = ctx.panel("layouts", { aspect: 0.62, min: 250, max: 360 });
    const A = ropeviz.axes(P, {
      title: "Feature j in the two layouts (colour = pair index); lines: P moves interleaved feature P[k] to half position k",
      xlim: [-0.5, d - 0.5], ylim: [-1, 3], xticks: ticks, yticks: [[0, "half"], [2, "interleaved"]],
      xlabel: "feature index j",
    });
    const cells = el(null, "g", { class: "cells" });
    A.g.insertBefore(cells, A.g.firstChild);
    const top = Math.max(1, d / 2 - 1);
    for (const [layout, row] of [["interleaved", 2], ["half", 0]]) {
      pairs[layout].forEach((p, f) => {
        el(cells, "rect", { x: A.x(f - 0.5), y: A.y(row + 0.5), width: A.x(f + 0.5) - A.x(f - 0.5), height: A.y(row - 0.5) - A.y(row + 0.5),
          fill: ropeviz.lut(D.lut, p / top), stroke: c("bg"), "stroke-width": d <= 32 ? 1 : 0.3, class: "cell " + layout, "data-pair": p });
      });
    }
    perm.forEach((from, k) => el(cells, "line", { x1: A.x(from), y1: A.y(1.5), x2: A.x(k), y2: A.y(0.5), stroke: c("faint"), "stroke-width": 0.8 }));
    ctx.cache.layouts = { x: A.x, y: A.y, g: el(P.svg, "g", { class: "dynamic" }) };

    const Q = ctx.panel("matrix", { aspect: 1.0, min: 280, max: 400 });
    const B = ropeviz.axes(Q, {
      title: "P as a matrix: row k (half) takes column P[k] (interleaved)",
      xlim: [-0.5, d - 0.5], ylim: [-0.5, d - 0.5], yflip: true, equal: true, xticks: ticks, yticks: ticks,
      xlabel: "interleaved feature (row of W_q before)", ylabel: "half position k (row after)",
    });
    B.fit();
    const ones = el(null, "g", { class: "ones" });
    B.g.insertBefore(ones, B.g.firstChild);
    perm.forEach((from, k) => el(ones, "rect", { x: B.x(from - 0.5), y: B.y(k - 0.5), width: B.x(from + 0.5) - B.x(from - 0.5),
      height: B.y(k + 0.5) - B.y(k - 0.5), fill: c("muted") }));
    ctx.cache.matrix = { x: B.x, y: B.y, g: el(Q.svg, "g", { class: "dynamic" }) };
    ctx.cache.d = d;
  }
}
