import S3rver from 's3rver';

/**
 * s3rver as a process of its own (`tsx test/helpers/s3rver-child.ts <port> <dir> <bucket>`), so a
 * test can kill the object store with SIGKILL and start it again on the same port and folder.
 */
const [port, directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  silent: true,
  directory: directory!,
  configureBuckets: [{ name: bucket! }],
});
await server.run();
process.stdout.write('ready\n');
