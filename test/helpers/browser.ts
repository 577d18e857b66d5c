import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core, which never downloads a browser of its own.
 * `.ci/run` installs the package when it is missing.
 */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export const hasChromium = (): boolean => existsSync(CHROMIUM);

export interface BrowserSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A headless Chromium with a fresh temporary profile, removed on close. */
export async function launchChromium(
  opts: { width?: number; height?: number } = {},
): Promise<BrowserSession> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'tls-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export interface PageWatch {
  page: Page;
  pageErrors: string[];
  consoleErrors: string[];
  /** Every URL the page asked for. */
  requests: string[];
}

/** A new page that records page errors, console errors and every request it makes. */
export async function watchedPage(context: BrowserContext): Promise<PageWatch> {
  const page = await context.newPage();
  const watch: PageWatch = { page, pageErrors: [], consoleErrors: [], requests: [] };
  page.on('pageerror', (err) => watch.pageErrors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') watch.consoleErrors.push(`${msg.text()} @ ${msg.location().url}`);
  });
  page.on('request', (req) => watch.requests.push(req.url()));
  return watch;
}

/** Requests that left the service's origin (blob: and data: URLs are the page's own). */
export function foreignRequests(requests: string[], origin: string): string[] {
  return requests.filter(
    (u) => !u.startsWith(`${origin}/`) && !u.startsWith(`blob:${origin}/`) && !u.startsWith('data:'),
  );
}
