/**
 * Prometheus metrics of the HTTP server (prom-client, one registry per server so tests can
 * build many): requests by route/method/status, body bytes in and out, upload durations.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'crowsnest_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly bytesIn = new Counter({
    name: 'crowsnest_http_bytes_in_total',
    help: 'Request body bytes received by the registry (blobs and manifests)',
    registers: [this.registry],
  });
  readonly bytesOut = new Counter({
    name: 'crowsnest_http_bytes_out_total',
    help: 'Response body bytes sent (as declared by Content-Length)',
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'crowsnest_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });
  readonly uploadDuration = new Histogram({
    name: 'crowsnest_blob_upload_duration_seconds',
    help: 'Time from upload start to committed blob',
    labelNames: ['kind'] as const,
    buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'crowsnest_' });
  }
}
