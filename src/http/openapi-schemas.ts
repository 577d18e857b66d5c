import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { advisorRequestSchema } from '../contracts/advisor.js';
import { jobSpecSchema } from '../contracts/job-spec.js';
import { advisorView } from './routes/advisor.js';

/** Schemas in openapi.yaml that are generated from the zod schemas the routes validate with. */
export function generatedSchemas(): Record<string, unknown> {
  const { $schema: _ignored, ...jobSpec } = z.toJSONSchema(jobSpecSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  const { $schema: _i2, ...advisorRequest } = z.toJSONSchema(advisorRequestSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  const { $schema: _i3, ...advisorRun } = z.toJSONSchema(advisorView, {
    io: 'output',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return {
    JobSpec: { description: 'A training job (see the README for the recipe it automates).', ...jobSpec },
    AdvisorRequest: {
      description: 'Which dataset to advise on, and optionally which bases and cuts to probe.',
      ...advisorRequest,
    },
    AdvisorRun: {
      description:
        'An advisor run; once completed, the ranking of (base, cut) candidates and the recommendation.',
      ...advisorRun,
    },
  };
}

/** The service's version, package.json's: openapi.yaml's `info.version` is kept equal to it. */
export function packageVersion(): string {
  const pkg = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}
