import { MenuItem, TextField } from '@material-ui/core';
import { DatasetDescription } from '@internal/plugin-filters-common';

export interface DatasetPickerProps {
  datasets: DatasetDescription[];
  /** The chosen dataset id ('' for the first). */
  value: string;
  onChange: (datasetId: string) => void;
  fullWidth?: boolean;
}

/** The picked dataset, or the first one while none is picked. */
export function chosenDataset(
  datasets: DatasetDescription[] | undefined,
  id: string,
): DatasetDescription | undefined {
  return datasets?.find(d => d.id === (id || datasets[0]?.id));
}

/** Picks one of the filter engine's datasets by title. */
export function DatasetPicker(props: DatasetPickerProps) {
  const { datasets, value, onChange, fullWidth } = props;
  return (
    <TextField
      select
      label="Dataset"
      variant="outlined"
      size="small"
      fullWidth={fullWidth}
      style={fullWidth ? undefined : { minWidth: 240 }}
      value={chosenDataset(datasets, value)?.id ?? ''}
      onChange={e => onChange(e.target.value)}
      inputProps={{ 'aria-label': 'Dataset' }}
    >
      {datasets.map(d => (
        <MenuItem key={d.id} value={d.id}>
          {d.title}
        </MenuItem>
      ))}
    </TextField>
  );
}
