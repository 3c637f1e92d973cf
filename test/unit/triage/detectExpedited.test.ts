import { describe, expect, it } from 'vitest';
import { detectExpedited } from '../../../lambdas/domain/triage/detectExpedited.js';

const fires = (text: string, topic?: 'appeal' | 'coverage' | 'delivery') =>
  detectExpedited('', text, topic ? { topic } : {}).expedited;

describe('detectExpedited', () => {
  it.each([
    'Waiting could seriously jeopardize my life or health.',
    'Please expedite my appeal.',
    'Solicito una apelación acelerada.',
    'Je demande un examen accéléré.',
    'Ich beantrage ein Eilverfahren.',
    'Прошу ускоренное рассмотрение.',
    '我要求加急上诉。',
    '긴급 이의 신청을 요청합니다.',
    'أطلب استئنافا عاجلا',
    'मैं तत्काल अपील चाहता हूँ',
  ])('fires on "%s"', (text) => {
    expect(fires(text)).toBe(true);
  });

  it.each([
    'EXPEDITED REVIEW REQUESTED: [X] YES [ ] NO',
    'EXPEDITED REVIEW REQUESTED: ☒ YES ☐ NO',
    '[X] Expedited   [ ] Standard',
    'EXPEDITED: YES',
    '¿REVISIÓN ACELERADA?  SÍ [X]  NO [ ]',
  ])('reads the ticked fax checkbox in "%s"', (text) => {
    expect(
      fires(`REQUEST FOR REDETERMINATION\n${text}\nSee attached. Patient could seriously jeopardize health.`),
    ).toBe(true);
  });

  it.each([
    'EXPEDITED: [ ] YES [X] NO',
    'EXPEDITED REVIEW REQUESTED: ☐ YES ☒ NO',
    '[ ] Expedited   [X] Standard',
    'EXPEDITED?  YES [ ]  NO [X]',
  ])('does not fire on the unticked fax checkbox in "%s", even with form boilerplate', (text) => {
    expect(
      fires(`${text}\nIf waiting could seriously jeopardize your health, ask for an expedited decision.`),
    ).toBe(false);
  });

  it.each([
    'This is not urgent.',
    'No es urgente, gracias.',
    'Ce n’est pas urgent.',
    'Das ist nicht dringend.',
    '不急，不是紧急的。',
  ])('does not fire on the negation "%s"', (text) => {
    expect(fires(`I would like to appeal. ${text}`, 'appeal')).toBe(false);
  });

  it('counts plain urgency on an appeal but not on a parcel question', () => {
    expect(fires('This is urgent, please review my appeal', 'appeal')).toBe(true);
    expect(fires('Urgent: where is my package?', 'delivery')).toBe(false);
    expect(fires('Can you expedite shipping on my order?', 'delivery')).toBe(false);
  });

  it('lets a request for a fast decision skip a word, whatever the topic', () => {
    expect(fires('I am asking for an urgent coverage decision on my Ozempic.')).toBe(true);
    expect(detectExpedited('', 'I need an urgent coverage decision', { topic: 'other' }).expedited).toBe(
      true,
    );
    expect(fires('I need this as soon as humanly possible', 'appeal')).toBe(true);
  });

  it('reads an urgency idiom only with its words together', () => {
    expect(fires('Necesito la decisión de la apelación cuanto antes', 'appeal')).toBe(true);
    expect(
      fires('¿Cuánto pagaría antes de que mi doctor lo recete? Quiero saber en qué nivel está.', 'coverage'),
    ).toBe(false);
  });
});
