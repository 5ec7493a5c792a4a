// Text offsets: Label Studio stores Text spans in Unicode code points (Python `str`
// indices), the DOM counts UTF-16 code units. One index per text converts both ways in
// O(log n) (binary search over the surrogate pairs). `\r\n` is two code points, as in
// Label Studio; nothing is normalized. Spans are never snapped to grapheme clusters
// (Label Studio does not either), only kept off the middle of a surrogate pair.

export class CodePointIndex {
  readonly text: string;
  /** Code point index of each astral character (surrogate pair), ascending. */
  private pairsCp: number[] = [];
  /** UTF-16 index of each astral character's high surrogate, ascending. */
  private pairsU16: number[] = [];
  readonly length: number;

  constructor(text: string) {
    this.text = text;
    let pairs = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          this.pairsU16.push(i);
          this.pairsCp.push(i - pairs);
          pairs++;
          i++;
        }
      }
    }
    this.length = text.length - pairs;
  }

  /** How many entries of the sorted `arr` are < x. */
  private static countBelow(arr: number[], x: number): number {
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (arr[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** True when UTF-16 offset `u` falls between the two halves of a surrogate pair. */
  insidePair(u: number): boolean {
    const k = CodePointIndex.countBelow(this.pairsU16, u);
    return k > 0 && this.pairsU16[k - 1] === u - 1;
  }

  /**
   * UTF-16 offset -> code point offset. An offset inside a surrogate pair moves to the
   * pair's start (`"floor"`) or end (`"ceil"`), so a span never holds half a character.
   */
  toCodePoint(u: number, round: "floor" | "ceil" = "floor"): number {
    const x = Math.max(0, Math.min(this.text.length, u));
    const k = CodePointIndex.countBelow(this.pairsU16, x); // pairs starting before x
    if (k > 0 && this.pairsU16[k - 1] === x - 1) {
      // inside the k-th pair
      return round === "floor" ? x - 1 - (k - 1) : x + 1 - k;
    }
    return x - k;
  }

  /** Code point offset -> UTF-16 offset. */
  toUtf16(cp: number): number {
    const c = Math.max(0, Math.min(this.length, cp));
    return c + CodePointIndex.countBelow(this.pairsCp, c);
  }

  /** The text of code points [start, end) (Python's `text[start:end]`). */
  slice(start: number, end: number): string {
    return this.text.slice(this.toUtf16(start), this.toUtf16(end));
  }
}

/** Letters, digits and combining marks make words (granularity="word"). */
// eslint-disable-next-line no-misleading-character-class -- ZWJ is listed on purpose: it joins emoji into one word
const WORD = /[\p{L}\p{N}\p{M}_\u200d\u00b7'’-]/u;

function charAtU16(text: string, i: number): string {
  const c = text.codePointAt(i);
  return c === undefined ? "" : String.fromCodePoint(c);
}

function charBeforeU16(text: string, i: number): string {
  if (i <= 0) return "";
  const low = text.charCodeAt(i - 1);
  if (low >= 0xdc00 && low <= 0xdfff && i >= 2) {
    const high = text.charCodeAt(i - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.slice(i - 2, i);
  }
  return text[i - 1];
}

export function isWordChar(ch: string): boolean {
  return ch !== "" && WORD.test(ch);
}

/**
 * granularity="word": trim whitespace off both ends of [start, end) (UTF-16), then widen
 * each end to the word it cuts. Returns null when nothing but spaces was selected.
 */
export function expandToWords(text: string, start: number, end: number): [number, number] | null {
  let a = start;
  let b = end;
  while (a < b && /\s/u.test(text[a])) a++;
  while (b > a && /\s/u.test(text[b - 1])) b--;
  if (a >= b) return null;
  while (a > 0 && isWordChar(charBeforeU16(text, a)) && isWordChar(charAtU16(text, a))) a -= charBeforeU16(text, a).length;
  while (b < text.length && isWordChar(charAtU16(text, b)) && isWordChar(charBeforeU16(text, b))) b += charAtU16(text, b).length;
  return [a, b];
}

/** The next word (UTF-16 [start, end)) starting at or after `from`, or null. */
export function nextWord(text: string, from: number): [number, number] | null {
  let a = Math.max(0, from);
  // out of the word we are in? no: `from` is a boundary; skip non-word characters
  while (a < text.length && !isWordChar(charAtU16(text, a))) {
    // a lone symbol (emoji, punctuation) counts as a word of its own
    const ch = charAtU16(text, a);
    if (!/\s/u.test(ch)) return [a, a + ch.length];
    a += ch.length;
  }
  if (a >= text.length) return null;
  let b = a;
  while (b < text.length && isWordChar(charAtU16(text, b))) b += charAtU16(text, b).length;
  return [a, b];
}

/** The word (UTF-16 [start, end)) ending at or before `to`, or null. */
export function prevWord(text: string, to: number): [number, number] | null {
  let b = Math.min(text.length, to);
  while (b > 0 && !isWordChar(charBeforeU16(text, b))) {
    const ch = charBeforeU16(text, b);
    if (!/\s/u.test(ch)) return [b - ch.length, b];
    b -= ch.length;
  }
  if (b <= 0) return null;
  let a = b;
  while (a > 0 && isWordChar(charBeforeU16(text, a))) a -= charBeforeU16(text, a).length;
  return [a, b];
}
