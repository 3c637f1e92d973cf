/** What aws-ses-v2-local stored of a mail (it re-parses raw mail: subject and text survive, threading headers do not). */
export interface StoredEmail {
  /** The id SES answered with: the member's copy carries `<messageId@email.amazonses.com>`. */
  messageId: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string };
  at: number;
}

/** Every mail the SES emulator at `sesEndpoint` was given, oldest first; with `to`, only those to that address. */
export async function sentMail(sesEndpoint: string, to?: string): Promise<StoredEmail[]> {
  const response = await fetch(`${sesEndpoint}/store`);
  const { emails } = (await response.json()) as { emails: StoredEmail[] };
  return to === undefined
    ? emails
    : emails.filter((email) => email.destination.to.some((address) => address.includes(to)));
}
