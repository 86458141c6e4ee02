import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { repoRoot } from './spawn-process.js';

/** Debian's chromium (`.ci/run` installs it with apt-get); `CHROMIUM_PATH` names another. */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Without these, Chromium keeps reaching for the network (updates, sync, QUIC probes). */
const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where a failed test's screenshot goes (gitignored). */
const artifactDir = join(repoRoot, 'test-results', 'inspector');
const docImages = join(repoRoot, 'docs', 'images');

export interface BrowserFixture {
  /**
   * A fresh page (1280×860, UTC, en-US; dialogs accepted) on a node's inspector at `hash`, once
   * its live stream is open (unless `live: false`); closed after the test, screenshotted first if
   * the test failed.
   */
  open(nodeUrl: string, hash?: string, options?: { live?: boolean }): Promise<Page>;
  /**
   * A picture for docs/inspector.md (the viewport, or the whole page with `fullPage`): saved
   * under test-results/inspector, and with `COORDINATOR_DOC_SCREENSHOTS=1`
   * (`pnpm docs:screenshots`) as `docs/images/<name>.png` too.
   */
  docShot(page: Page, name: string, options?: { fullPage?: boolean }): Promise<void>;
}

/** The newest modification time of the files under `dir` (0 when there are none). */
function newestIn(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce(
      (newest, entry) => Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs),
      0,
    );
}

/** Why the built page cannot be what the tests mean to test, if it cannot. */
function stalePage(): Error | undefined {
  const built = join(repoRoot, 'packages/inspector/dist/page');
  const sources = newestIn(join(repoRoot, 'packages/inspector/page'));
  if (!existsSync(join(built, 'index.html'))) {
    return new Error(
      'The inspector page is not built (packages/inspector/dist/page): run pnpm build',
    );
  }
  if (newestIn(built) < sources) {
    return new Error('The inspector page in dist/page is older than its sources: run pnpm build');
  }
  return undefined;
}

const fileName = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 100);

/**
 * Headless Chromium for a test file, through playwright-core (which never downloads a browser).
 * When Chromium is missing every test that opens a page fails, saying so: none is skipped. Call at the file's top level, after `nodeFixture`,
 * so a failed test is photographed before its node is stopped.
 */
export function browserFixture(): BrowserFixture {
  let browser: Browser | undefined;
  /** Why Chromium did not start: every test that opens a page fails with it (none is skipped). */
  let missing: Error | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  beforeAll(async () => {
    missing = stalePage();
    if (missing) return;
    if (!existsSync(executablePath)) {
      missing = new Error(
        `No Chromium at ${executablePath}: install Debian's (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`,
      );
      return;
    }
    browser = await chromium.launch({ executablePath, args: chromiumFlags }).catch((error) => {
      missing = new Error(`Chromium at ${executablePath} did not start`, { cause: error });
      return undefined;
    });
  });
  afterEach(async ({ task }) => {
    if (page && task.result?.state === 'fail') {
      await mkdir(artifactDir, { recursive: true });
      const path = join(artifactDir, `${fileName(task.name)}.png`);
      await page.screenshot({ path, fullPage: true }).catch(() => {});
      process.stderr.write(`inspector test failed: screenshot at ${path}\n`);
    }
    await context?.close();
    context = undefined;
    page = undefined;
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    async open(nodeUrl, hash = '#/machines', { live = true } = {}) {
      if (missing) throw missing;
      if (!browser) throw new Error('The browser starts in beforeAll: open pages inside a test');
      await context?.close();
      context = await browser.newContext({
        viewport: { width: 1280, height: 860 },
        timezoneId: 'UTC',
        locale: 'en-US',
      });
      page = await context.newPage();
      page.on('dialog', (dialog) => void dialog.accept());
      await page.goto(`${nodeUrl}/ui/${hash}`);
      if (live) await page.locator('[data-live="open"]').waitFor();
      return page;
    },
    async docShot(shot, name, { fullPage = false } = {}) {
      await mkdir(artifactDir, { recursive: true });
      const paths = [join(artifactDir, `${name}.png`)];
      if (process.env.COORDINATOR_DOC_SCREENSHOTS === '1')
        paths.push(join(docImages, `${name}.png`));
      for (const path of paths) await shot.screenshot({ path, fullPage, animations: 'disabled' });
    },
  };
}
