import { Text } from '@codemirror/state';
import { regoDiagnostics } from './regoDiagnostics';
import { regoLanguage } from './regoLanguage';

describe('regoLanguage (codemirror-rego through StreamLanguage)', () => {
  it('tokenizes Rego into highlight tags: keywords, comments, atoms, builtins, input, strings, numbers', () => {
    const source = [
      'package product.authz',
      'import rego.v1',
      '# who may read',
      'default allow := false',
      'allow if { count(input.roles) > 0; input.action == "read" }',
    ].join('\n');
    const tree = regoLanguage.parser.parse(source);
    const tokens: string[] = [];
    tree.iterate({
      enter: node => {
        if (node.from < node.to && node.name !== tree.type.name) {
          tokens.push(`${node.name}:${source.slice(node.from, node.to)}`);
        }
      },
    });
    expect(tokens).toEqual(
      expect.arrayContaining([
        'keyword:package',
        'keyword:import',
        'comment:# who may read',
        'keyword:default',
        'atom:false',
        'keyword:if',
        'variableName.standard:count',
        'variableName.special:input',
        'operator::=',
        'string:"read"',
        'number:0',
      ]),
    );
  });
});

describe('regoDiagnostics', () => {
  const doc = Text.of(['package p', 'x {{', 'y := 1']);

  it('marks an error from its column to the end of its line', () => {
    expect(
      regoDiagnostics(doc, [
        {
          file: 'authz.rego',
          line: 2,
          column: 4,
          code: 'rego_parse_error',
          message: 'unexpected {',
        },
      ]),
    ).toEqual([
      {
        from: 13,
        to: 14,
        severity: 'error',
        message: '2:4: rego_parse_error: unexpected {',
      },
    ]);
  });

  it('clamps positions outside the text (the text changed since the compile)', () => {
    const [d] = regoDiagnostics(doc, [
      { file: 'a.rego', line: 9, column: 99, code: 'c', message: 'm' },
    ]);
    expect([d.from, d.to]).toEqual([doc.length, doc.length]);
  });
});
