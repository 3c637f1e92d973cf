import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiProblemError, describeError } from '../api.js';
import {
  type Case,
  type CaseClock,
  CaseEnvelopeSchema,
  type CaseEvent,
  type CaseMessage,
  type CaseView as CaseViewData,
  CaseViewSchema,
  type Fax,
  type LanguageTemplates,
  MessageEnvelopeSchema,
  QueueListSchema,
  ReplyResultSchema,
} from '../apiTypes.js';
import { useConsole } from '../context.js';
import { loadDraft, saveDraft } from '../drafts.js';
import { ensureFontsFor } from '../fonts.js';
import { useFocusHeading, useNow, useShortcuts } from '../hooks.js';
import { html } from '../html.js';
import { LABELS, label, languageName, t } from '../strings.js';
import { formatCountdown, formatDateTime, urgencyOf } from '../time.js';
import { LEASE_WARNING_MS } from './CaseTable.js';

/** `lang` for a case's text: triage's language code, with the script for Traditional Chinese. */
function langOf(language: string, script?: string): string | undefined {
  if (language === 'und') return undefined;
  return script ? `${language}-${script}` : language;
}

/** The template key for a case's language (`zh` + `Hant` → `zh-Hant`; `und` → English). */
function templateLanguageOf(kase: Case): string {
  if (kase.language === 'zh' && kase.script === 'Hant') return 'zh-Hant';
  return kase.language === 'und' ? 'en' : kase.language;
}

export function CaseView(props: { caseId: string }) {
  const { api, navigate, notify } = useConsole();
  const [view, setView] = useState<CaseViewData | undefined>(undefined);
  const [etag, setEtag] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const heading = useFocusHeading();

  async function load() {
    try {
      const result = await api.get(`/cases/${encodeURIComponent(props.caseId)}`, CaseViewSchema);
      setView(result.data);
      setEtag(result.etag);
      setFailure(undefined);
    } catch (error) {
      setFailure(
        error instanceof ApiProblemError && error.status === 404 ? t('caseNotFound') : describeError(error),
      );
    }
  }

  useEffect(() => {
    setView(undefined);
    void load();
  }, [props.caseId]);

  useShortcuts((event) => {
    if (event.key === 'Escape') {
      navigate('#/queues');
      return true;
    }
    if (event.key === 'r') return focusById('reply-text');
    if (event.key === 'n') return focusById('note-text');
    return false;
  });

  /** Runs an action with If-Match; on a stale version reloads the case and says so (drafts stay). */
  async function act(path: string, body: unknown, done: string): Promise<boolean> {
    try {
      const url = `/cases/${encodeURIComponent(props.caseId)}/${path}`;
      if (path === 'reply') {
        const { data } = await api.post(url, body, ReplyResultSchema, { ifMatch: etag });
        notify(data.message.delivery === 'sent' ? t('replySent') : t('replyQueued'));
      } else {
        await api.post(url, body, CaseEnvelopeSchema, { ifMatch: etag });
        notify(t('actionDone', { action: done }));
      }
      await load();
      return true;
    } catch (error) {
      if (error instanceof ApiProblemError && (error.status === 412 || error.kind === 'conflict')) {
        notify(t('staleCase'), 'error');
        await load();
      } else {
        notify(describeError(error), 'error');
      }
      return false;
    }
  }

  if (failure && !view) {
    return html`<section aria-labelledby="case-title">
      <h1 id="case-title" tabindex="-1" ref=${heading}>${t('caseTitle', { reference: props.caseId })}</h1>
      <p class="banner banner-error" role="alert">${failure}</p>
      <p><a href="#/queues">${t('backToQueues')}</a></p>
    </section>`;
  }
  if (!view) {
    return html`<section aria-busy="true"><h1 tabindex="-1" ref=${heading}>${t('caseLoading')}</h1></section>`;
  }
  const kase = view.case;
  const bounced = unansweredBounce(view.history);
  const lang = langOf(kase.language, kase.script);
  ensureFontsFor(kase.subject, ...view.messages.map((message) => `${message.subject}${message.text}`));
  return html`
    <article class="case" aria-labelledby="case-title">
      <nav class="crumbs" aria-label=${t('backToQueues')}>
        <a href="#/queues">${t('navQueues')}</a> › <span>${kase.queue}</span> › <span>${kase.reference}</span>
      </nav>
      <header class="case-head">
        <h1 id="case-title" tabindex="-1" ref=${heading}>
          <span class="reference">${kase.reference}</span>
          <span class="subject" dir="auto" lang=${lang}>${kase.subject}</span>
        </h1>
        <p class="tags">
          <span class=${`state state-${kase.state}`}>${label('state', kase.state)}</span>
          <span class=${`priority priority-${kase.priority}`}>${label('priority', kase.priority)}</span>
          ${kase.expedited && html`<span class="badge badge-red">${t('expedited')}</span>`}
          ${kase.programs.map((program) => html`<span class="tag">${label('program', program)}</span>`)}
          ${kase.automated && html`<span class="tag">${t('automated')}</span>`}
          ${kase.slaStatus === 'breached' && html`<span class="badge badge-red">${t('clockBreached')}</span>`}
          ${kase.slaStatus === 'at_risk' && html`<span class="badge badge-amber">${t('colAtRisk')}</span>`}
        </p>
      </header>
      ${
        (kase.unverifiedMessages ?? 0) > 0 &&
        html`<p class="banner banner-warning" role="note">${t('unverifiedBanner', { count: kase.unverifiedMessages ?? 0 })}</p>`
      }
      ${
        bounced &&
        html`<p class="banner banner-warning" role="alert">
          ${t('bouncedBanner', { recipient: '{recipient}', status: bounced.status })
            .split('{recipient}')
            .map((part, index) => html`${index > 0 ? html`<bdi>${bounced.recipient}</bdi>` : ''}${part}`)}
        </p>`
      }
      ${
        view.history.some((event) => event.type === 'complaint_received') &&
        html`<p class="banner banner-warning" role="note">${t('complaintBanner')}</p>`
      }
      ${kase.needsTriage && html`<p class="banner banner-info" role="note">${t('needsTriage')}</p>`}
      ${
        kase.mergedInto &&
        html`<p class="banner banner-info" role="note">
          ${t('mergedInto', { target: '' })}<a href=${`#/cases/${encodeURIComponent(kase.mergedInto)}`}>${kase.mergedInto}</a>
        </p>`
      }
      <div class="case-grid">
        <div class="case-main">
          <${Facts} kase=${kase} />
          <${Conversation} view=${view} />
          <${Composer} key=${kase.caseId} kase=${kase} act=${act} />
        </div>
        <aside class="case-side">
          <${Actions} kase=${kase} act=${act} />
          <${Clocks} kase=${kase} />
          <${Routing} kase=${kase} />
          <${History} events=${view.history} omitted=${view.historyOmitted} />
        </aside>
      </div>
    </article>
  `;
}

function focusById(id: string): boolean {
  const element = document.getElementById(id);
  if (!element) return false;
  element.focus();
  return true;
}

function Facts(props: { kase: Case }) {
  const { kase } = props;
  const now = useNow();
  const rows: [string, unknown][] = [
    [t('factQueue'), kase.queue],
    [t('factTopic'), label('topic', kase.topic)],
    [t('factLanguage'), languageName(kase.script === 'Hant' ? 'zh-Hant' : kase.language)],
    [t('factChannel'), label('channel', kase.channel)],
    [t('factReceived'), html`<time datetime=${kase.receivedAt}>${formatDateTime(kase.receivedAt)}</time>`],
    [t('factHolder'), kase.assignee ?? t('nobody')],
  ];
  if (kase.leaseExpiresAt) {
    rows.push([
      t('factLease'),
      html`<time datetime=${kase.leaseExpiresAt} class=${`due due-${urgencyOf(kase.leaseExpiresAt, now, LEASE_WARNING_MS)}`}
        >${formatCountdown(kase.leaseExpiresAt, now)}</time
      >`,
    ]);
  }
  if (kase.piiTypes.length > 0) rows.push([t('factPii'), kase.piiTypes.join(', ')]);
  return html`
    <section class="facts" aria-label=${t('caseFacts')}>
      <dl>
        ${rows.map(([term, value]) => html`<div><dt>${term}</dt><dd>${value}</dd></div>`)}
      </dl>
    </section>
  `;
}

function Conversation(props: { view: CaseViewData }) {
  const { view } = props;
  return html`
    <section class="conversation" aria-labelledby="conversation-title">
      <h2 id="conversation-title">${t('conversation')}</h2>
      <p class="muted small">${t('redactedNote')}</p>
      ${view.messages.length === 0 && html`<p>${t('noMessages')}</p>`}
      ${
        (view.messagesOmitted ?? 0) > 0 &&
        html`<p class="banner banner-info" role="note">${t('messagesOmitted', { count: view.messagesOmitted ?? 0 })}</p>`
      }
      <ol class="messages">
        ${view.messages.map((message, index) => html`<li key=${message.externalId}><${Message} message=${message} index=${(view.messagesOmitted ?? 0) + index} kase=${view.case} /></li>`)}
      </ol>
    </section>
  `;
}

/** A message the view cut, whole once asked for (`GET /cases/{id}/messages/{n}`). */
function useWholeMessage(message: CaseMessage, caseId: string, index: number) {
  const { api, notify } = useConsole();
  const [whole, setWhole] = useState<CaseMessage | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  async function fetchWhole() {
    setLoading(true);
    try {
      const path = `/cases/${encodeURIComponent(caseId)}/messages/${index}`;
      const fetched = (await api.get(path, MessageEnvelopeSchema)).data.message;
      // Messages are numbered by receipt: one that arrived late (a redelivery) moves the others along.
      if (fetched.externalId !== message.externalId) notify(t('staleCase'), 'error');
      else setWhole(fetched);
    } catch (error) {
      notify(describeError(error), 'error');
    } finally {
      setLoading(false);
    }
  }
  return { shown: whole ?? message, loading, fetchWhole };
}

function Message(props: { message: CaseMessage; index: number; kase: Case }) {
  const { kase } = props;
  const { shown: message, loading, fetchWhole } = useWholeMessage(props.message, kase.caseId, props.index);
  const language = message.language ?? kase.language;
  const lang = langOf(language, message.language ? undefined : kase.script);
  // Each name and address in its own <bdi>: a right-to-left override in a display name (a form or
  // chat field anyone can fill) would otherwise reorder the address printed after it.
  const senderParts = [message.sender?.name, message.sender?.address].filter(
    (part): part is string => !!part,
  );
  const who =
    message.direction === 'outbound'
      ? message.author
        ? html`${t('messageBy', { author: '' })}<bdi>${message.author}</bdi>`
        : ''
      : senderParts.length > 0
        ? html`${t('messageFrom', { sender: '' })}${senderParts.map(
            (part, index) => html`${index > 0 ? ' · ' : ''}<bdi>${part}</bdi>`,
          )}`
        : '';
  return html`
    <article class=${`message message-${message.direction}${message.unverifiedSender ? ' message-unverified' : ''}`}>
      <header>
        <span class="direction">${message.direction === 'inbound' ? t('inbound') : t('outbound')}</span>
        <span class="tag">${label('channel', message.channel)}</span>
        <span class="tag">${languageName(message.language ?? (kase.script === 'Hant' ? 'zh-Hant' : kase.language))}</span>
        ${
          message.unverifiedSender &&
          html`<span class="badge badge-amber" title=${message.unverifiedSender.reason}>${t('unverifiedSender')}</span>`
        }
        <time datetime=${message.receivedAt}>${formatDateTime(message.receivedAt)}</time>
      </header>
      ${who && html`<p class="from" dir="auto">${who}</p>`}
      ${message.unverifiedSender && html`<p class="unverified-reason">${message.unverifiedSender.reason}</p>`}
      <p class="message-subject" dir="auto" lang=${lang}>${message.subject}</p>
      ${
        message.fax
          ? html`<${FaxPages} message=${message} index=${props.index} caseId=${props.kase.caseId} lang=${lang} />`
          : html`<div class="message-text" dir="auto" lang=${lang}>${message.text}</div>`
      }
      ${
        message.textCut &&
        html`<p class="text-cut muted small">
          ${t('textCut', { length: message.textCut.length.toLocaleString('en-US') })}
          <button type="button" class="link" disabled=${loading} onClick=${() => void fetchWhole()}>
            ${loading ? t('loadingMessage') : t('showWholeMessage')}
          </button>
        </p>`
      }
      ${
        message.attachments.length > 0 &&
        html`<div class="attachments">
          <h3>${t('attachments')}</h3>
          <ul>
            ${message.attachments.map((file) => html`<li dir="auto">${file.filename} <span class="muted">(${file.contentType})</span></li>`)}
          </ul>
        </div>`
      }
    </article>
  `;
}

/** A fax's OCR text split back into its pages (`--- page N ---` markers, lambdas/domain/ingest/readFax.ts). */
function pageTexts(text: string): Map<number, string> {
  const pages = new Map<number, string>();
  const parts = text.split(/^--- page (\d+) ---$/m);
  for (let index = 1; index + 1 < parts.length; index += 2) {
    pages.set(Number(parts[index]), (parts[index + 1] ?? '').trim());
  }
  return pages;
}

/** A fax: each page as received (its image) and as read, beside the fields read from the form. */
function FaxPages(props: { message: CaseMessage; index: number; caseId: string; lang: string | undefined }) {
  const fax = props.message.fax;
  const texts = pageTexts(props.message.text);
  const numbers = [
    ...new Set([
      ...(fax?.pageImages ?? []),
      ...(fax?.pages ?? []).map((page) => page.pageNumber),
      ...texts.keys(),
    ]),
  ].sort((a, b) => a - b);
  const confidence = (number: number) => fax?.pages?.find((page) => page.pageNumber === number)?.confidence;
  return html`
    <div class="fax">
      ${fax?.partial && html`<p class="banner banner-warning">${t('faxPartial')} ${fax.partialReason ?? ''}</p>`}
      ${fax?.ocr?.failure && html`<p class="banner banner-warning">${t('faxOcrFailed', { reason: fax.ocr.failure })}</p>`}
      <div class="fax-grid">
        <section>
          <h3>${t('faxPages')}</h3>
          ${
            fax?.ocr?.engine && fax.ocr.engine !== 'none'
              ? html`<p class="muted">${t('faxOcr', { engine: fax.ocr.engine, percent: Math.round((fax.ocr.confidence ?? 0) * 100) })}</p>`
              : null
          }
          ${
            (fax?.ocr?.unreadablePages ?? []).length > 0 &&
            html`<p class="muted">${t('faxUnreadable', { pages: (fax?.ocr?.unreadablePages ?? []).join(', ') })}</p>`
          }
          ${
            numbers.length > 0
              ? numbers.map(
                  (number) => html`<figure class="fax-page" key=${number}>
                    <figcaption>
                      ${t('faxPage', { number })}
                      ${confidence(number) !== undefined && html` <span class="muted">(${t('fieldConfidence', { percent: Math.round((confidence(number) ?? 0) * 100) })})</span>`}
                    </figcaption>
                    ${
                      fax?.pageImages?.includes(number) &&
                      html`<${FaxPageImage} path=${`/cases/${encodeURIComponent(props.caseId)}/messages/${props.index}/fax-pages/${number}`} number=${number} />`
                    }
                    <div class="message-text" dir="auto" lang=${props.lang}>${texts.get(number) ?? ''}</div>
                  </figure>`,
                )
              : html`<div class="message-text" dir="auto" lang=${props.lang}>${props.message.text}</div>`
          }
        </section>
        <section>
          <h3>${t('faxFields')}</h3>
          <${FaxFields} fields=${fax?.fields} />
        </section>
      </div>
    </div>
  `;
}

/** The fields read from a faxed form, each labelled; a wrong NPI check digit is called out. */
function FaxFields(props: { fields: Fax['fields'] }) {
  const fields = props.fields;
  if (!fields) return html`<p class="muted">${t('faxNoFields')}</p>`;
  const rows: [string, string][] = [];
  if (fields.requestType) rows.push([t('faxFieldRequestType'), label('faxRequest', fields.requestType)]);
  if (fields.expedited !== undefined) {
    rows.push([
      t('faxFieldExpedited'),
      `${fields.expedited ? t('yes') : t('no')}${fields.expeditedEvidence ? ` (${fields.expeditedEvidence})` : ''}`,
    ]);
  }
  if (fields.memberName) rows.push([t('faxFieldMemberName'), fields.memberName]);
  if (fields.memberId) rows.push([t('faxFieldMemberId'), fields.memberId]);
  if (fields.dateOfBirth) rows.push([t('faxFieldDateOfBirth'), fields.dateOfBirth]);
  if (fields.prescriberName) rows.push([t('faxFieldPrescriber'), fields.prescriberName]);
  if (fields.npi) {
    rows.push([
      t('faxFieldNpi'),
      `${fields.npi}${fields.npiValid === false ? ` (${t('faxNpiInvalid')})` : ''}`,
    ]);
  }
  if (fields.drug) rows.push([t('faxFieldDrug'), fields.drug]);
  return html`<dl class="fax-fields">
    ${rows.map(([name, value]) => html`<div key=${name}><dt>${name}</dt><dd dir="auto">${value}</dd></div>`)}
  </dl>`;
}

/** One page image, fetched with the staff token (an <img> cannot send it) and shown from a blob: URL. */
function FaxPageImage(props: { path: string; number: number }) {
  const { api } = useConsole();
  const [url, setUrl] = useState<string | undefined>(undefined);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let objectUrl: string | undefined;
    let current = true;
    api
      .image(props.path)
      .then((blob) => {
        objectUrl = URL.createObjectURL(blob);
        if (current) setUrl(objectUrl);
        else URL.revokeObjectURL(objectUrl);
      })
      .catch(() => current && setFailed(true));
    return () => {
      current = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [api, props.path]);
  if (failed) return html`<p class="muted">${t('faxPageUnavailable', { number: props.number })}</p>`;
  if (!url) return html`<p class="muted">${t('faxPageLoading', { number: props.number })}</p>`;
  return html`<img class="fax-page-image" src=${url} alt=${t('faxPageImage', { number: props.number })} />`;
}

type Act = (path: string, body: unknown, done: string) => Promise<boolean>;

/** Reply (holder of a claim) and internal note (anyone), with the member-language templates. */
function Composer(props: { kase: Case; act: Act }) {
  const { me, templates } = useConsole();
  const { kase, act } = props;
  const [catalog, setCatalog] = useState<LanguageTemplates[] | undefined | null>(undefined);
  const [templateLanguage, setTemplateLanguage] = useState(templateLanguageOf(kase));
  const [reply, setReply] = useState(() => loadDraft(me.id, kase.caseId, 'reply'));
  const [note, setNote] = useState(() => loadDraft(me.id, kase.caseId, 'note'));
  const [busy, setBusy] = useState<'reply' | 'note' | undefined>(undefined);
  const replyBox = useRef<HTMLTextAreaElement>(null);
  // The holder of a pending case may write too: the reply takes the case back (claimed, clocks running).
  const canReply = (kase.state === 'claimed' || kase.state === 'pending') && kase.assignee === me.id;

  useEffect(() => {
    void templates().then((loaded) => setCatalog(loaded ?? null));
  }, [templates]);
  useEffect(() => saveDraft(me.id, kase.caseId, 'reply', reply), [me.id, kase.caseId, reply]);
  useEffect(() => saveDraft(me.id, kase.caseId, 'note', note), [me.id, kase.caseId, note]);
  const chosen = catalog?.find((entry) => entry.language === templateLanguage);

  // Keystrokes are stored as they happen, not in the effect above: effects run after the next paint,
  // and a reload (or a session ending) in between would lose the last characters typed.
  function typed(kind: 'reply' | 'note', text: string) {
    saveDraft(me.id, kase.caseId, kind, text);
    (kind === 'reply' ? setReply : setNote)(text);
  }

  function insert(text: string, where: 'start' | 'end') {
    setReply((current) =>
      where === 'start' ? `${text}\n\n${current.trimStart()}` : `${current.trimEnd()}\n\n${text}`.trimStart(),
    );
    replyBox.current?.focus();
  }

  async function send(event: Event) {
    event.preventDefault();
    if (!reply.trim()) return;
    setBusy('reply');
    if (await act('reply', { text: reply }, t('actionReply'))) setReply('');
    setBusy(undefined);
  }

  async function addNote(event: Event) {
    event.preventDefault();
    if (!note.trim()) return;
    setBusy('note');
    if (await act('note', { text: note }, t('actionNote'))) setNote('');
    setBusy(undefined);
  }

  return html`
    <section class="composer" aria-label=${t('replyTitle')}>
      ${
        canReply &&
        html`<form class="reply" onSubmit=${send}>
          <h2>${t('replyTitle')}</h2>
          ${
            catalog === null
              ? html`<p class="muted">${t('templatesUnavailable')}</p>`
              : catalog &&
                html`<div class="template-bar">
                  <label>
                    ${t('replyTemplateLanguage')}
                    <select value=${templateLanguage} onChange=${(event: Event) => setTemplateLanguage((event.currentTarget as HTMLSelectElement).value)}>
                      ${catalog.map((entry) => html`<option value=${entry.language}>${entry.name} (${languageName(entry.language)})</option>`)}
                    </select>
                  </label>
                  <button type="button" disabled=${!chosen} onClick=${() => chosen && insert(chosen.reply.greeting, 'start')}>
                    ${t('insertGreeting')}
                  </button>
                  <button type="button" disabled=${!chosen} onClick=${() => chosen && insert(chosen.reply.closing, 'end')}>
                    ${t('insertClosing')}
                  </button>
                </div>`
          }
          <label for="reply-text">${t('replyLabel')}</label>
          <textarea
            id="reply-text"
            ref=${replyBox}
            dir="auto"
            lang=${langOf(templateLanguage)}
            rows="8"
            value=${reply}
            onInput=${(event: Event) => typed('reply', (event.currentTarget as HTMLTextAreaElement).value)}
            aria-keyshortcuts="r"
          ></textarea>
          ${
            chosen &&
            html`<p class="footer-preview">
              <span class="muted">${t('replyFooterNote')}</span>${' '}
              <span dir=${chosen.direction} lang=${chosen.language}>${chosen.reply.footer.replaceAll('{reference}', kase.reference)}</span>
            </p>`
          }
          <button type="submit" class="primary" disabled=${busy !== undefined || !reply.trim()}>
            ${busy === 'reply' ? t('sending') : t('send')}
          </button>
        </form>`
      }
      ${
        kase.state !== 'merged' &&
        html`<form class="note" onSubmit=${addNote}>
          <h2>${t('noteTitle')}</h2>
          <label for="note-text">${t('noteLabel')}</label>
          <textarea
            id="note-text"
            dir="auto"
            rows="3"
            value=${note}
            onInput=${(event: Event) => typed('note', (event.currentTarget as HTMLTextAreaElement).value)}
            aria-keyshortcuts="n"
          ></textarea>
          <button type="submit" disabled=${busy !== undefined || !note.trim()}>${t('addNote')}</button>
        </form>`
      }
    </section>
  `;
}

interface ActionSpec {
  id: string;
  label: string;
  /** Fields the action asks for; none: it runs on click. */
  fields: {
    name: string;
    label: string;
    required: boolean;
    kind?: 'queue';
    /** A choice instead of free text; `yes`/`no` values are sent as booleans. */
    options?: { value: string; label: string }[];
    /** The body path it goes to when not `name` (`partD.payment`). */
    path?: string;
  }[];
  danger?: boolean;
}

/** The actions the API offers this staff member on this case now (the API still decides). */
function availableActions(kase: Case, me: { id: string; role: string }): ActionSpec[] {
  const holder = kase.assignee === me.id && (kase.state === 'claimed' || kase.state === 'pending');
  const supervisor = me.role === 'supervisor';
  const works = holder || supervisor;
  const open = kase.state !== 'resolved' && kase.state !== 'merged';
  const actions: ActionSpec[] = [];
  if (kase.state === 'claimed' && works) actions.push({ id: 'renew', label: t('actionRenew'), fields: [] });
  if ((kase.state === 'claimed' || kase.state === 'pending') && works) {
    actions.push({
      id: 'resolve',
      label: t('actionResolve'),
      fields: [{ name: 'resolution', label: t('resolution'), required: false }],
    });
  }
  if (kase.state === 'claimed' && works) {
    actions.push({
      id: 'pend',
      label: t('actionPend'),
      fields: [{ name: 'reason', label: t('reasonOptional'), required: false }],
    });
  }
  if ((kase.state === 'claimed' || kase.state === 'pending') && works) {
    actions.push({
      id: 'release',
      label: t('actionRelease'),
      fields: [{ name: 'reason', label: t('reasonOptional'), required: false }],
    });
  }
  if (open && (kase.state === 'queued' ? supervisor : works)) {
    actions.push({
      id: 'transfer',
      label: t('actionTransfer'),
      fields: [
        { name: 'queue', label: t('targetQueue'), required: true, kind: 'queue' },
        { name: 'reason', label: t('reason'), required: true },
      ],
    });
  }
  if (open && (kase.state === 'queued' ? supervisor : works)) {
    const yesNo = (keep: boolean) => [
      ...(keep ? [{ value: '', label: t('keepAsIs') }] : []),
      { value: 'yes', label: t('yes') },
      { value: 'no', label: t('no') },
    ];
    actions.push({
      id: 'reclassify',
      label: t('actionReclassify'),
      fields: [
        {
          name: 'topic',
          label: t('reclassifyTopic'),
          required: true,
          options: Object.keys(LABELS.topic ?? {}).map((topic) => ({
            value: topic,
            label: label('topic', topic),
          })),
        },
        { name: 'expedited', label: t('reclassifyExpedited'), required: false, options: yesNo(true) },
        {
          name: 'payment',
          path: 'partD.payment',
          label: t('reclassifyPayment'),
          required: false,
          options: yesNo(true),
        },
        ...(supervisor
          ? [
              {
                name: 'receivedAt',
                path: 'partD.receivedAt',
                label: t('reclassifyReceivedAt'),
                required: false,
              },
            ]
          : []),
        { name: 'reason', label: t('reason'), required: true },
      ],
    });
  }
  if (kase.state === 'resolved') {
    actions.push({
      id: 'reopen',
      label: t('actionReopen'),
      fields: [{ name: 'reason', label: t('reason'), required: true }],
    });
  }
  if (supervisor && open) {
    actions.push({
      id: 'reassign',
      label: t('actionReassign'),
      fields: [
        { name: 'to', label: t('reassignToLabel'), required: true },
        { name: 'reason', label: t('reasonOptional'), required: false },
      ],
    });
  }
  if (supervisor && kase.state !== 'merged') {
    actions.push({
      id: 'merge',
      label: t('actionMerge'),
      danger: true,
      fields: [
        { name: 'into', label: t('mergeInto'), required: true },
        { name: 'reason', label: t('reasonOptional'), required: false },
      ],
    });
  }
  return actions;
}

function Actions(props: { kase: Case; act: Act }) {
  const { me, api } = useConsole();
  const { kase, act } = props;
  const [open, setOpen] = useState<string | undefined>(undefined);
  const [values, setValues] = useState<Record<string, string>>({});
  const [queues, setQueues] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const actions = availableActions(kase, me);
  const current = actions.find((action) => action.id === open);

  useEffect(() => {
    if (current?.fields.some((field) => field.kind === 'queue') && queues.length === 0) {
      void api
        .get('/queues', QueueListSchema)
        .then(({ data }) =>
          setQueues(data.queues.map((queue) => queue.queue).filter((name) => name !== kase.queue)),
        )
        .catch(() => undefined);
    }
  }, [current?.id]);

  async function run(action: ActionSpec, event?: Event) {
    event?.preventDefault();
    const body: Record<string, unknown> = {};
    for (const field of action.fields) {
      const value = (values[field.name] ?? '').trim();
      if (value === '') continue;
      const sent = field.options && (value === 'yes' || value === 'no') ? value === 'yes' : value;
      const [head = field.name, ...rest] = (field.path ?? field.name).split('.');
      if (rest.length === 0) body[head] = sent;
      else
        body[head] = {
          ...((body[head] as Record<string, unknown> | undefined) ?? {}),
          [rest.join('.')]: sent,
        };
    }
    setBusy(true);
    const done = await act(action.id, body, action.label);
    setBusy(false);
    if (done) {
      setOpen(undefined);
      setValues({});
    }
  }

  const holderNote =
    kase.assignee && kase.assignee !== me.id && me.role !== 'supervisor' && kase.state === 'claimed'
      ? t('notYourCase', { name: kase.assignee })
      : undefined;

  return html`
    <section class="panel actions-panel" aria-labelledby="actions-title">
      <h2 id="actions-title">${t('actions')}</h2>
      ${holderNote && html`<p class="muted">${holderNote}</p>`}
      ${actions.length === 0 && !holderNote && html`<p class="muted">${t('noActions', { state: label('state', kase.state) })}</p>`}
      <div class="action-buttons">
        ${actions.map(
          (action) => html`<button
            type="button"
            class=${action.danger ? 'danger' : ''}
            data-action=${action.id}
            aria-expanded=${action.fields.length > 0 ? String(open === action.id) : undefined}
            disabled=${busy}
            onClick=${() => (action.fields.length === 0 ? run(action) : setOpen(open === action.id ? undefined : action.id))}
          >
            ${action.label}
          </button>`,
        )}
      </div>
      ${
        current &&
        current.fields.length > 0 &&
        html`<form class="action-form" onSubmit=${(event: Event) => run(current, event)} aria-label=${current.label}>
          ${current.fields.map((field) => {
            const id = `action-${current.id}-${field.name}`;
            const onInput = (event: Event) =>
              setValues({
                ...values,
                [field.name]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value,
              });
            return html`<div class="field">
              <label for=${id}>${field.label}</label>
              ${
                field.kind === 'queue'
                  ? html`<select id=${id} required value=${values[field.name] ?? ''} onChange=${onInput}>
                      <option value="" disabled>—</option>
                      ${queues.map((queue) => html`<option value=${queue}>${queue}</option>`)}
                    </select>`
                  : field.options
                    ? html`<select id=${id} required=${field.required} value=${values[field.name] ?? ''} onChange=${onInput}>
                        ${field.required && html`<option value="" disabled>—</option>`}
                        ${field.options.map((option) => html`<option value=${option.value}>${option.label}</option>`)}
                      </select>`
                    : html`<input id=${id} type="text" dir="auto" required=${field.required} value=${values[field.name] ?? ''} onInput=${onInput} />`
              }
            </div>`;
          })}
          <div class="form-buttons">
            <button type="submit" class=${current.danger ? 'danger' : 'primary'} disabled=${busy}>${t('confirm')}: ${current.label}</button>
            <button type="button" onClick=${() => setOpen(undefined)}>${t('cancel')}</button>
          </div>
        </form>`
      }
    </section>
  `;
}

function clockName(clock: CaseClock): string {
  if (clock.type === 'regulatory') {
    const kind = [
      label('regulatoryKind', clock.regulatoryKind ?? ''),
      label('regulatoryVariant', clock.variant ?? ''),
    ]
      .filter(Boolean)
      .join(', ');
    return t('clockRegulatory', { kind });
  }
  if (clock.kind === 'firstResponse') return t('clockFirstResponse');
  if (clock.kind === 'nextResponse') return t('clockNextResponse');
  if (clock.kind === 'resolution') return t('clockResolution');
  return clock.kind;
}

function clockState(clock: CaseClock): { text: string; tone: string } {
  if (clock.state === 'stopped') {
    return clock.breached
      ? { text: t('clockStoppedMissed'), tone: 'red' }
      : { text: t('clockStoppedMet'), tone: 'ok' };
  }
  if (clock.state === 'paused') return { text: t('clockPaused'), tone: 'muted' };
  return { text: t('clockRunning'), tone: '' };
}

function Clocks(props: { kase: Case }) {
  const now = useNow();
  const clocks = props.kase.clocks.clocks;
  return html`
    <section class="panel" aria-labelledby="clocks-title">
      <h2 id="clocks-title">${t('clocks')}</h2>
      ${
        clocks.length === 0
          ? html`<p class="muted">${t('noClocks')}</p>`
          : html`<table class="clocks">
              <thead>
                <tr><th scope="col">${t('colClock')}</th><th scope="col">${t('colDue')}</th><th scope="col">${t('colClockState')}</th></tr>
              </thead>
              <tbody>
                ${clocks.map((clock) => {
                  const state = clockState(clock);
                  const running = clock.state === 'running' && clock.dueAt;
                  return html`<tr key=${clock.id} data-clock=${clock.id}>
                    <th scope="row">
                      ${clockName(clock)}
                      ${clock.citation && html`<span class="citation">${clock.citation}</span>`}
                    </th>
                    <td>
                      ${
                        clock.dueAt
                          ? html`<time datetime=${clock.dueAt}>${formatDateTime(clock.dueAt)}</time>`
                          : clock.stoppedAt
                            ? html`<time datetime=${clock.stoppedAt}>${t('clockStoppedAt', { time: formatDateTime(clock.stoppedAt) })}</time>`
                            : t('none')
                      }
                      ${
                        running &&
                        clock.dueAt &&
                        html`<br /><span class=${`due due-${urgencyOf(clock.dueAt, now)}`}>${formatCountdown(clock.dueAt, now)}</span>`
                      }
                      ${
                        clock.state === 'running' &&
                        clock.ireForwardBy &&
                        html`<br /><span class="ire-forward" data-testid="ire-forward">${t('ireForwardBy', {
                          time: formatDateTime(clock.ireForwardBy),
                          citation: clock.ireForwardCitation ?? '',
                        })}</span>`
                      }
                    </td>
                    <td class=${`clock-state tone-${state.tone}`}>${state.text}</td>
                  </tr>`;
                })}
              </tbody>
            </table>`
      }
    </section>
  `;
}

function Routing(props: { kase: Case }) {
  const { kase } = props;
  const evidence = kase.triageEvidence ?? [];
  return html`
    <section class="panel" aria-labelledby="routing-title">
      <h2 id="routing-title">${t('routing')}</h2>
      <dl class="routing">
        <div><dt>${t('routingReason')}</dt><dd>${kase.routingReason}</dd></div>
        <div>
          <dt>${t('factTopic')}</dt>
          <dd>${t('routingTopic', { topic: label('topic', kase.topic), percent: Math.round(kase.topicConfidence * 100) })}</dd>
        </div>
        <div>
          <dt>${t('factLanguage')}</dt>
          <dd>${t('routingLanguage', { language: languageName(kase.language), percent: Math.round(kase.languageConfidence * 100) })}</dd>
        </div>
        <div><dt>${t('routingPolicy')}</dt><dd>${kase.policyVersion}</dd></div>
        <div>
          <dt>${t('routingEvidence')}</dt>
          <dd>
            ${
              evidence.length > 0
                ? html`<ul class="evidence">${evidence.map((item) => html`<li dir="auto">${item}</li>`)}</ul>`
                : html`<span class="muted">${t('routingNoEvidence')}</span>`
            }
          </dd>
        </div>
      </dl>
    </section>
  `;
}

/**
 * The recipient of the desk's latest bounced e-mail, while no reply has been sent since: the member
 * has not heard from the desk, and staff should know before they wait on an answer.
 */
function unansweredBounce(history: readonly CaseEvent[]): { recipient: string; status: string } | undefined {
  for (let index = history.length - 1; index >= 0; index--) {
    const event = history[index];
    if (event?.type === 'replied') return undefined;
    if (event?.type !== 'delivery_failed') continue;
    const recipients = event.detail.recipients;
    const first: unknown = Array.isArray(recipients) ? recipients[0] : undefined;
    if (typeof first !== 'object' || first === null) return undefined;
    const { recipient, status } = first as Record<string, unknown>;
    return {
      recipient: typeof recipient === 'string' ? recipient : '?',
      status: typeof status === 'string' ? status : t('unknownStatus'),
    };
  }
  return undefined;
}

function detailText(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .filter(([key]) => key !== 'action')
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' · ');
}

function History(props: { events: CaseEvent[]; omitted?: number | undefined }) {
  return html`
    <section class="panel" aria-labelledby="history-title">
      <h2 id="history-title">${t('history')}</h2>
      ${(props.omitted ?? 0) > 0 && html`<p class="muted small">${t('historyOmitted', { count: props.omitted ?? 0 })}</p>`}
      <ol class="history">
        ${[...props.events].reverse().map(
          (event) => html`<li>
            <time datetime=${event.at}>${formatDateTime(event.at)}</time>
            <strong>${label('event', event.type)}</strong>
            <span class="actor">${event.actor === 'system' ? t('system') : event.actor}</span>
            ${Object.keys(event.detail).length > 0 && html`<p class="detail" dir="auto">${detailText(event.detail)}</p>`}
          </li>`,
        )}
      </ol>
    </section>
  `;
}
