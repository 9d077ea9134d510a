// #6 (profiles.ts `reorderArtifacts`): Tencent does not document the order of a file's transcripts
// and minutes, nor that the list is complete when first answered. Played here as the worst case: a
// list is answered in a different order on every call, and its first answer lacks its last entry
// (the list grows between calls), so names taken from a position skip or overwrite an artifact.
import type { SimArtifact } from './model.ts';

export class ArtifactOrder {
  private readonly calls = new Map<string, number>();

  arrange(list: readonly SimArtifact[], reorder: boolean): SimArtifact[] {
    if (!reorder || list.length === 0) return [...list];
    const key = `${list[0]!.key.split('/')[0]}:${list[0]!.kind}`;
    const call = this.calls.get(key) ?? 0;
    this.calls.set(key, call + 1);
    const shown = call === 0 ? list.slice(0, -1) : [...list];
    const shift = shown.length > 0 ? call % shown.length : 0;
    return [...shown.slice(shift), ...shown.slice(0, shift)];
  }
}
