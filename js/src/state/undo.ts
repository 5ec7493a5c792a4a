// The global undo/redo history: one entry per change of one item's annotation (a choice,
// a typed text, a region drawn or deleted...), holding the whole annotation before and after.
import type { Annotation } from "../protocol";

export interface UndoEntry {
  pos: number;
  taskId: unknown;
  before: Annotation | null;
  after: Annotation | null;
  /** The task still showed the config's defaults before this change (undo shows them again). */
  fresh?: boolean;
}

export type UndoDirection = "undo" | "redo";

const MAX_UNDO = 500;

export class UndoHistory {
  private undoStack: UndoEntry[] = [];
  private redoStack: UndoEntry[] = [];

  /** A new change: it can be undone; what was undone before can no longer be redone. */
  record(entry: UndoEntry): void {
    this.undoStack.push(entry);
    if (this.undoStack.length > MAX_UNDO) this.undoStack.shift();
    this.redoStack = [];
  }

  /** Take the entry to undo (or redo) next, if any. */
  take(dir: UndoDirection): UndoEntry | undefined {
    return (dir === "undo" ? this.undoStack : this.redoStack).pop();
  }

  /** The entry was undone (or redone): it goes onto the other stack. */
  done(dir: UndoDirection, entry: UndoEntry): void {
    (dir === "undo" ? this.redoStack : this.undoStack).push(entry);
  }

  canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  /** Positions the history refers to (kept in the cache). */
  positions(): Set<number> {
    const out = new Set<number>();
    for (const u of this.undoStack) out.add(u.pos);
    for (const u of this.redoStack) out.add(u.pos);
    return out;
  }
}
