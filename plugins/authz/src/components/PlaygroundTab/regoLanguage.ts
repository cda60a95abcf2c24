import { StreamLanguage, StreamParser } from '@codemirror/language';
import { CodeMirror } from 'codemirror-rego/mode';

/**
 * Rego highlighting for CodeMirror 6: codemirror-rego's CodeMirror 5 mode through the legacy
 * stream-parser adapter (its tokens — keyword, builtin, def, variable-2, string-2 … — map to
 * highlight tags through the adapter's legacy token table).
 */
export const regoLanguage = StreamLanguage.define({
  ...(CodeMirror.getMode({}, 'rego') as StreamParser<unknown>),
  name: 'rego',
  languageData: { commentTokens: { line: '#' } },
});
