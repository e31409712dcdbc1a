/**
 * The text of a PDF as written by PDFKit with the standard fonts: each text-showing array (`[<hex> …] TJ`)
 * of each Flate content stream, decoded byte per character (WinAnsi), one line per array. Enough to check
 * what a generated letter says without a PDF reader in the test machine.
 */
import { inflateSync } from 'node:zlib';

// WinAnsi's punctuation above 0x7F that letters use (Node's 'windows-1252' decoder is plain Latin-1).
const WIN_ANSI = new Map<number, string>([
  [0x85, '…'],
  [0x91, '‘'],
  [0x92, '’'],
  [0x93, '“'],
  [0x94, '”'],
  [0x95, '•'],
  [0x96, '–'],
  [0x97, '—'],
]);
const winAnsi = (bytes: Buffer) => [...bytes].map((b) => WIN_ANSI.get(b) ?? String.fromCharCode(b)).join('');

export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const lines: string[] = [];
  for (const stream of raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(stream[1]!, 'latin1')).toString('latin1');
    } catch {
      continue; // not a Flate stream (an uncompressed one has no text in this renderer)
    }
    for (const shown of content.matchAll(/\[([^\]]*)\]\s*TJ/g)) {
      const hex = [...shown[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]).join('');
      lines.push(winAnsi(Buffer.from(hex, 'hex')));
    }
  }
  return lines.join('\n');
}
