import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generatedTypes, OPENAPI_YAML, TYPES_PATH } from '../../scripts/openapi-types.js';

describe('src/client/openapi-types.ts', () => {
  it('is what openapi-typescript makes of openapi.yaml today (run `npm run openapi:types`)', async () => {
    const checkedIn = await readFile(TYPES_PATH, 'utf8');
    expect(checkedIn === (await generatedTypes()), 'the generated types are out of date').toBe(true);
  });

  it('changes when the contract does, so the check above can fail', async () => {
    const yaml = await readFile(OPENAPI_YAML, 'utf8');
    const changed = yaml.replace('  /v1/jobs/{id}/cancel:', '  /v1/jobs/{id}/pause:');
    expect(changed).not.toBe(yaml);
    const types = await generatedTypes(changed);
    expect(types).toContain("'/v1/jobs/{id}/pause'");
    expect(types).not.toBe(await readFile(TYPES_PATH, 'utf8'));
  });
});
