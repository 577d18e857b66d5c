import { z } from 'zod';

/**
 * The one place that reads configuration. Everything else receives a typed `Config`.
 * Parsing fails fast with a message naming each bad variable, so a typo in a deployment
 * never turns into a silently ignored setting.
 */

const bytes = z.coerce.number().int().positive();
const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Unset: 127.0.0.1 without API keys (nothing unauthenticated is exposed), 0.0.0.0 with them. */
  HOST: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  /**
   * Where datasets and models live: `file:///path` (unset: DATA_DIR itself) or
   * `s3://bucket/prefix` (any S3-compatible server), shared by every process. With s3://,
   * DATA_DIR holds only staging and a bounded local cache.
   */
  STORAGE_URL: z
    .string()
    .regex(
      /^(file:\/\/\/.+|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?)$/,
      'must be file:///path or s3://bucket/prefix',
    )
    .optional(),
  /** S3-compatible endpoint (MinIO: http://minio:9000); unset: AWS S3 of AWS_REGION. */
  S3_ENDPOINT: z.string().url().optional(),
  /** Path-style requests (http://host/bucket/key), which MinIO and s3rver need. */
  S3_FORCE_PATH_STYLE: boolish.default(false),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** Budget of the local cache of downloaded entries under DATA_DIR/cache (s3:// only). */
  LOCAL_CACHE_MAX_BYTES: bytes.default(10 * 1024 * 1024 * 1024),
  /** Uncommitted objects (a killed writer's) older than this are swept at start (s3://). */
  STORAGE_SWEEP_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(6 * 60 * 60 * 1000),
  /**
   * Free space on DATA_DIR below which /readyz says `degraded`, a warning is logged (once per
   * crossing) and `data_dir_low_space` is 1: under DISK_MIN_FREE_BYTES or under
   * DISK_MIN_FREE_PERCENT of the volume, whichever comes first (0 turns a rule off).
   */
  DISK_MIN_FREE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(1024 * 1024 * 1024),
  DISK_MIN_FREE_PERCENT: z.coerce.number().min(0).max(100).default(5),
  /**
   * Longest a process trusts what it learned about the models present (ids, names, versions).
   * Every publish and delete changes a stamp that lookups read (file://: the folder's mtime;
   * s3://: a counter in Redis), so changes are seen at once; this bounds a change whose stamp was
   * lost (Redis down when it was bumped). A warm predict sends no request to S3 either way.
   */
  MODEL_FRESHNESS_TTL_MS: z.coerce.number().int().min(0).default(2_000),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /**
   * Redis Cluster: comma-separated host:port of some of its nodes (`10.0.0.1:7000,10.0.0.2:7000`).
   * When set, every connection is a cluster client and REDIS_URL is not used; QUEUE_PREFIX must
   * be in hash-tag form (`{tls}`).
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'each node as host:port'))
        .min(1, 'at least one host:port'),
    )
    .optional(),
  /** Start a private redis-server under DATA_DIR when nothing answers on REDIS_URL (role all/worker). */
  EMBEDDED_REDIS: boolish.default(true),
  /**
   * Prefix of every queue key. On Redis Cluster give it in hash-tag form, `{tls}`, so all keys
   * of the queues hash to one slot (BullMQ's Lua scripts touch several keys at once).
   */
  QUEUE_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9_-]+|\{[A-Za-z0-9_-]+\})$/, 'letters, digits, _ and -, optionally in braces: {tls}')
    .default('tls'),
  TFJS_BACKEND: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  /**
   * Threads each wasm backend spreads a kernel over (XNNPACK's pool); 0 = every core
   * (`os.availableParallelism()`, at most 8). The inference pool divides the cores among its
   * workers. A job's result does not depend on it beyond float rounding.
   */
  WASM_THREADS: z.coerce.number().int().min(0).max(8).default(0),
  API_KEYS: csv.default([]),
  /**
   * A JSON file of keys with projects and roles, and optional quotas per project (README
   * "Projects and keys"); read at start. With API_KEYS, both sets of keys work.
   */
  API_KEYS_FILE: z.string().min(1).optional(),
  /** Default quotas of every project (0: none); the keys file can set them per project. */
  PROJECT_MAX_STORED_BYTES: z.coerce.number().int().min(0).default(0),
  PROJECT_MAX_CONCURRENT_JOBS: z.coerce.number().int().min(0).default(0),
  PROJECT_MAX_PREDICTS_PER_SECOND: z.coerce.number().int().min(0).default(0),
  /** Entries each project's audit log keeps (the oldest go first, approximately). */
  AUDIT_LOG_MAX_ENTRIES: z.coerce.number().int().min(100).default(100_000),
  /**
   * /metrics and the OpenAPI document (/docs/json, /docs/yaml) answer only with an API key; open
   * by default for scrapers and readers of the contract. Needs API_KEYS.
   */
  METRICS_REQUIRE_KEY: boolish.default(false),
  CORS_ORIGINS: csv.default([]),
  LOG_LEVEL: logLevel.default('info'),
  /**
   * Level of the predict route's request logs. `warn` drops the two info lines Fastify writes per
   * request (measurable CPU at thousands of predictions a second) while errors are still logged;
   * `info` brings the access log back. The more severe of this and LOG_LEVEL applies.
   */
  PREDICT_LOG_LEVEL: logLevel.default('warn'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  JOB_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  JOB_BACKOFF_MS: z.coerce.number().int().min(0).default(5_000),
  /** How long a worker may hold a job without renewing its lock before it counts as stalled. */
  JOB_LOCK_MS: z.coerce.number().int().min(1_000).default(60_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  MAX_UPLOAD_BYTES: bytes.default(512 * 1024 * 1024),
  MAX_UPLOAD_FILES: z.coerce.number().int().positive().default(64),
  MAX_ARCHIVE_ENTRIES: z.coerce.number().int().positive().default(100_000),
  MAX_ARCHIVE_BYTES: bytes.default(4 * 1024 * 1024 * 1024),
  MAX_JSON_BODY_BYTES: bytes.default(16 * 1024 * 1024),
  /** Deepest nesting a JSON body may have; checked before parsing (a job spec needs about 6). */
  MAX_JSON_DEPTH: z.coerce.number().int().min(4).max(1000).default(32),
  /** Longest array a JSON body may hold; checked before parsing. */
  MAX_JSON_ARRAY_LENGTH: z.coerce.number().int().positive().default(100_000),
  MAX_BASE_MODEL_BYTES: bytes.default(512 * 1024 * 1024),
  URL_FETCH_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  /** Allow base-model URLs on private/loopback addresses (tests, air-gapped mirrors). */
  ALLOW_PRIVATE_URLS: boolish.default(false),
  /** Redirects followed when downloading a base model by URL; each hop is re-checked. */
  URL_FETCH_MAX_REDIRECTS: z.coerce.number().int().min(0).max(20).default(5),
  /**
   * Base URL serving the model catalog's files under their usual relative paths (e.g.
   * `<mirror>/mobilenet_v1_0.25_224/model.json`), for air-gapped deployments. Unset: the public
   * tfjs-models bucket. Operator configuration, so private addresses are allowed here.
   */
  CATALOG_MIRROR_URL: z
    .string()
    .url()
    .refine((v) => /^https?:\/\//i.test(v), 'must be an http(s) URL')
    .optional(),
  PREDICT_MAX_INSTANCES: z.coerce.number().int().positive().default(256),
  PREDICT_MAX_BATCH: z.coerce.number().int().positive().default(64),
  /**
   * How long a row that finds a batch slot free waits for company. 0 (TF Serving's advice for
   * CPU inference): batches still grow under load, from the rows that queue while the pipeline
   * is full, and no request ever waits on a timer while the inference worker could run it.
   */
  PREDICT_MAX_WAIT_MS: z.coerce.number().min(0).default(0),
  /** Inference workers; 0 = auto (one child process on the native backend, else cores - 1, at most 4). */
  PREDICT_THREADS: z.coerce.number().int().min(0).max(64).default(0),
  /**
   * Where forward passes run: worker threads, or child processes (the only safe unit for the native
   * backend, which crashes when loaded in several threads: tensorflow/tfjs#8388). auto picks
   * process for the native backend and thread for wasm/cpu.
   */
  PREDICT_WORKER: z.enum(['auto', 'thread', 'process']).default('auto'),
  /** Largest single image accepted by /predict (multipart file or decoded b64). */
  PREDICT_MAX_IMAGE_BYTES: bytes.default(16 * 1024 * 1024),
  /**
   * Pixels one /predict request may have decoded, all its images together, read from their
   * headers before any is decoded (a 12 KB PNG can hold 100 megapixels).
   */
  PREDICT_MAX_REQUEST_PIXELS: z.coerce.number().int().positive().default(128_000_000),
  MODEL_CACHE_MAX_MODELS: z.coerce.number().int().positive().default(8),
  MODEL_CACHE_MAX_BYTES: bytes.default(1024 * 1024 * 1024),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  /**
   * Which proxies may set X-Forwarded-For (the client address used by rate limits and logs):
   * `false` (default: the socket's peer is the client), `true` (any: only behind a proxy that
   * overwrites the header), a hop count, or a list of proxy addresses/CIDRs.
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v, ctx): boolean | number | string[] => {
      const t = v.trim().toLowerCase();
      if (t === 'false' || t === '0' || t === 'no') return false;
      if (t === 'true' || t === 'yes') return true;
      if (/^\d+$/.test(t)) return Number(t);
      const list = t
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (list.length === 0 || !list.every((s) => /^[0-9a-f.:]+(\/\d{1,3})?$/.test(s))) {
        ctx.addIssue({ code: 'custom', message: 'must be true, false, a hop count or a list of IPs/CIDRs' });
        return z.NEVER;
      }
      return list;
    }),
  /**
   * Most bytes one training step may use (weights' gradients, optimizer state, a batch's
   * activations). Unset: the backend's limit, i.e. 3 GiB of the wasm backend's 4 GiB heap, or half
   * the machine's memory on the native and cpu backends. Batches above it run as micro-batches; a
   * job where one example cannot fit fails at once.
   */
  TRAIN_MEMORY_BUDGET_BYTES: bytes.optional(),
  /**
   * Default of a job's `evaluation.maxCost`: the most its evaluation may cost, in fits of its
   * recipe. A cross-validation over it falls back to holdout, a learning curve over it is skipped,
   * each with a warning in the evaluation (README "Evaluation").
   */
  EVALUATION_MAX_COST: z.coerce.number().min(1).max(1000).default(15),
  /**
   * Refuse to start a worker whose trainer process does not get a GPU backend (tfjs-node-gpu),
   * instead of training on the CPU or wasm: set for GPU workers, with TFJS_BACKEND=tensorflow.
   */
  REQUIRE_GPU: boolish.default(false),
  /**
   * A file the worker rewrites every WORKER_HEARTBEAT_MS while its event loop runs and Redis
   * answers: the container health check of a worker (which listens on no port) reads its age.
   */
  WORKER_HEARTBEAT_FILE: z.string().min(1).optional(),
  WORKER_HEARTBEAT_MS: z.coerce.number().int().min(100).default(10_000),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Omit<Env, 'HOST'> {
  HOST: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: Array<{ variable: string; message: string }>) {
    super('Invalid configuration: ' + issues.map((i) => `${i.variable}: ${i.message}`).join('; '));
    this.name = 'ConfigError';
  }
}

/** Empty strings count as unset, as most deployment tools cannot express "unset". */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? '?'), message: i.message })),
    );
  }
  const e = parsed.data;
  if (e.METRICS_REQUIRE_KEY && e.API_KEYS.length === 0 && e.API_KEYS_FILE === undefined) {
    throw new ConfigError([
      { variable: 'METRICS_REQUIRE_KEY', message: 'needs API_KEYS: without keys there is no key to require' },
    ]);
  }
  if (e.REDIS_CLUSTER_NODES && !/^\{.+\}$/.test(e.QUEUE_PREFIX)) {
    throw new ConfigError([
      {
        variable: 'QUEUE_PREFIX',
        message: `on Redis Cluster (REDIS_CLUSTER_NODES) it must be in hash-tag form, e.g. {${e.QUEUE_PREFIX}}, so all of a queue's keys hash to one slot`,
      },
    ]);
  }
  return {
    ...e,
    HOST: e.HOST ?? (e.API_KEYS.length > 0 || e.API_KEYS_FILE !== undefined ? '0.0.0.0' : '127.0.0.1'),
  };
}

/**
 * The inverse of loadConfig: a config as environment variables, for child processes (the
 * trainer process) that must run with exactly the parent's configuration.
 */
export function configToEnv(config: Config): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(',') : String(v);
  }
  return out;
}
