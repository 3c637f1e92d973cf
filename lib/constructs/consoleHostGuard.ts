/**
 * The CloudFront Function (viewer request, `cloudfront-js-2.0`) that keeps the console and the
 * staff API on the desk's own names. CloudFront always answers on the distribution's
 * `*.cloudfront.net` name too, with its default certificate, for which it sets the TLSv1 security
 * policy whatever the distribution asks; that name must serve nothing. A request on any other host
 * is sent to the same path on the first of the desk's names (308 keeps the method; the query string
 * is dropped), and never reaches the bucket or the API.
 *
 * Plain source text: CloudFront runs it, and the tests evaluate the same text.
 */
export function consoleHostGuardSource(domainNames: readonly string[]): string {
  if (domainNames.length === 0) throw new Error('the host guard needs at least one domain name');
  return `var ALLOWED = ${JSON.stringify(domainNames)};
function handler(event) {
  var request = event.request;
  var host = request.headers.host ? request.headers.host.value.toLowerCase() : '';
  if (ALLOWED.indexOf(host) !== -1) return request;
  return {
    statusCode: 308,
    statusDescription: 'Permanent Redirect',
    headers: {
      location: { value: 'https://' + ALLOWED[0] + request.uri },
      'cache-control': { value: 'no-store' },
    },
  };
}
`;
}
