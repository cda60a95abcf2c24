import { useEffect, useRef } from 'react';
import { makeStyles } from '@material-ui/core';
import {
  defaultKeymap,
  history,
  historyKeymap,
  indentWithTab,
} from '@codemirror/commands';
import {
  defaultHighlightStyle,
  syntaxHighlighting,
} from '@codemirror/language';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import {
  EditorView,
  highlightActiveLine,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { RegoError } from '../../api/AuthzApi';
import { regoDiagnostics } from './regoDiagnostics';
import { regoLanguage } from './regoLanguage';

const useStyles = makeStyles(theme => ({
  wrap: {
    border: `1px solid ${theme.palette.divider}`,
    marginTop: theme.spacing(1),
    '& .cm-editor': {
      minHeight: 420,
      maxHeight: 640,
      fontSize: 13,
      background: theme.palette.background.paper,
      color: theme.palette.text.primary,
    },
    '& .cm-scroller': { fontFamily: 'monospace' },
    '& .cm-gutters': {
      background: theme.palette.background.default,
      color: theme.palette.text.secondary,
    },
  },
}));

/**
 * The Rego editor (CodeMirror 6 with codemirror-rego's highlighting): compile errors are
 * marked at their line and column and listed in the lint gutter; the caller lists them too.
 */
export const RegoEditor = (props: {
  value: string;
  onChange: (value: string) => void;
  errors: RegoError[];
}) => {
  const classes = useStyles();
  const parent = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView>();
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;

  useEffect(() => {
    const editor = new EditorView({
      parent: parent.current!,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          lineNumbers(),
          highlightActiveLine(),
          history(),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          regoLanguage,
          syntaxHighlighting(defaultHighlightStyle),
          lintGutter(),
          EditorView.contentAttributes.of({ 'aria-label': 'Rego source' }),
          EditorView.updateListener.of(update => {
            if (update.docChanged) {
              onChange.current(update.state.doc.toString());
            }
          }),
        ],
      }),
    });
    view.current = editor;
    return () => editor.destroy();
    // created once; later values arrive through the effect below
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // a value from outside (another module picked, a revision loaded) replaces the text
  useEffect(() => {
    const editor = view.current;
    if (!editor || editor.state.doc.toString() === props.value) return;
    editor.dispatch({
      changes: { from: 0, to: editor.state.doc.length, insert: props.value },
    });
  }, [props.value]);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    editor.dispatch(
      setDiagnostics(
        editor.state,
        regoDiagnostics(editor.state.doc, props.errors),
      ),
    );
  }, [props.errors]);

  return (
    <div className={classes.wrap} ref={parent} data-testid="rego-editor" />
  );
};
