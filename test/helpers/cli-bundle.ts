/**
 * The `steward` CLI as one file for tests that start it many times: bundled once with esbuild
 * (installed with tsx) and run with plain `node`, which starts in a fraction of the time that
 * `node --import tsx src/cli/main.ts` takes. Packages stay external (resolved through a
 * `node_modules` link beside the bundle).
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let built: Promise<string[]> | null = null;
const dirOf = (): string => join(tmpdir(), `steward-test-cli-${process.pid}`);

/** `[node, bundle]`: prepend to the CLI's arguments. */
export function stewardCommand(): Promise<string[]> {
  built ??= (async () => {
    const esbuild = await import('esbuild');
    const dir = dirOf();
    mkdirSync(dir, { recursive: true });
    const modules = join(dir, 'node_modules');
    if (!existsSync(modules)) symlinkSync(join(ROOT, 'node_modules'), modules, 'dir');
    // The CLI reads ../../package.json from its own file (as from src/cli and dist/cli): keep that layout.
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    await esbuild.build({
      entryPoints: { steward: join(ROOT, 'src', 'cli', 'main.ts') },
      outdir: join(dir, 'cli', 'x'),
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    });
    return [process.execPath, join(dir, 'cli', 'x', 'steward.mjs')];
  })();
  return built;
}

/** Remove the bundle (a test file's `afterAll`); the next `stewardCommand()` builds it again. */
export async function removeStewardCommand(): Promise<void> {
  const was = built;
  built = null;
  await was?.catch(() => undefined);
  rmSync(dirOf(), { recursive: true, force: true });
}
