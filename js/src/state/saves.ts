// Saves and the outbox. Every change of an item gets a save sequence number at once
// (`data-seq` moves in the same frame); the message itself waits in the outbox, which is
// sent in order by a scheduled flush (after the frame, see ../outbox.ts). The book keeps
// what is unacked and what failed per position, and the last acked annotation per
// position so the optimistic `done`/`skipped` counts can be adjusted.
import type { Annotation, OutMsg } from "../protocol";
import { nextTask, type Scheduler } from "../outbox";
import { isDone, isSkipped } from "./annotations";

export interface PendingSave {
  seq: number;
  pos: number;
  annotation: Annotation | null;
}

export interface SaveError {
  seq: number;
  message: string;
}

export class SaveBook {
  private seq = 0;
  private ackSeq = 0;
  private pending = new Map<number, PendingSave>();
  private pendingByPos = new Map<number, number>();
  /** Per position with unacked or failed saves: the annotation the kernel has. */
  private serverAnn = new Map<number, Annotation | null>();
  private errors = new Map<number, SaveError>();

  /** Before a change of `pos`: remember what the kernel has (once per unsaved run). */
  noteBefore(pos: number, before: Annotation | null): void {
    if (!this.serverAnn.has(pos)) this.serverAnn.set(pos, before);
  }

  /** Number a new save of `pos` and count it pending. */
  open(pos: number, annotation: Annotation | null): number {
    const seq = ++this.seq;
    this.pending.set(seq, { seq, pos, annotation });
    this.pendingByPos.set(pos, (this.pendingByPos.get(pos) ?? 0) + 1);
    return seq;
  }

  private drop(seq: number): PendingSave | undefined {
    const p = this.pending.get(seq);
    if (!p) return undefined;
    this.pending.delete(seq);
    const n = (this.pendingByPos.get(p.pos) ?? 1) - 1;
    if (n > 0) this.pendingByPos.set(p.pos, n);
    else this.pendingByPos.delete(p.pos);
    return p;
  }

  /** An ack: returns whether it is the newest one seen (its counts then apply). */
  ack(seq: number): boolean {
    const newest = seq >= this.ackSeq;
    this.ackSeq = Math.max(this.ackSeq, seq);
    const p = this.drop(seq);
    if (!p) return newest;
    this.serverAnn.set(p.pos, p.annotation);
    const err = this.errors.get(p.pos);
    if (err && err.seq < seq) this.errors.delete(p.pos);
    if (!this.pendingByPos.has(p.pos) && !this.errors.has(p.pos)) this.serverAnn.delete(p.pos);
    return newest;
  }

  /** A save that was not stored: its position is in error until a newer save is acked. */
  fail(seq: number, message: string): void {
    const p = this.drop(seq);
    if (!p) return;
    const prev = this.errors.get(p.pos);
    if (!prev || prev.seq < seq) this.errors.set(p.pos, { seq, message });
  }

  /** Positions in error, forgotten (retry saves them again). */
  takeErrors(): number[] {
    const positions = [...this.errors.keys()];
    this.errors.clear();
    return positions;
  }

  /** Positions with local changes the kernel does not have yet. */
  dirtyPositions(): Set<number> {
    return new Set<number>([...this.pendingByPos.keys(), ...this.errors.keys()]);
  }

  /** `done` and `skipped` changes the unacked saves make, given the local annotations. */
  countDelta(local: (pos: number) => Annotation | null | undefined): { done: number; skipped: number } {
    let done = 0;
    let skipped = 0;
    for (const pos of this.pendingByPos.keys()) {
      const ann = local(pos);
      const server = this.serverAnn.get(pos);
      done += Number(isDone(ann)) - Number(isDone(server));
      skipped += Number(isSkipped(ann)) - Number(isSkipped(server));
    }
    return { done, skipped };
  }

  lastSeq(): number {
    return this.seq;
  }

  lastAck(): number {
    return this.ackSeq;
  }

  pendingCount(): number {
    return this.pending.size;
  }

  errorCount(): number {
    return this.errors.size;
  }

  itemState(pos: number): "saved" | "saving" | "error" {
    if (this.errors.has(pos)) return "error";
    if (this.pendingByPos.has(pos)) return "saving";
    return "saved";
  }
}

/**
 * Messages waiting for the flush, in the order queued; each is built when sent. `before`
 * runs first at each flush (the state decides its `need`/`seek` requests there).
 */
export class Outbox {
  private queue: Array<() => OutMsg> = [];
  private scheduled = false;

  constructor(
    private send: (msg: OutMsg) => void,
    private schedule: Scheduler | undefined,
    private before: () => void,
    private failed: (list: Array<[OutMsg, unknown]>) => void,
  ) {}

  post(build: () => OutMsg): void {
    this.queue.push(build);
    this.wake();
  }

  /** Make sure a flush is scheduled. */
  wake(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    (this.schedule ?? nextTask)(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  size(): number {
    return this.queue.length;
  }

  flush(): void {
    this.before();
    const failed: Array<[OutMsg, unknown]> = [];
    while (this.queue.length) {
      const batch = this.queue;
      this.queue = [];
      for (const build of batch) {
        let msg: OutMsg | undefined;
        try {
          msg = build();
          this.send(msg);
        } catch (e) {
          console.error("[nblabel] sending to the kernel failed", e);
          if (msg) failed.push([msg, e]);
        }
      }
    }
    if (failed.length) this.failed(failed);
  }
}
