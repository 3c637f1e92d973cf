import { describe, expect, it } from 'vitest';
import { SPECIALTY_DRUGS } from '../../../lambdas/domain/triage/data/specialtyDrugs.js';
import { detectPrograms } from '../../../lambdas/domain/triage/detectPrograms.js';

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
