// How a copy's connections share the parts still missing. Each connection streams a segment (a run
// of consecutive parts) over one ranged GET and cuts it into parts as the bytes arrive, so a far-away
// host's first-byte latency and TCP ramp-up are paid once per segment, not once per part, and no
// connection sits idle between two parts. A connection that runs out of work takes over the tail of
// the busiest segment (its reader stops at the new end), so a slow connection does not hold the end
// of the copy alone.

export interface Segment {
  /** The first part its reader has not started yet. */
  next: number;
  /** One past its last part; lowered when another connection takes over the tail. */
  end: number;
}

export class SegmentScheduler {
  /** Consecutive runs of missing parts no connection has been given yet, in file order. */
  private readonly runs: Array<{ first: number; end: number }> = [];
  private readonly active = new Set<Segment>();
  private readonly connections: number;

  constructor(missing: readonly number[], connections: number) {
    this.connections = Math.max(1, connections);
    for (const part of [...missing].sort((a, b) => a - b)) {
      const last = this.runs.at(-1);
      if (last && last.end === part) last.end += 1;
      else this.runs.push({ first: part, end: part + 1 });
    }
  }

  /** The next segment for a connection, or undefined when nothing is left worth taking. */
  take(): Segment | undefined {
    const unassigned = this.runs.reduce((sum, run) => sum + run.end - run.first, 0);
    const run = this.runs[0];
    if (run) {
      // An even share of what is left: with every connection at the same speed they end together.
      const length = Math.min(run.end - run.first, Math.ceil(unassigned / this.connections));
      const segment = { next: run.first, end: run.first + length };
      run.first += length;
      if (run.first === run.end) this.runs.shift();
      this.active.add(segment);
      return segment;
    }
    let victim: Segment | undefined;
    for (const segment of this.active) if (!victim || segment.end - segment.next > victim.end - victim.next) victim = segment;
    // One unstarted part is left to its reader: its bytes are already on their way there.
    if (!victim || victim.end - victim.next < 2) return undefined;
    const given = Math.floor((victim.end - victim.next) / 2);
    const segment = { next: victim.end - given, end: victim.end };
    victim.end -= given;
    this.active.add(segment);
    return segment;
  }

  /** The segment's reader stopped (done, failed or paused). */
  release(segment: Segment): void {
    this.active.delete(segment);
  }
}
