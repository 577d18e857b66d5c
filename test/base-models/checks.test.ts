import { describe, expect, it } from 'vitest';
import { parseModelJson, unsafeShardPath } from '../../src/base-models/model-json-check.js';
import { isPrivateAddress } from '../../src/lib/private-address.js';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.0.0.1',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::10.0.0.1',
    '::ffff:0:7f00:1',
    '::ffff:0:127.0.0.1',
    '0:0:0:0:0:ffff:7f00:0001',
    '0000:0000:0000:0000:0000:FFFF:A9FE:A9FE',
    '::127.0.0.1',
    '64:ff9b:1::a00:1',
    '2002:7f00:1::1',
    '[::1]',
    'fe80::1%eth0',
    'not-an-ip',
  ])('%s is private', (a) => expect(isPrivateAddress(a)).toBe(true));

  it.each([
    '8.8.8.8',
    '142.250.74.110',
    '172.32.0.1',
    '192.169.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '::ffff:0:808:808',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
  ])('%s is public', (a) => expect(isPrivateAddress(a)).toBe(false));
});

describe('unsafeShardPath', () => {
  it.each(['group1-shard1of1', 'group1-shard1of2.bin', 'weights/group1-shard1of1'])('%s is fine', (p) =>
    expect(unsafeShardPath(p)).toBeNull(),
  );
  it.each([
    ['../x', /\.\./],
    ['a/../../x', /\.\./],
    ['/etc/passwd', /absolute/],
    ['C:/x', /absolute/],
    ['\\\\server\\share', /absolute|backslash/],
    ['a\\b', /backslash/],
    ['https://evil.example/x', /scheme/],
    ['', /empty/],
    ['.hidden', /relative path of/],
    ['a//b', /relative path of/],
    ['Model.JSON', /collides/],
  ])('%s is refused', (p, why) => expect(unsafeShardPath(p)).toMatch(why));
});

describe('parseModelJson', () => {
  const topology = { class_name: 'Sequential', config: { layers: [] } };

  it('computes each group’s byte size from dtypes and quantization', () => {
    const parsed = parseModelJson(
      JSON.stringify({
        modelTopology: { model_config: topology },
        weightsManifest: [
          {
            paths: ['a', 'b'],
            weights: [
              { name: 'k', shape: [3, 4], dtype: 'float32' },
              {
                name: 'q',
                shape: [10],
                dtype: 'float32',
                quantization: { dtype: 'uint8', min: 0, scale: 1 },
              },
              { name: 'h', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'float16' } },
            ],
          },
          { paths: ['c'], weights: [{ name: 'i', shape: [5], dtype: 'int32' }] },
        ],
      }),
    );
    expect(parsed.groups).toEqual([
      { paths: ['a', 'b'], expectedBytes: 48 + 10 + 8 },
      { paths: ['c'], expectedBytes: 20 },
    ]);
    expect(parsed.shardPaths).toEqual(['a', 'b', 'c']);
    expect(parsed.quantization.sort()).toEqual(['float16', 'uint8']);
  });

  it.each([
    [{ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }, /graph model/],
    [{ modelTopology: { node: [], versions: {} }, weightsManifest: [] }, /graph model/],
    [{ format: 'something', modelTopology: topology, weightsManifest: [] }, /format 'something'/],
    [{ modelTopology: { class_name: 'Dense' }, weightsManifest: [] }, /not a Keras model/],
    [{ modelTopology: topology }, /no weightsManifest/],
    [{ modelTopology: topology, weightsManifest: [{ paths: ['a', 'a'], weights: [] }] }, /listed twice/],
    [
      {
        modelTopology: topology,
        weightsManifest: [{ paths: ['a'], weights: [{ name: 'x', shape: [1], dtype: 'q' }] }],
      },
      /unsupported dtype/,
    ],
    [
      { modelTopology: topology, weightsManifest: [{ paths: [], weights: [{ name: 'x', shape: [1] }] }] },
      /no paths/,
    ],
  ])('refuses %j', (json, why) => {
    expect(() => parseModelJson(JSON.stringify(json))).toThrow(why);
  });
});
