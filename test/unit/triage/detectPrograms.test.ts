import { describe, expect, it } from 'vitest';
import { SPECIALTY_DRUGS } from '../../../lambdas/domain/triage/data/specialtyDrugs.js';
import { detectPrograms } from '../../../lambdas/domain/triage/detectPrograms.js';
import { triage } from '../../../lambdas/domain/triage/triage.js';

const programs = (text: string) => detectPrograms('', text).programs;

describe('detectPrograms', () => {
  it.each([
    'I have a Medicare Part D plan',
    'Tengo Ayuda Adicional',
    'my LIS level changed',
    'Medicare number 1EG4-TE5-MK73',
    '我的联邦医疗保险',
    'मेरा मेडिकेयर प्लान',
  ])('finds Medicare Part D in "%s"', (text) => {
    expect(programs(text)).toContain('medicare_part_d');
  });

  it.each([
    'my Humira pens',
    'IBRANCE 125 MG',
    'mi medicamento biológico inyectable',
    'my chemo pills',
    '生物制剂',
  ])('finds specialty in "%s"', (text) => {
    expect(programs(text)).toContain('specialty');
  });

  it('finds nothing in an ordinary refill', () => {
    expect(programs('please refill my lisinopril and metformin')).toEqual([]);
  });

  it('keeps the specialty list as data of a few hundred names', () => {
    expect(SPECIALTY_DRUGS.length).toBeGreaterThan(300);
    expect(new Set(SPECIALTY_DRUGS).size).toBeGreaterThan(300);
  });
});

describe('programs of a reply thread', () => {
  const reply = [
    'No estoy de acuerdo con esa decisión. Quiero pedir una redeterminación.',
    '',
    'El jue, 6 feb 2025 a las 10:12, Servicio al Miembro escribió:',
    '> Estimado miembro de su plan Medicare Parte D:',
    '> Su solicitud para JARDIANCE 10 MG fue denegada.',
  ].join('\n');

  it('takes a program the quoted plan letter names, and says where it was found', () => {
    const result = triage({ channel: 'email', subject: 'RE: Determinación de cobertura', text: reply });
    expect(result.programs).toEqual(['medicare_part_d']);
    expect(result.evidence.some((line) => line.includes('(in the quoted earlier message)'))).toBe(true);
  });

  it('keeps topic and language to the member’s own words', () => {
    const result = triage({ channel: 'email', subject: 'RE: Determinación de cobertura', text: reply });
    expect(result.topic).toBe('appeal');
    expect(result.language).toBe('es');
  });

  it('does not take a bare "Medicare" or a drug name from a quoted template or footer', () => {
    const text = [
      'I got the package today, thank you.',
      '',
      'On Mon, Nov 16, 2026 at 3:12 PM Member Services <noreply@rxmail.example> wrote:',
      '> Your HUMIRA order shipped. This message is not about your Medicare coverage.',
    ].join('\n');
    expect(triage({ channel: 'email', subject: 'Re: Your order shipped', text }).programs).toEqual([]);
  });

  it('takes a beneficiary identifier from a quoted letter', () => {
    const text = [
      'Please look again.',
      '',
      'On Mon, Nov 16, 2026, Plan wrote:',
      '> Member MBI 1EG4-TE5-MK73',
    ].join('\n');
    expect(triage({ channel: 'email', subject: 'Re: decision', text }).programs).toEqual(['medicare_part_d']);
  });

  it('adds nothing when the thread names no program', () => {
    const plain = reply.replace('su plan Medicare Parte D', 'su plan');
    expect(triage({ channel: 'email', subject: 'RE: Determinación', text: plain }).programs).toEqual([]);
  });
});
