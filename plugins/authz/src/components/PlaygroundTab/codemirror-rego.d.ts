// codemirror-rego ships no types: its mode module registers `rego` on CodeMirror 5 and
// exports that CodeMirror.
declare module 'codemirror-rego/mode' {
  export const CodeMirror: {
    getMode(options: object, spec: string): unknown;
  };
}
