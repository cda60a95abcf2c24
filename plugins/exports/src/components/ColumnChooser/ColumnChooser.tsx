import {
  Box,
  Checkbox,
  Chip,
  FormControlLabel,
  Tooltip,
  Typography,
} from '@material-ui/core';
import { DatasetField } from '@internal/plugin-filters-common';

export interface ColumnChooserProps {
  fields: DatasetField[];
  /** The chosen column names, in the dataset's order. */
  value: string[];
  onChange: (value: string[]) => void;
  /** Data classes the user may read; undefined while the permission answers are pending. */
  readableClasses: Set<string> | undefined;
}

/** Whether a field may be exported by someone who may read these data classes. */
export function isReadable(
  field: DatasetField,
  readableClasses: Set<string> | undefined,
): boolean {
  return !field.dataClass || Boolean(readableClasses?.has(field.dataClass));
}

/**
 * Columns of the export. A field with a data class (e.g. `pii`) is marked with it, and disabled
 * when the permission framework does not let the user read that class.
 */
export function ColumnChooser(props: ColumnChooserProps) {
  const { fields, value, onChange, readableClasses } = props;
  const chosen = new Set(value);
  const toggle = (name: string, on: boolean) =>
    onChange(
      fields.map(f => f.name).filter(n => (n === name ? on : chosen.has(n))),
    );
  return (
    <Box>
      <Typography variant="subtitle2">Columns ({value.length})</Typography>
      <Box display="flex" flexWrap="wrap" style={{ columnGap: 16 }}>
        {fields.map(field => {
          const readable = isReadable(field, readableClasses);
          const control = (
            <FormControlLabel
              key={field.name}
              disabled={!readable}
              control={
                <Checkbox
                  size="small"
                  color="primary"
                  checked={readable && chosen.has(field.name)}
                  onChange={e => toggle(field.name, e.target.checked)}
                  inputProps={{ 'aria-label': `column ${field.name}` }}
                />
              }
              label={
                <Box display="flex" alignItems="center" style={{ gap: 4 }}>
                  <span>{field.label}</span>
                  {field.dataClass && (
                    <Chip
                      size="small"
                      color={readable ? 'default' : 'secondary'}
                      label={field.dataClass.toUpperCase()}
                    />
                  )}
                </Box>
              }
            />
          );
          return readable ? (
            control
          ) : (
            <Tooltip
              key={field.name}
              title={`Needs filters.data-class.read for ${field.dataClass}`}
            >
              <span>{control}</span>
            </Tooltip>
          );
        })}
      </Box>
    </Box>
  );
}
