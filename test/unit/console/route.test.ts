import { describe, expect, it } from 'vitest';
import { routeOf } from '../../../console/src/route.js';

describe('console routes', () => {
  it('opens a case from its hash, and the board for a malformed or unknown one instead of failing to start', () => {
    expect(routeOf('#/cases/7K3M9Q2XHD')).toEqual({ view: 'case', caseId: '7K3M9Q2XHD' });
    expect(routeOf('#/cases/A%20B')).toEqual({ view: 'case', caseId: 'A B' });
    expect(routeOf('#/cases/%E0')).toEqual({ view: 'queues' });
    expect(routeOf('#/mine')).toEqual({ view: 'mine' });
    expect(routeOf('#/nowhere')).toEqual({ view: 'queues' });
  });
});
