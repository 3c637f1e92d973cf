import { describe, expect, it } from 'vitest';
import { isValidNpi } from '../../../lambdas/domain/fax/npi.js';
import { readFaxForm } from '../../../lambdas/domain/fax/readFaxForm.js';

const page = (text: string, pageNumber = 1) => ({ pageNumber, text, confidence: 0.8 });

const REDETERMINATION = `REQUEST FOR REDETERMINATION OF
MEDICARE PRESCRIPTION DRUG DENIAL
Enrollee's Name: Margaret A. Thompson
Date of Birth: 04/17/1951
Enrollee's Member ID Number: W482913570
Name of drug: Eliquis (apixaban) 5 mg tablets
Prescriber's Information
Name: Dr. Robert Chen, MD
NPI: 1234567893
Important Information for Expedited Appeals
If you or your prescriber believe that waiting 7 days for a standard decision could
seriously harm your life, health, or ability to regain maximum function, you can ask
for an expedited (fast) decision.
[ ] CHECK THIS BOX IF YOU BELIEVE YOU NEED A DECISION WITHIN 72 HOURS`;

describe('readFaxForm', () => {
  it('reads the member, prescriber, NPI and drug of a redetermination request', () => {
    expect(readFaxForm([page(REDETERMINATION)])).toEqual({
      requestType: 'redetermination',
      expedited: false,
      formRecognized: true,
      coverSheet: false,
      memberName: 'Margaret A. Thompson',
      memberId: 'W482913570',
      dateOfBirth: '1951-04-17',
      prescriberName: 'Robert Chen',
      npi: '1234567893',
      npiValid: true,
      drug: 'Eliquis (apixaban) 5 mg tablets',
    });
  });

  it("does not take the form's printed instructions for a request to expedite", () => {
    expect(readFaxForm([page(REDETERMINATION)]).expedited).toBe(false);
  });

  it.each(['[X]', '[x]', '(X)', '[%]', '{X}'])('reads %s beside the 72-hour box as checked', (box) => {
    const fields = readFaxForm([page(REDETERMINATION.replace('[ ] CHECK', `${box} CHECK`))]);
    expect(fields.expedited).toBe(true);
    expect(fields.expeditedEvidence).toMatch(/72 HOURS/);
  });

  it("takes a cover sheet's own urgent wording as a request to expedite", () => {
    const cover = page('FAX COVER SHEET\nRe: URGENT - expedited redetermination request\nPages: 2');
    const fields = readFaxForm([cover, page(REDETERMINATION, 2)]);
    expect(fields).toMatchObject({ coverSheet: true, expedited: true, requestType: 'redetermination' });
  });

  it('reads OCR look-alikes in an NPI and flags a wrong check digit', () => {
    expect(readFaxForm([page('NPI: 12345678O3')]).npi).toBe('1234567803');
    expect(readFaxForm([page('NPI: 1234567893')]).npiValid).toBe(true);
    expect(readFaxForm([page('NPI: 1234567894')]).npiValid).toBe(false);
  });

  it('reads a Spanish coverage request and its checked 24-hour box', () => {
    const fields = readFaxForm([
      page(`SOLICITUD DE DETERMINACIÓN DE COBERTURA
Nombre del afiliado: María Elena González
Fecha de nacimiento: 09/30/1956
Nombre del medicamento: Insulina glargina (Lantus) 100 unidades/ml
Información del médico
Nombre: Dra. Lucía Ramírez
[X] MARQUE ESTA CASILLA SI NECESITA UNA DECISIÓN EN 24 HORAS`),
    ]);
    expect(fields).toMatchObject({
      requestType: 'coverage_determination',
      expedited: true,
      memberName: 'María Elena González',
      dateOfBirth: '1956-09-30',
      prescriberName: 'Lucía Ramírez',
      drug: 'Insulina glargina (Lantus) 100 unidades/ml',
    });
  });

  it('reads a day-first date only when the first number cannot be a month', () => {
    expect(readFaxForm([page('DOB: 30/09/1956')]).dateOfBirth).toBe('1956-09-30');
    expect(readFaxForm([page('DOB: 03/04/1956')]).dateOfBirth).toBe('1956-03-04');
    expect(readFaxForm([page('DOB: 13/13/1956')]).dateOfBirth).toBeUndefined();
  });

  it('finds nothing in a page without a form, and never throws on noise', () => {
    expect(readFaxForm([page(': . ~ | ,, ]] [[ ((')])).toEqual({
      requestType: 'unknown',
      expedited: false,
      formRecognized: false,
      coverSheet: false,
    });
    expect(readFaxForm([])).toMatchObject({ requestType: 'unknown' });
  });
});

describe('isValidNpi', () => {
  it.each(['1234567893', '1987654328', '1472583693'])('accepts %s', (npi) =>
    expect(isValidNpi(npi)).toBe(true),
  );
  it.each(['1234567890', '123456789', '12345678931', 'abcdefghij'])('rejects %s', (npi) =>
    expect(isValidNpi(npi)).toBe(false),
  );
});
