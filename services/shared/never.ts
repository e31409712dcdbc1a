/**
 * The end of an exhaustive switch over a discriminated union. Reached only with corrupt or newer-version
 * data, and then it names the discriminant alone: the value itself may hold personal data (a free-text
 * comment, an identity) and the error may be logged.
 */
export function assertNever(value: never): never {
  const tagged = value as { type?: unknown; status?: unknown; kind?: unknown } | null;
  const tag =
    tagged && typeof tagged === 'object'
      ? (tagged.type ?? tagged.status ?? tagged.kind ?? 'untagged')
      : typeof value;
  throw new Error(`unexpected case ${String(tag)}`);
}
