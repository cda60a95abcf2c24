/*
 * sprintf with Go fmt semantics for the verbs policies use (%v %s %d %f %e %g
 * %x %X %o %b %q %t %%), formatting composite values like OPA does.
 */

function regoString(v: any, top: boolean): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return top ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v))
    return `[${v.map(x => regoString(x, false)).join(', ')}]`;
  return `{${Object.keys(v)
    .sort()
    .map(k => `${JSON.stringify(k)}: ${regoString(v[k], false)}`)
    .join(', ')}}`;
}

function pad(
  s: string,
  width: number | undefined,
  left: boolean,
  zero: boolean,
): string {
  if (width === undefined || s.length >= width) return s;
  if (left) return s + ' '.repeat(width - s.length);
  if (zero) {
    const neg = s.startsWith('-') || s.startsWith('+');
    const body = neg ? s.slice(1) : s;
    return (neg ? s[0] : '') + '0'.repeat(width - s.length) + body;
  }
  return ' '.repeat(width - s.length) + s;
}

export function format(fmt: string, args: any[]): string {
  let out = '';
  let ai = 0;
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    i++;
    let left = false;
    let zero = false;
    let plus = false;
    let space = false;
    for (; '-0+ #'.includes(fmt[i]); i++) {
      if (fmt[i] === '-') left = true;
      else if (fmt[i] === '0') zero = true;
      else if (fmt[i] === '+') plus = true;
      else if (fmt[i] === ' ') space = true;
    }
    let width: number | undefined;
    let prec: number | undefined;
    let m = /^\d+/.exec(fmt.slice(i));
    if (m) {
      width = Number(m[0]);
      i += m[0].length;
    }
    if (fmt[i] === '.') {
      i++;
      m = /^\d*/.exec(fmt.slice(i));
      prec = Number(m![0] || 0);
      i += m![0].length;
    }
    const verb = fmt[i];
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (ai >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const a = args[ai++];
    let s: string;
    const sign = (x: number, str: string) => {
      if (x >= 0 && plus) return `+${str}`;
      return x >= 0 && space ? ` ${str}` : str;
    };
    switch (verb) {
      case 'v':
      case 's':
        s = regoString(a, true);
        if (prec !== undefined && typeof a === 'string') s = s.slice(0, prec);
        break;
      case 'q':
        s =
          typeof a === 'string'
            ? JSON.stringify(a)
            : `%!q(${regoString(a, true)})`;
        break;
      case 'd':
        s =
          typeof a === 'number' && Number.isInteger(a)
            ? sign(a, String(a))
            : `%!d(${typeof a === 'number' ? 'big.Float=' : ''}${regoString(
                a,
                true,
              )})`;
        break;
      case 'f':
      case 'F':
        s =
          typeof a === 'number'
            ? sign(a, a.toFixed(prec ?? 6))
            : `%!f(${regoString(a, true)})`;
        break;
      case 'e':
        s =
          typeof a === 'number'
            ? sign(
                a,
                a.toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2'),
              )
            : `%!e(${regoString(a, true)})`;
        break;
      case 'g':
        s =
          typeof a === 'number'
            ? sign(
                a,
                prec !== undefined
                  ? String(Number(a.toPrecision(prec)))
                  : String(a),
              )
            : `%!g(${regoString(a, true)})`;
        break;
      case 'x':
      case 'X': {
        if (typeof a === 'number') s = Math.trunc(a).toString(16);
        else if (typeof a === 'string')
          s = Buffer.from(a, 'utf8').toString('hex');
        else s = `%!x(${regoString(a, true)})`;
        if (verb === 'X') s = s.toUpperCase();
        break;
      }
      case 'o':
        s =
          typeof a === 'number'
            ? Math.trunc(a).toString(8)
            : `%!o(${regoString(a, true)})`;
        break;
      case 'b':
        s =
          typeof a === 'number'
            ? Math.trunc(a).toString(2)
            : `%!b(${regoString(a, true)})`;
        break;
      case 't':
        s = typeof a === 'boolean' ? String(a) : `%!t(${regoString(a, true)})`;
        break;
      default:
        s = `%!${verb}(${regoString(a, true)})`;
    }
    out += pad(s, width, left, zero && !left);
  }
  if (ai < args.length) {
    out += `%!(EXTRA ${args
      .slice(ai)
      .map(
        a =>
          `${typeof a === 'string' ? 'string' : typeof a}=${regoString(
            a,
            true,
          )}`,
      )
      .join(', ')})`;
  }
  return out;
}
