import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SinchFaxProvider } from '../../../lambdas/adapters/fax/SinchFaxProvider.js';
import { TelnyxFaxProvider } from '../../../lambdas/adapters/fax/TelnyxFaxProvider.js';
import type { OcrEngine } from '../../../lambdas/domain/fax/ocr.js';
import { OcrDocumentError } from '../../../lambdas/domain/fax/ocr.js';
import { InboundMessageSchema } from '../../../lambdas/domain/inboundMessage.js';
import {
  type AcceptFaxServices,
  acceptFaxWebhook,
  FAX_CLAIM_LEASE_MS,
  FAX_WEBHOOK_BODY_LIMIT_BYTES,
  FaxJobSchema,
  faxKeys,
} from '../../../lambdas/domain/ingest/acceptFax.js';
import { faxToInboundMessage, readFax } from '../../../lambdas/domain/ingest/readFax.js';
import type { WebhookRequest } from '../../../lambdas/domain/webhookRequest.js';
import {
  fixedClock,
  MemoryBlobStore,
  MemoryFaxJobQueue,
  MemoryInboundQueue,
  telnyxFaxReceived,
  telnyxKeys,
} from '../../helpers/channelFakes.js';
import { fixture } from '../../helpers/fixtures.js';

const NOW = '2026-03-02T15:14:30Z';
const nowSeconds = Math.floor(Date.parse(NOW) / 1000);
const PDF = fixture('fax/expedited-redetermination.pdf');

function setup(fetchResult: () => Promise<Uint8Array> = async () => PDF) {
  const keys = telnyxKeys();
  const blobStore = new MemoryBlobStore();
  const faxJobs = new MemoryFaxJobQueue();
  const fetched: string[] = [];
  const services: AcceptFaxServices = {
    providers: { telnyx: new TelnyxFaxProvider(keys.publicKeyBase64), sinch: new SinchFaxProvider('u:p') },
    blobStore,
    faxJobs,
    mediaFetcher: {
      fetch: async (url) => {
        fetched.push(url);
        return fetchResult();
      },
    },
    clock: fixedClock(NOW),
  };
  const signed = (body: string, timestamp = nowSeconds): WebhookRequest => ({
    method: 'POST',
    url: 'https://desk.example/inbound/fax/telnyx',
    headers: { 'content-type': 'application/json', ...keys.sign(body, timestamp) },
    body: Buffer.from(body),
  });
  return { services, blobStore, faxJobs, fetched, signed, keys };
}

const received = telnyxFaxReceived({
  faxId: 'fax-77',
  occurredAt: '2026-03-02T15:14:02Z',
  mediaUrl: 'https://media.example/fax-77.pdf',
});

describe('acceptFaxWebhook', () => {
  it('downloads the document at once, stores it, queues the OCR step and answers 200, as Telnyx and Sinch require', async () => {
    const { services, blobStore, faxJobs, fetched, signed } = setup();

    const outcome = await acceptFaxWebhook('telnyx', signed(received), services);

    expect(outcome).toMatchObject({ status: 200, outcome: 'accepted', body: { faxId: 'fax-77' } });
    expect(fetched).toEqual(['https://media.example/fax-77.pdf']);
    const keys = faxKeys('telnyx', 'fax-77');
    expect(Buffer.from((await blobStore.get(keys.document)) ?? []).equals(PDF)).toBe(true);
    expect(faxJobs.jobs).toHaveLength(1);
    expect(FaxJobSchema.parse(faxJobs.jobs[0])).toMatchObject({
      documentKey: keys.document,
      mediaType: 'application/pdf',
      documentBytes: PDF.length,
    });
    expect(faxJobs.jobs[0]?.fax).toMatchObject({ faxId: 'fax-77', receivedAt: '2026-03-02T15:14:02.000Z' });
    expect(await blobStore.get(keys.receipt)).toBeDefined();
  });

  it.each([
    ['in the future', '2099-01-01T00:00:00Z', '2026-03-02T15:14:30.000Z'],
    ['years back', '2020-01-01T00:00:00Z', '2026-02-28T15:14:30.000Z'],
  ])(
    'keeps a provider receipt time %s within 48 hours before the webhook arrived',
    async (_, occurredAt, expected) => {
      const { services, faxJobs, signed } = setup();
      const webhook = telnyxFaxReceived({
        faxId: 'fax-odd-time',
        occurredAt,
        mediaUrl: 'https://media.example/f.pdf',
      });

      await acceptFaxWebhook('telnyx', signed(webhook), services);

      expect(faxJobs.jobs[0]?.fax.receivedAt).toBe(expected);
    },
  );

  it('answers a redelivery 200 without downloading or queueing again', async () => {
    const { services, faxJobs, fetched, signed } = setup();
    await acceptFaxWebhook('telnyx', signed(received), services);

    const again = await acceptFaxWebhook('telnyx', signed(received), services);

    expect(again).toMatchObject({ status: 200, outcome: 'duplicate' });
    expect(fetched).toHaveLength(1);
    expect(faxJobs.jobs).toHaveLength(1);
  });

  it('answers 401 and stores nothing for a stale or forged webhook', async () => {
    const { services, blobStore, faxJobs, signed } = setup();
    const stale = await acceptFaxWebhook('telnyx', signed(received, nowSeconds - 301), services);
    const forged = await acceptFaxWebhook(
      'telnyx',
      { ...signed(received), body: Buffer.from(received.replace('fax-77', 'fax-78')) },
      services,
    );

    expect([stale.status, forged.status]).toEqual([401, 401]);
    expect(blobStore.objects.size).toBe(0);
    expect(faxJobs.jobs).toHaveLength(0);
  });

  it('answers 404 for a provider that is not configured', async () => {
    const { services, signed } = setup();
    expect((await acceptFaxWebhook('documo', signed(received), services)).status).toBe(404);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'answers POST /inbound/fax/%s 404, not a 500',
    async (name) => {
      const { services, signed } = setup();

      const outcome = await acceptFaxWebhook(name, signed(received), services);

      expect(outcome).toMatchObject({ status: 404, outcome: 'rejected' });
    },
  );

  it('answers 413 and stores nothing for a body larger than a synchronous Lambda invocation carries', async () => {
    const { services, blobStore, faxJobs, signed } = setup();
    const oversized = { ...signed(received), body: new Uint8Array(FAX_WEBHOOK_BODY_LIMIT_BYTES + 1) };

    const outcome = await acceptFaxWebhook('telnyx', oversized, services);

    expect(outcome).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
    expect(blobStore.objects.size + faxJobs.jobs.length).toBe(0);
  });

  it('answers 502 and stores no document when the media cannot be downloaded, and takes the retry', async () => {
    let fail = true;
    const { services, blobStore, faxJobs, signed } = setup(async () => {
      if (fail) throw new Error('the media URL answered 403');
      return PDF;
    });
    const keys = faxKeys('telnyx', 'fax-77');

    const outcome = await acceptFaxWebhook('telnyx', signed(received), services);
    expect(outcome).toMatchObject({ status: 502, outcome: 'media_unavailable' });
    expect(await blobStore.get(keys.document)).toBeUndefined();
    expect(faxJobs.jobs).toHaveLength(0);

    fail = false;
    const retried = await acceptFaxWebhook('telnyx', signed(received), services);
    expect(retried).toMatchObject({ status: 200, outcome: 'accepted' });
    expect(faxJobs.jobs).toHaveLength(1);
  });

  it('queues one OCR job when a provider delivers the same fax five times at once', async () => {
    const { services, faxJobs, fetched, signed } = setup();

    const outcomes = await Promise.all(
      [1, 2, 3, 4, 5].map(() => acceptFaxWebhook('telnyx', signed(received), services)),
    );

    expect(faxJobs.jobs).toHaveLength(1);
    expect(fetched).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.outcome === 'accepted')).toHaveLength(1);
    // The others are told the fax is being received (409: deliver again) or already was (200).
    expect(outcomes.every((outcome) => outcome.status === 200 || outcome.status === 409)).toBe(true);
  });

  it('takes over the claim of a delivery that died before finishing', async () => {
    const { services, blobStore, faxJobs, signed } = setup();
    const keys = faxKeys('telnyx', 'fax-77');
    const died = new Date(Date.parse(NOW) - FAX_CLAIM_LEASE_MS - 1_000).toISOString();
    await blobStore.put(keys.claim, JSON.stringify({ claimedAt: died }));

    const outcome = await acceptFaxWebhook('telnyx', signed(received), services);

    expect(outcome).toMatchObject({ status: 200, outcome: 'accepted' });
    expect(faxJobs.jobs).toHaveLength(1);
  });

  it('answers 400 when the media is neither a PDF nor a TIFF', async () => {
    const { services, faxJobs, signed } = setup(async () => Buffer.from('<html>expired</html>'));
    expect((await acceptFaxWebhook('telnyx', signed(received), services)).status).toBe(400);
    expect(faxJobs.jobs).toHaveLength(0);
  });

  it('answers only 2xx or 4xx to 1,000 arbitrary bodies, signed or not, and queues a valid job for each acceptance', async () => {
    const { services, faxJobs, signed } = setup();
    const outcomes = new Map<number, number>();
    let accepted = 0;
    const bodies = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.json({ maxDepth: 4 }),
      fc
        .record({
          faxId: fc.string({ minLength: 0, maxLength: 30 }),
          occurredAt: fc.oneof(fc.constant('2026-03-02T15:14:02Z'), fc.string({ maxLength: 30 })),
          pageCount: fc.integer({ min: -2, max: 500 }),
          partial: fc.boolean(),
        })
        .map((fields) =>
          telnyxFaxReceived({ ...fields, mediaUrl: 'https://media.example/x.pdf' }).replace(
            '"page_count":2',
            `"page_count":${fields.pageCount}`,
          ),
        ),
    );
    await fc.assert(
      fc.asyncProperty(bodies, fc.boolean(), async (body, sign) => {
        const before = faxJobs.jobs.length;
        const request = sign
          ? signed(body)
          : {
              method: 'POST',
              url: 'https://desk.example/inbound/fax/telnyx',
              headers: {},
              body: Buffer.from(body),
            };
        const outcome = await acceptFaxWebhook('telnyx', request, services);
        outcomes.set(outcome.status, (outcomes.get(outcome.status) ?? 0) + 1);
        expect(outcome.status >= 200 && outcome.status < 500).toBe(true);
        const queued = faxJobs.jobs.length - before;
        if (outcome.outcome === 'accepted') accepted++;
        expect(queued).toBe(outcome.outcome === 'accepted' ? 1 : 0);
        if (queued) expect(FaxJobSchema.safeParse(faxJobs.jobs.at(-1)).success).toBe(true);
      }),
      { numRuns: 1_000 },
    );
    // Signed and unsigned, well-formed and not: acceptance, 401 and 400 all ran.
    expect(accepted).toBeGreaterThan(20);
    expect(outcomes.get(401) ?? 0).toBeGreaterThan(100);
    expect(outcomes.get(400) ?? 0).toBeGreaterThan(100);
  });
});

describe('readFax (the OCR step)', () => {
  const job = {
    fax: {
      provider: 'telnyx' as const,
      faxId: 'fax-9',
      receivedAt: '2026-03-02T15:14:02.000Z',
      from: '+12175550191',
      pageCount: 3,
      partialContent: false,
    },
    documentKey: 'fax/telnyx/fax-9/document',
    mediaType: 'application/pdf' as const,
    documentBytes: 1000,
  };
  const formText = `REQUEST FOR REDETERMINATION OF MEDICARE PRESCRIPTION DRUG DENIAL
Enrollee's Name: Walter J. Kowalski
[X] CHECK THIS BOX IF YOU BELIEVE YOU NEED A DECISION WITHIN 72 HOURS`;

  it('queues a fax message with the provider receipt time, the form hints and a partial flag', async () => {
    const inboundQueue = new MemoryInboundQueue();
    const ocr: OcrEngine = {
      recognize: async () => ({
        engine: 'fake',
        pages: [{ pageNumber: 1, text: formText, confidence: 0.9 }],
        unreadable: [],
      }),
    };

    await readFax(job, { ocr, inboundQueue });

    const [message] = inboundQueue.messages;
    expect(InboundMessageSchema.parse(message)).toMatchObject({
      channel: 'fax',
      externalId: 'telnyx:fax-9',
      receivedAt: '2026-03-02T15:14:02.000Z',
      sender: { phone: '+12175550191', name: 'Walter J. Kowalski' },
      hints: { topic: 'appeal', topicSource: 'document', expedited: true },
      fax: {
        partial: true,
        partialReason: 'the provider counted 3 pages; the document holds 1',
        pageCount: 3,
      },
    });
    expect(message?.subject).toBe(
      '[PARTIAL FAX] [EXPEDITED] Request for redetermination by fax from +12175550191 (3 pages)',
    );
  });

  it('still makes a case, flagged with the reason, when OCR cannot read the document', async () => {
    const inboundQueue = new MemoryInboundQueue();
    const ocr: OcrEngine = {
      recognize: async () => {
        throw new OcrDocumentError('PDF page 1: JBIG2Decode images are not supported');
      },
    };
    const outcome = await readFax(job, { ocr, inboundQueue });
    expect(outcome.ocrFailure).toMatch(/JBIG2/);
    expect(inboundQueue.messages[0]?.bodyText).toMatch(
      /could not be read automatically: PDF page 1: JBIG2Decode/,
    );
    expect(inboundQueue.messages[0]?.fax?.ocr.failure).toMatch(/JBIG2/);
  });

  it('lets an OCR outage fail the step so the queue retries it', async () => {
    const ocr: OcrEngine = {
      recognize: async () => {
        throw new Error('ThrottlingException');
      },
    };
    await expect(readFax(job, { ocr, inboundQueue: new MemoryInboundQueue() })).rejects.toThrow('Throttling');
  });

  it('sets no expedited hint for a fax that is not a recognised form', () => {
    const message = faxToInboundMessage(
      job,
      { engine: 'fake', pages: [{ pageNumber: 1, text: 'Please call me', confidence: 0.9 }], unreadable: [] },
      undefined,
    );
    expect(message.hints.expedited).toBeUndefined();
  });
});
