// Geometry of image regions, one entry per kind (rectangle, ellipse, keypoint, polygon):
// how a drawing gesture becomes a value, how a value is drawn in SVG, moved and edited by its
// handles. Every coordinate is a percentage of the image (Label Studio's convention).
export const SVG = "http://www.w3.org/2000/svg";
export const MIN = 0.5; // percent: a smaller drag is a click, not a shape

export function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  return el;
}

export const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
export const round = (v) => Math.round(v * 1e6) / 1e6;

function handle(id, name, x, y, color) {
  return svg("rect", { x: `${x}%`, y: `${y}%`, width: 10, height: 10, transform: "translate(-5 -5)", class: "lc-image-handle", fill: color, "data-region": id, "data-handle": name });
}

const body = (color) => ({ stroke: color, "stroke-width": 2, fill: color, "fill-opacity": 0.15 });

export const KINDS = {
  rectangle: {
    gesture: "drag",
    fromDrag(a, b) {
      return { x: round(Math.min(a.x, b.x)), y: round(Math.min(a.y, b.y)), width: round(Math.abs(b.x - a.x)), height: round(Math.abs(b.y - a.y)), rotation: 0 };
    },
    big: (v) => v.width >= MIN && v.height >= MIN,
    draw(r, color, view) {
      const v = r.value;
      const g = svg("g", {});
      const rot = Number(v.rotation) || 0;
      if (rot && view && view.w) {
        // rotated about its top-left corner (as Label Studio does): transforms need pixels
        const [px, py] = [(v.x / 100) * view.w, (v.y / 100) * view.h];
        g.setAttribute("transform", `rotate(${rot} ${px} ${py})`);
        g.append(svg("rect", { x: px, y: py, width: (v.width / 100) * view.w, height: (v.height / 100) * view.h, class: "lc-image-shape", "data-region": r.id, ...body(color) }));
        if (!r.readonly) g.append(handle(r.id, "se", v.x + v.width, v.y + v.height, color));
      } else {
        g.append(svg("rect", { x: `${v.x}%`, y: `${v.y}%`, width: `${v.width}%`, height: `${v.height}%`, class: "lc-image-shape", "data-region": r.id, ...body(color) }));
        if (!r.readonly) g.append(handle(r.id, "se", v.x + v.width, v.y + v.height, color));
      }
      if (!r.readonly && view && view.rotate) {
        const knob = svg("circle", { cx: `${v.x + v.width / 2}%`, cy: `${v.y}%`, r: 5, transform: "translate(0 -18)", class: "lc-image-rotate", fill: "#ffffff", stroke: color, "data-region": r.id, "data-handle": "rotate" });
        g.append(knob);
      }
      return g;
    },
    move: (o, dx, dy) => ({ x: round(clamp(o.x + dx, 0, 100 - o.width)), y: round(clamp(o.y + dy, 0, 100 - o.height)) }),
    edit: (o, _h, p) => ({ width: round(clamp(p.x - o.x, MIN, 100 - o.x)), height: round(clamp(p.y - o.y, MIN, 100 - o.y)) }),
  },
  ellipse: {
    gesture: "drag",
    fromDrag(a, b) {
      const rx = Math.min(Math.abs(b.x - a.x), a.x, 100 - a.x);
      const ry = Math.min(Math.abs(b.y - a.y), a.y, 100 - a.y);
      return { x: round(a.x), y: round(a.y), radiusX: round(rx), radiusY: round(ry), rotation: 0 };
    },
    big: (v) => v.radiusX >= MIN && v.radiusY >= MIN,
    draw(r, color, view) {
      const v = r.value;
      const g = svg("g", {});
      const rot = Number(v.rotation) || 0;
      if (rot && view && view.w) {
        // rotated about its centre (Label Studio's convention): transforms need pixels
        const [cx, cy] = [(v.x / 100) * view.w, (v.y / 100) * view.h];
        g.setAttribute("transform", `rotate(${rot} ${cx} ${cy})`);
        g.append(svg("ellipse", { cx, cy, rx: (v.radiusX / 100) * view.w, ry: (v.radiusY / 100) * view.h, class: "lc-image-shape", "data-region": r.id, ...body(color) }));
      } else {
        g.append(svg("ellipse", { cx: `${v.x}%`, cy: `${v.y}%`, rx: `${v.radiusX}%`, ry: `${v.radiusY}%`, class: "lc-image-shape", "data-region": r.id, ...body(color) }));
      }
      if (!r.readonly) g.append(handle(r.id, "radius", v.x + v.radiusX, v.y + v.radiusY, color));
      if (!r.readonly && view && view.rotate) {
        g.append(svg("circle", { cx: `${v.x}%`, cy: `${v.y - v.radiusY}%`, r: 5, transform: "translate(0 -18)", class: "lc-image-rotate", fill: "#ffffff", stroke: color, "data-region": r.id, "data-handle": "rotate" }));
      }
      return g;
    },
    move: (o, dx, dy) => ({ x: round(clamp(o.x + dx, o.radiusX, 100 - o.radiusX)), y: round(clamp(o.y + dy, o.radiusY, 100 - o.radiusY)) }),
    edit: (o, _h, p) => ({
      radiusX: round(clamp(Math.abs(p.x - o.x), MIN, Math.min(o.x, 100 - o.x))),
      radiusY: round(clamp(Math.abs(p.y - o.y), MIN, Math.min(o.y, 100 - o.y))),
    }),
  },
  keypoint: {
    gesture: "click",
    fromClick: (p, size) => ({ x: round(p.x), y: round(p.y), width: size }),
    draw(r, color) {
      const v = r.value;
      return svg("circle", { cx: `${v.x}%`, cy: `${v.y}%`, r: 5, class: "lc-image-shape", "data-region": r.id, stroke: "#ffffff", "stroke-width": 1, fill: color });
    },
    move: (o, dx, dy) => ({ x: round(clamp(o.x + dx, 0, 100)), y: round(clamp(o.y + dy, 0, 100)) }),
    edit: () => ({}),
  },
  polygon: {
    gesture: "points",
    draw(r, color, view) {
      const g = svg("g", {});
      const pts = r.value.points || [];
      // SVG points cannot be percentages: the object scales them through a nested viewBox
      const poly = svg("polygon", { points: pts.map(([x, y]) => `${x},${y}`).join(" "), class: "lc-image-shape", "data-region": r.id, "vector-effect": "non-scaling-stroke", ...body(color) });
      const box = svg("svg", { viewBox: "0 0 100 100", preserveAspectRatio: "none", width: "100%", height: "100%", overflow: "visible" });
      box.append(poly);
      g.append(box);
      if (!r.readonly && view && view.selected) {
        // wide invisible edges of the selected polygon: pressing one inserts a point there
        pts.forEach(([x, y], i) => {
          const [nx, ny] = pts[(i + 1) % pts.length];
          g.append(svg("line", { x1: `${x}%`, y1: `${y}%`, x2: `${nx}%`, y2: `${ny}%`, stroke: "transparent", "stroke-width": 8, class: "lc-image-edge", "data-region": r.id, "data-handle": `e${i}` }));
        });
      }
      if (!r.readonly) pts.forEach(([x, y], i) => g.append(handle(r.id, `p${i}`, x, y, color)));
      return g;
    },
    move(o, dx, dy) {
      const xs = o.points.map((p) => p[0]);
      const ys = o.points.map((p) => p[1]);
      const mx = clamp(dx, -Math.min(...xs), 100 - Math.max(...xs));
      const my = clamp(dy, -Math.min(...ys), 100 - Math.max(...ys));
      return { points: o.points.map(([x, y]) => [round(x + mx), round(y + my)]) };
    },
    edit(o, h, p) {
      const i = Number(h.slice(1));
      return { points: o.points.map((pt, j) => (j === i ? [round(p.x), round(p.y)] : pt)) };
    },
  },
};

/** The shape kind of a control type: "polygonlabels" -> "polygon". */
export function kindOf(type) {
  const k = type.replace(/labels$/, "");
  return KINDS[k] ? k : null;
}
