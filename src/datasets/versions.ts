import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DatasetParent, VersionRequest } from '../contracts/audit.js';
import { ValidationError, type FieldError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { Store } from '../storage/store.js';
import { canonicalClasses } from './class-names.js';
import {
  MANIFEST_FILE,
  TARGETS_FILE,
  TEXTS_FILE,
  readImageIndex,
  readManifest,
  type ClassSummary,
  type DatasetManifest,
  type SplitName,
  type TextIndex,
} from './dataset-manifest.js';
import { classWarnings, splitWarnings } from './dataset-warnings.js';
import type { Additions, PreparedAddition } from './version-additions.js';
import { floats, writeVersionFiles, type KeptExample, type VersionFields } from './version-files.js';

/**
 * Dataset versions: a new dataset made from a stored one with examples left out or given other
 * labels. The parent is only read. The version holds its own copy of every example it keeps
 * (policy: a version never depends on its parent's files), so deleting the parent later is
 * allowed and leaves the version whole; the version's manifest records the parent's id and the
 * exact changes. Example ids carry over: an image keeps its id, a text its source (`line <n>`
 * or its path); a table's rows are renumbered (`row-<n>` counts the version's own rows), so
 * only a version that leaves no row out keeps its parent's row ids (added rows come after them).
 */

/** One example of the parent, whatever the modality. */
interface Example {
  key: string;
  /** Class name (classification) or '' (regression). */
  label: string;
  split: SplitName;
}

const MAX_ERRORS = 20;

export async function createVersion(
  store: Store,
  parentId: string,
  req: VersionRequest,
  additions: Additions = { items: [], skipped: [] },
): Promise<DatasetManifest> {
  const parent = await readManifest(store, parentId);
  const examples = await examplesOf(store, parent);
  const plan = planChanges(parent, examples, req);
  const id = newId('dataset');
  const added = additions.items;
  const record = parentRecord(parent, plan, req, added);
  const kept = plan.kept;
  const { classIndex, classes, counts } = countVersion(parent, kept, added);
  const changes = JSON.stringify({ record, data: added.map((a) => a.example.data.toString('base64')) });
  const common: VersionFields = {
    id,
    name: req.name ?? `${parent.name} (version)`.slice(0, 200),
    createdAt: new Date().toISOString(),
    contentHash: `sha256:${createHash('sha256').update(parent.contentHash).update(changes).digest('hex')}`,
    classes,
    examples: kept.length + added.length,
    split: { provided: parent.split.provided, counts },
    warnings: [...classWarnings(classes), ...(parent.split.provided ? splitWarnings(classes, counts) : [])],
    skipped: { count: 0, files: [] },
    parent: record,
  };
  return store.collection('datasets').create(id, async (dir) => {
    const manifest = await writeVersionFiles({ store, parent, dir, kept, added, classIndex, common });
    await writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
    return manifest;
  });
}

/** What the version's manifest records of its parent: the id and every change, additions included. */
function parentRecord(
  parent: DatasetManifest,
  plan: Plan,
  req: VersionRequest,
  added: PreparedAddition[],
): DatasetParent {
  return {
    datasetId: parent.id,
    excluded: plan.excluded,
    relabelled: plan.relabelled,
    ...(req.auditId ? { auditId: req.auditId } : {}),
    ...(added.length > 0
      ? {
          added: added.map(({ example: e }) => ({
            exampleId: e.id,
            label: e.label,
            modelId: e.modelId,
            capturedAt: e.capturedAt,
            reviewedAt: e.reviewedAt,
          })),
        }
      : {}),
  };
}

/** The version's classes (sorted names of the kept and added labels) with their counts per split. */
function countVersion(
  parent: DatasetManifest,
  kept: Plan['kept'],
  added: PreparedAddition[],
): { classIndex: Map<string, number>; classes: ClassSummary[]; counts: Record<SplitName, number> } {
  const classNames =
    parent.task === 'classification'
      ? [...new Set([...kept.map((k) => k.label), ...added.map((a) => a.example.label)])].sort()
      : [];
  const classIndex = new Map(classNames.map((n, i) => [n, i]));
  const classes: ClassSummary[] = classNames.map((name) => ({
    name,
    count: 0,
    splits: { train: 0, validation: 0, test: 0 },
  }));
  const counts: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  const count = (label: string, split: SplitName) => {
    counts[split] += 1;
    const c = classes[classIndex.get(label) ?? -1];
    if (c) {
      c.count += 1;
      c.splits[split] += 1;
    }
  };
  for (const k of kept) count(k.label, k.example.split);
  for (const a of added) count(a.example.label, 'train');
  return { classIndex, classes, counts };
}

interface Plan {
  kept: Array<KeptExample & { example: Example }>;
  excluded: string[];
  relabelled: DatasetParent['relabelled'];
}

/** Checks every named example and label; a 400 names each one that is wrong. */
function planChanges(parent: DatasetManifest, examples: Example[], req: VersionRequest): Plan {
  const at = new Map(examples.map((e, i) => [e.key, i]));
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const check = (key: string, field: string): boolean => {
    if (!at.has(key)) {
      errors.push({ path: field, message: `no example '${key}' in dataset '${parent.id}'` });
      return false;
    }
    if (seen.has(key)) {
      errors.push({ path: field, message: `example '${key}' is named twice` });
      return false;
    }
    seen.add(key);
    return true;
  };
  req.exclude.forEach((key, i) => check(key, `body.exclude.${i}`));
  if (req.relabel.length > 0 && parent.task !== 'classification') {
    errors.push({ path: 'body.relabel', message: 'a regression dataset has no labels to change' });
  }
  const labels = canonicalClasses(
    req.relabel.map((r) => r.label),
    'body.relabel',
  );
  const relabelled: DatasetParent['relabelled'] = [];
  const newLabel = new Map<string, string>();
  req.relabel.forEach((r, i) => {
    if (!check(r.exampleId, `body.relabel.${i}.exampleId`)) return;
    const from = examples[at.get(r.exampleId) as number]!.label;
    const to = labels.get(r.label) as string;
    newLabel.set(r.exampleId, to);
    relabelled.push({ exampleId: r.exampleId, from, to });
  });
  if (errors.length > 0) {
    const shown = errors.slice(0, 3).map((e) => `${e.path}: ${e.message}`);
    throw new ValidationError(
      `${shown.join('; ')}${errors.length > 3 ? `; and ${errors.length - 3} more` : ''}`,
      {
        errors: errors.slice(0, MAX_ERRORS),
      },
    );
  }
  const excluded = new Set(req.exclude);
  const kept = examples.flatMap((example, i) =>
    excluded.has(example.key) ? [] : [{ at: i, example, label: newLabel.get(example.key) ?? example.label }],
  );
  if (kept.length === 0) {
    throw new ValidationError('the version would have no examples left', {
      errors: [{ path: 'body.exclude', message: 'excludes every example' }],
    });
  }
  return { kept, excluded: [...req.exclude], relabelled };
}

/** Every example of a stored dataset in its stored order, with the key versions and audits use. */
export async function examplesOf(store: Store, manifest: DatasetManifest): Promise<Example[]> {
  const name = (label: number): string => manifest.classes[label]?.name ?? '';
  if (manifest.kind === 'image') {
    const { examples } = await readImageIndex(store, manifest.id);
    return examples.map((r) => ({ key: r.id, label: name(r.label), split: r.split }));
  }
  if (manifest.kind === 'text') {
    const index = await store.collection('datasets').readJson<TextIndex>(manifest.id, TEXTS_FILE);
    return index.refs.map((ref, i) => ({
      key: ref,
      label: name(index.labels[i] as number),
      split: index.splits[i] as SplitName,
    }));
  }
  const y = floats(await readFile(await store.collection('datasets').local(manifest.id, TARGETS_FILE)));
  return Array.from(y, (v, i) => ({
    key: `row-${i + 1}`,
    label: manifest.task === 'classification' ? name(v) : '',
    split: 'train' as const,
  }));
}
