import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No Docker engine runs here, so the deployment files are checked by reading them.
interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  profiles?: string[];
  container_name?: string;
}

const compose = parse(await readFile('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const dockerfile = await readFile('Dockerfile', 'utf8');

describe('docker-compose.yml', () => {
  const { services } = compose;

  it('runs postgres:17 with a healthcheck and a named volume', () => {
    const pg = services.postgres!;
    expect(pg.image).toBe('postgres:17');
    expect(pg.healthcheck?.test?.join(' ')).toContain('pg_isready');
    const volume = pg.volumes?.[0]?.split(':')[0];
    expect(volume && volume in compose.volumes).toBe(true);
  });

  it('wires api and worker to that database once it is healthy', () => {
    for (const name of ['api', 'worker']) {
      const svc = services[name]!;
      expect(svc.build).toBe('.');
      expect(svc.depends_on?.postgres?.condition).toBe('service_healthy');
      const url = new URL(svc.environment?.DATABASE_URL ?? '');
      const pg = services.postgres!.environment!;
      expect(url.hostname).toBe('postgres');
      expect(url.username).toBe(pg.POSTGRES_USER);
      expect(url.password).toBe(pg.POSTGRES_PASSWORD);
      expect(url.pathname).toBe(`/${pg.POSTGRES_DB}`);
    }
    expect(services.api?.command).toEqual(['api']);
    expect(services.worker?.command).toEqual(['worker']);
  });

  it('publishes the API port the container listens on, with a readiness healthcheck', () => {
    const api = services.api!;
    expect(api.environment?.HOST).toBe('0.0.0.0');
    const [, container] = (api.ports?.[0] ?? '').split(/:(?=[^:]+$)/);
    expect(container).toBe(api.environment?.PORT);
    expect(api.healthcheck?.test?.join(' ')).toContain('/ready');
  });

  it('keeps the worker scalable: no fixed name, no published port', () => {
    expect(services.worker?.container_name).toBeUndefined();
    expect(services.worker?.ports).toBeUndefined();
  });

  it('puts redis behind the redis profile', () => {
    expect(services.redis?.profiles).toEqual(['redis']);
    expect(services.redis?.healthcheck?.test).toContain('ping');
  });
});

describe('Dockerfile', () => {
  const stages = dockerfile.match(/^FROM\s+\S+/gm) ?? [];

  it('is multi-stage on node:24-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage).toMatch(/node:24-slim$/);
  });

  it('ships pg_dump through postgresql-client and runs the tenantry CLI unprivileged', () => {
    expect(dockerfile).toMatch(/postgresql-client/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/tenantry.js"\]$/m);
    expect(dockerfile).toMatch(/^EXPOSE 3000$/m);
    // Sources run as they are (type stripping): production dependencies and src/, no loader.
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^COPY src \.\/src$/m);
    expect(dockerfile).not.toMatch(/tsx/);
  });
});
