/**
 * A member's mail of 50,000 Japanese characters (150 KB as stored text): message `index` of one
 * thread, the first or a reply to it. Forty of them are more than one case view can hold whole.
 */
export function longThreadMail(member: string, thread: string, index: number): string {
  const text = `${index}番目のメールです。${'処方箋の再発行をお願いします。'.repeat(3_400)}`;
  return [
    `From: Keiko <${member}>`,
    'To: support@pharmacy.example',
    `Subject: =?utf-8?B?${Buffer.from(`処方箋 ${thread} ${index}`).toString('base64')}?=`,
    `Message-ID: <${thread}-${index}@mail.example.jp>`,
    ...(index > 0
      ? [`In-Reply-To: <${thread}-0@mail.example.jp>`, `References: <${thread}-0@mail.example.jp>`]
      : []),
    `Date: Tue, 08 Dec 2026 09:${String(index % 60).padStart(2, '0')}:00 +0900`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(text).toString('base64'),
    '',
  ].join('\r\n');
}
