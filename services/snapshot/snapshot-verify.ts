/**
 * Checks a published snapshot against its manifest.json: every listed file present with its size and
 * sha256, and nothing else in the folder. `report` and `query` check the file they open, so a
 * snapshot changed after publication is refused instead of shown.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Month } from '../figures/window-figures.js';
import { CasepipeError } from '../platform/errors.js';
import { readManifest, sha256File, versionFolder, type SnapshotManifest } from './snapshot-folder.js';

export interface FileMismatch {
  file: string;
  problem: string;
}

async function checkFile(folder: string, entry: SnapshotManifest['files'][number]): Promise<FileMismatch | null> {
  const file = path.join(folder, entry.name);
  let bytes: number;
  try {
    bytes = fs.statSync(file).size;
  } catch {
    return { file, problem: 'missing' };
  }
  if (bytes !== entry.bytes) return { file, problem: `${bytes} bytes, the manifest says ${entry.bytes}` };
  const sha256 = await sha256File(file);
  return sha256 === entry.sha256 ? null : { file, problem: `sha256 ${sha256}, the manifest says ${entry.sha256}` };
}

/** Every difference between a version's folder and its manifest (empty when it is intact). */
export async function verifySnapshot(snapshotsDir: string, month: Month, version: number): Promise<FileMismatch[]> {
  const folder = versionFolder(snapshotsDir, month, version);
  const manifest = readManifest(snapshotsDir, month, version);
  const out: FileMismatch[] = [];
  for (const entry of manifest.files) {
    const mismatch = await checkFile(folder, entry);
    if (mismatch) out.push(mismatch);
  }
  const listed = new Set(['manifest.json', ...manifest.files.map((f) => f.name)]);
  for (const name of fs.readdirSync(folder).sort()) {
    if (!listed.has(name)) out.push({ file: path.join(folder, name), problem: 'not in the manifest' });
  }
  return out;
}

/** Throws SNAPSHOT_CORRUPT unless `file` (inside a version folder) is listed in its manifest with its sha256. */
export async function assertSnapshotFileIntact(file: string): Promise<void> {
  const folder = path.dirname(file);
  let manifest: SnapshotManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(folder, 'manifest.json'), 'utf8')) as SnapshotManifest;
  } catch (cause) {
    throw new CasepipeError('SNAPSHOT_CORRUPT', `${folder} has no readable manifest.json: ${(cause as Error).message}`, { cause });
  }
  const entry = manifest.files.find((f) => f.name === path.basename(file));
  const mismatch = entry ? await checkFile(folder, entry) : { file, problem: 'not in the manifest' };
  if (mismatch) {
    throw new CasepipeError(
      'SNAPSHOT_CORRUPT',
      `${mismatch.file}: ${mismatch.problem}; the published snapshot was changed and is not used (\`casepipe snapshots verify\` checks every file)`,
    );
  }
}
