/**
 * Generates `src/client/openapi-types.ts`, the TypeScript types of openapi.yaml that the typed
 * client is built on, with openapi-typescript, formatted by the project's prettier settings. A
 * test regenerates them in memory and fails when the checked-in file is out of date: run
 * `npm run openapi:types` after changing openapi.yaml (`npm run openapi:sync` runs it last).
 *
 * The client reads the types by path and method (`paths['/v1/jobs']['post']`), never by
 * operationId, so adding or renaming operationIds changes the file but breaks no caller.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString, type OpenAPITSOptions } from 'openapi-typescript';
import * as prettier from 'prettier';
import ts from 'typescript';
import { parse } from 'yaml';

export const OPENAPI_YAML = fileURLToPath(new URL('../openapi.yaml', import.meta.url));
export const TYPES_PATH = fileURLToPath(new URL('../src/client/openapi-types.ts', import.meta.url));

const HEADER = `/**
 * Generated from openapi.yaml by \`npm run openapi:types\` (openapi-typescript). Do not edit:
 * test/client/openapi-types.test.ts fails when this file no longer matches the contract.
 */
`;

/**
 * An array schema whose items may be the schema itself (OipTensorData: tensor elements nested to
 * any depth) would come out as `X: (components['schemas']['X'] | number)[]`, which TypeScript
 * refuses as circular; it becomes `NestedArray<number | ...>`, a recursive alias it accepts.
 */
const NESTED_ARRAY =
  '/** Elements nested to any depth (a recursive array schema). */\nexport type NestedArray<T> = (T | NestedArray<T>)[];\n';

const KEYWORDS: Record<string, ts.KeywordTypeSyntaxKind> = {
  number: ts.SyntaxKind.NumberKeyword,
  integer: ts.SyntaxKind.NumberKeyword,
  string: ts.SyntaxKind.StringKeyword,
  boolean: ts.SyntaxKind.BooleanKeyword,
};

const selfNestedArray: OpenAPITSOptions['transform'] = (schema, { path }) => {
  const items = (schema as { type?: unknown; items?: { anyOf?: Array<{ $ref?: string; type?: string }> } })
    .items;
  const members = items?.anyOf;
  if (!path || !members?.some((m) => m.$ref === path)) return undefined;
  const others = members.filter((m) => m.$ref !== path);
  if (!others.every((m) => m.type !== undefined && KEYWORDS[m.type])) return undefined;
  const element = ts.factory.createUnionTypeNode(
    others.map((m) => ts.factory.createKeywordTypeNode(KEYWORDS[m.type!]!)),
  );
  return ts.factory.createTypeReferenceNode('NestedArray', [element]);
};

export async function generatedTypes(yamlText = readFileSync(OPENAPI_YAML, 'utf8')): Promise<string> {
  const ast = await openapiTS(parse(yamlText) as Parameters<typeof openapiTS>[0], {
    silent: true,
    // A field with a default may be left out of a request (JobSpec's head, fit, ...): by default
    // openapi-typescript would make it required, which only holds for answers.
    defaultNonNullable: false,
    inject: NESTED_ARRAY,
    transform: selfNestedArray,
  });
  const source = HEADER + astToString(ast);
  const options = (await prettier.resolveConfig(TYPES_PATH)) ?? {};
  return prettier.format(source, { ...options, filepath: TYPES_PATH });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(TYPES_PATH, await generatedTypes());
  console.log(`${TYPES_PATH}: regenerated from openapi.yaml`);
}
