#!/usr/bin/env node
// npm bin entry: runs the TypeScript CLI through tsx, so `npx contact-router …` works in a clone.
import { register } from 'tsx/esm/api';

register();
await import('./contact-router.ts');
