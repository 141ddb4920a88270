/**
 * Typed errors for layer reading: every limit violation and every malformed layer ends in one of
 * these, with a stable `reason` so the analysis job can record "failed: <reason>".
 */
import { AppError } from '../core/errors.js';

export type LayerErrorReason =
  | 'total-bytes'
  | 'entry-count'
  | 'path-length'
  | 'aborted'
  | 'time-budget'
  | 'corrupt'
  | 'truncated';

export class LayerError extends AppError {
  readonly reason: LayerErrorReason;
  constructor(reason: LayerErrorReason, message: string, options?: { cause?: unknown }) {
    super('LAYER_INVALID', 422, `${reason}: ${message}`, { details: { reason }, ...options });
    this.reason = reason;
  }
}
