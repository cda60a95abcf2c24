/** Source location inside a Rego module. */
export interface Loc {
  file: string;
  line: number;
  col: number;
}

/** One compile error, like OPA's `file:line:col: code: message`. */
export interface RegoErrorDetail {
  file: string;
  line: number;
  column: number;
  message: string;
  /** OPA error kind, e.g. `rego_parse_error`, `rego_unsafe_var_error`, `rego_compile_error`. */
  code: string;
}

/** Thrown by `compileRego` when a module does not parse or does not pass the checks. */
export class RegoCompileError extends Error {
  readonly errors: RegoErrorDetail[];

  constructor(errors: RegoErrorDetail[]) {
    super(
      errors
        .map(e => `${e.file}:${e.line}:${e.column}: ${e.code}: ${e.message}`)
        .join('\n'),
    );
    this.name = 'RegoCompileError';
    this.errors = errors;
  }
}

export function compileError(
  loc: Loc,
  message: string,
  code = 'rego_compile_error',
): RegoCompileError {
  return new RegoCompileError([
    { file: loc.file, line: loc.line, column: loc.col, message, code },
  ]);
}
