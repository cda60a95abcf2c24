import { Text } from '@codemirror/state';
import { Diagnostic } from '@codemirror/lint';
import { RegoError } from '../../api/AuthzApi';

/** Compile errors (1-based line and column) as editor diagnostics, clamped to the text. */
export function regoDiagnostics(doc: Text, errors: RegoError[]): Diagnostic[] {
  return errors.map(error => {
    const line = doc.line(Math.min(Math.max(error.line, 1), doc.lines));
    const from = Math.min(line.from + Math.max(error.column - 1, 0), line.to);
    return {
      from,
      to: Math.max(from, line.to),
      severity: 'error',
      message: `${error.line}:${error.column}: ${error.code}: ${error.message}`,
    };
  });
}
