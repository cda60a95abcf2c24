import { MenuItem, TextField } from '@material-ui/core';
import { ResolvedField } from '@internal/plugin-filters-common';
import { useEditorStyles } from '../editorStyles';
import { parseScalar, toLocalInput } from '../inputValues';

/** One value of a field: select for enums and booleans, datetime for timestamps, else text/number. */
export function ScalarInput(props: {
  field: ResolvedField;
  value: unknown;
  onChange: (v: unknown) => void;
  error?: string;
  label?: string;
}) {
  const classes = useEditorStyles();
  const { field, value, onChange, error, label = 'Value' } = props;
  const common = {
    className: classes.input,
    size: 'small' as const,
    variant: 'outlined' as const,
    label,
    error: Boolean(error),
    helperText: error,
  };
  if (field.values?.length || field.type === 'boolean') {
    const options =
      field.type === 'boolean' ? ['true', 'false'] : field.values!;
    return (
      <TextField
        {...common}
        select
        value={String(value ?? '')}
        onChange={e => onChange(parseScalar(field, e.target.value))}
        inputProps={{ 'aria-label': label }}
      >
        {options.map(o => (
          <MenuItem key={o} value={o}>
            {o}
          </MenuItem>
        ))}
      </TextField>
    );
  }
  if (field.type === 'timestamp') {
    return (
      <TextField
        {...common}
        type="datetime-local"
        InputLabelProps={{ shrink: true }}
        value={toLocalInput(value)}
        onChange={e => onChange(parseScalar(field, e.target.value))}
        inputProps={{ 'aria-label': label }}
      />
    );
  }
  return (
    <TextField
      {...common}
      type={field.type === 'number' ? 'number' : 'text'}
      value={value === undefined || value === null ? '' : String(value)}
      onChange={e => onChange(parseScalar(field, e.target.value))}
      inputProps={{ 'aria-label': label }}
    />
  );
}
