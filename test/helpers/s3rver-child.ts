import S3rver from 's3rver';
import { recoverCutPuts } from './s3rver-recovery.js';

/**
 * s3rver as a process of its own (`tsx test/helpers/s3rver-child.ts <port> <dir> <bucket>`), so a
 * test can kill the object store with SIGKILL and start it again on the same port and folder.
 * Before it serves, it drops the objects a kill cut short (see recoverCutPuts), as S3 and MinIO
 * never show a PUT that did not finish.
 */
const [port, directory, bucket] = process.argv.slice(2);
const dropped = await recoverCutPuts(directory!);
if (dropped.length > 0) process.stderr.write(`s3rver: dropped ${dropped.length} cut-short PUT(s)\n`);
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  silent: true,
  directory: directory!,
  configureBuckets: [{ name: bucket! }],
});
await server.run();
process.stdout.write('ready\n');
