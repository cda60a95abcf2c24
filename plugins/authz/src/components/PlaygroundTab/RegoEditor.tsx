import { Box, makeStyles } from '@material-ui/core';
import { RegoError } from '../../api/AuthzApi';

const useStyles = makeStyles(theme => ({
  wrap: {
    display: 'flex',
    border: `1px solid ${theme.palette.divider}`,
    fontFamily: 'monospace',
    fontSize: 13,
    lineHeight: '18px',
    marginTop: theme.spacing(1),
  },
  gutter: {
    padding: '8px 6px',
    textAlign: 'right',
    color: theme.palette.text.secondary,
    userSelect: 'none',
    whiteSpace: 'pre',
    background: theme.palette.background.default,
  },
  errorLine: { color: theme.palette.error.main, fontWeight: 'bold' },
  text: {
    flex: 1,
    border: 'none',
    outline: 'none',
    resize: 'vertical',
    padding: 8,
    font: 'inherit',
    lineHeight: 'inherit',
    minHeight: 420,
    whiteSpace: 'pre',
    overflowWrap: 'normal',
    overflowX: 'auto',
    background: theme.palette.background.paper,
    color: theme.palette.text.primary,
  },
}));

/**
 * A plain Rego text editor with line numbers; lines with a compile error are marked in the
 * gutter (the messages, with line:column, are listed under it by the caller).
 */
export const RegoEditor = (props: {
  value: string;
  onChange: (value: string) => void;
  errors: RegoError[];
}) => {
  const classes = useStyles();
  const lines = props.value.split('\n').length;
  const errorLines = new Set(props.errors.map(e => e.line));
  return (
    <Box className={classes.wrap}>
      <div className={classes.gutter} aria-hidden>
        {Array.from({ length: lines }, (_, i) => (
          <div
            key={i}
            className={errorLines.has(i + 1) ? classes.errorLine : undefined}
          >
            {errorLines.has(i + 1) ? `● ${i + 1}` : i + 1}
          </div>
        ))}
      </div>
      <textarea
        aria-label="Rego source"
        className={classes.text}
        spellCheck={false}
        value={props.value}
        onChange={e => props.onChange(e.target.value)}
        rows={Math.max(lines, 24)}
      />
    </Box>
  );
};
