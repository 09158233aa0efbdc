// ropeviz static-twin runtime: controls, panels, axes and themes shared by every explorer.
// Inlined (with the explorer's own draw script) into every static twin; no request is made
// anywhere. Each panel is its own SVG whose user units are CSS pixels: the script lays the
// panel out for the width it gets, so text keeps its size (12 px and up) on a phone, and the
// panels stack when the page is narrow (CSS grid). Colours are CSS variables (explorer.css),
// so the light and dark themes of the book apply to the drawing too.
const ropeviz = {
  SVG: "http://www.w3.org/2000/svg",
  // A theme colour: "blue" -> var(--rv-blue) (the Okabe-Ito palette and the theme's own).
  c(name) { return "var(--rv-" + name + ")"; },
  // Create an SVG element with attributes under parent; var() colours go through style.
  el(parent, tag, attrs) {
    const node = document.createElementNS(ropeviz.SVG, tag);
    let style = "";
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null) continue;
      if (key === "style") style += value;
      else if ((key === "fill" || key === "stroke") && String(value).startsWith("var(")) style += key + ":" + value + ";";
      else node.setAttribute(key, value);
    }
    if (style) node.setAttribute("style", style);
    if (parent) parent.appendChild(node);
    return node;
  },
  text(parent, x, y, content, attrs) {
    const node = ropeviz.el(parent, "text", Object.assign({ x: x, y: y }, attrs || {}));
    node.textContent = content;
    return node;
  },
  clear(node) { while (node.lastChild) node.removeChild(node.lastChild); },
  fmt(value) {
    if (typeof value !== "number") return String(value);
    if (Number.isInteger(value)) return String(value);
    return String(Number(value.toPrecision(6)));
  },
  // Python's f"{x:,}" for integers: 10000 -> "10,000".
  group(value) {
    const text = String(Math.abs(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (value < 0 ? "-" : "") + text;
  },
  // Python's f"{x:.4g}": 4 significant digits, exponent form outside [1e-4, 1e4).
  fmt4(value) { return ropeviz.fmtg(value, 4); },
  // Python's f"{x:.{digits}g}".
  fmtg(value, digits) {
    if (value === 0) return "0";
    if (!Number.isFinite(value)) return value > 0 ? "inf" : value < 0 ? "-inf" : "nan";
    const exponent = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(digits)))));
    if (exponent < -4 || exponent >= digits) {
      const [mantissa, power] = value.toExponential(digits - 1).split("e");
      const p = Number(power);
      return String(Number(mantissa)) + "e" + (p < 0 ? "-" : "+") + String(Math.abs(p)).padStart(2, "0");
    }
    return String(Number(value.toPrecision(digits)));
  },
  // Python's f"{x:.{digits}f}" and f"{x:+.{digits}f}" (negative zero keeps its sign, as there).
  fixed(value, digits) {
    const text = value.toFixed(digits);
    return Object.is(value, -0) ? "-" + text : text;
  },
  signed(value, digits) {
    const text = ropeviz.fixed(value, digits);
    return text.startsWith("-") ? text : "+" + text;
  },
  // A tick label: integers plain ("4096", "-200" with a minus sign), large ones as "20k".
  tickLabel(v) {
    const minus = v < 0 ? "\u2212" : "", a = Math.abs(v);
    if (a >= 10000 && a % 1000 === 0) return minus + ropeviz.fmt(a / 1000) + "k";
    return minus + ropeviz.fmt(a);
  },
  // "Nice" tick values (1, 2 or 5 times a power of ten) covering [lo, hi].
  ticks(lo, hi, count) {
    const [a, b] = lo < hi ? [lo, hi] : [hi, lo];
    const raw = (b - a) / Math.max(1, count || 5);
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= raw);
    const out = [];
    for (let v = Math.ceil(a / step - 1e-9) * step; v <= b + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
    return out.map((v) => [v, ropeviz.tickLabel(v)]);
  },
  // Powers of ten in [lo, hi] (every other one when there are many), labelled 1, 10, 100, 1k, 10^4 ...
  logTicks(lo, hi, count) {
    const a = Math.ceil(Math.log10(Math.min(lo, hi)) - 1e-9), b = Math.floor(Math.log10(Math.max(lo, hi)) + 1e-9);
    const every = Math.max(1, Math.ceil((b - a + 1) / Math.max(2, count || 6)));
    const sup = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079";
    const out = [];
    for (let e = a; e <= b; e++) {
      if ((e - a) % every) continue;
      const label = e >= 0 && e <= 3 ? String(Math.pow(10, e)) : "10" + (e < 0 ? "\u207b" : "") +
        String(Math.abs(e)).split("").map((d) => sup[Number(d)]).join("");
      out.push([Math.pow(10, e), label]);
    }
    return out;
  },
  // Width of a text in a panel, in px, measured by the browser (estimated when not rendered).
  measure(svg, content, cls) {
    const probe = ropeviz.text(svg, -1000, -1000, content, { class: cls || "", "aria-hidden": "true" });
    let width = 0;
    try { width = probe.getComputedTextLength(); } catch (error) { width = 0; }
    svg.removeChild(probe);
    const size = cls === "rv-title" ? 14 : cls === "rv-label" ? 13 : 12;
    return width > 0 ? width : String(content).length * size * 0.6;
  },
  // Greedy word wrap of text to lines no wider than width px.
  wrap(svg, content, cls, width) {
    const lines = [];
    for (const paragraph of String(content).split("\n")) {
      let line = "";
      for (const word of paragraph.split(" ")) {
        const next = line ? line + " " + word : word;
        if (line && ropeviz.measure(svg, next, cls) > width) { lines.push(line); line = word; } else line = next;
      }
      lines.push(line);
    }
    return lines;
  },
  // A legend item's swatch: "line", "dash", "dot" or "box".
  swatch(g, x, y, colour, kind) {
    const el = ropeviz.el;
    if (kind === "dot") return el(g, "circle", { cx: x + 9, cy: y, r: 4.5, fill: colour });
    if (kind === "box") return el(g, "rect", { x: x + 2, y: y - 6, width: 14, height: 12, fill: colour });
    return el(g, "line", { x1: x, x2: x + 18, y1: y, y2: y, stroke: colour, "stroke-width": 2.5,
      "stroke-dasharray": kind === "dash" ? "5 3" : null });
  },
  // Lay out a plot in panel P and draw its frame; returns data-to-pixel maps x(v), y(v).
  // o: title (wrapped to the panel), legend ([label, colour, kind] items, wrapped), xlim, ylim,
  // xlog, ylog, xticks / yticks ([[value, label]]; default: nice ticks), xlabel, ylabel,
  // equal (same scale on both axes), yflip (y grows downwards), left / right / bottom
  // (extra px, e.g. for a colour bar), frame (false: no frame or ticks).
  axes(P, o) {
    const el = ropeviz.el, svg = P.svg;
    const g = el(svg, "g", { class: "rv-axes" });
    let top = 4;
    for (const line of o.title ? ropeviz.wrap(svg, o.title, "rv-title", P.w - 12) : []) {
      ropeviz.text(g, P.w / 2, top + 14, line, { class: "rv-title", "text-anchor": "middle" });
      top += 18;
    }
    top += o.title ? 6 : 4;
    if (o.legend && o.legend.length) {
      let x = 8;
      const rows = [[]];
      for (const item of o.legend) {
        const width = 24 + ropeviz.measure(svg, item[0], "rv-legend");
        if (x + width > P.w - 6 && rows[rows.length - 1].length) { rows.push([]); x = 8; }
        rows[rows.length - 1].push([item, x]);
        x += width + 12;
      }
      for (const row of rows) {
        for (const [[label, colour, kind], x0] of row) {
          ropeviz.swatch(g, x0, top + 7, colour, kind);
          ropeviz.text(g, x0 + 22, top + 11, label, { class: "rv-legend" });
        }
        top += 18;
      }
      top += 4;
    }
    const framed = o.frame !== false;
    const bottom = 6 + (framed && o.xticks !== false ? 18 : 0) + (o.xlabel ? 18 : 0) + (o.bottom || 0);
    let h = Math.max(40, P.h - top - bottom);
    const scale = (lim, log) => log ? lim.map(Math.log10) : lim;
    const ylim = o.ylim, xlim = o.xlim;
    let yticks = [];
    if (framed && o.yticks !== false) {
      yticks = o.yticks || (o.ylog ? ropeviz.logTicks(ylim[0], ylim[1], Math.floor(h / 30))
        : ropeviz.ticks(ylim[0], ylim[1], Math.max(2, Math.min(8, Math.floor(h / 36)))));
    }
    const yw = yticks.length ? Math.max(...yticks.map(([, t]) => ropeviz.measure(svg, t, "rv-tick"))) : 0;
    const tickspace = yticks.length ? yw + 9 : 0;
    let left = 6 + (o.ylabel ? 19 : 0) + tickspace + (o.left || 0);
    let right = 10 + (o.right || 0);
    let w = Math.max(40, P.w - left - right);
    let xticks = [];
    const fitX = () => {
      if (!framed || o.xticks === false) return [];
      if (o.xticks) return o.xticks;
      let count = Math.max(2, Math.min(8, Math.floor(w / 70)));
      for (;;) {
        const t = o.xlog ? ropeviz.logTicks(xlim[0], xlim[1], count) : ropeviz.ticks(xlim[0], xlim[1], count);
        const widths = t.map(([, label]) => ropeviz.measure(svg, label, "rv-tick") + 10);
        if (count <= 2 || widths.reduce((s, v) => s + v, 0) < w * 0.8) return t;
        count -= 1;
      }
    };
    const [sx0, sx1] = scale(xlim, o.xlog), [sy0, sy1] = scale(ylim, o.ylog);
    xticks = fitX();
    // Keep the first and last x tick labels inside the panel.
    for (let pass = 0; pass < 2 && xticks.length; pass++) {
      const first = xticks[0], last = xticks[xticks.length - 1];
      const at = (v) => left + (((o.xlog ? Math.log10(v) : v) - sx0) / (sx1 - sx0)) * w;
      const over = at(last[0]) + ropeviz.measure(svg, last[1], "rv-tick") / 2 - (P.w - 3);
      if (over > 0) w -= over;
      const under = 3 - (at(first[0]) - ropeviz.measure(svg, first[1], "rv-tick") / 2);
      if (under > 0) { left += under; w -= under; }
    }
    let x0 = left;
    if (o.equal) {
      const k = Math.min(w / Math.abs(sx1 - sx0), h / Math.abs(sy1 - sy0));
      const nw = Math.abs(sx1 - sx0) * k, nh = Math.abs(sy1 - sy0) * k;
      x0 = left + (w - nw) / 2;
      w = nw; h = nh;
    }
    const y0 = top;
    const x = (v) => x0 + (((o.xlog ? Math.log10(v) : v) - sx0) / (sx1 - sx0)) * w;
    const y = o.yflip ? (v) => y0 + (((o.ylog ? Math.log10(v) : v) - sy0) / (sy1 - sy0)) * h
      : (v) => y0 + h - (((o.ylog ? Math.log10(v) : v) - sy0) / (sy1 - sy0)) * h;
    const A = {
      x: x, y: y, box: { x: x0, y: y0, w: w, h: h }, g: g, P: P, top: top,
      // Shrink the panel to end just below the plot (after an equal-aspect fit).
      fit() {
        const height = Math.ceil(y0 + h + bottom);
        if (height < P.h) {
          P.h = height;
          P.svg.setAttribute("height", height);
          P.svg.setAttribute("viewBox", "0 0 " + P.w + " " + height);
        }
      },
    };
    if (framed) {
      for (const [v, label] of yticks) {
        const yy = y(v);
        el(g, "line", { x1: x0 - 4, x2: x0, y1: yy, y2: yy, class: "rv-tickmark" });
        ropeviz.text(g, x0 - 7, yy + 4, label, { class: "rv-tick", "text-anchor": "end" });
      }
      for (const [v, label] of xticks) {
        const xx = x(v);
        el(g, "line", { x1: xx, x2: xx, y1: y0 + h, y2: y0 + h + 4, class: "rv-tickmark" });
        ropeviz.text(g, xx, y0 + h + 16, label, { class: "rv-tick", "text-anchor": "middle" });
      }
      el(g, "rect", { x: x0, y: y0, width: w, height: h, class: "rv-frame" });
    }
    if (o.xlabel) {
      ropeviz.text(g, x0 + w / 2, y0 + h + (framed && o.xticks !== false ? 18 : 0) + 15, o.xlabel,
        { class: "rv-label", "text-anchor": "middle" });
    }
    if (o.ylabel) {
      const lx = Math.max(19, x0 - tickspace - 5), ly = y0 + h / 2;
      ropeviz.text(g, lx, ly, o.ylabel, { class: "rv-label", "text-anchor": "middle", transform: "rotate(-90 " + lx + " " + ly + ")" });
    }
    return A;
  },
  // A vertical colour bar to the right of axes A (reserve it with axes({right: ropeviz.BAR})).
  BAR: 62,
  colorbar(A, lut, lo, hi, ticks) {
    const el = ropeviz.el, b = A.box, x = b.x + b.w + 10, w = 11;
    const g = el(A.P.svg, "g", { class: "rv-colorbar" });
    for (let k = 0; k < 64; k++) {
      el(g, "rect", { x: x, y: b.y + (b.h * (63 - k)) / 64, width: w, height: b.h / 64 + 0.6,
        fill: ropeviz.lut(lut, (k + 0.5) / 64), "shape-rendering": "crispEdges" });
    }
    el(g, "rect", { x: x, y: b.y, width: w, height: b.h, class: "rv-frame" });
    for (const [v, label] of ticks) {
      const yy = b.y + b.h - ((v - lo) / (hi - lo)) * b.h;
      el(g, "line", { x1: x + w, x2: x + w + 4, y1: yy, y2: yy, class: "rv-tickmark" });
      ropeviz.text(g, x + w + 6, yy + 4, label, { class: "rv-tick" });
    }
    return g;
  },
  // matplotlib's 256-entry colour table (hex string) at v in [0, 1]: entry floor(v * 256).
  lut(table, v) {
    const n = Math.min(255, Math.max(0, Math.floor(v * 256)));
    return "#" + table.substr(6 * n, 6);
  },
  // An SVG path through points (xs[k], ys[k]) mapped by A.x, A.y (NaN breaks the line).
  path(parent, xs, ys, A, attrs) {
    let d = "", pen = false;
    for (let k = 0; k < xs.length; k++) {
      if (!Number.isFinite(ys[k])) { pen = false; continue; }
      d += (pen ? "L" : "M") + A.x(xs[k]).toFixed(1) + " " + A.y(ys[k]).toFixed(1);
      pen = true;
    }
    return ropeviz.el(parent, "path", Object.assign({ d: d, fill: "none" }, attrs || {}));
  },
  // Wire a twin: controls (range, number box, play button), readout, panels, resizing.
  start(root, draw) {
    const config = JSON.parse(root.querySelector("script.ropeviz-config").textContent);
    const state = Object.assign({}, config.state);
    const svgs = {};
    root.querySelectorAll("svg.ropeviz-svg").forEach((svg) => { svgs[svg.dataset.panel] = svg; });
    const widths = {};
    const ctx = {
      data: config.data, state: state, cache: {}, svgs: svgs,
      // The panel's SVG, sized to the width it is given; height = width * aspect in [min, max].
      panel(name, opts) {
        const svg = svgs[name], o = opts || {};
        const w = Math.floor(svg.parentNode.clientWidth) || 600;
        let h = o.height || Math.round(w * (o.aspect || 0.75));
        h = Math.round(Math.max(o.min || 0, Math.min(o.max || Infinity, h)));
        if (svg.getAttribute("width") !== String(w) || svg.getAttribute("height") !== String(h)) {
          svg.setAttribute("width", w); svg.setAttribute("height", h);
          svg.setAttribute("viewBox", "0 0 " + w + " " + h);
        }
        widths[name] = w;
        return { svg: svg, w: w, h: h, name: name };
      },
      // Change an integer control's maximum (e.g. the number of pairs follows the head dim).
      setMax(name, max) {
        const k = controls[name];
        k.range.max = String(max);
        if (k.number) k.number.max = String(max);
        if (state[name] > max) state[name] = max;
        sync(name);
      },
    };
    const controls = {};
    const textOf = (c, v) => c.options ? c.labels[c.options.indexOf(v)] : ropeviz.group(v) + c.unit;
    const sync = (name) => {
      const k = controls[name], c = k.c, v = state[name];
      const position = c.options ? c.options.indexOf(v) : v;
      if (k.range.value !== String(position)) k.range.value = String(position);
      k.range.setAttribute("aria-valuetext", textOf(c, v));
      if (k.output) k.output.textContent = textOf(c, v);
      if (k.number && document.activeElement !== k.number && k.number.value !== String(v)) k.number.value = String(v);
    };
    const readout = root.querySelector(".ropeviz-readout");
    const refresh = () => {
      const derived = draw(ctx) || {};
      if (readout && derived.readout !== undefined && readout.textContent !== derived.readout) readout.textContent = derived.readout;
      for (const c of config.controls) sync(c.name);
      root.dataset.state = JSON.stringify(Object.assign({}, state, derived));
    };
    const set = (name, value) => { state[name] = value; refresh(); };
    const reduced = !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
    for (const c of config.controls) {
      const range = root.querySelector('input[type="range"][name="' + c.name + '"]');
      const k = controls[c.name] = {
        c: c, range: range, output: range.parentNode.querySelector("output"),
        number: root.querySelector('input.ropeviz-number[data-control="' + c.name + '"]'),
      };
      range.addEventListener("input", () => set(c.name, c.options ? c.options[Number(range.value)] : Number(range.value)));
      if (k.number) {
        const accept = (clamp) => {
          const v = Number(k.number.value), lo = Number(range.min), hi = Number(range.max);
          if (k.number.value === "" || !Number.isFinite(v)) { if (clamp) sync(c.name); return; }
          const w = Math.round(v);
          if (clamp || (w === v && w >= lo && w <= hi)) set(c.name, Math.max(lo, Math.min(hi, w)));
          if (clamp) k.number.value = String(state[c.name]);
        };
        k.number.addEventListener("input", () => accept(false));
        k.number.addEventListener("change", () => accept(true));
      }
      const button = root.querySelector('button.ropeviz-play[data-control="' + c.name + '"]');
      if (button) {
        let timer = null;
        const step = () => {
          const hi = Number(range.max);
          set(c.name, state[c.name] >= hi ? Number(range.min) : state[c.name] + 1);
        };
        const stop = () => { clearInterval(timer); timer = null; button.setAttribute("aria-pressed", "false"); };
        if (reduced) {
          // Reduced motion: no animation; the button steps the value forward once per press.
          button.dataset.step = "";
          button.removeAttribute("aria-pressed");
          button.setAttribute("aria-label", "Step " + c.label + " forward by 1");
          button.title = "Step " + c.label + " forward by 1";
          button.addEventListener("click", step);
        } else {
          button.addEventListener("click", () => {
            if (timer) { stop(); return; }
            if (state[c.name] >= Number(range.max)) set(c.name, Number(range.min));
            button.setAttribute("aria-pressed", "true");
            timer = setInterval(() => {
              if (!root.isConnected || state[c.name] >= Number(range.max)) { stop(); return; }
              set(c.name, state[c.name] + 1);
            }, c.play);
          });
        }
      }
    }
    // Re-lay out every panel when its width changes (window resized, sidebar toggled).
    const canvas = root.querySelector(".ropeviz-canvas");
    let pending = false;
    const relayout = () => {
      pending = false;
      const changed = Object.keys(widths).some((name) => Math.floor(svgs[name].parentNode.clientWidth) !== widths[name]);
      if (!changed) return;
      for (const svg of Object.values(svgs)) ropeviz.clear(svg);
      ctx.cache = {};
      refresh();
    };
    if (window.ResizeObserver && canvas) {
      new ResizeObserver(() => { if (!pending) { pending = true; requestAnimationFrame(relayout); } }).observe(canvas);
    }
    refresh();
  },
};
