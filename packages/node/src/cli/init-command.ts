import { cp, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import { CoordinatorError } from '@coordinator/core';
import { fail } from './fail.js';

const templates = new URL('../../templates/init/', import.meta.url);
/** The `@coordinator/*` packages the scaffold runs on, and the one its tests use. */
const packages = ['core', 'node', 'transport'] as const;
const testPackages = ['testing'] as const;
/**
 * What those depend on among the `@coordinator/*` packages besides them: with `--from` these come
 * from their tarballs too (npm would look for them on the registry otherwise).
 */
const tarballOnly = ['inspector'] as const;

/** Versions the scaffold's own tests and type-check run with (those this repository tests with). */
const devDependencies = {
  '@types/node': '^20.19.0',
  'fast-check': '^4.10.2',
  typescript: '6.0.3',
  vitest: '4.1.12',
};

async function ownVersion(): Promise<string> {
  const text = await readFile(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/** What each `@coordinator/*` dependency points at: a version, or a tarball `pnpm pack` made. */
async function dependencySpecs(
  names: readonly string[],
  from: string | undefined,
): Promise<Record<string, string>> {
  const version = await ownVersion();
  if (from === undefined) {
    return Object.fromEntries(names.map((name) => [`@coordinator/${name}`, `^${version}`]));
  }
  const dir = resolve(from);
  const files = await readdir(dir).catch(() => {
    throw new CoordinatorError('INVALID_OPTION', `--from ${dir} is not a readable directory`);
  });
  const specs: Record<string, string> = {};
  for (const name of names) {
    const tarball = files.find((f) => f.startsWith(`coordinator-${name}-`) && f.endsWith('.tgz'));
    if (!tarball) {
      throw new CoordinatorError(
        'INVALID_OPTION',
        `--from ${dir} holds no coordinator-${name}-*.tgz; make them with \`pnpm -r pack --pack-destination ${dir}\` in the coordinator repository`,
      );
    }
    specs[`@coordinator/${name}`] = `file:${join(dir, tarball)}`;
  }
  return specs;
}

function packageName(dir: string): string {
  const name = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '');
  return name || 'coordinator-app';
}

/**
 * Writes a new project into `dir`: a declared saga calling two HTTP services, its test on the
 * in-memory ports with the testing kit, a config, two small dev services, and a README with the
 * commands to run it.
 * @throws CoordinatorError `INVALID_OPTION` when `dir` exists and is not empty.
 */
async function scaffold(target: string, from?: string): Promise<string> {
  const dir = resolve(target);
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) {
    throw new CoordinatorError(
      'INVALID_OPTION',
      `${dir} is not empty; coordinator init writes a new project into an empty or new directory`,
    );
  }
  await cp(templates, dir, { recursive: true });
  await rename(join(dir, 'gitignore'), join(dir, '.gitignore'));
  const name = packageName(dir);
  const readme = join(dir, 'README.md');
  await writeFile(readme, (await readFile(readme, 'utf8')).replaceAll('{{name}}', name));
  const manifest = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: '>=20.19' },
    scripts: {
      start: 'coordinator start',
      services: 'node dev-services.mjs',
      test: 'vitest run',
      typecheck: 'tsc',
    },
    dependencies: await dependencySpecs(
      from === undefined ? packages : [...packages, ...tarballOnly],
      from,
    ),
    devDependencies: { ...(await dependencySpecs(testPackages, from)), ...devDependencies },
  };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

export function initCommand() {
  return new Command('init')
    .description('Create a new coordinator project: a saga, its test, a config and a README.')
    .argument('[dir]', 'where to create it (relative to the current directory)', '.')
    .option(
      '--from <dir>',
      'take the @coordinator packages from the tarballs in this directory (pnpm -r pack)',
    )
    .action(async (target, flags) => {
      try {
        const dir = await scaffold(target, flags.from);
        process.stdout.write(
          `Created ${dir}\n\nNext:\n  cd ${target}\n  npm install\n  npm test\n  npm run services &\n  npx coordinator start\n`,
        );
      } catch (error) {
        fail(error);
      }
    });
}
