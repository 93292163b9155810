// Brush masks for BrushLabels / Brush: Label Studio's RLE (a bit stream: 32-bit value count,
// 5-bit word size - 1, four 4-bit run-length sizes - 1, then chunks of flag(1) size-index(2)
// count-1 followed by one repeated word (flag 1) or count literal words (flag 0)), decoded to
// and encoded from a mask of one byte per image pixel (the RGBA alpha channel), and the paint
// and erase operations on such masks. Written from the format description.
import { t } from "../i18n.js";
import { ShapeControl } from "./image_controls.js";

const SIZES = [3, 4, 8, 16]; // run-length field widths in bits (as Label Studio writes them)
const MAX_RUN = 2 ** 16;
export const MAX_PIXELS = 64_000_000; // the exporter's limit: a larger mask is refused

class BitReader {
  constructor(bytes) {
    this.bytes = bytes;
    this.pos = 0; // in bits
  }

  read(n) {
    let v = 0;
    for (let k = 0; k < n; k++) {
      const byte = this.pos >> 3;
      if (byte >= this.bytes.length) throw new Error(t("The brush data ends early."));
      v = v * 2 + ((this.bytes[byte] >> (7 - (this.pos & 7))) & 1);
      this.pos++;
    }
    return v;
  }
}

class BitWriter {
  constructor() {
    this.out = [];
    this.acc = 0;
    this.n = 0;
  }

  write(value, bits) {
    for (let b = bits - 1; b >= 0; b--) {
      this.acc = (this.acc << 1) | (Math.floor(value / 2 ** b) & 1);
      if (++this.n === 8) {
        this.out.push(this.acc);
        this.acc = 0;
        this.n = 0;
      }
    }
  }

  bytes() {
    if (this.n) this.out.push(this.acc << (8 - this.n));
    this.acc = 0;
    this.n = 0;
    return this.out;
  }
}

/** The alpha mask (Uint8Array, one byte per pixel) of an RLE for a width x height image. */
export function decodeRLE(rle, width, height) {
  const pixels = width * height;
  if (!Array.isArray(rle) && !(rle instanceof Uint8Array)) throw new Error(t("The brush data is not a list of bytes."));
  if (!(pixels > 0) || pixels > MAX_PIXELS) throw new Error(t("The image is too large for a brush mask."));
  const bits = new BitReader(rle);
  const num = bits.read(32);
  if (num !== pixels * 4) throw new Error(t("The brush data holds {n} values; this image needs {m}.", { n: num, m: pixels * 4 }));
  const word = bits.read(5) + 1;
  const sizes = [0, 1, 2, 3].map(() => bits.read(4) + 1);
  const mask = new Uint8Array(pixels);
  let i = 0;
  while (i < num) {
    const repeat = bits.read(1);
    const j = i + 1 + bits.read(sizes[bits.read(2)]);
    if (j > num) throw new Error(t("The brush data runs past the end of the image."));
    if (repeat) {
      const val = bits.read(word) & 0xff;
      // the alpha values of [i, j) sit at the indexes 4k + 3
      for (let k = i >> 2; 4 * k + 3 < j; k++) mask[k] = val;
      i = j;
    } else {
      for (; i < j; i++) {
        const val = bits.read(word);
        if ((i & 3) === 3) mask[i >> 2] = val & 0xff;
      }
    }
  }
  return mask;
}

/** The RLE of a mask: every pixel is written as four equal RGBA values (the alpha is what
 * readers use), so runs of equal pixels become single repeat chunks. */
export function encodeRLE(mask, width, height) {
  const pixels = width * height;
  const w = new BitWriter();
  w.write(pixels * 4, 32);
  w.write(8 - 1, 5);
  for (const s of SIZES) w.write(s - 1, 4);
  let p = 0;
  while (p < pixels) {
    const v = mask[p];
    let q = p + 1;
    while (q < pixels && mask[q] === v) q++;
    let left = (q - p) * 4;
    while (left > 0) {
      const run = Math.min(left, MAX_RUN);
      const idx = SIZES.findIndex((s) => run <= 2 ** s);
      w.write(1, 1);
      w.write(idx, 2);
      w.write(run - 1, SIZES[idx]);
      w.write(v, 8);
      left -= run;
    }
    p = q;
  }
  return w.bytes();
}

/** Set a disc of `radius` image pixels around (cx, cy) to `value`; the touched box or null. */
export function paintDisc(mask, width, height, cx, cy, radius, value) {
  const r = Math.max(0.5, radius);
  const x0 = Math.max(0, Math.floor(cx - r));
  const x1 = Math.min(width - 1, Math.ceil(cx + r));
  const y0 = Math.max(0, Math.floor(cy - r));
  const y1 = Math.min(height - 1, Math.ceil(cy + r));
  if (x0 > x1 || y0 > y1) return null;
  const r2 = r * r;
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - cy;
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      if (dx * dx + dy * dy <= r2) mask[y * width + x] = value;
    }
  }
  return { x0, y0, x1, y1 };
}

/** Paint the segment from a to b (image pixels) with discs every half radius. */
export function paintLine(mask, width, height, a, b, radius, value) {
  const steps = Math.max(1, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) / Math.max(0.5, radius / 2)));
  let box = null;
  for (let s = 0; s <= steps; s++) {
    const f = s / steps;
    const got = paintDisc(mask, width, height, a.x + (b.x - a.x) * f, a.y + (b.y - a.y) * f, radius, value);
    box = union(box, got);
  }
  return box;
}

/** The smallest box holding both (either may be null). */
export function union(a, b) {
  if (!a || !b) return a || b;
  return { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
}

export function isEmpty(mask) {
  for (let i = 0; i < mask.length; i++) if (mask[i]) return false;
  return true;
}

/** "#rrggbb" (safeColor's output) to [r, g, b]. */
export function rgb(color) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color || "");
  return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : [255, 136, 0];
}

/** BrushLabels / Brush: regions are masks; value {format: "rle", rle, brushlabels?}. The
 * decoded mask lives on the region (region.mask) and is encoded back once per stroke. */
class BrushControl extends ShapeControl {
  constructor(node, ctx) {
    super(node, ctx);
    this.kind = "brush";
    this.canRotate = false;
  }

  /** The region's mask at its image size, decoded on first use; null when it cannot be. */
  maskOf(r) {
    const [w, h] = r.size || [0, 0];
    if (r.mask && r.mask.length === w * h) return r.mask;
    if (!(w > 0 && h > 0)) return null;
    if (r.badMask) return null;
    // a mask is only decoded for the image it was painted on (this also bounds the memory
    // a stored result can make the browser allocate)
    const obj = this.engine.instance(r.to_name);
    const [iw, ih] = obj && obj.size ? obj.size(r.itemIndex) : [0, 0];
    if (iw && ih && (iw !== w || ih !== h)) {
      r.badMask = true;
      this.engine.notify(t("A brush region cannot be shown: it was painted on a {w}x{h} image, this one is {iw}x{ih}.", { w, h, iw, ih }));
      return null;
    }
    try {
      r.mask = r.value.rle && r.value.rle.length ? decodeRLE(r.value.rle, w, h) : new Uint8Array(w * h);
    } catch (err) {
      r.badMask = true;
      this.engine.notify(t("A brush region cannot be shown: {error}", { error: err.message }));
      return null;
    }
    return r.mask;
  }

  /** A new empty mask region on obj's current image (not yet in the store's history). */
  newRegion(obj, values, id) {
    const [w, h] = obj.size();
    const value = { format: "rle", rle: [] };
    if (!this.tool) value[this.type] = values;
    const r = { id, from_name: this.name, to_name: obj.name, type: this.type, value, origin: "manual", size: [w, h], mask: new Uint8Array(w * h) };
    const split = this.splitLabels(obj); // Brush + Labels: the split format, as for shapes
    if (split) r.split = split;
    if (obj.multi) r.itemIndex = obj.index;
    return r;
  }
}

const brush = { create: (node, ctx) => new BrushControl(node, ctx) };
export const brushlabels = brush;
export const brushControl = brush;
