import {
  Box,
  Button,
  Checkbox,
  Chip,
  FormControlLabel,
  IconButton,
  MenuItem,
  TextField,
  Tooltip,
  Typography,
} from '@material-ui/core';
import { makeStyles } from '@material-ui/core/styles';
import DeleteIcon from '@material-ui/icons/Delete';
import {
  DatasetDescription,
  DEFAULT_FILTER_LIMITS,
  FilterGroup,
  FilterNode,
  FilterRule,
  filterableFieldNames,
  FilterValidationIssue,
  isFilterGroup,
  OPERATOR_LABELS,
  Operator,
  RelativeTime,
  resolveField,
  ResolvedField,
  TIME_UNITS,
  validateFilter,
  valueKindOf,
} from '@internal/plugin-filters-common';

/** The engine's EXPLAIN estimate for the current filter (an estimate, not a measurement). */
export interface FilterEstimate {
  estimatedRows: number;
  estimatedCost: number;
  costThreshold: number;
  wouldRun: boolean;
  suggestedFields: string[];
  measuredAt: string;
}

export interface FilterBuilderProps {
  dataset: DatasetDescription;
  value: FilterGroup;
  onChange: (value: FilterGroup) => void;
  /** Shown above the tree when given (e.g. from FiltersApi.explain). */
  estimate?: FilterEstimate;
  estimateError?: Error;
}

const useStyles = makeStyles(theme => ({
  group: {
    borderLeft: `3px solid ${theme.palette.primary.main}`,
    paddingLeft: theme.spacing(1.5),
    marginTop: theme.spacing(1),
    marginBottom: theme.spacing(1),
  },
  row: {
    display: 'flex',
    alignItems: 'flex-start',
    gap: theme.spacing(1),
    flexWrap: 'wrap',
    marginTop: theme.spacing(1),
  },
  input: { minWidth: 160 },
}));

type Path = number[];

function pathKey(path: Path): string {
  return path.map(i => `rules[${i}]`).join('.');
}

function updateAt(
  group: FilterGroup,
  path: Path,
  fn: (node: FilterNode) => FilterNode | undefined,
): FilterGroup {
  if (path.length === 0) return fn(group) as FilterGroup;
  const [head, ...rest] = path;
  const rules = [...group.rules];
  const child = rules[head];
  const next =
    rest.length === 0 ? fn(child) : updateAt(child as FilterGroup, rest, fn);
  if (next === undefined) rules.splice(head, 1);
  else rules[head] = next;
  return { ...group, rules };
}

function defaultValue(
  field: ResolvedField,
  operator: Operator,
): FilterRule['value'] {
  switch (valueKindOf(operator)) {
    case 'none':
      return undefined;
    case 'relative':
    case 'timeBound':
      return { amount: 7, unit: 'days' };
    case 'list':
      return field.values?.length ? [field.values[0]] : [];
    case 'pair':
      return field.type === 'number' ? [0, 100] : ['', ''];
    default:
      if (field.type === 'boolean') return true;
      if (field.values?.length) return field.values[0];
      return field.type === 'number' ? 0 : '';
  }
}

function parseScalar(field: ResolvedField, text: string): unknown {
  if (field.type === 'number')
    return text.trim() !== '' && !Number.isNaN(Number(text))
      ? Number(text)
      : text;
  if (field.type === 'boolean') return text === 'true';
  if (field.type === 'timestamp') {
    const ms = Date.parse(text);
    return Number.isFinite(ms) ? new Date(ms).toISOString() : text;
  }
  return text;
}

function toLocalInput(iso: unknown): string {
  const ms = Date.parse(String(iso));
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

function ScalarInput(props: {
  field: ResolvedField;
  value: unknown;
  onChange: (v: unknown) => void;
  error?: string;
  label?: string;
}) {
  const classes = useStyles();
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

function RelativeInput(props: {
  value: RelativeTime;
  onChange: (v: RelativeTime) => void;
  error?: string;
}) {
  const classes = useStyles();
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

function ValueInput(props: {
  field: ResolvedField;
  rule: FilterRule;
  onChange: (v: unknown) => void;
  errorAt: (suffix: string) => string | undefined;
}) {
  const classes = useStyles();
  const { field, rule, onChange, errorAt } = props;
  const kind = valueKindOf(rule.operator);
  const error = errorAt('value');
  switch (kind) {
    case 'none':
      return null;
    case 'relative':
      return (
        <RelativeInput
          value={(rule.value as RelativeTime) ?? { amount: 7, unit: 'days' }}
          onChange={onChange}
          error={error ?? errorAt('value.amount')}
        />
      );
    case 'timeBound': {
      const relative =
        typeof rule.value === 'object' &&
        rule.value !== null &&
        !Array.isArray(rule.value);
      return (
        <>
          <TextField
            className={classes.input}
            size="small"
            variant="outlined"
            select
            label="Time"
            value={relative ? 'relative' : 'absolute'}
            onChange={e =>
              onChange(
                e.target.value === 'relative'
                  ? { amount: 7, unit: 'days' }
                  : new Date().toISOString(),
              )
            }
          >
            <MenuItem value="relative">relative</MenuItem>
            <MenuItem value="absolute">date and time</MenuItem>
          </TextField>
          {relative ? (
            <RelativeInput
              value={rule.value as RelativeTime}
              onChange={onChange}
              error={error ?? errorAt('value.amount')}
            />
          ) : (
            <ScalarInput
              field={field}
              value={rule.value}
              onChange={onChange}
              error={error}
            />
          )}
        </>
      );
    }
    case 'pair': {
      const [low, high] = Array.isArray(rule.value)
        ? rule.value
        : [undefined, undefined];
      return (
        <>
          <ScalarInput
            field={field}
            label="From"
            value={low}
            onChange={v => onChange([v, high])}
            error={error ?? errorAt('value[0]')}
          />
          <ScalarInput
            field={field}
            label="To"
            value={high}
            onChange={v => onChange([low, v])}
            error={errorAt('value[1]')}
          />
        </>
      );
    }
    case 'list': {
      const list = Array.isArray(rule.value) ? rule.value : [];
      const firstItemError = list
        .map((_, i) => errorAt(`value[${i}]`))
        .find(Boolean);
      return (
        <TextField
          className={classes.input}
          size="small"
          variant="outlined"
          label="Values (comma-separated)"
          value={list.join(', ')}
          error={Boolean(error ?? firstItemError)}
          helperText={
            error ??
            firstItemError ??
            `${list.length} of at most ${DEFAULT_FILTER_LIMITS.maxListValues}`
          }
          inputProps={{ 'aria-label': 'Values' }}
          onChange={e =>
            onChange(
              e.target.value
                .split(',')
                .map(s => s.trim())
                .filter(s => s !== '')
                .map(s => parseScalar(field, s)),
            )
          }
        />
      );
    }
    default:
      return (
        <ScalarInput
          field={field}
          value={rule.value}
          onChange={onChange}
          error={error}
        />
      );
  }
}

function RuleEditor(props: {
  dataset: DatasetDescription;
  rule: FilterRule;
  path: Path;
  issues: Map<string, string>;
  onChange: (rule: FilterRule | undefined) => void;
}) {
  const classes = useStyles();
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

function GroupEditor(props: {
  dataset: DatasetDescription;
  group: FilterGroup;
  path: Path;
  issues: Map<string, string>;
  onChange: (group: FilterGroup | undefined) => void;
}) {
  const classes = useStyles();
  const { dataset, group, path, issues, onChange } = props;
  const prefix = pathKey(path);
  const depth = path.length + 1;
  const firstField = filterableFieldNames(dataset)[0];
  const newRule = (): FilterRule => {
    const r = resolveField(dataset, firstField);
    const operator = r.ok ? r.resolved.operators[0] : 'eq';
    return {
      field: firstField,
      operator,
      value: r.ok ? defaultValue(r.resolved, operator) : undefined,
    };
  };
  const groupError =
    issues.get(prefix) ?? issues.get(prefix ? `${prefix}.rules` : 'rules');
  return (
    <Box className={classes.group} data-testid={`group-${prefix || 'root'}`}>
      <Box className={classes.row}>
        <TextField
          size="small"
          variant="outlined"
          select
          label="Match"
          value={group.combinator}
          inputProps={{ 'aria-label': 'Match' }}
          onChange={e =>
            onChange({ ...group, combinator: e.target.value as 'and' | 'or' })
          }
        >
          <MenuItem value="and">all of (and)</MenuItem>
          <MenuItem value="or">any of (or)</MenuItem>
        </TextField>
        <FormControlLabel
          control={
            <Checkbox
              checked={Boolean(group.not)}
              onChange={e =>
                onChange({ ...group, not: e.target.checked || undefined })
              }
            />
          }
          label="not"
        />
        <Button
          size="small"
          variant="outlined"
          onClick={() =>
            onChange({ ...group, rules: [...group.rules, newRule()] })
          }
        >
          Add rule
        </Button>
        <Button
          size="small"
          variant="outlined"
          disabled={depth >= DEFAULT_FILTER_LIMITS.maxDepth}
          onClick={() =>
            onChange({
              ...group,
              rules: [
                ...group.rules,
                { combinator: 'and', rules: [newRule()] },
              ],
            })
          }
        >
          Add group
        </Button>
        {path.length > 0 && (
          <Button size="small" onClick={() => onChange(undefined)}>
            Remove group
          </Button>
        )}
      </Box>
      {groupError && (
        <Typography color="error" variant="body2">
          {groupError}
        </Typography>
      )}
      {group.rules.map((node, i) =>
        isFilterGroup(node) ? (
          <GroupEditor
            key={i}
            dataset={dataset}
            group={node}
            path={[...path, i]}
            issues={issues}
            onChange={next => onChange(updateAt(group, [i], () => next))}
          />
        ) : (
          <RuleEditor
            key={i}
            dataset={dataset}
            rule={node}
            path={[...path, i]}
            issues={issues}
            onChange={next => onChange(updateAt(group, [i], () => next))}
          />
        ),
      )}
    </Box>
  );
}

/**
 * Builds a filter for a dataset: nested groups, type-aware inputs, inline validation messages
 * (the same validator the engine runs), and the engine's estimate when given.
 */
export function FilterBuilder(props: FilterBuilderProps) {
  const { dataset, value, onChange, estimate, estimateError } = props;
  const validation = validateFilter(value, dataset);
  const issues = new Map<string, string>();
  for (const issue of validation.issues as FilterValidationIssue[]) {
    if (!issues.has(issue.path)) issues.set(issue.path, issue.message);
  }
  return (
    <Box>
      <Box
        display="flex"
        style={{ gap: 8 }}
        alignItems="center"
        flexWrap="wrap"
      >
        {validation.valid ? (
          <Chip
            size="small"
            label="Filter is valid"
            color="primary"
            variant="outlined"
          />
        ) : (
          <Chip
            size="small"
            label={`${validation.issues.length} problem${
              validation.issues.length === 1 ? '' : 's'
            }`}
            color="secondary"
          />
        )}
        {estimate && (
          <Tooltip
            title={`EXPLAIN estimate at ${estimate.measuredAt}; threshold ${estimate.costThreshold}`}
          >
            <Chip
              size="small"
              data-testid="filter-estimate"
              color={estimate.wouldRun ? 'default' : 'secondary'}
              label={`Estimate: ~${Math.round(
                estimate.estimatedRows,
              ).toLocaleString()} rows, cost ${Math.round(
                estimate.estimatedCost,
              ).toLocaleString()}${
                estimate.wouldRun
                  ? ''
                  : ` — above ${estimate.costThreshold.toLocaleString()}: add ${
                      estimate.suggestedFields.join(' or ') || 'conditions'
                    }`
              }`}
            />
          </Tooltip>
        )}
        {estimateError && (
          <Typography color="error" variant="body2">
            {estimateError.message}
          </Typography>
        )}
      </Box>
      <GroupEditor
        dataset={dataset}
        group={value}
        path={[]}
        issues={issues}
        onChange={next => onChange(next ?? { combinator: 'and', rules: [] })}
      />
    </Box>
  );
}
