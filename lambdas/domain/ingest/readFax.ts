import type { FaxDetails } from '../fax/faxDetails.js';
import { type FaxPageImages, OcrDocumentError, type OcrEngine, type OcrResult } from '../fax/ocr.js';
import { type FaxFormFields, type FaxRequestType, readFaxForm } from '../fax/readFaxForm.js';
import type { InboundHints, InboundMessage } from '../inboundMessage.js';
import type { InboundQueue } from '../ports.js';
import type { Topic } from '../triage/taxonomy.js';
import type { FaxJob } from './acceptFax.js';

export interface ReadFaxServices {
  ocr: OcrEngine;
  inboundQueue: InboundQueue;
  /** Stores page images for the case view; without it the case shows the pages' text only. */
  pageImages?: FaxPageImages;
}

const TOPIC_OF_REQUEST: Record<FaxRequestType, Topic | undefined> = {
  redetermination: 'appeal',
  coverage_determination: 'coverage',
  prescription: 'refill',
  unknown: undefined,
};

const REQUEST_LABEL: Record<FaxRequestType, string> = {
  redetermination: 'Request for redetermination',
  coverage_determination: 'Coverage determination request',
  prescription: 'Prescription',
  unknown: 'Fax',
};

/** Why a fax is incomplete: the provider said so, or the header's "P.1/3" announced more pages than arrived. */
function partialReason(job: FaxJob, ocr: OcrResult): string | undefined {
  if (job.fax.partialContent)
    return 'the provider reports partial content (the call ended before the last page)';
  const received = ocr.pages.length;
  if (job.fax.pageCount !== undefined && received > 0 && received < job.fax.pageCount) {
    return `the provider counted ${job.fax.pageCount} pages; the document holds ${received}`;
  }
  for (const page of ocr.pages) {
    const announced = /\bP(?:AGE|\.)?\s*\d{1,3}\s*(?:\/|OF)\s*(\d{1,3})\b/i.exec(
      page.text.split('\n', 3).join(' '),
    );
    const total = Number(announced?.[1] ?? 0);
    if (total > 0 && total <= 200 && received < total) {
      return `the sending machine announced ${total} pages; ${received} arrived`;
    }
  }
  return undefined;
}

/** The canonical message of a read fax. `receivedAt` is the provider's receipt time: regulatory clocks start there. */
export function faxToInboundMessage(
  job: FaxJob,
  ocr: OcrResult,
  failure: string | undefined,
  /** Pages with a stored image for the case view. */
  pageImages: readonly number[] = [],
): InboundMessage {
  const fields: FaxFormFields = readFaxForm(ocr.pages);
  const partial = partialReason(job, ocr);
  const pageCount = Math.max(ocr.pages.length + ocr.unreadable.length, job.fax.pageCount ?? 0);
  const confidence = ocr.pages.length
    ? ocr.pages.reduce((sum, page) => sum + page.confidence, 0) / ocr.pages.length
    : 0;
  const details: FaxDetails = {
    provider: job.fax.provider,
    faxId: job.fax.faxId,
    ...(job.fax.from ? { from: job.fax.from } : {}),
    ...(job.fax.to ? { to: job.fax.to } : {}),
    pageCount,
    partial: partial !== undefined,
    ...(partial ? { partialReason: partial } : {}),
    documentKey: job.documentKey,
    mediaType: job.mediaType,
    pages: ocr.pages.map((page) => ({ pageNumber: page.pageNumber, confidence: page.confidence })),
    ocr: {
      engine: ocr.engine,
      confidence: Math.round(confidence * 1000) / 1000,
      ...(failure ? { failure: failure.slice(0, 500) } : {}),
      unreadablePages: ocr.unreadable.map((page) => page.pageNumber),
    },
    fields,
    ...(pageImages.length > 0 ? { pageImages: pageImages.slice(0, 100) } : {}),
  };
  const topic = TOPIC_OF_REQUEST[fields.requestType];
  const hints: InboundHints = {
    ...(topic ? { topic, topicSource: 'document' as const } : {}),
    // A recognised form's expedited section decides both ways; elsewhere only a request for speed counts.
    ...(fields.formRecognized || fields.expedited ? { expedited: fields.expedited } : {}),
  };
  const body = failure
    ? `[The fax could not be read automatically: ${failure}. See the original document.]`
    : ocr.pages.map((page) => `--- page ${page.pageNumber} ---\n${page.text.trim()}`).join('\n\n');
  const subject = [
    partial ? '[PARTIAL FAX]' : undefined,
    fields.expedited ? '[EXPEDITED]' : undefined,
    `${REQUEST_LABEL[fields.requestType]} by fax from ${job.fax.from ?? 'an unknown number'}`,
    `(${pageCount} page${pageCount === 1 ? '' : 's'})`,
  ]
    .filter(Boolean)
    .join(' ');
  return {
    channel: 'fax',
    externalId: `${job.fax.provider}:${job.fax.faxId}`,
    receivedAt: job.fax.receivedAt,
    sender: {
      ...(job.fax.from ? { phone: job.fax.from } : {}),
      ...(fields.prescriberName && fields.requestType === 'prescription'
        ? { name: fields.prescriberName }
        : fields.memberName
          ? { name: fields.memberName }
          : {}),
    },
    subject: subject.slice(0, 2_000),
    bodyText: body.slice(0, 1_000_000),
    attachments: [
      {
        filename: `fax-${job.fax.faxId}.${job.mediaType === 'application/pdf' ? 'pdf' : 'tiff'}`.slice(
          0,
          512,
        ),
        contentType: job.mediaType,
        size: job.documentBytes,
        blobKey: job.documentKey,
      },
    ],
    rawBlobKey: job.documentKey,
    threading: { references: [] },
    hints,
    automated: false,
    fax: details,
  };
}

export type ReadFaxOutcome = { outcome: 'queued'; externalId: string; pages: number; ocrFailure?: string };

/**
 * The OCR step: reads the faxed document, reads the form on it and queues the message for routing.
 * A document OCR cannot read at all still becomes a case (flagged, with the reason): a fax is never
 * dropped because a machine could not read it. Other failures (the engine down) throw, so the queue retries.
 */
export async function readFax(job: FaxJob, services: ReadFaxServices): Promise<ReadFaxOutcome> {
  let ocr: OcrResult;
  let failure: string | undefined;
  try {
    ocr = await services.ocr.recognize({ blobKey: job.documentKey, mediaType: job.mediaType });
  } catch (error) {
    if (!(error instanceof OcrDocumentError)) throw error;
    failure = error.message;
    ocr = { engine: 'none', pages: [], unreadable: [] };
  }
  const document = { blobKey: job.documentKey, mediaType: job.mediaType };
  // Images are a convenience for staff: a page that cannot be drawn never holds up the fax.
  const pageImages = services.pageImages
    ? await services.pageImages.render(document).catch(() => [] as number[])
    : [];
  const message = faxToInboundMessage(job, ocr, failure, pageImages);
  await services.inboundQueue.enqueue(message);
  return {
    outcome: 'queued',
    externalId: message.externalId,
    pages: ocr.pages.length,
    ...(failure ? { ocrFailure: failure } : {}),
  };
}
