// Tag name -> renderer. Unknown or unsupported tags get the placeholder.
import type { SpecNode } from "../protocol";
import { renderChoices } from "./choices";
import type { RenderContext, TagRenderer } from "./context";
import { renderHeader, renderStyle, renderView } from "./layout";
import { renderNumber } from "./number";
import { renderPlaceholder } from "./placeholder";
import { renderRating } from "./rating";
import { renderHyperText, renderText } from "./text";
import { renderTextArea } from "./textarea";
import { renderLabels, renderRelations } from "./labels";
import { renderScoped } from "../regions/scope";
import { attachObjectRegions } from "../regions/paragraphobject";
import { renderTable } from "./data/table";
import { renderDateTime } from "./datetime/datetime";
import { renderChat } from "./dialogue/chat";
import { renderParagraphs } from "./dialogue/paragraphs";
import { renderPairwise } from "./ranking/pairwise";
import { renderList, renderRanker } from "./ranking/ranker";
import { renderCollapse } from "./structure/collapse";
import { renderFilter } from "./structure/filter";
import { renderTaxonomy } from "./taxonomy/taxonomy";

export const RENDERERS: Record<string, TagRenderer> = {
  View: renderView,
  Header: renderHeader,
  Style: renderStyle,
  Text: renderText,
  HyperText: renderHyperText,
  Choices: renderChoices,
  TextArea: renderTextArea,
  Rating: renderRating,
  Number: renderNumber,
  Labels: renderLabels,
  HyperTextLabels: renderLabels,
  ParagraphLabels: renderLabels,
  Relations: renderRelations,
  Paragraphs: renderParagraphs,
  Chat: renderChat,
  Table: renderTable,
  List: renderList,
  Ranker: renderRanker,
  Pairwise: renderPairwise,
  Taxonomy: renderTaxonomy,
  DateTime: renderDateTime,
  Collapse: renderCollapse,
  Filter: renderFilter,
};

export function renderNode(node: SpecNode, ctx: RenderContext): HTMLElement | null {
  if (!node || typeof node !== "object") return null;
  const fn = Object.prototype.hasOwnProperty.call(RENDERERS, node.tag) ? RENDERERS[node.tag] : undefined;
  if (!fn || node.supported === false || node.kind === "unknown") return renderPlaceholder(node, ctx);
  const out = renderScoped(node, ctx, fn);
  if (out && node.kind === "object") attachObjectRegions(node.tag, out, node.attrs || {}, ctx);
  return out;
}
