// Relations between regions: the Relations tag (its Relation labels) and the side panel that
// lists regions and relations. Relation items are {from_id, to_id, type: "relation",
// direction: "right"|"left"|"bi", labels?: [...]}. A relation's labels are picked in its row:
// checkboxes (Tab, Space) for <Relations choice="multiple">, Label Studio's default, or a
// drop-down for choice="single".
import { h, clear, safeColor } from "./dom.js";
import { t } from "./i18n.js";

class RelationsTag {
  constructor(node, ctx) {
    this.node = node;
    this.multiple = node.attrs.choice !== "single"; // Label Studio's RelationsModel default
    this.labels = node.children.filter((c) => c.tag === "relation").map((c) => ({ value: c.attrs.value || "", background: c.attrs.background || "" }));
    ctx.engine.relationsTag = this;
  }
  render() {}
  serialize() { return []; }
  load() {}
  hotkeys() { return []; }
}

export const relationsTag = { create: (n, c) => new RelationsTag(n, c) };

/** A relation as Label Studio's RelationStore.serialize writes it: `labels` only once some
 * were picked (or the loaded item had the key), keeping just the values <Relations> names. */
export function relationResult(rel, tag) {
  const item = { from_id: rel.from_id, to_id: rel.to_id, type: "relation", direction: rel.direction };
  if (Array.isArray(rel.labels)) {
    const known = tag ? tag.labels.map((l) => l.value) : [];
    item.labels = rel.labels.filter((l) => known.includes(l));
  }
  return item;
}

const ARROWS = { right: "→", left: "←", bi: "↔" };
const NEXT = { right: "left", left: "bi", bi: "right" };

/** Which of a row's buttons this is (select, link, delete): its lc-region-* class. */
const roleOf = (el) => Array.from(el.classList).find((c) => c.startsWith("lc-region-")) || "";

export class RegionPanel {
  constructor(engine, host) {
    this.engine = engine;
    this.problems = new Map(); // region id -> [message]
    this.regionList = h("ol", { class: "lc-region-list", "aria-label": t("Regions") });
    this.relationList = h("ul", { class: "lc-relation-list", "aria-label": t("Relations") });
    this.el = h("aside", { class: "lc-panel-side" },
      h("h3", { class: "lc-side-title" }, t("Regions")), this.regionList,
      h("h3", { class: "lc-side-title" }, t("Relations")), this.relationList);
    host.append(this.el);
  }

  snippet(region) {
    const obj = this.engine.instance(region.to_name);
    const said = obj && obj.describe ? obj.describe(region) : ""; // media objects say it best
    if (said) return said;
    const v = region.value || {};
    if (typeof v.text === "string") {
      const chars = Array.from(v.text); // code points: never cut an emoji in half
      return chars.length > 60 ? chars.slice(0, 57).join("") + "…" : v.text;
    }
    if (v.start !== undefined) return `${v.start}–${v.end}`;
    return region.id;
  }

  /** What to do to make the first region, in terms of the objects on this screen. */
  emptyHint() {
    const types = new Set(this.engine.instances.map((i) => i.node && i.node.tag));
    if (["text", "hypertext", "paragraphs"].some((x) => types.has(x))) return t("No regions yet: select text, then choose a label.");
    if (types.has("image")) return t("No regions yet: choose a label, then draw on the image.");
    return t("No regions yet: choose a label, then mark a part of the data.");
  }

  numberOf(id) {
    return this.engine.regions.findIndex((r) => r.id === id) + 1;
  }

  refresh() {
    const e = this.engine;
    // a keyboard user who selected a row keeps focus on it across the rebuild
    const focused = this.regionList.contains(document.activeElement) ? document.activeElement : null;
    const keep = focused && focused.closest(".lc-region-row") ? { id: focused.closest(".lc-region-row").dataset.regionId, cls: roleOf(focused) } : null;
    const relFocus = this.relationFocus();
    clear(this.regionList);
    if (!e.regions.length) this.regionList.append(h("li", { class: "lc-empty" }, this.emptyHint()));
    e.regions.forEach((r, i) => {
      const labels = e.regionLabels(r).map((l) => (Array.isArray(l) ? l.join(" / ") : l)).join(", ");
      const selected = r.id === e.selectedId;
      const linking = e.linkFrom && e.linkFrom !== r.id;
      const sw = h("span", { class: "lc-label-swatch", "aria-hidden": "true" });
      sw.style.setProperty("--lc-label-color", safeColor(e.regionColor(r), "#36b37e"));
      const row = h("li", { class: "lc-region-row" + (selected ? " lc-selected" : "") + (e.linkFrom === r.id ? " lc-linking" : ""), dataset: { regionId: r.id } },
        h("button", { type: "button", class: "lc-region-select", "aria-pressed": selected ? "true" : "false", onclick: () => e.regionClicked(r.id) },
          h("span", { class: "lc-region-num" }, `#${i + 1}`), sw, h("span", { class: "lc-region-labels" }, labels),
          h("span", { class: "lc-region-text" }, this.snippet(r)), linking ? h("span", { class: "lc-link-target" }, t("link here")) : null,
          r.origin === "prediction" ? h("span", { class: "lc-badge" }, t("prediction")) : null),
        h("button", { type: "button", class: "lc-icon-btn lc-region-link", "aria-label": t("Create a relation from region {n}", { n: i + 1 }), title: t("Create a relation (Alt+R)"), onclick: () => e.startLink(r.id) }, "⇢"),
        h("button", { type: "button", class: "lc-icon-btn lc-region-delete", "aria-label": t("Delete region {n}", { n: i + 1 }), onclick: () => e.deleteRegion(r.id) }, "×"));
      const probs = this.problems.get(r.id) || [];
      if (probs.length) row.append(h("div", { class: "lc-problems", role: "alert" }, probs.map((m) => h("p", { class: "lc-problem" }, m))));
      this.regionList.append(row);
      if (keep && keep.id === r.id) {
        const again = Array.from(row.querySelectorAll("button")).find((b) => roleOf(b) === keep.cls);
        if (again) again.focus();
      }
    });
    clear(this.relationList);
    if (!e.relations.length) this.relationList.append(h("li", { class: "lc-empty" }, t("No relations. Select a region and press Alt+R, then pick the other region.")));
    e.relations.forEach((rel, i) => this.relationList.append(this.relationRow(rel, i)));
    if (relFocus) {
      const row = this.relationList.children[relFocus.row];
      const again = row && Array.from(row.querySelectorAll("button, select, input")).find((el) => el.className === relFocus.cls && (el.tagName !== "INPUT" || el.value === relFocus.value));
      if (again) again.focus();
    }
  }

  /** Which control of which relation row has the focus (kept across a rebuild). */
  relationFocus() {
    const el = document.activeElement;
    const row = el && this.relationList.contains(el) ? el.closest(".lc-relation-row") : null;
    if (!row) return null;
    return { row: Array.from(this.relationList.children).indexOf(row), cls: el.className, value: el.tagName === "INPUT" ? el.value : "" };
  }

  /** The relation's labels: checkboxes (choice="multiple") or a drop-down (choice="single"). */
  labelPicker(rel, i) {
    const e = this.engine;
    const tag = e.relationsTag;
    const picked = rel.labels || [];
    if (!tag.multiple) {
      const sel = h("select", { class: "lc-select lc-relation-labels", "aria-label": t("Relation label"), onchange: () => e.updateRelation(i, { labels: sel.value ? [sel.value] : [] }) },
        h("option", { value: "" }, t("No label")),
        tag.labels.map((l) => h("option", { value: l.value, selected: picked.includes(l.value) }, l.value)));
      return sel;
    }
    return h("div", { class: "lc-relation-labels", role: "group", "aria-label": t("Relation labels") }, tag.labels.map((l) => {
      const box = h("input", { type: "checkbox", class: "lc-relation-label", value: l.value, checked: picked.includes(l.value),
        onchange: () => e.updateRelation(i, { labels: tag.labels.map((x) => x.value).filter((v) => (v === l.value ? box.checked : picked.includes(v))) }) });
      const sw = h("span", { class: "lc-label-swatch", "aria-hidden": "true" });
      sw.style.setProperty("--lc-label-color", safeColor(l.background, "#6b7280"));
      return h("label", { class: "lc-relation-label-choice" }, box, sw, l.value);
    }));
  }

  relationRow(rel, i) {
    const e = this.engine;
    const tag = e.relationsTag;
    const from = e.region(rel.from_id), to = e.region(rel.to_id);
    const row = h("li", { class: "lc-relation-row", dataset: { from: rel.from_id, to: rel.to_id } },
      h("span", { class: "lc-relation-end" }, `#${this.numberOf(rel.from_id)} ${from ? this.snippet(from) : ""}`),
      h("button", { type: "button", class: "lc-icon-btn lc-relation-direction", "aria-label": t("Direction: {dir}. Change it", { dir: rel.direction }), onclick: () => e.updateRelation(i, { direction: NEXT[rel.direction] || "right" }) }, ARROWS[rel.direction] || "→"),
      h("span", { class: "lc-relation-end" }, `#${this.numberOf(rel.to_id)} ${to ? this.snippet(to) : ""}`));
    if (tag && tag.labels.length) row.append(this.labelPicker(rel, i));
    row.append(h("button", { type: "button", class: "lc-icon-btn lc-relation-delete", "aria-label": t("Delete relation {n}", { n: i + 1 }), onclick: () => e.deleteRelation(i) }, "×"));
    return row;
  }
}
