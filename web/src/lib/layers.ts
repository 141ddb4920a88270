/** Pairs image layers with the Dockerfile steps (config history) that produced them. */
import type { Descriptor, ImageConfig } from '../api/registry.js';

export interface LayerRow {
  readonly index: number;
  readonly digest: string;
  readonly size: number;
  readonly createdBy: string | undefined;
}

/** History entries marked empty_layer (ENV, CMD, …) produced no layer, so they are skipped when pairing. */
export function layersOf(layers: readonly Descriptor[], config: ImageConfig | undefined): LayerRow[] {
  const steps = (config?.history ?? []).filter((h) => h.empty_layer !== true);
  return layers.map((l, index) => ({ index, digest: l.digest, size: l.size, createdBy: steps[index]?.created_by }));
}

/** Docker's legacy `/bin/sh -c #(nop) ` prefix says nothing to a reader. */
export function displayInstruction(createdBy: string | undefined): string {
  if (!createdBy) return '—';
  return createdBy.replace(/^\/bin\/sh -c #\(nop\)\s*/, '');
}
