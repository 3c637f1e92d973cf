import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectLanguage } from '../../../lambdas/domain/triage/detectLanguage.js';
import { SUPPORTED_LANGUAGES } from '../../../lambdas/domain/triage/taxonomy.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const corpusDir = path.resolve(repoRoot, '../shared/corpora/langid');

// Member messages written for these tests (not taken from any corpus).
const MEMBER_MESSAGES: Array<[string, string]> = [
  ['en', 'Hi, I still have not received my refill and I only have two pills left. Can you help?'],
  ['es', 'Hola, todavía no he recibido mi medicamento y solo me quedan dos pastillas. ¿Me pueden ayudar?'],
  ['pt', 'Olá, ainda não recebi o meu medicamento e só tenho dois comprimidos. Vocês podem me ajudar?'],
  ['fr', "Bonjour, je n'ai toujours pas reçu mon médicament et il ne me reste que deux comprimés."],
  ['de', 'Hallo, ich habe mein Medikament immer noch nicht erhalten und habe nur noch zwei Tabletten.'],
  ['it', 'Buongiorno, non ho ancora ricevuto il mio farmaco e mi restano solo due compresse.'],
  ['pl', 'Dzień dobry, nadal nie otrzymałem leku i zostały mi tylko dwie tabletki. Proszę o pomoc.'],
  ['tl', 'Magandang araw po, hindi ko pa natatanggap ang gamot ko at dalawang tableta na lang ang natitira.'],
  ['vi', 'Xin chào, tôi vẫn chưa nhận được thuốc và chỉ còn hai viên. Xin vui lòng giúp tôi.'],
  ['ru', 'Здравствуйте, я до сих пор не получил своё лекарство, осталось только две таблетки.'],
  ['ar', 'مرحبا، لم أستلم دوائي حتى الآن وبقي لدي قرصان فقط. هل يمكنكم مساعدتي؟'],
  ['hi', 'नमस्ते, मुझे अभी तक मेरी दवा नहीं मिली है और मेरे पास केवल दो गोलियाँ बची हैं।'],
  ['ko', '안녕하세요, 아직 약을 받지 못했고 두 알밖에 남지 않았습니다. 도와주세요.'],
  ['ja', 'こんにちは、まだ薬が届いていません。残りは二錠だけです。助けてください。'],
  ['zh', '你好，我还没有收到我的药，只剩下两片了。请帮帮我。'],
  ['ht', 'Bonjou, mwen poko resevwa medikaman mwen epi se de grenn sèlman ki rete m. Tanpri ede m.'],
];

const HAITIAN_MESSAGES = [
  'Mwen bezwen renouvle preskripsyon mwen an, tanpri.',
  'Poukisa yo chaje m de fwa pou menm medikaman an?',
  'Pake a rive kase, tout boutèy yo te domaje.',
  'Kilè nou pral voye lòd mwen an? Mwen pa gen medikaman ankò.',
  'Mwen chanje adrès mwen, kounye a mwen rete Miami.',
  'Doktè a voye yon nouvo preskripsyon pou mwen jodi a.',
  'Yo chaje m twòp pou ensilin nan.',
  'Eske ou pale kreyòl?',
  'Mwen pa t resevwa anyen depi de semèn.',
];

describe('detectLanguage', () => {
  it.each(MEMBER_MESSAGES)('detects %s in a member message', (language, text) => {
    const result = detectLanguage(text);

    expect(result.language).toBe(language);
    expect(result.confidence).toBeGreaterThan(0.5);
  });

  it.each(HAITIAN_MESSAGES)('detects Haitian Creole in "%s"', (text) => {
    expect(detectLanguage(text).language).toBe('ht');
  });

  it('keeps French and English sentences away from Haitian Creole', () => {
    const texts = [
      'Je voudrais savoir pourquoi ma commande est en retard, merci de me répondre.',
      'Pouvez-vous me dire si mon assurance couvre ce médicament ?',
      'Tout le monde dit que la livraison est en retard.',
      'Please tell me when my package will ship, I need it before my trip.',
    ];

    expect(texts.map((text) => detectLanguage(text).language)).toEqual(['fr', 'fr', 'fr', 'en']);
  });

  it('records the Chinese script', () => {
    const simplified = detectLanguage('我的药还没有寄到，请问什么时候发货？');
    const traditional = detectLanguage('我的藥還沒有寄到，請問什麼時候發貨？');

    expect(simplified).toMatchObject({ language: 'zh', script: 'Hans' });
    expect(traditional).toMatchObject({ language: 'zh', script: 'Hant' });
  });

  it('uses a Traditional Chinese hint when the characters do not tell the script apart', () => {
    const result = detectLanguage('你好', { contentLanguage: 'zh-TW' });

    expect(result).toMatchObject({ language: 'zh', script: 'Hant' });
  });

  it('reads a message made mostly of drug names by its remaining words', () => {
    expect(detectLanguage('Humira Enbrel Stelara Otezla Cosentyx refill please').language).toBe('en');
    expect(detectLanguage('Necesito Ozempic y Trulicity, Dr. Rodríguez en Miami Beach.').language).toBe('es');
  });

  it('ignores links, e-mail addresses and numbers', () => {
    const text =
      'Hola, mi pedido RX-4481923 no llegó: https://www.example.com/track?order=99812 soporte@example.com';

    expect(detectLanguage(text).language).toBe('es');
  });

  it('returns und when only links, addresses and numbers are left', () => {
    const result = detectLanguage('https://example.com/a/b?c=1 john.doe@example.org 555-0142 #88213');

    expect(result).toEqual({ language: 'und', confidence: 0 });
  });

  it('lets a hint break a tie between close languages', () => {
    const word = 'hospital';

    expect(detectLanguage(word, { contentLanguage: 'es' }).language).toBe('es');
    expect(detectLanguage(word, { preferredLanguage: 'Portuguese' }).language).toBe('pt');
  });

  it('never lets a hint override clear text', () => {
    const text = 'Hello, I would like to know when my prescription will be shipped to my new address.';

    expect(detectLanguage(text, { contentLanguage: 'es', country: 'MX' }).language).toBe('en');
  });

  it('returns und for empty and letter-free input', () => {
    expect(detectLanguage('')).toEqual({ language: 'und', confidence: 0 });
    expect(detectLanguage('   \n\t 12345 ... !!! ')).toEqual({ language: 'und', confidence: 0 });
  });

  it('returns und for scripts no routing language uses', () => {
    expect(detectLanguage('שלום, לא קיבלתי את התרופה שלי').language).toBe('und');
    expect(detectLanguage('สวัสดีครับ ผมยังไม่ได้รับยา').language).toBe('und');
  });

  it('returns und for Ukrainian and Persian instead of Russian and Arabic', () => {
    expect(detectLanguage('Добрий день, я досі не отримав свої ліки, їх залишилось дві.').language).toBe(
      'und',
    );
    expect(
      detectLanguage('سلام، من هنوز داروی خودم را دریافت نکرده‌ام، لطفاً کمک کنید چون چیزی نمانده.').language,
    ).toBe('und');
  });

  it.each([
    ['Turkish', 'Merhaba, ilacımı hâlâ almadım ve sadece iki tablet kaldı. Yardım edebilir misiniz?'],
    ['Indonesian', 'Halo, saya belum menerima obat saya dan hanya tersisa dua tablet. Bisakah membantu?'],
    ['Dutch', 'Hallo, ik heb mijn medicijnen nog steeds niet ontvangen en ik heb nog maar twee tabletten.'],
    ['Swedish', 'Hej, jag har fortfarande inte fått min medicin och jag har bara två tabletter kvar.'],
  ])('returns und with low confidence for %s, a Latin-script language it does not route', (_name, text) => {
    const result = detectLanguage(text);

    expect(result.language).toBe('und');
    expect(result.confidence).toBeLessThan(0.3);
  });

  it('follows the dominant script of mixed text', () => {
    const result = detectLanguage('我的订单 order 还没有到，我很着急，请尽快帮我查一下 tracking。');

    expect(result.language).toBe('zh');
  });

  it('keeps Chinese text with a stray Hangul emoticon Chinese', () => {
    expect(detectLanguage('我的订单还没有到，请帮我查一下 ㅠㅠ').language).toBe('zh');
  });

  it('handles binary junk without throwing', () => {
    const junk = String.fromCharCode(...Array.from({ length: 4000 }, (_, index) => (index * 7919) % 65536));

    const result = detectLanguage(junk);

    expect(result.confidence).toBeGreaterThanOrEqual(0);
    expect(result.confidence).toBeLessThanOrEqual(1);
  });

  it('caps the work on a 1 MB message', () => {
    const text = 'I need my refill shipped to my new address please. '.repeat(20_000);

    const started = performance.now();
    const result = detectLanguage(text);
    const elapsed = performance.now() - started;

    expect(result.language).toBe('en');
    expect(elapsed).toBeLessThan(200);
  });

  it('returns a supported language or und with a confidence in 0..1 for any text', () => {
    const allowed = new Set<string>([...SUPPORTED_LANGUAGES, 'und']);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const result = detectLanguage(text);
        return allowed.has(result.language) && result.confidence >= 0 && result.confidence <= 1;
      }),
      { numRuns: 300 },
    );
  });
});

const KINDS = [
  // Thresholds sit a little under the figures measured when the model was built (see the bench output).
  { kind: 'sentences', minimumMacroAccuracy: 0.997 },
  { kind: 'word-pairs', minimumMacroAccuracy: 0.96 },
  { kind: 'single-words', minimumMacroAccuracy: 0.875 },
] as const;

function readLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

describe('detectLanguage on the Lingua test corpus', () => {
  const dataDir = path.join(corpusDir, 'lingua-testdata');
  const present = existsSync(dataDir);
  const languages = SUPPORTED_LANGUAGES.filter((language) => existsSync(path.join(dataDir, language)));

  it.skipIf(!present).each(KINDS)(
    'reaches the committed macro accuracy on $kind (skipped when ../shared/corpora/langid is absent)',
    ({ kind, minimumMacroAccuracy }) => {
      let accuracySum = 0;
      for (const language of languages) {
        const lines = readLines(path.join(dataDir, language, `${kind}.txt`));
        const correct = lines.filter((line) => detectLanguage(line).language === language).length;
        accuracySum += correct / lines.length;
      }

      expect(accuracySum / languages.length).toBeGreaterThanOrEqual(minimumMacroAccuracy);
    },
  );

  it.skipIf(!present)(
    'reads the derived Traditional Chinese sentences as zh-Hant (skipped when the corpus is absent)',
    () => {
      const lines = readLines(path.join(dataDir, 'zh-Hant', 'sentences.txt'));

      const hant = lines.filter((line) => {
        const result = detectLanguage(line);
        return result.language === 'zh' && result.script === 'Hant';
      }).length;

      expect(hant / lines.length).toBeGreaterThanOrEqual(0.97);
    },
  );
});

describe('long messages', () => {
  // Long enough (over 320 characters with the English part) to be decided on a sample.
  const spanish =
    'Hola, les escribo porque la farmacia no me ha enviado mi medicamento y ya pasaron dos semanas desde que hice el pedido. Necesito saber cuándo llegará, por favor. Mi mamá toma esta medicina todos los días y ya casi no le queda. Gracias por su ayuda.';

  it('are not outvoted by a long English subject or introduction', () => {
    const subject =
      'Re: Your prescription order has shipped and is on the way to your home address - tracking details inside';
    expect(`${subject}\n${spanish}`.length).toBeGreaterThan(320);
    expect(detectLanguage(`${subject}\n${spanish}`).language).toBe('es');
    const intro =
      'My mother asked me to write this for her because she does not write English well, so here is her message in her own words: ';
    expect(detectLanguage(intro + spanish).language).toBe('es');
  });

  it('are decided on a sample as they are in full when the whole message is one language', () => {
    const english =
      'I am writing about my mother. Her prescription was denied last week and the letter says she can appeal. Her cardiologist already tried another medicine and she had a bad reaction, so we would like you to reconsider. She only has six tablets left, so please tell us what else you need from us and how long all of this will take.';
    expect(english.length).toBeGreaterThan(320);
    const result = detectLanguage(english);
    expect(result.language).toBe('en');
    expect(result.confidence).toBeGreaterThanOrEqual(0.9);
  });
});
