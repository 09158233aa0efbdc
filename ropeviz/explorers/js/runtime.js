// ropeviz static-twin runtime: wires an explorer's range inputs to its draw function.
// Inlined (with the explorer's own script) into every static twin; no request is made anywhere.
const ropeviz = {
  SVG: "http://www.w3.org/2000/svg",
  // Create an SVG element with attributes under parent.
  el(parent, tag, attrs) {
    const node = document.createElementNS(ropeviz.SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (parent) parent.appendChild(node);
    return node;
  },
  text(parent, x, y, content, attrs) {
    const node = ropeviz.el(parent, "text", Object.assign({ x: x, y: y }, attrs || {}));
    node.textContent = content;
    return node;
  },
  fmt(value) {
    if (typeof value !== "number") return String(value);
    if (Number.isInteger(value)) return String(value);
    const text = value.toPrecision(6);
    return String(Number(text));
  },
  // Python's f"{x:.4g}": 4 significant digits, exponent form outside [1e-4, 1e4).
  fmt4(value) {
    if (value === 0) return "0";
    const exponent = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(4)))));
    if (exponent < -4 || exponent >= 4) {
      const [mantissa, power] = value.toExponential(3).split("e");
      const p = Number(power);
      return String(Number(mantissa)) + "e" + (p < 0 ? "-" : "+") + String(Math.abs(p)).padStart(2, "0");
    }
    return String(Number(value.toPrecision(4)));
  },
  // "Nice" tick values (1, 2 or 5 times a power of ten) covering [lo, hi].
  ticks(lo, hi, count) {
    const raw = (hi - lo) / Math.max(1, count || 5);
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((f) => f * power).find((s) => s >= raw);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  },
  // Draw a labelled plot frame in box {x, y, w, h}; return data-to-pixel maps sx, sy.
  axes(parent, box, xlim, ylim, labels) {
    const sx = (v) => box.x + ((v - xlim[0]) / (xlim[1] - xlim[0])) * box.w;
    const sy = (v) => box.y + box.h - ((v - ylim[0]) / (ylim[1] - ylim[0])) * box.h;
    const g = ropeviz.el(parent, "g", { class: "axes" });
    ropeviz.el(g, "rect", { x: box.x, y: box.y, width: box.w, height: box.h, fill: "none", stroke: "#444" });
    for (const v of ropeviz.ticks(xlim[0], xlim[1], 5)) {
      ropeviz.el(g, "line", { x1: sx(v), y1: box.y + box.h, x2: sx(v), y2: box.y + box.h + 5, stroke: "#444" });
      ropeviz.text(g, sx(v), box.y + box.h + 18, ropeviz.fmt(v), { "text-anchor": "middle", style: "font-size:11px" });
    }
    for (const v of ropeviz.ticks(ylim[0], ylim[1], 4)) {
      ropeviz.el(g, "line", { x1: box.x - 5, y1: sy(v), x2: box.x, y2: sy(v), stroke: "#444" });
      ropeviz.text(g, box.x - 8, sy(v) + 4, ropeviz.fmt(v), { "text-anchor": "end", style: "font-size:11px" });
    }
    if (labels.title) ropeviz.text(g, box.x + box.w / 2, box.y - 10, labels.title, { "text-anchor": "middle", class: "title" });
    if (labels.x) ropeviz.text(g, box.x + box.w / 2, box.y + box.h + 36, labels.x, { "text-anchor": "middle" });
    if (labels.y) {
      const x = box.x - 46, y = box.y + box.h / 2;
      ropeviz.text(g, x, y, labels.y, { "text-anchor": "middle", transform: "rotate(-90 " + x + " " + y + ")" });
    }
    return { sx: sx, sy: sy, group: g };
  },
  // An SVG path through points (xs[k], ys[k]) mapped by sx, sy.
  path(parent, xs, ys, sx, sy, attrs) {
    let d = "";
    for (let k = 0; k < xs.length; k++) d += (k ? "L" : "M") + sx(xs[k]).toFixed(1) + " " + sy(ys[k]).toFixed(1);
    return ropeviz.el(parent, "path", Object.assign({ d: d, fill: "none" }, attrs || {}));
  },
  // An axes of the live figure (see explorers/_frames.py) mapped into the 900 x 420 viewBox.
  panel(f) {
    const [l, bottom, w, h] = f.rect;
    const x0 = l * 900, y0 = (1 - bottom - h) * 420, W = w * 900, H = h * 420;
    return {
      f: f, x0: x0, y0: y0, w: W, h: H,
      x: (v) => x0 + (W * (v - f.xlim[0])) / (f.xlim[1] - f.xlim[0]),
      y: (v) => y0 + (H * (f.ylim[1] - v)) / (f.ylim[1] - f.ylim[0]),
    };
  },
  // Spines, ticks with matplotlib's labels, axis labels and a (multi-line) title for a panel.
  // opts: title (array of lines), titleAlign ("left"), xlabel, ylabel, ylabelGap, ylabelStyle,
  // yRight (ticks on the right, as on a colour bar).
  frame(svg, P, opts) {
    const el = ropeviz.el, tick = "font-size:11px;fill:#222";
    const g = el(svg, "g", { class: "axes" });
    el(g, "rect", { x: P.x0, y: P.y0, width: P.w, height: P.h, fill: "none", stroke: "#222", "stroke-width": 0.9 });
    for (const [v, label] of P.f.xticks) {
      const x = P.x(v);
      el(g, "line", { x1: x, x2: x, y1: P.y0 + P.h, y2: P.y0 + P.h + 4.5, stroke: "#222" });
      ropeviz.text(g, x, P.y0 + P.h + 16, label, { "text-anchor": "middle", style: tick });
    }
    const right = opts.yRight;
    for (const [v, label] of P.f.yticks) {
      const y = P.y(v), x = right ? P.x0 + P.w : P.x0;
      el(g, "line", { x1: x, x2: x + (right ? 4.5 : -4.5), y1: y, y2: y, stroke: "#222" });
      ropeviz.text(g, x + (right ? 7 : -7), y + 4, label, { "text-anchor": right ? "start" : "end", style: tick });
    }
    if (opts.xlabel) ropeviz.text(g, P.x0 + P.w / 2, P.y0 + P.h + 33, opts.xlabel, { "text-anchor": "middle" });
    if (opts.ylabel) {
      const x = P.x0 - (opts.ylabelGap || 40), y = P.y0 + P.h / 2;
      ropeviz.text(g, x, y, opts.ylabel, { "text-anchor": "middle", transform: "rotate(-90 " + x + " " + y + ")", style: opts.ylabelStyle || "" });
    }
    const left = opts.titleAlign === "left";
    (opts.title || []).forEach((text, n, all) => ropeviz.text(g, left ? P.x0 : P.x0 + P.w / 2,
      P.y0 - 9 - 18 * (all.length - 1 - n), text, { "text-anchor": left ? "start" : "middle", class: "title" }));
    return g;
  },
  start(root, draw) {
    const config = JSON.parse(root.querySelector("script.ropeviz-config").textContent);
    const svg = root.querySelector("svg.ropeviz-canvas");
    const state = Object.assign({}, config.state);
    const inputs = {};
    const ctx = {
      svg: svg, data: config.data, state: state, cache: {},
      // Change an integer control's maximum (e.g. the number of pairs follows the head dim).
      setMax(name, max) {
        const input = inputs[name];
        input.max = String(max);
        if (state[name] > max) { state[name] = max; }
        input.value = String(state[name]);
      },
    };
    const valueOf = (control, input) =>
      control.options ? control.options[Number(input.value)] : Number(input.value);
    const readout = root.querySelector("pre.ropeviz-readout");
    const refresh = () => {
      const derived = draw(ctx) || {};
      if (readout && derived.readout !== undefined) readout.textContent = derived.readout;
      for (const control of config.controls) {
        inputs[control.name].nextElementSibling.textContent = ropeviz.fmt(state[control.name]);
      }
      root.dataset.state = JSON.stringify(Object.assign({}, state, derived));
    };
    for (const control of config.controls) {
      const input = root.querySelector('input[name="' + control.name + '"]');
      inputs[control.name] = input;
      input.addEventListener("input", () => { state[control.name] = valueOf(control, input); refresh(); });
    }
    refresh();
  },
};
