import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envSchema, loadConfig } from '../../src/config/env.js';

/** Docker can't run here; these files are kept true by checking them against the config schema. */

interface ComposeService {
  image?: string;
  healthcheck?: { test?: string[]; interval?: string; start_period?: string };
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, unknown>;
  deploy?: {
    resources?: { reservations?: { devices?: Array<{ driver?: string; capabilities?: string[] }> } };
  };
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const dockerfile = readFileSync('Dockerfile', 'utf8');
const knownVars = new Set(Object.keys(envSchema.shape));
/** Read by the AWS SDK's credential chain itself, deliberately not by the config. */
const sdkVars = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);

function resolvedEnv(service: ComposeService): Record<string, string> {
  // Compose interpolation: ${VAR:?msg} and ${VAR:-default}; use a placeholder value.
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [
      k,
      String(v)
        .replace(/\$\{[A-Z_]+:\?[^}]*\}/g, 'secret')
        .replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1'),
    ]),
  );
}

describe('docker-compose.yml', () => {
  it('declares redis, an object store with its bucket, api and worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'minio', 'minio-init', 'redis', 'worker']);
  });

  it('runs Redis with append-only persistence, noeviction and a volume', () => {
    const redis = compose.services['redis']!;
    const cmd = redis.command!.join(' ');
    expect(cmd).toMatch(/--appendonly yes/);
    expect(cmd).toMatch(/--maxmemory-policy noeviction/);
    const [volume, target] = redis.volumes![0]!.split(':');
    expect(target).toBe('/data');
    expect(compose.volumes).toHaveProperty(volume!);
  });

  it('gives api and worker only variables the config schema knows, and valid values', () => {
    for (const name of ['api', 'worker']) {
      const env = resolvedEnv(compose.services[name]!);
      for (const key of Object.keys(env)) {
        if (!sdkVars.has(key)) expect(knownVars, `${name}: ${key}`).toContain(key);
      }
      const config = loadConfig(env);
      expect(config.ROLE).toBe(name);
      expect(config.REDIS_URL).toBe('redis://redis:6379');
      expect(config.EMBEDDED_REDIS).toBe(false);
      expect(config.API_KEYS.length).toBeGreaterThan(0);
    }
  });

  it('shares no volume between api and workers: only Redis and the MinIO bucket', () => {
    const minio = compose.services['minio']!;
    const init = compose.services['minio-init']!;
    for (const n of ['api', 'worker']) {
      const s = compose.services[n]!;
      expect(s.volumes ?? [], `${n} mounts nothing`).toEqual([]);
      const env = resolvedEnv(s);
      const config = loadConfig(env);
      expect(config.STORAGE_URL).toMatch(/^s3:\/\/tls\//);
      expect(config.S3_ENDPOINT).toBe('http://minio:9000');
      expect(config.S3_FORCE_PATH_STYLE).toBe(true);
      expect(env['AWS_ACCESS_KEY_ID']).toBe(resolvedEnv(minio)['MINIO_ROOT_USER']);
      expect(s.depends_on).toMatchObject({ 'minio-init': { condition: 'service_completed_successfully' } });
    }
    // The bucket the store names is the one the init job creates, on the store's endpoint.
    const entry = (init.entrypoint ?? []).join(' ');
    expect(entry).toMatch(/mc mb --ignore-existing store\/tls\b/);
    expect(entry).toMatch(/http:\/\/minio:9000/);
    expect(init.depends_on).toMatchObject({ minio: { condition: 'service_healthy' } });
    const [volume, target] = minio.volumes![0]!.split(':');
    expect(target).toBe('/data');
    expect(compose.volumes).toHaveProperty(volume!);
    expect(minio.healthcheck?.test).toEqual(['CMD', 'mc', 'ready', 'local']);
  });

  it('publishes the API port the api listens on, on all interfaces', () => {
    const api = compose.services['api']!;
    const config = loadConfig(resolvedEnv(api));
    expect(config.HOST).toBe('0.0.0.0');
    const containerPort = api.ports![0]!.split(':').at(-1);
    expect(Number(containerPort)).toBe(config.PORT);
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${config.PORT}$`, 'm'));
  });

  it('reserves a GPU for the worker and starts after a healthy Redis', () => {
    const devices = compose.services['worker']!.deploy?.resources?.reservations?.devices ?? [];
    expect(devices).toContainEqual(expect.objectContaining({ driver: 'nvidia', capabilities: ['gpu'] }));
    expect(compose.services['worker']!.depends_on).toMatchObject({ redis: { condition: 'service_healthy' } });
    expect(compose.services['api']!.depends_on).toMatchObject({ redis: { condition: 'service_healthy' } });
  });
});

describe('the worker service', () => {
  const worker = compose.services['worker']!;
  const config = loadConfig(resolvedEnv(worker));

  it('fails at start unless it trains on tfjs-node-gpu', () => {
    expect(config.TFJS_BACKEND).toBe('tensorflow');
    expect(config.REQUIRE_GPU).toBe(true);
  });

  it('has a health check of the heartbeat file it keeps, not the HTTP check of the image', () => {
    expect(config.WORKER_HEARTBEAT_FILE).toMatch(/^\//);
    const test = worker.healthcheck?.test ?? [];
    expect(test[0]).toBe('CMD');
    expect(test.join(' ')).toMatch(/WORKER_HEARTBEAT_FILE/);
    expect(test.join(' ')).toMatch(/WORKER_HEARTBEAT_MS/);
    expect(test.join(' ')).not.toMatch(/healthz/);
    expect(worker.healthcheck?.start_period).toBeDefined();
  });

  it('runs the health check command as written against a fresh and a stale heartbeat', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, writeFileSync, utimesSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'beat-'));
    const file = path.join(dir, 'beat');
    const test = worker.healthcheck!.test!;
    const run = () => {
      try {
        execFileSync(test[1]!, test.slice(2), {
          env: { ...process.env, WORKER_HEARTBEAT_FILE: file, WORKER_HEARTBEAT_MS: '10000' },
          stdio: 'ignore',
        });
        return 0;
      } catch (err) {
        return (err as { status: number }).status;
      }
    };
    expect(run()).not.toBe(0); // no heartbeat yet
    writeFileSync(file, 'now');
    expect(run()).toBe(0);
    const old = new Date(Date.now() - 60_000);
    utimesSync(file, old, old);
    expect(run()).not.toBe(0);
  });
});

describe('package.json', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
    engines: { node: string };
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };

  it('ships nsfwjs (the offline catalog models) as a runtime dependency pinned exactly', () => {
    expect(pkg.dependencies['nsfwjs']).toBe('4.4.0');
    expect(pkg.devDependencies['nsfwjs']).toBeUndefined();
  });

  it('names the tested Node.js majors, including the one in the image', () => {
    const image = /^ARG NODE_VERSION=(\d+)$/m.exec(dockerfile)?.[1];
    expect(image).toBe('22');
    expect(pkg.engines.node).toMatch(new RegExp(`\\^${image}\\.`));
    expect(pkg.engines.node).toMatch(/\^20\./);
  });
});

describe('Dockerfile', () => {
  it('never swallows a failed install of the GPU bindings', () => {
    expect(dockerfile).not.toMatch(/\|\|\s*(echo|true)/);
    expect(dockerfile).toMatch(/tfjs_binding\.node/);
  });

  it('is multi-stage on a CUDA 11.2 + cuDNN 8 runtime, non-root, with a health check', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/nvidia\/cuda:11\.2[.\d]*-cudnn8-runtime/);
    expect(dockerfile).toMatch(/^USER app$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(dockerfile).toMatch(/tfjs-node-gpu@4\./);
  });

  it('sets only environment variables the config schema knows', () => {
    const block = /^ENV ([\s\S]*?)(?=^\S)/m.exec(dockerfile)?.[1] ?? '';
    const keys = [...block.matchAll(/([A-Z_]+)=/g)].map((m) => m[1]!);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(knownVars).toContain(k);
  });

  it('starts the compiled server', () => {
    const cmd = /^CMD \[(.*)\]$/m.exec(dockerfile)?.[1];
    expect(cmd).toBe('"node", "dist/server.js"');
    const build = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
  });
});
