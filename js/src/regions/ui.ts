// What the user has picked in the region layer of the item on screen: the selected
// region, hidden regions, the active label per Labels control (press a label, then
// select), a relation being drawn and the keyboard selection. DOM-free; it lives in the
// LabelState so every change goes through one notification (the view re-renders once)
// and is reset when the item changes.

/** A span picked with the keyboard: UTF-16 offsets in one object's text. */
export interface KeyboardSelection {
  object: string;
  start: number;
  end: number;
}

export class RegionUI {
  selected: string | null = null;
  hidden = new Set<string>();
  active = new Map<string, string[]>();
  /** Alt+R: the region a new relation starts from; the next region picked ends it. */
  relateFrom: string | null = null;
  kbd: KeyboardSelection | null = null;

  reset(): void {
    this.selected = null;
    this.hidden = new Set();
    this.active = new Map();
    this.relateFrom = null;
    this.kbd = null;
  }
}
