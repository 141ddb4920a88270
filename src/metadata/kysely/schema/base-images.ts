/**
 * Kysely table types of the base-image domain: every analyzed platform image under its first layer
 * digest, so "which analyzed images start with this layer" (base image detection) is one indexed query.
 */

export interface ImageFirstLayersTable {
  /** The platform image manifest digest (as in analyses.manifest_digest). */
  manifest_digest: string;
  /** "linux/amd64", "" when the manifest has no platform. */
  platform: string;
  first_layer: string;
  layer_count: number;
}

export interface BaseImageTables {
  image_first_layers: ImageFirstLayersTable;
}
