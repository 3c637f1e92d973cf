import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import startEmulators from '../integration/globalSetup.js';
import { CHROMIUM_PATH, MISSING_CHROMIUM } from './browser.js';

/**
 * The browser tests need Debian's Chromium and the real emulators. A missing Chromium fails the
 * run with the command that installs it: these tests never skip silently.
 */
export default async function setup(project: TestProject) {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(MISSING_CHROMIUM);
  return startEmulators(project);
}
