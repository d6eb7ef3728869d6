import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The repository stands alone: a clone has no design folder beside it, so no file may send a
 * reader there. Two kinds of reference are refused:
 * - a relative path to a `shared` folder that climbs out of the repository (`../shared/…` from
 *   the root; the domain's own `src/shared` is inside and fine);
 * - the names of the design notes this project started from, which live outside it.
 * What those notes said lives in docs/architecture.md, docs/api.md and docs/events.md.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Written in pieces so that this file does not trip its own check. */
const OUTSIDE_NOTES = ['DESIGN', 'API', 'STYLE', 'SEED-sequence-diagrams'].map((name) => `${name}.md`);
const SKIPPED_DIRS = new Set(['node_modules', '.tools', '.data', '.git', 'dist', 'coverage']);

/** Tracked files plus new ones not ignored; a plain walk where there is no git. */
function repositoryFiles(): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
    return out.split('\0').filter((file) => file !== '' && !file.split('/').some((part) => SKIPPED_DIRS.has(part)));
  } catch {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) {
          if (!SKIPPED_DIRS.has(entry.name)) walk(join(dir, entry.name));
        } else if (entry.isFile()) files.push(relative(ROOT, join(dir, entry.name)));
      }
    };
    walk(ROOT);
    return files;
  }
}

function textOf(file: string): string | null {
  const path = join(ROOT, file);
  try {
    if (!statSync(path).isFile() || statSync(path).size > 2_000_000) return null;
  } catch {
    return null; // deleted but still listed by git
  }
  const buffer = readFileSync(path);
  return buffer.includes(0) ? null : buffer.toString('utf8');
}

/** `file:line: what` for every reference that leaves the repository. */
export function referencesOutside(file: string, text: string): string[] {
  const found: string[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    for (const name of OUTSIDE_NOTES) {
      if (new RegExp(`(^|[^\\w.-])${name.replaceAll('.', '\\.')}`).test(line)) found.push(`${where}: names ${name}, which is not in this repository`);
    }
    for (const match of line.matchAll(/(?:\.\.\/)+shared\b/g)) {
      const target = resolve(ROOT, dirname(file), match[0]);
      if (target !== ROOT && !target.startsWith(ROOT + sep)) found.push(`${where}: ${match[0]} points outside the repository`);
    }
  });
  return found;
}

describe('the repository stands alone', () => {
  it('recognises a reference that leaves it, and leaves references inside alone', () => {
    expect(referencesOutside('README.md', `see [the contract](../shared/${OUTSIDE_NOTES[1]})`)).toHaveLength(2);
    expect(referencesOutside('README.md', `as ${OUTSIDE_NOTES[0]} says`)).toHaveLength(1);
    expect(referencesOutside('packages/domain/src/coupon/coupon.ts', "import { Money } from '../shared/money';")).toEqual([]);
    expect(referencesOutside('README.md', 'the contract: [docs/api.md](docs/api.md)')).toEqual([]);
  });

  it('has no file that points outside it', () => {
    const found = repositoryFiles().flatMap((file) => {
      const text = textOf(file);
      return text === null ? [] : referencesOutside(file, text);
    });
    expect(
      found,
      'Say the thing in place, or point into docs/ (architecture.md, api.md, events.md): a clone of this repository has nothing beside it.',
    ).toEqual([]);
  });
});
