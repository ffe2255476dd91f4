// A regex matcher that cannot hang: Oniguruma's answers (the leftmost match, alternatives and quantifiers
// tried in priority order, as a backtracking engine finds it) in time linear in the text. The tree from
// parse.ts compiles to a small program (char tests, prioritized splits, jumps, anchors, look-arounds) run by
// a backtracking search that remembers every (instruction, position) it has entered: without
// backreferences, whether a match can be completed from a state depends on that state alone, so a state
// that failed once fails again and is never re-entered (RE2's BitState, kept across every search of one
// text). Each of the m·(n+1) states is thus explored at most once per text, apart from the few on a
// reported match's own path, which are released for the next search; look-around bodies also remember the
// states that succeed. A pattern like (\w+\s?)+$ that takes a backtracking engine exponential time takes
// m·n steps here. Look-around results are cached per position, so they add no more than their own states.
import { TokenizerError } from '../errors.ts';
import { WORD, parseOniguruma, type Anchor, type CharTest, type Node } from './parse.ts';

/** Instructions a pattern may compile to: bounds the per-text memory (one bit per instruction and position). */
export const MAX_PROGRAM = 4096;

const enum Op { Char, Split, Jump, Anchor, Look, Match }
const ANCHORS: readonly Anchor[] = ['lineStart', 'lineEnd', 'start', 'end', 'endOrFinalNewline', 'wordBoundary', 'notWordBoundary'];

interface Look { negate: boolean; behind: boolean; bodies: { pc: number; width: number }[] }

/** A compiled pattern; `find` runs it over one text. */
export class Program {
  readonly op: Op[] = [];
  readonly a: number[] = [];
  readonly b: number[] = [];
  readonly tests: CharTest[] = [];
  readonly looks: Look[] = [];

  private constructor(private readonly source: string) {}

  static compile(source: string): Program {
    const p = new Program(source);
    const tree = parseOniguruma(source);
    p.emit(tree);
    p.push(Op.Match);
    return p;
  }

  private push(op: Op, a = 0, b = 0): number {
    if (this.op.length >= MAX_PROGRAM) {
      throw new TokenizerError(`tokenizer.json regex ${JSON.stringify(this.source).slice(0, 200)} is too large: it compiles to more than ${MAX_PROGRAM} instructions (intervals such as {1000} count each repetition)`);
    }
    this.op.push(op);
    this.a.push(a);
    this.b.push(b);
    return this.op.length - 1;
  }

  private emit(n: Node): void {
    switch (n.t) {
      case 'char':
        this.tests.push(n.test);
        this.push(Op.Char, this.tests.length - 1);
        return;
      case 'seq':
        for (const x of n.items) this.emit(x);
        return;
      case 'alt': {
        const jumps: number[] = [];
        n.alts.forEach((x, k) => {
          const split = k < n.alts.length - 1 ? this.push(Op.Split) : -1;
          if (split >= 0) this.a[split] = split + 1;
          this.emit(x);
          if (split >= 0) {
            jumps.push(this.push(Op.Jump));
            this.b[split] = this.op.length;
          }
        });
        for (const j of jumps) this.a[j] = this.op.length;
        return;
      }
      case 'rep': {
        for (let k = 0; k < n.min; k++) this.emit(n.node);
        if (n.max === Infinity) {
          const split = this.push(Op.Split);
          this.emit(n.node);
          this.push(Op.Jump, split);
          this.branch(split, split + 1, this.op.length, n.greedy);
          return;
        }
        const splits: number[] = [];
        for (let k = n.min; k < n.max; k++) {
          splits.push(this.push(Op.Split));
          this.emit(n.node);
        }
        for (const s of splits) this.branch(s, s + 1, this.op.length, n.greedy);
        return;
      }
      case 'anchor':
        this.push(Op.Anchor, ANCHORS.indexOf(n.kind));
        return;
      case 'look': {
        // The body is compiled out of line: jump over it; the Look instruction runs it as a sub-search.
        const look: Look = { negate: n.negate, behind: n.behind, bodies: [] };
        const at = this.push(Op.Look, this.looks.length);
        this.looks.push(look);
        const over = this.push(Op.Jump);
        const bodies = n.behind && n.node.t === 'alt' ? n.node.alts : [n.node];
        for (const body of bodies) {
          const width = n.behind ? fixedWidth(body) : 0;
          if (width === undefined) throw new TokenizerError(`tokenizer.json regex ${JSON.stringify(this.source)} has a look-behind whose length varies, which Oniguruma refuses too`);
          look.bodies.push({ pc: this.op.length, width });
          this.emit(body);
          this.push(Op.Match);
        }
        this.a[over] = this.op.length;
        this.b[at] = 0;
        return;
      }
    }
  }

  private branch(split: number, body: number, out: number, greedy: boolean): void {
    [this.a[split], this.b[split]] = greedy ? [body, out] : [out, body];
  }

  /** A matcher over one text's code points. */
  over(cps: Int32Array): Matcher {
    return new Matcher(this, cps);
  }
}

/** The chars a node always matches, or undefined when that varies (look-behind needs a fixed length). */
function fixedWidth(n: Node): number | undefined {
  switch (n.t) {
    case 'char': return 1;
    case 'anchor': case 'look': return 0;
    case 'seq': {
      let w = 0;
      for (const x of n.items) {
        const k = fixedWidth(x);
        if (k === undefined) return undefined;
        w += k;
      }
      return w;
    }
    case 'alt': {
      const ws = n.alts.map(fixedWidth);
      return ws.every((w) => w === ws[0]) ? ws[0] : undefined;
    }
    case 'rep': {
      const w = fixedWidth(n.node);
      return w !== undefined && n.min === n.max ? w * n.min : w === 0 ? 0 : undefined;
    }
  }
}

/** One text: the memo of failed (and, in look-around bodies, succeeded) states lives as long as it does. */
export class Matcher {
  private readonly m: number;
  private readonly n: number;
  private readonly visited: Uint32Array; // a bit per state: entered (and not on a reported match's path)
  private readonly good: Uint32Array; // a bit per state of a look-around body: a match completes from it
  private readonly lookResult: Int8Array; // per look and position: 0 unknown, 1 holds, -1 does not
  /** Instructions run: the work done, for tests that hold it to a linear bound. */
  steps = 0;

  constructor(private readonly p: Program, private readonly cps: Int32Array) {
    this.m = p.op.length;
    this.n = cps.length;
    const words = Math.ceil((this.m * (this.n + 1)) / 32);
    this.visited = new Uint32Array(words);
    this.good = new Uint32Array(p.looks.length > 0 ? words : 0);
    this.lookResult = new Int8Array(p.looks.length * (this.n + 1));
  }

  /** The leftmost match starting at or after `from`: [start, end] in code points, or undefined. */
  find(from: number): [number, number] | undefined {
    for (let s = from; s <= this.n; s++) {
      const e = this.run(0, s, true);
      if (e >= 0) return [s, e];
    }
    return undefined;
  }

  private anchor(kind: number, pos: number): boolean {
    const { cps, n } = this;
    switch (ANCHORS[kind]) {
      case 'lineStart': return pos === 0 || cps[pos - 1] === 0x0a;
      case 'lineEnd': return pos === n || cps[pos] === 0x0a;
      case 'start': return pos === 0;
      case 'end': return pos === n;
      case 'endOrFinalNewline': return pos === n || (pos === n - 1 && cps[pos] === 0x0a);
      default: {
        const boundary = (pos > 0 && WORD(cps[pos - 1])) !== (pos < n && WORD(cps[pos]));
        return ANCHORS[kind] === 'wordBoundary' ? boundary : !boundary;
      }
    }
  }

  private look(index: number, pos: number): boolean {
    const key = index * (this.n + 1) + pos;
    if (this.lookResult[key] !== 0) return this.lookResult[key] > 0;
    const look = this.p.looks[index];
    let holds = false;
    for (const { pc, width } of look.bodies) {
      const start = look.behind ? pos - width : pos;
      if (start >= 0 && this.run(pc, start, false) >= 0) {
        holds = true;
        break;
      }
    }
    const result = holds !== look.negate;
    this.lookResult[key] = result ? 1 : -1;
    return result;
  }

  /**
   * Depth-first from (pc, pos) in priority order; the end of the first match, or -1. Every entered state
   * is marked; a branch abandoned on backtracking leaves its states marked as failures. On success the
   * states of the matching path are unmarked (main program: the next search may pass them again) or
   * marked as succeeding (look-around bodies: any match will do).
   */
  private run(pc: number, pos: number, main: boolean): number {
    const { op, a, b, tests } = this.p;
    const { m, n, cps, visited, good } = this;
    const succeed = () => {
      for (const k of trail) good[k >>> 5] |= 1 << (k & 31);
      return pos;
    };
    const choices: number[] = []; // pc, pos, trail length
    const trail: number[] = [];
    for (;;) {
      this.steps++;
      const key = pos * m + pc;
      const [word, bit] = [key >>> 5, 1 << (key & 31)];
      let ok = false;
      if (!main && good[word] & bit) return succeed();
      if (!(visited[word] & bit)) {
        visited[word] |= bit;
        trail.push(key);
        switch (op[pc]) {
          case Op.Char:
            if (pos < n && tests[a[pc]](cps[pos])) [ok, pc, pos] = [true, pc + 1, pos + 1];
            break;
          case Op.Split:
            choices.push(b[pc], pos, trail.length);
            [ok, pc] = [true, a[pc]];
            break;
          case Op.Jump:
            [ok, pc] = [true, a[pc]];
            break;
          case Op.Anchor:
            if (this.anchor(a[pc], pos)) [ok, pc] = [true, pc + 1];
            break;
          case Op.Look:
            if (this.look(a[pc], pos)) [ok, pc] = [true, pc + 1]; // the jump over the bodies
            break;
          case Op.Match:
            if (!main) return succeed();
            for (const k of trail) visited[k >>> 5] &= ~(1 << (k & 31));
            return pos;
        }
      }
      if (ok) continue;
      if (choices.length === 0) return -1;
      trail.length = choices.pop()!;
      pos = choices.pop()!;
      pc = choices.pop()!;
    }
  }
}
