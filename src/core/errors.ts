/**
 * Domain errors. Services throw these; each HTTP surface translates them once, at its edge
 * (the OCI error envelope under /v2, problem+json under /api/v1). Tests assert on `code`.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: unknown;

  constructor(code: string, status: number, message: string, options?: { details?: unknown; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = options?.details;
  }
}

export class BlobNotFoundError extends AppError {
  constructor(digest: string, options?: { cause?: unknown }) {
    super('BLOB_UNKNOWN', 404, `blob unknown: ${digest}`, { details: { digest }, ...options });
  }
}

export class DigestMismatchError extends AppError {
  constructor(expected: string, actual: string) {
    super('DIGEST_INVALID', 400, `digest mismatch: expected ${expected}, got ${actual}`, { details: { expected, actual } });
  }
}

export class DigestInvalidError extends AppError {
  constructor(value: string) {
    super('DIGEST_INVALID', 400, `invalid or unsupported digest: ${value}`, { details: { digest: value } });
  }
}

export class UploadUnknownError extends AppError {
  constructor(id: string) {
    super('BLOB_UPLOAD_UNKNOWN', 404, `blob upload unknown: ${id}`, { details: { uuid: id } });
  }
}

export class RangeInvalidError extends AppError {
  /** `currentSize` is what the upload holds now, so the client can resume from there. */
  readonly currentSize: number;
  constructor(currentSize: number, message = 'requested range not satisfiable') {
    super('BLOB_UPLOAD_INVALID', 416, message, { details: { size: currentSize } });
    this.currentSize = currentSize;
  }
}

export class SizeInvalidError extends AppError {
  constructor(message: string) {
    super('SIZE_INVALID', 400, message);
  }
}

export class BlobTooLargeError extends AppError {
  constructor(limit: number) {
    super('SIZE_INVALID', 413, `content larger than ${limit} bytes`, { details: { limit } });
  }
}

export class ManifestInvalidError extends AppError {
  constructor(message: string, details?: unknown) {
    super('MANIFEST_INVALID', 400, message, { details });
  }
}

export class ManifestUnknownError extends AppError {
  constructor(reference: string) {
    super('MANIFEST_UNKNOWN', 404, `manifest unknown: ${reference}`, { details: { reference } });
  }
}

export class ManifestBlobUnknownError extends AppError {
  constructor(digest: string) {
    super('MANIFEST_BLOB_UNKNOWN', 400, `manifest references unknown blob or manifest: ${digest}`, { details: { digest } });
  }
}

export class NameInvalidError extends AppError {
  constructor(name: string) {
    super('NAME_INVALID', 400, `invalid repository name: ${name}`, { details: { name } });
  }
}

export class NameUnknownError extends AppError {
  constructor(name: string) {
    super('NAME_UNKNOWN', 404, `repository name not known to registry: ${name}`, { details: { name } });
  }
}

export class TagInvalidError extends AppError {
  constructor(tag: string) {
    super('TAG_INVALID', 400, `invalid tag: ${tag}`, { details: { tag } });
  }
}

export class UnsupportedError extends AppError {
  constructor(message: string) {
    super('UNSUPPORTED', 405, message);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'authentication required') {
    super('UNAUTHORIZED', 401, message);
  }
}

export class DeniedError extends AppError {
  constructor(message = 'requested access to the resource is denied') {
    super('DENIED', 403, message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super('NOT_FOUND', 404, `${what} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('CONFLICT', 409, message);
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super('VALIDATION', 400, message, { details });
  }
}

export class TooManyRequestsError extends AppError {
  constructor(message = 'too many requests') {
    super('TOOMANYREQUESTS', 429, message);
  }
}
