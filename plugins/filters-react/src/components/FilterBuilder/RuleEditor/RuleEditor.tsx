import {
  Box,
  IconButton,
  MenuItem,
  TextField,
  Tooltip,
} from '@material-ui/core';
import DeleteIcon from '@material-ui/icons/Delete';
import {
  DatasetDescription,
  FilterRule,
  filterableFieldNames,
  OPERATOR_LABELS,
  Operator,
  resolveField,
  valueKindOf,
} from '@internal/plugin-filters-common';
import { useEditorStyles } from '../editorStyles';
import { defaultValue, Path, pathKey } from '../filterTree';
import { ValueInput } from '../ValueInput';

/** One rule: field, operator and value, with the validator's messages under each input. */
export function RuleEditor(props: {
  dataset: DatasetDescription;
  rule: FilterRule;
  path: Path;
  issues: Map<string, string>;
  onChange: (rule: FilterRule | undefined) => void;
}) {
  const classes = useEditorStyles();
  const { dataset, rule, path, issues, onChange } = props;
  const prefix = pathKey(path);
  const errorAt = (suffix: string) =>
    issues.get(prefix ? `${prefix}.${suffix}` : suffix);
  const resolution = resolveField(dataset, rule.field);
  const fields = filterableFieldNames(dataset);
  return (
    <Box className={classes.row} data-testid={`rule-${prefix}`}>
      <TextField
        className={classes.input}
        size="small"
        variant="outlined"
        select
        label="Field"
        value={fields.includes(rule.field) ? rule.field : ''}
        error={Boolean(errorAt('field'))}
        helperText={errorAt('field')}
        inputProps={{ 'aria-label': 'Field' }}
        onChange={e => {
          const r = resolveField(dataset, e.target.value);
          if (!r.ok) return;
          const operator = r.resolved.operators[0];
          onChange({
            field: e.target.value,
            operator,
            value: defaultValue(r.resolved, operator),
          });
        }}
      >
        {fields.map(f => {
          const r = resolveField(dataset, f);
          return (
            <MenuItem key={f} value={f}>
              {r.ok ? r.resolved.label : f}
              {r.ok && r.resolved.dataClass ? ` (${r.resolved.dataClass})` : ''}
            </MenuItem>
          );
        })}
      </TextField>
      {resolution.ok && (
        <>
          <TextField
            className={classes.input}
            size="small"
            variant="outlined"
            select
            label="Operator"
            value={rule.operator}
            error={Boolean(errorAt('operator'))}
            helperText={errorAt('operator')}
            inputProps={{ 'aria-label': 'Operator' }}
            onChange={e => {
              const operator = e.target.value as Operator;
              const sameKind =
                valueKindOf(operator) === valueKindOf(rule.operator);
              onChange({
                ...rule,
                operator,
                value: sameKind
                  ? rule.value
                  : defaultValue(resolution.resolved, operator),
              });
            }}
          >
            {resolution.resolved.operators.map(op => (
              <MenuItem key={op} value={op}>
                {OPERATOR_LABELS[op]}
              </MenuItem>
            ))}
          </TextField>
          <ValueInput
            field={resolution.resolved}
            rule={rule}
            errorAt={errorAt}
            onChange={value =>
              onChange({ ...rule, value: value as FilterRule['value'] })
            }
          />
        </>
      )}
      <Tooltip title="Remove rule">
        <IconButton
          aria-label="Remove rule"
          size="small"
          onClick={() => onChange(undefined)}
        >
          <DeleteIcon fontSize="small" />
        </IconButton>
      </Tooltip>
    </Box>
  );
}
