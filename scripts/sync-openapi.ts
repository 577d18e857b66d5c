/**
 * Writes the JSON Schemas that are generated from zod into openapi.yaml (components.schemas),
 * and package.json's version into `info.version`, keeping the rest of the hand-written
 * document, comments included. A test fails when the file is out of date: run
 * `npm run openapi:sync`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import { generatedSchemas, packageVersion } from '../src/http/openapi-schemas.js';
import { OPENAPI_PATH } from '../src/http/plugins/docs.js';

export function syncedOpenApi(text: string): string {
  const doc = parseDocument(text);
  doc.setIn(['info', 'version'], packageVersion());
  for (const [name, schema] of Object.entries(generatedSchemas())) {
    doc.setIn(['components', 'schemas', name], doc.createNode(schema));
  }
  return doc.toString({ lineWidth: 0 });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(OPENAPI_PATH, syncedOpenApi(readFileSync(OPENAPI_PATH, 'utf8')));
  console.log('openapi.yaml: generated schemas updated');
}
