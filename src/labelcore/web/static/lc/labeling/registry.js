// Tag name (lowercase) -> tag module. A module is {create(node, ctx)} returning an instance with
// render(container), serialize(), load(results), hotkeys() (see tags/base.js). The image, audio
// and video families plug in here with registerTag().
import * as text from "./tags/text.js";
import * as labels from "./tags/labels.js";
import * as choices from "./tags/choices.js";
import * as inputs from "./tags/inputs.js";
import * as layout from "./tags/layout.js";
import * as paragraphs from "./tags/paragraphs.js";
import * as compare from "./tags/compare.js";
import { relationsTag } from "./relations.js";
import { image } from "./tags/image.js";
import * as shapes from "./tags/image_controls.js";
import * as av from "./tags/audio.js";
import * as video from "./tags/video.js";
import * as series from "./tags/timeseries.js";
import { brushlabels, brushControl } from "./tags/image_brush.js";

const modules = new Map(Object.entries({
  text: text.text, hypertext: text.hypertext,
  labels: labels.labels, hypertextlabels: labels.hypertextlabels, paragraphlabels: labels.paragraphlabels,
  choices: choices.choices, taxonomy: choices.taxonomy,
  rating: inputs.rating, number: inputs.number, datetime: inputs.datetime, textarea: inputs.textarea,
  view: layout.view, header: layout.header, style: layout.style, collapse: layout.collapse,
  filter: layout.filter, markdown: layout.markdown, table: layout.table, pagedview: layout.pagedview,
  paragraphs: paragraphs.paragraphs, pairwise: compare.pairwise, list: compare.list, ranker: compare.ranker,
  relations: relationsTag,
  image, ...shapes,
  audio: av.audio, audioplus: av.audioplus,
  video: video.video, videorectangle: video.videorectangle, timelinelabels: video.timelinelabels,
  timeseries: series.timeseries, timeserieslabels: series.timeserieslabels,
  brushlabels, brush: brushControl,
}));

/** Child tags their parents read themselves; never rendered on their own. */
export const CHILD_TAGS = new Set(["label", "choice", "relation", "shortcut", "bucket", "panel", "channel", "multichannel"]);

export function registerTag(tag, module) {
  modules.set(tag.toLowerCase(), module);
}

export function moduleFor(tag) {
  return modules.get(tag) || null;
}

/** Region-making label controls (their regions appear in the region list). */
export const SPAN_LABEL_TYPES = new Set(["labels", "hypertextlabels", "paragraphlabels", "timelinelabels", "timeserieslabels"]);

/** Every control whose labels make regions: their labels without a hotkey get 1…9 in order. */
export const LABEL_CONTROL_TYPES = new Set([...SPAN_LABEL_TYPES, "rectanglelabels", "polygonlabels", "keypointlabels", "ellipselabels", "brushlabels"]);
