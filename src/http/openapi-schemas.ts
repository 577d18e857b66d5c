import { z } from 'zod';
import { jobSpecSchema } from '../contracts/job-spec.js';

/** Schemas in openapi.yaml that are generated from the zod schemas the routes validate with. */
export function generatedSchemas(): Record<string, unknown> {
  const { $schema: _ignored, ...jobSpec } = z.toJSONSchema(jobSpecSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return {
    JobSpec: { description: 'A training job (see the README for the recipe it automates).', ...jobSpec },
  };
}
