import { describe, expect, it } from 'vitest';
import { InvalidPropsError } from '../../../lib/constructs/InvalidPropsError.js';
import { routerStackPropsFromContext } from '../../../lib/deployContext.js';

const REAL = {
  'contact-router:recipients': 'support@desk.yourpharmacy.com, appeals@desk.yourpharmacy.com',
  'contact-router:notifyFrom': 'sla-alerts@yourpharmacy.com',
  'contact-router:deskFrom': 'support@desk.yourpharmacy.com',
  'contact-router:alarmEmail': 'oncall@yourpharmacy.com',
  'contact-router:consoleCallbackUrls': 'https://desk.yourpharmacy.com/',
  'contact-router:consoleDomainNames': 'staff.desk.yourpharmacy.com',
  'contact-router:consoleCertificateArn':
    'arn:aws:acm:us-east-1:111111111111:certificate/0a1b2c3d-0000-4000-8000-000000000001',
};

describe('routerStackPropsFromContext (finding 3)', () => {
  it('reads a real deployment from -c strings: lists, flags and numbers', () => {
    const props = routerStackPropsFromContext({
      ...REAL,
      'contact-router:activateRuleSet': 'true',
      'contact-router:rawMailRetentionYears': '7',
      'contact-router:authDomainPrefix': 'yourpharmacy-desk',
      'contact-router:deskName': 'Member Services',
      'cli-telemetry': false,
    });

    expect(props).toEqual({
      recipients: ['support@desk.yourpharmacy.com', 'appeals@desk.yourpharmacy.com'],
      notifyFrom: 'sla-alerts@yourpharmacy.com',
      deskFrom: 'support@desk.yourpharmacy.com',
      deskName: 'Member Services',
      alarmEmail: 'oncall@yourpharmacy.com',
      console: {
        callbackUrls: ['https://desk.yourpharmacy.com/'],
        logoutUrls: ['https://desk.yourpharmacy.com/'],
        domainPrefix: 'yourpharmacy-desk',
      },
      consoleDomainNames: ['staff.desk.yourpharmacy.com'],
      consoleCertificateArn:
        'arn:aws:acm:us-east-1:111111111111:certificate/0a1b2c3d-0000-4000-8000-000000000001',
      sandbox: false,
      activateReceiptRuleSet: true,
      rawMailRetentionYears: 7,
    });
  });

  it("reads the console's web ACL and allowed countries", () => {
    const props = routerStackPropsFromContext({
      ...REAL,
      'contact-router:consoleWebAclArn': 'arn:aws:wafv2:us-east-1:111111111111:global/webacl/staff/1',
      'contact-router:consoleAllowedCountries': 'US, PR',
    });

    expect(props.consoleWebAclArn).toBe('arn:aws:wafv2:us-east-1:111111111111:global/webacl/staff/1');
    expect(props.consoleAllowedCountries).toEqual(['US', 'PR']);
  });

  it('reads the origins of the form pages', () => {
    const props = routerStackPropsFromContext({
      ...REAL,
      'contact-router:formOrigins': 'https://www.yourpharmacy.com, https://es.yourpharmacy.com',
    });

    expect(props.formOrigins).toEqual(['https://www.yourpharmacy.com', 'https://es.yourpharmacy.com']);
  });

  it('requires the console name and certificate outside a sandbox, naming both keys with an example', () => {
    const {
      'contact-router:consoleDomainNames': _names,
      'contact-router:consoleCertificateArn': _certificate,
      ...withoutConsoleName
    } = REAL;

    expect(() => routerStackPropsFromContext(withoutConsoleName)).toThrow(
      /contact-router:consoleDomainNames and contact-router:consoleCertificateArn are required[\s\S]*TLSv1[\s\S]*-c contact-router:consoleCertificateArn=arn:aws:acm:us-east-1:/,
    );
    expect(() =>
      routerStackPropsFromContext({ ...withoutConsoleName, 'contact-router:sandbox': 'true' }),
    ).not.toThrow();
  });

  it('names every missing key with an example, in one error', () => {
    const read = () => routerStackPropsFromContext({});

    expect(read).toThrow(InvalidPropsError);
    expect(read).toThrow(
      /recipients is required \(-c contact-router:recipients=[\s\S]*notifyFrom is required[\s\S]*deskFrom is required[\s\S]*alarmEmail or contact-router:alarmTopicArn is required[\s\S]*consoleDomainNames and contact-router:consoleCertificateArn are required[\s\S]*sandbox=true/,
    );
  });

  it('fills a sandbox with placeholders that the stack accepts only there', () => {
    const props = routerStackPropsFromContext({ 'contact-router:sandbox': 'true' });

    expect(props.sandbox).toBe(true);
    expect(props.recipients).toEqual(['support@pharmacy.example']);
    expect(props.alarmEmail).toBe('ops@pharmacy.example');
    // The desk sends as the address members write to, so their replies come back.
    expect(props.deskFrom).toBe('support@pharmacy.example');
  });

  it('leaves the console URLs to the stack when none are given (it registers the deployed console itself)', () => {
    const { 'contact-router:consoleCallbackUrls': _, ...withoutUrls } = REAL;

    const props = routerStackPropsFromContext(withoutUrls);

    expect(props.console).toEqual({ callbackUrls: [], logoutUrls: [] });
  });

  it('refuses unknown keys (a typo would silently be ignored) and malformed values', () => {
    expect(() => routerStackPropsFromContext({ ...REAL, 'contact-router:recipient': 'x@y.z' })).toThrow(
      /unknown context contact-router:recipient /,
    );
    expect(() => routerStackPropsFromContext({ ...REAL, 'contact-router:activateRuleSet': 'yes' })).toThrow(
      /contact-router:activateRuleSet/,
    );
    expect(() =>
      routerStackPropsFromContext({ ...REAL, 'contact-router:reservedConcurrency': 'ten' }),
    ).toThrow(/contact-router:reservedConcurrency/);
  });

  it('takes an existing alarm topic instead of an e-mail address', () => {
    const { 'contact-router:alarmEmail': _, ...withoutEmail } = REAL;
    const props = routerStackPropsFromContext({
      ...withoutEmail,
      'contact-router:alarmTopicArn': 'arn:aws:sns:us-east-1:111111111111:pager',
    });

    expect(props.alarmEmail).toBeUndefined();
    expect(props.existingAlarmTopicArn).toBe('arn:aws:sns:us-east-1:111111111111:pager');
  });
});
