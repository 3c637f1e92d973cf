/**
 * What the soak's members write: one request in each of sixteen languages (the languages US
 * pharmacy desks see most; language access under Section 1557 of the ACA), with a country to file
 * an international form from. The texts are short plain requests, a refill or a delivery question.
 */
export interface SoakLanguage {
  code: string;
  country: string;
  name: string;
  subject: string;
  body: string;
}

export const SOAK_LANGUAGES: readonly SoakLanguage[] = [
  {
    code: 'en',
    country: 'CA',
    name: 'Maria Lopez',
    subject: 'Refill for my lisinopril',
    body: 'Please send a refill of my lisinopril prescription. I have five tablets left.',
  },
  {
    code: 'es',
    country: 'MX',
    name: 'Lucía Fernández',
    subject: 'Resurtido de mi receta',
    body: 'Hola, necesito un resurtido de mi receta de metformina. Solo me quedan tres pastillas.',
  },
  {
    code: 'zh',
    country: 'TW',
    name: '王小明',
    subject: '我的药什么时候送到',
    body: '您好，我上周订购的药物还没有送到。请问什么时候可以收到？谢谢。',
  },
  {
    code: 'vi',
    country: 'VN',
    name: 'Nguyễn Văn An',
    subject: 'Cần mua thêm thuốc',
    body: 'Xin chào, tôi cần mua thêm thuốc huyết áp của tôi. Tôi chỉ còn lại vài viên thuốc.',
  },
  {
    code: 'ko',
    country: 'KR',
    name: '김민준',
    subject: '약 배송 문의',
    body: '안녕하세요, 지난주에 주문한 약이 아직 도착하지 않았습니다. 언제 받을 수 있을까요?',
  },
  {
    code: 'tl',
    country: 'PH',
    name: 'Jose Santos',
    subject: 'Kailangan ko ng refill',
    body: 'Magandang araw po, kailangan ko po ng refill ng aking gamot sa presyon. Kaunti na lang po ang natitira.',
  },
  {
    code: 'ru',
    country: 'DE',
    name: 'Ольга Иванова',
    subject: 'Где мой заказ',
    body: 'Здравствуйте, мой заказ лекарств до сих пор не доставлен. Когда я его получу?',
  },
  {
    code: 'ar',
    country: 'JO',
    name: 'أحمد حسن',
    subject: 'إعادة صرف الدواء',
    body: 'مرحبا، أحتاج إلى إعادة صرف دواء الضغط الخاص بي. لم يتبق لدي سوى بضع حبات.',
  },
  {
    code: 'fr',
    country: 'FR',
    name: 'Claire Martin',
    subject: 'Renouvellement de mon ordonnance',
    body: 'Bonjour, je voudrais renouveler mon ordonnance de lisinopril. Il ne me reste que quelques comprimés.',
  },
  {
    code: 'ht',
    country: 'HT',
    name: 'Jean Baptiste',
    subject: 'Mwen bezwen renouvle medikaman mwen',
    body: 'Bonjou, mwen bezwen renouvle medikaman tansyon mwen. Mwen gen sèlman kèk grenn ki rete.',
  },
  {
    code: 'pt',
    country: 'BR',
    name: 'Ana Souza',
    subject: 'Onde está o meu pedido',
    body: 'Olá, o meu pedido de medicamentos ainda não chegou. Quando vou recebê-lo?',
  },
  {
    code: 'de',
    country: 'DE',
    name: 'Klaus Becker',
    subject: 'Nachfüllung meines Rezepts',
    body: 'Guten Tag, bitte schicken Sie mir eine Nachfüllung meines Blutdruckmedikaments. Ich habe nur noch wenige Tabletten.',
  },
  {
    code: 'pl',
    country: 'PL',
    name: 'Katarzyna Nowak',
    subject: 'Gdzie jest moja przesyłka',
    body: 'Dzień dobry, moja przesyłka z lekami jeszcze nie dotarła. Kiedy ją otrzymam?',
  },
  {
    code: 'it',
    country: 'IT',
    name: 'Giulia Rossi',
    subject: 'Rinnovo della mia ricetta',
    body: 'Buongiorno, vorrei rinnovare la mia ricetta per il lisinopril. Mi restano solo poche compresse.',
  },
  {
    code: 'ja',
    country: 'JP',
    name: '佐藤花子',
    subject: '薬の配送について',
    body: 'こんにちは。先週注文した薬がまだ届いていません。いつ届きますか。よろしくお願いします。',
  },
  {
    code: 'hi',
    country: 'IN',
    name: 'राहुल शर्मा',
    subject: 'मेरी दवा कब आएगी',
    body: 'नमस्ते, मैंने पिछले सप्ताह दवा का ऑर्डर दिया था लेकिन अभी तक नहीं मिली। कृपया बताएं कब मिलेगी।',
  },
];

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A raw RFC 822 message as a mail client writes it: UTF-8 subject (RFC 2047) and body (base64). */
export function rawEmail(options: {
  from: string;
  name: string;
  messageId: string;
  subject: string;
  body: string;
  date: Date;
  references?: readonly string[];
  autoSubmitted?: boolean;
}): string {
  const references = options.references ?? [];
  const lines = [
    `From: =?UTF-8?B?${b64(options.name)}?= <${options.from}>`,
    'To: support@pharmacy.example',
    `Subject: =?UTF-8?B?${b64(options.subject)}?=`,
    `Message-ID: ${options.messageId}`,
    `Date: ${options.date.toUTCString()}`,
    ...(references.length > 0
      ? [`In-Reply-To: ${references.at(-1)}`, `References: ${references.join(' ')}`]
      : []),
    ...(options.autoSubmitted ? ['Auto-Submitted: auto-replied', 'X-Autoreply: yes'] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    b64(options.body).replace(/.{1,76}/g, '$&\r\n'),
  ];
  return lines.join('\r\n');
}
