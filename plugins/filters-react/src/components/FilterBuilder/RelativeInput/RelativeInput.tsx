import { MenuItem, TextField } from '@material-ui/core';
import { RelativeTime, TIME_UNITS } from '@internal/plugin-filters-common';
import { useEditorStyles } from '../editorStyles';

/** An amount and a unit, e.g. "7 days ago". */
export function RelativeInput(props: {
  value: RelativeTime;
  onChange: (v: RelativeTime) => void;
  error?: string;
}) {
  const classes = useEditorStyles();
  const { value, onChange, error } = props;
  return (
    <>
      <TextField
        className={classes.input}
        size="small"
        variant="outlined"
        type="number"
        label="Amount"
        value={value.amount}
        error={Boolean(error)}
        helperText={error}
        inputProps={{ 'aria-label': 'Amount' }}
        onChange={e => onChange({ ...value, amount: Number(e.target.value) })}
      />
      <TextField
        className={classes.input}
        size="small"
        variant="outlined"
        select
        label="Unit"
        value={value.unit}
        onChange={e =>
          onChange({ ...value, unit: e.target.value as RelativeTime['unit'] })
        }
      >
        {TIME_UNITS.map(u => (
          <MenuItem key={u} value={u}>
            {u} ago
          </MenuItem>
        ))}
      </TextField>
    </>
  );
}
