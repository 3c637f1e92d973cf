/**
 * zod/mini with zod's English error messages: import `* as z` from here, not from `zod/mini`.
 *
 * The modules the ingest and channel functions load validate with zod/mini (functions instead of
 * methods: `z.optional(x)`, `x.check(z.maxLength(n))`), so those bundles leave out classic zod,
 * which cannot be tree-shaken (~440 KB, ~55 ms of every cold start). Both share `zod/v4/core`,
 * so a classic schema (the staff API's) can hold a mini one.
 *
 * zod/mini sets no locale: without one every issue reads "Invalid input", and our 400s and 422s
 * name what is wrong. Classic zod sets English when it loads, which would hide the difference
 * wherever both are loaded (tests, local mode), so it is set here, where every mini schema's module
 * gets it. Only the English locale module (~3 KB): `z.locales.en` would bundle every locale.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());

export * from 'zod/mini';
