/**
 * The Kubernetes example with several replicas is configuration users copy: its environment must be options this
 * server knows (no warning, no error), on PostgreSQL, with the probes the README describes.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load';

const MANIFEST = resolve(import.meta.dirname, '../../../../examples/kubernetes-replicas/registry-admin.yaml');

interface Container {
  env: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  readinessProbe: { httpGet: { path: string } };
  livenessProbe: { httpGet: { path: string } };
}

describe('examples/kubernetes-replicas', () => {
  const documents = parseAllDocuments(readFileSync(MANIFEST, 'utf8')).map(
    (document) => document.toJS() as { kind: string; spec: Record<string, unknown> },
  );
  const deployment = documents.find((document) => document.kind === 'Deployment');
  if (!deployment) throw new Error(`no Deployment in ${MANIFEST}`);
  const container = (deployment.spec as { template: { spec: { containers: Container[] } } }).template.spec
    .containers[0] as Container;

  it('runs several replicas, ready only while the database answers', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(documents.map((document) => document.kind)).toEqual(['Deployment', 'Service', 'PodDisruptionBudget']);
  });

  it('sets only options the server knows, on PostgreSQL', () => {
    const env: NodeJS.ProcessEnv = {};
    // Values from Secrets stand in as placeholders.
    for (const entry of container.env) env[entry.name] = entry.value ?? 'postgres://user@postgres:5432/registry_admin';
    const warnings: string[] = [];
    const config = loadConfig({ env, onWarning: (line) => warnings.push(line) });
    expect(warnings).toEqual([]);
    expect(config.store.type).toBe('postgres');
    expect(config.store.postgres.url).toMatch(/^postgres:/);
    expect(config.registry['gc-interval']).toBe(3600);
  });
});
