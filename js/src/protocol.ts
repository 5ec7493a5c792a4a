// Message and trait types shared with the Python side (docs/architecture.md).

export type NodeKind = "object" | "control" | "label" | "visual" | "unknown";

/** One node of the normalized <View> tree. */
export interface SpecNode {
  tag: string;
  kind: NodeKind;
  attrs: Record<string, unknown>;
  children: SpecNode[];
  /** Only for <Style>: the CSS text. */
  text?: string;
  line?: number;
  col?: number;
  supported?: boolean;
}

export interface ObjectSpec {
  tag: string;
  name: string;
  value?: string;
  vars?: string[];
}

export interface ControlSpec {
  tag: string;
  name: string;
  toName: string[];
  type: string;
  required?: boolean;
  choice?: string;
  labels?: string[];
  [key: string]: unknown;
}

export interface HotkeyBinding {
  control: string;
  /** Choice/Label: the result value (alias ?? value). Rating/Number: null. */
  value?: string | number | null;
  /** "select" for choices, "increment" for Rating/Number, "filter" for a Filter's hotkey
   * (`control` = the control it filters). */
  action?: string;
}

export interface Spec {
  version: number;
  root: SpecNode;
  objects: Record<string, ObjectSpec>;
  controls: Record<string, ControlSpec>;
  variables: string[];
  hotkeys: Record<string, HotkeyBinding>;
  unsupported: string[];
}

export type TaskId = string | number;

/** Label Studio result item. */
export interface ResultItem {
  id: string;
  from_name: string;
  to_name: string;
  type: string;
  value: Record<string, unknown>;
  origin?: string;
  [key: string]: unknown;
}

export interface Annotation {
  result: ResultItem[];
  was_cancelled: boolean;
}

export interface Prediction {
  result: ResultItem[];
  score?: number | null;
  model_version?: string | null;
}

/** A task as held in the browser window/cache. */
export interface TaskEntry {
  pos: number;
  id: TaskId;
  data: Record<string, unknown>;
  annotation: Annotation | null;
  predictions?: Prediction[];
  /** Review mode only: every annotator's latest annotation (review.ts). */
  others?: OtherAnnotation[];
  /** Review mode only: the task's review row. */
  review?: ReviewInfo | null;
}

/** One annotator's latest annotation of a task (review mode). */
export interface OtherAnnotation {
  annotator: string;
  result: ResultItem[];
  was_cancelled: boolean;
  consensus?: boolean;
}

/** A task's review: pending / accepted / rejected / fixed. */
export interface ReviewInfo {
  state: string;
  comment: string | null;
  reviewer: string | null;
}

export interface TaskWindow {
  from: number;
  to: number;
  tasks: TaskEntry[];
}

export interface Settings {
  auto_advance: boolean;
  prefetch: number;
  annotator: string;
  /** The key that accepts the model's suggestion (free of the config's hotkeys). */
  accept_key?: string;
  /** "review": Labeler(..., mode="review") (review.ts). */
  mode?: string;
  /** The key that accepts a task in review mode. */
  review_key?: string;
  /** The key that asks the kernel to retrain now (free of the config's hotkeys and the accept key). */
  retrain_key?: string;
  /** Whether the kernel has a fit function (`lab.retrain(...)` was called): the retrain key/button work. */
  retrain?: boolean;
}

/** Synced traits (Python -> JS). */
export interface Traits {
  spec: Spec | Record<string, never>;
  window: TaskWindow | null;
  start: number;
  total: number;
  done: number;
  skipped: number;
  settings: Partial<Settings>;
  error: string;
  [key: string]: unknown;
}

// ---- JS -> Python ----------------------------------------------------------

export interface SaveMsg {
  type: "save";
  seq: number;
  pos: number;
  task_id: TaskId;
  result: ResultItem[];
  was_cancelled: boolean;
  lead_time: number;
}

export interface NeedMsg {
  type: "need";
  req: number;
  from: number;
  to: number;
}

export interface SeekMsg {
  type: "seek";
  req: number;
  from: number;
  count: number;
}

/** Answer to `reorder_ready`: the position on screen, which the new order keeps. */
export interface ReorderMsg {
  type: "reorder";
  pos: number;
}

/** The retrain key/button: retrain now with the kernel's last fit function. */
export interface RetrainMsg {
  type: "retrain";
}

export type OutMsg = SaveMsg | NeedMsg | SeekMsg | RetrainMsg;

// ---- Python -> JS ----------------------------------------------------------

export interface AckMsg {
  type: "ack";
  seq: number;
  task_id?: TaskId;
  done?: number;
  skipped?: number;
}

export interface ErrorMsg {
  type: "error";
  seq?: number | null;
  message: string;
}

export interface TasksMsg {
  type: "tasks";
  req: number;
  from: number;
  to: number;
  tasks: TaskEntry[];
  skip?: [number, number] | null;
}

/** Model predictions as they arrive (a batch): replace the entries' `predictions`. */
export interface PredictionsMsg {
  type: "predictions";
  tasks: Array<{ pos: number; id: TaskId; predictions: Prediction[] }>;
}

/** A new queue order is ready; the front end answers with a `reorder` message. */
export interface ReorderReadyMsg {
  type: "reorder_ready";
}

export type InMsg = AckMsg | ErrorMsg | TasksMsg | PredictionsMsg | ReorderReadyMsg;
