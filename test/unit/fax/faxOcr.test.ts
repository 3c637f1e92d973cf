import { afterAll, describe, expect, it } from 'vitest';
import { TesseractOcrEngine } from '../../../lambdas/adapters/ocr/TesseractOcrEngine.js';
import { readFaxForm } from '../../../lambdas/domain/fax/readFaxForm.js';
import { FAX_FIXTURES, pageText } from '../../fixtures/fax/documents.js';
import { MemoryBlobStore } from '../../helpers/channelFakes.js';
import { characterErrorRate, editDistance } from '../../helpers/fax/characterErrorRate.js';
import { fixture } from '../../helpers/fixtures.js';

/**
 * The offline OCR engine on every rendered fixture (image-only, skewed, noisy), with the language
 * data installed from npm. Accuracy figures are printed by `npm run bench:fax-ocr`; here each
 * fixture must stay under a character error rate a person would still read as right.
 */
describe('offline OCR of the fax fixtures', () => {
  const engine = new TesseractOcrEngine(new MemoryBlobStore());
  afterAll(() => engine.stop());

  it.each(FAX_FIXTURES.map((entry) => [entry.file, entry] as const))(
    'reads %s within 3 % character errors and finds the form fields',
    async (file, entry) => {
      const result = await engine.recognizeBytes(fixture(`fax/${file}`));

      expect(result.pages).toHaveLength(entry.pages.length);
      const reference = entry.pages.map((_, index) => pageText(entry, index)).join('\n');
      expect(
        characterErrorRate(reference, result.pages.map((page) => page.text).join('\n')).rate,
      ).toBeLessThan(0.03);
      const { memberId, ...fields } = entry.expected;
      const read = readFaxForm(result.pages);
      expect(read).toMatchObject(fields);
      // A member ID is the field OCR most often gets one character wrong (S/5, O/0): staff check it against the plan.
      if (memberId) expect(editDistance(read.memberId ?? '', memberId)).toBeLessThanOrEqual(1);
    },
    120_000,
  );
});
