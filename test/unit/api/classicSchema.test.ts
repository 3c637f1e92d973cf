import { describe, expect, it } from 'vitest';
import * as classic from 'zod';
import * as mini from 'zod/mini';
import { classicSchema } from '../../../lambdas/api/classicSchema.js';

const FaxLikeSchema = mini.object({
  faxId: mini.string().check(mini.minLength(1), mini.maxLength(200)),
  pageCount: mini.int().check(mini.nonnegative()),
  receivedAt: mini.iso.datetime({ offset: true }),
  mediaType: mini.enum(['application/pdf', 'image/tiff']),
  pages: mini
    .array(
      mini.object({
        pageNumber: mini.int().check(mini.positive()),
        confidence: mini.number().check(mini.lte(1)),
      }),
    )
    .check(mini.maxLength(2)),
  from: mini.optional(mini.string().check(mini.maxLength(64))),
});

describe('classicSchema', () => {
  it('rebuilds a zod/mini schema of classic classes, so the OpenAPI generator can walk it', () => {
    const rebuilt = classicSchema(FaxLikeSchema);

    expect('meta' in FaxLikeSchema).toBe(false);
    expect(rebuilt).toBeInstanceOf(classic.ZodObject);
    expect(rebuilt.shape.pageCount).toBeInstanceOf(classic.ZodNumber);
    expect(rebuilt.shape.receivedAt).toBeInstanceOf(classic.ZodISODateTime);
    expect(rebuilt.shape.pages.def.element.shape.pageNumber).toBeInstanceOf(classic.ZodNumber);
    expect(rebuilt.shape.from).toBeInstanceOf(classic.ZodOptional);
  });

  it('validates exactly as the schema it was built from', () => {
    const rebuilt = classicSchema(FaxLikeSchema);
    const inputs = [
      {},
      { faxId: '', pageCount: -1, receivedAt: 'yesterday', mediaType: 'image/png', pages: [] },
      {
        faxId: 'f1',
        pageCount: 1.5,
        receivedAt: '2025-01-02T03:04:05Z',
        mediaType: 'application/pdf',
        pages: Array(3).fill({ pageNumber: 0, confidence: 2 }),
        from: 'x'.repeat(65),
      },
    ];
    for (const input of inputs) {
      expect(rebuilt.safeParse(input).error?.issues).toEqual(FaxLikeSchema.safeParse(input).error?.issues);
    }
  });

  it('keeps a classic schema without a zod/mini part as it is, and rebuilds one holding such a part', () => {
    const plain = classic.object({ name: classic.string() });
    const holding = classic.object({ name: classic.string(), fax: classic.optional(FaxLikeSchema) });

    expect(classicSchema(plain)).toBe(plain);
    expect(classicSchema(holding)).not.toBe(holding);
    expect(classicSchema(holding).shape.fax.unwrap()).toBeInstanceOf(classic.ZodObject);
  });
});

describe('classicSchema and defaults', () => {
  it('gives each parse its own default value, as the mini schema does', () => {
    const Mini = mini.object({ tags: mini._default(mini.array(mini.string()), []) });
    const rebuilt = classicSchema(Mini);
    (rebuilt.parse({}) as { tags: string[] }).tags.push('leaked');
    expect(rebuilt.parse({})).toEqual({ tags: [] });
    expect(mini.parse(Mini, {})).toEqual({ tags: [] });
  });
});
