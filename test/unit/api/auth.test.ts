import { describe, expect, it } from 'vitest';
import { groupsFor, staffFromClaims } from '../../../lambdas/api/auth.js';

describe('staff from token claims', () => {
  it('reads role and language skills from Cognito groups as API Gateway passes them ("[a b c]")', () => {
    expect(
      staffFromClaims({ sub: 'uuid-1', username: 'alice', 'cognito:groups': '[agent lang-es lang-pt]' }),
    ).toEqual({ outcome: 'staff', staff: { id: 'alice', role: 'agent', languages: ['es', 'pt'] } });
  });

  it('reads groups given as a JSON array, and takes supervisor over agent', () => {
    expect(
      staffFromClaims({
        sub: 'uuid-2',
        'cognito:username': 'sam',
        'cognito:groups': ['agent', 'supervisor', 'lang-zh'],
      }),
    ).toEqual({ outcome: 'staff', staff: { id: 'sam', role: 'supervisor', languages: ['zh'] } });
  });

  it('names a token without a staff group as having no role', () => {
    expect(staffFromClaims({ sub: 'uuid-3', username: 'eve', 'cognito:groups': '[lang-es]' })).toEqual({
      outcome: 'no_role',
      staffId: 'eve',
    });
    expect(staffFromClaims({ sub: 'uuid-3', username: 'eve' })).toMatchObject({ outcome: 'no_role' });
  });

  it('refuses missing claims and claims without a subject', () => {
    expect(staffFromClaims(undefined)).toMatchObject({ outcome: 'unauthenticated' });
    expect(staffFromClaims({ username: 'alice' })).toMatchObject({ outcome: 'unauthenticated' });
    expect(staffFromClaims({ sub: 'x', username: 'alice smith' })).toMatchObject({
      outcome: 'unauthenticated',
    });
  });

  it('ignores group names that are not a language skill', () => {
    expect(
      staffFromClaims({ sub: 's', 'cognito:groups': ['agent', 'lang-', 'lang-toolong', 'lang-ES'] }),
    ).toEqual({
      outcome: 'staff',
      staff: { id: 's', role: 'agent', languages: ['es'] },
    });
  });

  it('mints the groups a role and its skills read back as', () => {
    expect(staffFromClaims({ sub: 'a', 'cognito:groups': groupsFor('supervisor', ['ko']) })).toEqual({
      outcome: 'staff',
      staff: { id: 'a', role: 'supervisor', languages: ['ko'] },
    });
  });
});
