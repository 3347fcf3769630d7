/**
 * `WWW-Authenticate` parsing (RFC 9110 §11.6.1): one header may carry several challenges, each a
 * scheme followed by comma-separated `name=value` parameters, values being tokens or quoted strings
 * (`scope="repository:a/b:pull,push"` has a comma inside quotes). The header is hostile input: the
 * parser never throws and stops at the first thing it cannot read.
 */
export interface AuthChallenge {
  /** Lower-case: `bearer`, `basic`, … */
  readonly scheme: string;
  /** Parameter names lower-cased; the first of a repeated name wins. */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN_CHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;
const TOKEN68_CHAR = /[0-9A-Za-z\-._~+/]/;

export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let pos = 0;
  const skip = (re: RegExp) => {
    while (pos < header.length && re.test(header[pos]!)) pos++;
  };
  const readToken = (re = TOKEN_CHAR): string => {
    const start = pos;
    skip(re);
    return header.slice(start, pos);
  };
  const readQuoted = (): string | undefined => {
    let value = '';
    pos++; // opening quote
    while (pos < header.length) {
      const c = header[pos++]!;
      if (c === '"') return value;
      if (c === '\\' && pos < header.length) value += header[pos++]!;
      else value += c;
    }
    return undefined; // unterminated
  };

  outer: while (pos < header.length) {
    skip(/[\s,]/);
    const scheme = readToken();
    if (scheme === '') break;
    const params: Record<string, string> = {};
    challenges.push({ scheme: scheme.toLowerCase(), params });
    skip(/[ \t]/);
    for (;;) {
      const mark = pos;
      const name = readToken(TOKEN68_CHAR);
      if (name === '') break;
      skip(/[ \t]/);
      if (header[pos] !== '=') {
        pos = mark; // a bare token: the next challenge's scheme
        continue outer;
      }
      pos++;
      skip(/[ \t]/);
      let value: string | undefined;
      if (header[pos] === '"') value = readQuoted();
      else if (header[pos] === '=' || pos >= header.length || header[pos] === ',') {
        skip(/=/); // token68 (`Negotiate abc==`): kept as a parameter-less challenge
        value = undefined;
      } else value = readToken();
      if (value !== undefined && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
        const key = name.toLowerCase();
        if (!(key in params)) params[key] = value;
      }
      skip(/[ \t]/);
      if (header[pos] !== ',') break outer;
      pos++;
      skip(/[\s,]/);
    }
  }
  return challenges;
}

/** The challenge we answer: Bearer if offered (it scopes access), else Basic, else none we speak. */
export function pickChallenge(challenges: readonly AuthChallenge[]): AuthChallenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}
