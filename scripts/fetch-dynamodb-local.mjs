#!/usr/bin/env node
// Fetches the official DynamoDB Local jar into a git-ignored cache, from the npm registry
// (the amplify-dynamodb-simulator tarball carries it), and verifies it; then compiles the small
// launcher that makes it listen on 127.0.0.1 only (scripts/dynamodb-local/LoopbackDynamoDbLocal.java).
// Idempotent and quiet when cached.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
// SHA-256 of DynamoDBLocal.jar 1.25.1 as shipped in that tarball.
const JAR_SHA256 = '454305e9bc3e6ebcca5b62569869e31563b8d7e346474e94557b2600702146c7';
const root = path.resolve(import.meta.dirname, '..');
const cache = path.join(root, '.cache', 'ddb-local');
const emulator = path.join(cache, 'emulator');
const jar = path.join(emulator, 'DynamoDBLocal.jar');
const stamp = path.join(cache, 'verified.json');
const launcherSource = path.join(root, 'scripts', 'dynamodb-local', 'LoopbackDynamoDbLocal.java');
const launcherDirectory = path.join(cache, 'launcher');
const launcherStamp = path.join(launcherDirectory, 'source.sha256');

function fail(message) {
  console.error(`\n[setup] ${message}\n`);
  process.exit(1);
}

const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
if (java.error || java.status !== 0) {
  fail(
    'Java was not found on PATH. DynamoDB Local needs a Java runtime (17 or newer): install one (e.g. `apt-get install openjdk-17-jre-headless`) and run again.',
  );
}
const javaVersion = /version "(\d+)/.exec(java.stderr)?.[1];
if (javaVersion && Number(javaVersion) < 11)
  fail(`Java ${javaVersion} is too old for DynamoDB Local: install Java 17.`);

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * DynamoDB Local has no listen-address option and binds every interface; the launcher sets its
 * Jetty connector to 127.0.0.1 before it starts. Compiled here once (javac from the JDK).
 */
function ensureLauncher() {
  const sourceDigest = sha256(launcherSource);
  if (existsSync(launcherStamp) && readFileSync(launcherStamp, 'utf8') === sourceDigest) return;
  const javac = spawnSync('javac', ['-version'], { encoding: 'utf8' });
  if (javac.error || javac.status !== 0) {
    fail(
      'javac was not found on PATH. Local mode compiles a small launcher that keeps DynamoDB Local on 127.0.0.1 (it would otherwise listen on every interface): install a JDK 17 or newer (e.g. `apt-get install openjdk-17-jdk-headless`) and run again.',
    );
  }
  rmSync(launcherDirectory, { recursive: true, force: true });
  mkdirSync(launcherDirectory, { recursive: true });
  const compiled = spawnSync(
    'javac',
    [
      '-d',
      launcherDirectory,
      '-cp',
      `${jar}${path.delimiter}${path.join(emulator, 'DynamoDBLocal_lib', '*')}`,
      launcherSource,
    ],
    { encoding: 'utf8' },
  );
  if (compiled.status !== 0) fail(`the DynamoDB Local launcher did not compile:\n${compiled.stderr}`);
  writeFileSync(launcherStamp, sourceDigest);
  console.log('[setup] DynamoDB Local launcher compiled (listens on 127.0.0.1 only)');
}

if (existsSync(stamp) && existsSync(jar)) {
  const recorded = JSON.parse(readFileSync(stamp, 'utf8'));
  if (recorded.sha256 === sha256(jar)) {
    ensureLauncher();
    process.exit(0);
  }
}

rmSync(cache, { recursive: true, force: true });
mkdirSync(cache, { recursive: true });
console.log(`[setup] fetching DynamoDB Local from the npm registry (${PACKAGE}) ...`);
execFileSync('npm', ['pack', PACKAGE, '--silent'], { cwd: cache, stdio: ['ignore', 'ignore', 'inherit'] });
const tarball = readdirSync(cache).find((name) => name.endsWith('.tgz'));
if (!tarball) fail(`npm pack ${PACKAGE} produced no tarball`);
execFileSync('tar', ['xzf', tarball, '--strip-components=1', 'package/emulator'], { cwd: cache });
rmSync(path.join(cache, tarball));
for (const name of readdirSync(path.join(emulator, 'DynamoDBLocal_lib'))) {
  if (name.endsWith('.dll') || name.endsWith('.dylib'))
    rmSync(path.join(emulator, 'DynamoDBLocal_lib', name));
}
if (!existsSync(jar)) fail(`${PACKAGE} did not contain emulator/DynamoDBLocal.jar`);
const digest = sha256(jar);
if (digest !== JAR_SHA256) fail(`DynamoDBLocal.jar checksum ${digest} does not match ${JAR_SHA256}`);
const version = spawnSync('java', ['-jar', jar, '-version'], { encoding: 'utf8', cwd: cache });
const reported = `${version.stdout}${version.stderr}`.trim();
if (version.status !== 0 || !/\d+\.\d+\.\d+/.test(reported))
  fail(`DynamoDBLocal.jar does not run: ${reported}`);
writeFileSync(stamp, JSON.stringify({ package: PACKAGE, sha256: digest, version: reported }, null, 2));
console.log(`[setup] DynamoDB Local ready: ${reported} (sha256 ${digest.slice(0, 16)}…)`);
ensureLauncher();
