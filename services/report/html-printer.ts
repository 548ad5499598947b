/**
 * Headless Chromium (Debian's `chromium`, driven by playwright-core; no browser download) for the
 * HTML the reports are written in: printing the monthly issue to an A4 PDF, and rendering report.html
 * for a screenshot or a test. One browser serves many pages; close it when done.
 *
 * The browser gets a fresh profile folder and no network: pages are self-contained files, and a
 * request anywhere else is aborted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { lazyRequire } from '../platform/lazy-require.js';
import { CasepipeError } from '../platform/errors.js';

const playwright = lazyRequire<typeof import('playwright-core')>('playwright-core');

/** `CASEPIPE_CHROMIUM` or Debian's path. */
export function chromiumPath(): string {
  return process.env.CASEPIPE_CHROMIUM || '/usr/bin/chromium';
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface HtmlPrinter {
  /** Opens an HTML file (file:// only) in a new page; the caller closes the page. */
  open(file: string): Promise<Page>;
  /** Prints an HTML file to an A4 PDF with `footerHtml` at the bottom of every page (Chromium's template classes: pageNumber, totalPages). */
  printPdf(htmlFile: string, pdfFile: string, footerHtml: string): Promise<void>;
  close(): Promise<void>;
}

export async function launchHtmlPrinter(): Promise<HtmlPrinter> {
  const executablePath = chromiumPath();
  if (!fs.existsSync(executablePath)) {
    throw new CasepipeError('RENDER_FAILED', `Chromium is missing at ${executablePath}: install Debian's chromium (apt-get install chromium, or scripts/setup.sh as root), or set CASEPIPE_CHROMIUM`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-chromium-'));
  let context: BrowserContext;
  try {
    // A persistent context is how playwright passes --user-data-dir: a fresh folder each launch.
    context = await playwright().chromium.launchPersistentContext(profile, { executablePath, args: FLAGS, headless: true, offline: true });
  } catch (err) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw new CasepipeError('RENDER_FAILED', `could not start Chromium (${executablePath}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  await context.route(/^(?!file:|data:|about:)/, (route) => route.abort());
  const open = async (file: string) => {
    const page = await context.newPage();
    await page.goto(`file://${path.resolve(file)}`, { waitUntil: 'load' });
    return page;
  };
  return {
    open,
    async printPdf(htmlFile, pdfFile, footerHtml) {
      const page = await open(htmlFile);
      try {
        await page.pdf({
          path: pdfFile,
          format: 'A4',
          printBackground: true,
          displayHeaderFooter: true,
          headerTemplate: '<span></span>',
          footerTemplate: footerHtml,
          margin: { top: '25mm', bottom: '25mm', left: '26mm', right: '24mm' },
        });
      } finally {
        await page.close();
      }
    },
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
